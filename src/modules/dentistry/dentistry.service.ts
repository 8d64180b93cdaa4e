import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, unauthorized } from '../../platform/http/errors.js';
import { staffNames } from '../identity/staff-names.js';
import { reachPatient } from '../patients/patient-reach.js';
import { findActiveTreatments } from '../scheduling/practitioners.repository.js';
import * as repo from './dentistry.repository.js';
import type { ChartEntry, ChartEntryInput, CurrentEntry, DentalChart } from './dentistry.schemas.js';

const RESOURCE = 'DentalChart';

/** The dental chart (odontogram): findings and treatments per tooth and surface, append-only. */
export class DentistryService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
  ) {}

  async chart(patientId: string, ctx: RequestContext): Promise<DentalChart> {
    await reachPatient(this.db, this.audit, ctx, patientId, { action: 'dental_chart.read', resourceType: RESOURCE });
    const rows = await repo.currentEntries(this.db, patientId);
    const names = await staffNames(
      this.db,
      rows.map((r) => r.recorded_by),
    );
    const teeth = new Map<number, CurrentEntry[]>();
    for (const r of rows) {
      const entries = teeth.get(r.tooth) ?? [];
      entries.push({ ...repo.toChartEntry(r, names), currentFor: r.current_for });
      teeth.set(r.tooth, entries);
    }
    await this.audit.record(ctx, { action: 'dental_chart.read', resourceType: RESOURCE, patientId });
    return { patientId, teeth: [...teeth].map(([tooth, entries]) => ({ tooth, entries })) };
  }

  async toothHistory(patientId: string, tooth: number, ctx: RequestContext) {
    await reachPatient(this.db, this.audit, ctx, patientId, { action: 'dental_chart.read', resourceType: RESOURCE });
    const rows = await repo.entryHistory(this.db, patientId, tooth);
    const names = await staffNames(
      this.db,
      rows.map((r) => r.recorded_by),
    );
    await this.audit.record(ctx, {
      action: 'dental_chart.read',
      resourceType: RESOURCE,
      patientId,
      details: { tooth },
    });
    return { patientId, tooth, entries: rows.map((r) => repo.toChartEntry(r, names)) };
  }

  /** The current entries and every entry, for the clinical-history export (its caller audits). */
  async snapshot(q: Queryable, patientId: string): Promise<{ current: ChartEntry[]; history: ChartEntry[] }> {
    const current = await repo.currentEntries(q, patientId);
    const history = await repo.entryHistory(q, patientId);
    const names = await staffNames(
      q,
      history.map((r) => r.recorded_by),
    );
    return {
      current: current.map((r) => repo.toChartEntry(r, names)),
      history: history.map((r) => repo.toChartEntry(r, names)),
    };
  }

  async record(patientId: string, input: ChartEntryInput, ctx: RequestContext): Promise<ChartEntry> {
    const userId = ctx.actor?.userId;
    if (!userId) throw unauthorized();
    const patient = await reachPatient(this.db, this.audit, ctx, patientId, {
      action: 'dental_chart.record',
      resourceType: RESOURCE,
    });
    if (patient.merged_into) throw conflict('This record was merged into another patient; chart on that one.');
    const id = randomUUID();
    return this.db.transaction(async (tx) => {
      if (input.treatmentId && (await findActiveTreatments(tx, [input.treatmentId])).length === 0) {
        throw badRequest('The treatment does not exist or is no longer offered.', [
          { path: 'body.treatmentId', message: 'is not an active treatment', code: 'invalid_value' },
        ]);
      }
      if (input.appointmentId && !(await repo.appointmentOfPatient(tx, patientId, input.appointmentId))) {
        throw badRequest('The appointment is not one of this patient.', [
          { path: 'body.appointmentId', message: "is not one of this patient's appointments", code: 'invalid_value' },
        ]);
      }
      const row = await repo.insertEntry(tx, { ...input, patientId, id, recordedBy: userId });
      await this.audit.write(tx, ctx, {
        action: 'dental_chart.record',
        resourceType: RESOURCE,
        resourceId: id,
        patientId,
        details: { tooth: input.tooth, kind: input.kind },
      });
      await appendEvent(tx, {
        type: 'dental_chart.entry_recorded',
        aggregateId: patientId,
        patientId,
        payload: { entryId: id, patientId },
      });
      return repo.toChartEntry(row, await staffNames(tx, [userId]));
    });
  }
}
