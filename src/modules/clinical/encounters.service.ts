import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../platform/db/database.js';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, notFound } from '../../platform/http/errors.js';
import type { ClinicalAccess } from './clinical.access.js';
import * as repo from './encounters.repository.js';
import type {
  DischargeInput,
  Encounter,
  EncounterChanges,
  EncounterInput,
  EncounterQuery,
} from './encounters.schemas.js';

const RESOURCE = 'Encounter';

/** Encounters (visits, admissions, emergencies): open, edit, cancel, discharge. */
export class EncountersService {
  constructor(private readonly access: ClinicalAccess) {}

  async list(patientId: string, query: EncounterQuery, ctx: RequestContext) {
    await this.access.reach(ctx, patientId, 'encounter.search', RESOURCE);
    const page = await repo.listEncounters(this.access.db, patientId, query);
    await this.access.read(ctx, {
      action: 'encounter.search',
      resourceType: RESOURCE,
      patientId,
      details: { status: query.status ?? null, count: page.rows.length },
    });
    return { items: page.rows.map(repo.toEncounter), nextCursor: page.nextCursor };
  }

  async get(patientId: string, id: string, ctx: RequestContext): Promise<Encounter> {
    await this.access.reach(ctx, patientId, 'encounter.read', RESOURCE);
    const row = await repo.findEncounter(this.access.db, patientId, id);
    if (!row) throw notFound('The encounter');
    await this.access.read(ctx, { action: 'encounter.read', resourceType: RESOURCE, resourceId: id, patientId });
    return repo.toEncounter(row);
  }

  async open(patientId: string, input: EncounterInput, ctx: RequestContext): Promise<Encounter> {
    const id = randomUUID();
    return this.access.change(ctx, patientId, async (tx) => {
      const fields = {
        kind: input.kind,
        reason: input.reason || null,
        service: input.service || null,
        practitionerId: input.practitionerId ?? null,
        appointmentId: input.appointmentId ?? null,
        admittedAt: input.admittedAt ?? new Date().toISOString(),
      };
      await this.checkLinks(tx, patientId, fields);
      const row = await repo.insertEncounter(tx, patientId, id, fields, ctx.actor?.userId ?? null);
      return {
        result: repo.toEncounter(row),
        audit: { action: 'encounter.create', resourceType: RESOURCE, resourceId: id, details: { kind: row.kind } },
        event: { type: 'encounter.opened', aggregateId: id, patientId, payload: { encounterId: id, patientId } },
      };
    });
  }

  async update(patientId: string, id: string, input: EncounterChanges, ctx: RequestContext): Promise<Encounter> {
    return this.access.change(ctx, patientId, async (tx) => {
      const row = await this.openEncounter(tx, patientId, id);
      const fields = {
        kind: input.kind ?? row.kind,
        reason: input.reason === undefined ? row.reason : input.reason || null,
        service: input.service === undefined ? row.service : input.service || null,
        practitionerId: input.practitionerId === undefined ? row.practitioner_id : input.practitionerId,
        appointmentId: input.appointmentId === undefined ? row.appointment_id : input.appointmentId,
        admittedAt: input.admittedAt ?? row.admitted_at.toISOString(),
        status: input.status ?? row.status,
      };
      await this.checkLinks(tx, patientId, {
        practitionerId: input.practitionerId ?? null,
        appointmentId: input.appointmentId ?? null,
      });
      const updated = await repo.updateEncounter(tx, row, fields);
      const changedFields = Object.keys(input);
      const cancelled = input.status === 'cancelled';
      const ids = { encounterId: id, patientId };
      return {
        result: repo.toEncounter(updated),
        audit: {
          action: cancelled ? 'encounter.cancel' : 'encounter.update',
          resourceType: RESOURCE,
          resourceId: id,
          details: { changedFields },
        },
        event: cancelled
          ? { type: 'encounter.cancelled', aggregateId: id, patientId, payload: ids }
          : { type: 'encounter.updated', aggregateId: id, patientId, payload: { ...ids, changedFields } },
      };
    });
  }

  async discharge(patientId: string, id: string, input: DischargeInput, ctx: RequestContext): Promise<Encounter> {
    return this.access.change(ctx, patientId, async (tx) => {
      const row = await this.openEncounter(tx, patientId, id);
      const at = input.dischargedAt ?? new Date().toISOString();
      if (Date.parse(at) < row.admitted_at.getTime()) {
        throw badRequest('The discharge cannot come before the admission.', [
          {
            path: 'body.dischargedAt',
            message: `must not be before admittedAt (${row.admitted_at.toISOString()})`,
            code: 'too_small',
          },
        ]);
      }
      const updated = await repo.dischargeEncounter(tx, row, at, input.summary || null);
      return {
        result: repo.toEncounter(updated),
        audit: { action: 'encounter.discharge', resourceType: RESOURCE, resourceId: id },
        event: { type: 'encounter.discharged', aggregateId: id, patientId, payload: { encounterId: id, patientId } },
      };
    });
  }

  /** The encounter, locked; only one in progress can still change. */
  private async openEncounter(tx: Queryable, patientId: string, id: string) {
    const row = await repo.findEncounter(tx, patientId, id, true);
    if (!row) throw notFound('The encounter');
    if (row.status !== 'in_progress') {
      throw conflict(`This encounter is ${row.status.replace('_', ' ')}; it can no longer change.`, {
        currentStatus: row.status,
      });
    }
    return row;
  }

  private async checkLinks(
    tx: Queryable,
    patientId: string,
    f: { practitionerId: string | null; appointmentId: string | null },
  ) {
    if (f.practitionerId && !(await repo.practitionerExists(tx, f.practitionerId))) {
      throw badRequest('The practitioner does not exist.', [
        { path: 'body.practitionerId', message: 'is not a practitioner', code: 'invalid_value' },
      ]);
    }
    if (f.appointmentId && !(await repo.appointmentOf(tx, patientId, f.appointmentId))) {
      throw badRequest("The appointment is not one of this patient's.", [
        { path: 'body.appointmentId', message: "is not an appointment of this patient's", code: 'invalid_value' },
      ]);
    }
  }
}

/** Used by notes, diagnoses, vitals and results: the encounter must be this patient's. */
export async function assertEncounterOf(tx: Queryable, patientId: string, encounterId: string, path: string) {
  const row = await repo.findEncounter(tx, patientId, encounterId);
  if (!row) {
    throw badRequest("The encounter is not one of this patient's.", [
      { path, message: "is not an encounter of this patient's", code: 'invalid_value' },
    ]);
  }
  return row;
}
