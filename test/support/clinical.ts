import type { TestApp } from './app.js';

/** Rows of the clinical record and their side effects, to assert what a call wrote. */
export const CLINICAL_TABLES = [
  'encounters',
  'clinical_notes',
  'diagnoses',
  'vital_signs',
  'results',
  'outbox',
  'audit_events',
] as const;
export type ClinicalCounts = Record<(typeof CLINICAL_TABLES)[number], number>;

export async function clinicalCounts(t: TestApp): Promise<ClinicalCounts> {
  const { rows } = await t.database.db.query<ClinicalCounts>(
    `select ${CLINICAL_TABLES.map((n) => `(select count(*) from ${n})::int as ${n}`).join(', ')}`,
  );
  return rows[0] as ClinicalCounts;
}

/** What changed between two counts, leaving out the tables that did not change. */
export function written(before: ClinicalCounts, after: ClinicalCounts): Partial<ClinicalCounts> {
  return Object.fromEntries(
    CLINICAL_TABLES.map((n) => [n, after[n] - before[n]]).filter(([, d]) => d !== 0),
  ) as Partial<ClinicalCounts>;
}

/** An encounter opened through the API by `token` (a doctor or the admissions desk). */
export async function openEncounter(t: TestApp, token: string, patientId: string, body: object = {}) {
  const res = await t.call({
    method: 'POST',
    url: `/api/v1/patients/${patientId}/encounters`,
    token,
    payload: { kind: 'outpatient', reason: 'Dolor torácico', service: 'Medicina interna', ...body },
  });
  if (res.statusCode !== 201) throw new Error(`open encounter: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string; admittedAt: string };
}

/** A draft note by `token` (a doctor). */
export async function draftNote(t: TestApp, token: string, patientId: string, encounterId: string) {
  const res = await t.call({
    method: 'POST',
    url: `/api/v1/patients/${patientId}/notes`,
    token,
    payload: {
      encounterId,
      subjective: 'Dolor opresivo desde ayer.',
      objective: 'TA 150/95, FC 88.',
      assessment: 'Hipertensión no controlada.',
      plan: 'Ajustar enalapril; control en 2 semanas.',
    },
  });
  if (res.statusCode !== 201) throw new Error(`draft note: ${res.statusCode} ${res.body}`);
  return res.json() as { id: string };
}
