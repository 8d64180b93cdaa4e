import { randomUUID } from 'node:crypto';
import { type AuditTrail, canonicalJson } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import { isPatientOnly, type RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, DomainError, forbidden, notFound } from '../../platform/http/errors.js';
import { patientNumberOf } from './normalize.js';
import * as repo from './patients.repository.js';
import {
  type DuplicateCandidate,
  type Patient,
  type PatientInput,
  type PatientQuery,
  SELF_EDITABLE,
} from './patients.schemas.js';

/** Moves one module's patient-scoped rows from a merged duplicate to the survivor. */
export type PatientMergeStep = (tx: Queryable, fromPatientId: string, toPatientId: string) => Promise<void>;

const documentTaken = (holder: repo.IdentifierHolder, documentNumber: string) =>
  conflict(
    `A patient with document number ${documentNumber} already exists` +
      (holder.patientNumber ? ` (${holder.patientNumber}).` : '.'),
    { existingPatientId: holder.patientId, existingPatientNumber: holder.patientNumber },
  );

export class PatientsService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly mergeSteps: PatientMergeStep[] = [],
  ) {}

  /** Creates a patient inside the caller's transaction (registration uses it too). */
  async createIn(tx: Queryable, input: PatientInput, ctx: RequestContext): Promise<Patient> {
    const id = randomUUID();
    const taken = await repo.claimIdentifier(tx, 'document', input.documentNumber, id);
    if (taken) throw documentTaken(taken, input.documentNumber);
    const patientNumber = patientNumberOf(await repo.nextPatientNumber(tx));
    await repo.claimIdentifier(tx, 'patient-number', patientNumber, id);
    const row = await repo.insertPatient(tx, id, patientNumber, input);
    await this.audit.write(tx, ctx, {
      action: 'patient.create',
      resourceType: 'Patient',
      resourceId: id,
      patientId: id,
    });
    await appendEvent(tx, {
      type: 'patient.created',
      aggregateId: id,
      patientId: id,
      payload: { patientId: id, patientNumber },
    });
    return repo.toPatient(row);
  }

  async create(input: PatientInput, ctx: RequestContext) {
    const patient = await this.db.transaction((tx) => this.createIn(tx, input, ctx));
    const possibleDuplicates = await repo.findDuplicateCandidates(this.db, patient);
    return { ...patient, possibleDuplicates };
  }

  /** Loads a patient the caller may see, auditing the read (or the refusal). */
  async get(id: string, ctx: RequestContext): Promise<Patient> {
    await this.assertReach(id, ctx, 'patient.read');
    const row = await repo.findPatient(this.db, id);
    if (!row) throw notFound('The patient');
    await this.audit.record(ctx, { action: 'patient.read', resourceType: 'Patient', resourceId: id, patientId: id });
    return repo.toPatient(row);
  }

  async search(query: PatientQuery, ctx: RequestContext) {
    const result = await repo.searchPatients(this.db, {
      q: query.q,
      cursor: query.cursor,
      limit: query.limit,
      onlyId: isPatientOnly(ctx.actor) ? (ctx.actor?.patientId ?? randomUUID()) : undefined,
    });
    if (!result)
      throw badRequest('The cursor is not valid; start again without it.', [
        { path: 'querystring.cursor', message: 'is not a cursor returned by this list', code: 'invalid_value' },
      ]);
    const patientIds = result.rows.map((r) => r.id);
    await this.audit.record(ctx, {
      action: 'patient.search',
      resourceType: 'Patient',
      details: { query: query.q ?? null, patientIds },
    });
    return { items: result.rows.map(repo.toPatient), nextCursor: result.nextCursor };
  }

  async update(id: string, input: PatientInput, ctx: RequestContext): Promise<Patient> {
    await this.assertReach(id, ctx, 'patient.update');
    return this.db.transaction(async (tx) => {
      const current = await repo.findPatient(tx, id, true);
      if (!current) throw notFound('The patient');
      if (current.merged_into) throw conflict(`This record was merged into another patient; edit that one.`);
      const before = repo.toPatient(current);
      const changed = changedFields(before, input);
      if (isPatientOnly(ctx.actor)) {
        const locked = changed.filter((f) => !SELF_EDITABLE.includes(f));
        if (locked.length > 0) {
          throw new DomainError('FORBIDDEN', 403, `Ask the admissions desk to change: ${locked.join(', ')}.`);
        }
      }
      if (input.documentNumber !== current.document_number) {
        const taken = await repo.claimIdentifier(tx, 'document', input.documentNumber, id);
        if (taken) throw documentTaken(taken, input.documentNumber);
        await repo.releaseIdentifier(tx, 'document', current.document_number, id);
      }
      const row = await repo.updatePatient(tx, id, input);
      await this.audit.write(tx, ctx, {
        action: 'patient.update',
        resourceType: 'Patient',
        resourceId: id,
        patientId: id,
        details: { changedFields: changed },
      });
      await appendEvent(tx, {
        type: 'patient.updated',
        aggregateId: id,
        patientId: id,
        payload: { patientId: id, changedFields: changed },
      });
      return repo.toPatient(row);
    });
  }

  async duplicates(id: string, ctx: RequestContext): Promise<DuplicateCandidate[]> {
    const patient = await this.get(id, ctx);
    return repo.findDuplicateCandidates(this.db, patient);
  }

  /**
   * Merges `duplicateId` into `survivorId`: every module moves its rows to the survivor,
   * the survivor gains what only the duplicate knew, and the duplicate stays as a
   * tombstone pointing at the survivor (its document number still finds the survivor).
   */
  async merge(survivorId: string, duplicateId: string, ctx: RequestContext): Promise<Patient> {
    if (survivorId === duplicateId) throw badRequest('A patient cannot be merged into itself.');
    return this.db.transaction(async (tx) => {
      // Lock in id order so two opposite merges cannot deadlock.
      const [first, second] = [survivorId, duplicateId].sort();
      const a = await repo.findPatient(tx, first as string, true);
      const b = await repo.findPatient(tx, second as string, true);
      const survivor = [a, b].find((p) => p?.id === survivorId);
      const duplicate = [a, b].find((p) => p?.id === duplicateId);
      if (!survivor) throw notFound('The surviving patient');
      if (!duplicate) throw notFound('The duplicate patient');
      if (survivor.merged_into || duplicate.merged_into) throw conflict('One of these records was already merged.');
      for (const step of this.mergeSteps) await step(tx, duplicateId, survivorId);
      const merged = mergeRecords(repo.toPatient(survivor), repo.toPatient(duplicate));
      const row = await repo.updatePatient(tx, survivorId, merged);
      await repo.markMerged(tx, duplicateId, survivorId);
      const details = { survivorId, duplicateId, duplicateNumber: duplicate.patient_number };
      for (const patientId of [survivorId, duplicateId]) {
        await this.audit.write(tx, ctx, {
          action: 'patient.merge',
          resourceType: 'Patient',
          resourceId: patientId,
          patientId,
          details,
        });
      }
      await appendEvent(tx, {
        type: 'patient.merged',
        aggregateId: survivorId,
        patientId: survivorId,
        payload: { survivorId, duplicateId },
      });
      return repo.toPatient(row);
    });
  }

  /** A patient-only caller reaches their own record and nothing else. */
  private async assertReach(patientId: string, ctx: RequestContext, action: string) {
    if (!isPatientOnly(ctx.actor) || ctx.actor?.patientId === patientId) return;
    await this.audit.record(ctx, {
      action,
      outcome: 'denied',
      resourceType: 'Patient',
      resourceId: patientId,
      patientId,
    });
    throw forbidden('You can only see your own record.');
  }
}

function inputOf(p: Patient): PatientInput {
  const { id, patientNumber, age, mergedInto, createdAt, updatedAt, ...input } = p;
  return input;
}

function changedFields(before: Patient, after: PatientInput): (keyof PatientInput)[] {
  const previous = inputOf(before);
  const keys = new Set([...Object.keys(previous), ...Object.keys(after)]) as Set<keyof PatientInput>;
  return [...keys].filter((k) => canonicalJson(previous[k] ?? null) !== canonicalJson(after[k] ?? null));
}

/** The survivor's values win; the duplicate fills the gaps; allergies are the union. */
function mergeRecords(survivor: Patient, duplicate: Patient): PatientInput {
  const s = inputOf(survivor);
  const d = inputOf(duplicate);
  const allergies = [...new Set([...s.allergies, ...d.allergies])];
  return {
    ...d,
    ...Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)),
    allergies,
    category: 'returning',
  } as PatientInput;
}
