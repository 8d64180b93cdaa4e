import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest, notFound } from '../../platform/http/errors.js';
import type { ClinicalAccess } from './clinical.access.js';
import * as repo from './diagnoses.repository.js';
import type { Diagnosis, DiagnosisChanges, DiagnosisInput, DiagnosisQuery } from './diagnoses.schemas.js';
import { assertEncounterOf } from './encounters.service.js';
import { findIcd10, searchIcd10 } from './icd10.repository.js';

const RESOURCE = 'Condition';

/** Diagnoses coded with ICD-10: the patient's problem list. */
export class DiagnosesService {
  constructor(private readonly access: ClinicalAccess) {}

  /** The code list is reference data, not health data: searching it is not audited. */
  async searchCodes(q: string, limit: number) {
    return { items: await searchIcd10(this.access.db, q, limit) };
  }

  async list(patientId: string, query: DiagnosisQuery, ctx: RequestContext) {
    await this.access.reach(ctx, patientId, 'diagnosis.search', RESOURCE);
    const rows = await repo.listDiagnoses(this.access.db, patientId, query);
    await this.access.read(ctx, {
      action: 'diagnosis.search',
      resourceType: RESOURCE,
      patientId,
      details: { status: query.status ?? null, count: rows.length },
    });
    return { items: rows.map(repo.toDiagnosis), nextCursor: null };
  }

  async record(patientId: string, input: DiagnosisInput, ctx: RequestContext): Promise<Diagnosis> {
    const id = randomUUID();
    return this.access.change(ctx, patientId, async (tx) => {
      const code = await findIcd10(tx, input.code);
      if (!code) {
        throw badRequest(`${input.code} is not in the ICD-10 code list.`, [
          { path: 'body.code', message: 'is not a known ICD-10 code; search GET /api/v1/icd10', code: 'invalid_value' },
        ]);
      }
      if (input.encounterId) await assertEncounterOf(tx, patientId, input.encounterId, 'body.encounterId');
      const row = await repo.insertDiagnosis(
        tx,
        patientId,
        id,
        {
          encounterId: input.encounterId ?? null,
          code: code.code,
          display: input.display ?? code.title,
          status: input.status,
          onsetDate: input.onsetDate ?? null,
          notes: input.notes || null,
        },
        ctx.actor?.userId ?? null,
      );
      return {
        result: repo.toDiagnosis(row),
        audit: { action: 'diagnosis.create', resourceType: RESOURCE, resourceId: id, details: { code: row.code } },
        event: {
          type: 'diagnosis.recorded',
          aggregateId: id,
          patientId,
          payload: { diagnosisId: id, patientId, encounterId: row.encounter_id },
        },
      };
    });
  }

  async update(patientId: string, id: string, input: DiagnosisChanges, ctx: RequestContext): Promise<Diagnosis> {
    return this.access.change(ctx, patientId, async (tx) => {
      const row = await repo.findDiagnosis(tx, patientId, id, true);
      if (!row) throw notFound('The diagnosis');
      const updated = await repo.updateDiagnosis(tx, row, {
        encounterId: row.encounter_id,
        code: row.code,
        display: input.display ?? row.display,
        status: input.status ?? row.status,
        onsetDate: input.onsetDate === undefined ? row.onset_date : input.onsetDate,
        notes: input.notes === undefined ? row.notes : input.notes || null,
      });
      const changedFields = Object.keys(input);
      return {
        result: repo.toDiagnosis(updated),
        audit: { action: 'diagnosis.update', resourceType: RESOURCE, resourceId: id, details: { changedFields } },
        event: {
          type: 'diagnosis.updated',
          aggregateId: id,
          patientId,
          payload: { diagnosisId: id, patientId, changedFields },
        },
      };
    });
  }
}
