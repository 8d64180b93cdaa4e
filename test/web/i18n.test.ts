import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { AuditEvent } from '../../src/modules/audit/audit.schemas.js';
import { DiagnosisStatus } from '../../src/modules/clinical/diagnoses.schemas.js';
import { EncounterKind, EncounterStatus } from '../../src/modules/clinical/encounters.schemas.js';
import { ResultFlag, ResultStatus } from '../../src/modules/clinical/results.schemas.js';
import { FINDINGS, TreatmentStatus } from '../../src/modules/dentistry/dentistry.schemas.js';
import { RESET_LINK_MINUTES } from '../../src/modules/identity/password-reset.js';
import { DeliveryStatus } from '../../src/modules/notifications/notifications.schemas.js';
import { TEMPLATE_NAMES } from '../../src/modules/notifications/templates.js';
import { Category, Sex } from '../../src/modules/patients/patients.schemas.js';
import { FOOD_TIMINGS, FORMS, PrescriptionStatus } from '../../src/modules/prescriptions/prescriptions.schemas.js';
import { AppointmentType, STATUSES } from '../../src/modules/scheduling/scheduling.schemas.js';
import { ROLES } from '../../src/platform/http/access.js';
import { MARKS } from '../../web/src/clinical/dental/teeth.js';
import en from '../../web/src/i18n/en.json' with { type: 'json' };
import es from '../../web/src/i18n/es.json' with { type: 'json' };

/** Every string of the web app is translated: both languages have the same keys, and every key used exists. */
const SRC = fileURLToPath(new URL('../../web/src/', import.meta.url));

function keysOf(tree: object, prefix = ''): string[] {
  return Object.entries(tree).flatMap(([k, v]) =>
    v && typeof v === 'object' ? keysOf(v, `${prefix}${k}.`) : [`${prefix}${k}`],
  );
}

function sources(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return sources(p);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

const esKeys = new Set(keysOf(es));
const enKeys = new Set(keysOf(en));
/** `t('a.b', { count })` resolves to a.b_one / a.b_other. */
const exists = (keys: Set<string>, key: string) => keys.has(key) || keys.has(`${key}_other`);

describe('web app translations', () => {
  it('has the same keys in Spanish and English, none empty', () => {
    expect(
      [...esKeys].filter((k) => !enKeys.has(k)),
      'in es.json only',
    ).toEqual([]);
    expect(
      [...enKeys].filter((k) => !esKeys.has(k)),
      'in en.json only',
    ).toEqual([]);
    const empty = [
      ...keysOf(es).filter(
        (k) => !String(k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], es)).trim(),
      ),
      ...keysOf(en).filter(
        (k) => !String(k.split('.').reduce<unknown>((o, p) => (o as Record<string, unknown>)[p], en)).trim(),
      ),
    ];
    expect(empty, 'empty translations').toEqual([]);
  });

  it('has every key the sources use with t(...)', () => {
    const used = new Map<string, string>();
    const dynamic: string[] = [];
    for (const file of sources(SRC)) {
      const text = fs.readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\bt\(\s*(['"`])([^'"`]*)\1/g)) {
        const key = m[2] ?? '';
        if (key.includes('${')) dynamic.push(key);
        else used.set(key, path.relative(SRC, file));
      }
    }
    expect(used.size).toBeGreaterThan(100);
    const missing = [...used].filter(([k]) => !exists(esKeys, k) || !exists(enKeys, k)).map(([k, f]) => `${k} (${f})`);
    expect(missing).toEqual([]);
    // Keys built from a value (`roles.${r}`) are checked against every value the server can send.
    expect(new Set(dynamic.map((k) => k.split('.')[0]))).toEqual(
      new Set([
        'roles',
        'sex',
        'category',
        'outcome',
        'deliveryStatus',
        'mailTemplate',
        'appointmentStatus',
        'appointmentType',
        'conflict',
        'encounterKind',
        'encounterStatus',
        'resultFlag',
        'resultStatus',
        'diagnosisStatus',
        'clinicalConflict',
        'finding',
        'chartStatus',
        'dentalMark',
        'prescriptionStatus',
        'drugForm',
        'foodTiming',
      ]),
    );
  });

  it('translates the field error codes the server sends (others fall back to its message)', () => {
    const codes = ['required', 'unknown_field', 'incorrect', 'invalid_type', 'invalid_format', 'invalid_value'];
    const sized = ['too_small', 'too_big'].flatMap((c) => [c, `${c}_string`, `${c}_array`]);
    const missing = [...codes, ...sized, 'empty']
      .map((c) => `validation.${c}`)
      .filter((k) => !esKeys.has(k) || !enKeys.has(k));
    expect(missing).toEqual([]);
  });

  it('translates every value of the enumerations the screens show', () => {
    const values: Record<string, readonly string[]> = {
      roles: ROLES,
      sex: Sex.options,
      category: Category.options,
      outcome: AuditEvent.shape.outcome.options,
      deliveryStatus: DeliveryStatus.options,
      mailTemplate: TEMPLATE_NAMES,
      appointmentStatus: STATUSES,
      appointmentType: AppointmentType.options,
      // The 409 codes that name a practitioner and a time (the others have their own keys).
      conflict: ['slot_taken', 'outside_working_hours', 'practitioner_unavailable'],
      encounterKind: EncounterKind.options,
      encounterStatus: EncounterStatus.options,
      resultFlag: ResultFlag.options,
      resultStatus: ResultStatus.options,
      diagnosisStatus: DiagnosisStatus.options,
      finding: FINDINGS,
      chartStatus: TreatmentStatus.options,
      dentalMark: MARKS,
      prescriptionStatus: PrescriptionStatus.options,
      drugForm: FORMS,
      foodTiming: FOOD_TIMINGS,
    };
    const missing = Object.entries(values).flatMap(([group, vs]) =>
      vs.map((v) => `${group}.${v}`).filter((k) => !esKeys.has(k) || !enKeys.has(k)),
    );
    expect(missing).toEqual([]);
  });

  it('words every scheduling conflict (409 code) the server can answer', () => {
    const service = fs.readFileSync(
      new URL('../../src/modules/scheduling/scheduling.service.ts', import.meta.url),
      'utf8',
    );
    const codes = [...service.matchAll(/scheduleConflict\(\s*'(\w+)'/g)].map((m) => m[1]);
    expect(codes.length).toBeGreaterThanOrEqual(5);
    const missing = codes.filter((c) => !exists(esKeys, `conflict.${c}`) || !exists(enKeys, `conflict.${c}`));
    expect(missing).toEqual([]);
  });

  it('words each clinical conflict (409 code) the web app names, and the server does answer them', () => {
    const problems = fs.readFileSync(new URL('../../web/src/clinical/problems.ts', import.meta.url), 'utf8');
    const named = JSON.parse((problems.match(/const CONFLICTS = (\[[^\]]*\])/)?.[1] ?? '[]').replaceAll("'", '"'));
    expect(named.length).toBeGreaterThanOrEqual(3);
    const server = ['clinical/notes.service.ts', 'prescriptions/prescriptions.service.ts']
      .map((f) => fs.readFileSync(new URL(`../../src/modules/${f}`, import.meta.url), 'utf8'))
      .join('\n');
    for (const code of named) {
      expect(server, code).toContain(`code: '${code}'`);
      expect(exists(esKeys, `clinicalConflict.${code}`) && exists(enKeys, `clinicalConflict.${code}`), code).toBe(true);
    }
  });

  it('tells how long a reset link works as long as the server lets it work', () => {
    expect(es.forgot.sent).toContain(`${RESET_LINK_MINUTES} minutos`);
    expect(en.forgot.sent).toContain(`${RESET_LINK_MINUTES} minutes`);
  });
});
