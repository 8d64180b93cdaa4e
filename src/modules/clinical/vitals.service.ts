import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../platform/http/access.js';
import type { ClinicalAccess } from './clinical.access.js';
import type { ListQuery } from './clinical.schemas.js';
import { assertEncounterOf } from './encounters.service.js';
import * as repo from './vitals.repository.js';
import type { Vitals, VitalsInput } from './vitals.schemas.js';

const RESOURCE = 'VitalSigns';

/** Vital signs: recorded once, never edited (a wrong reading is followed by a right one). */
export class VitalsService {
  constructor(private readonly access: ClinicalAccess) {}

  async list(patientId: string, query: ListQuery, ctx: RequestContext) {
    await this.access.reach(ctx, patientId, 'vitals.search', RESOURCE);
    const page = await repo.listVitals(this.access.db, patientId, query);
    await this.access.read(ctx, {
      action: 'vitals.search',
      resourceType: RESOURCE,
      patientId,
      details: { encounterId: query.encounterId ?? null, count: page.rows.length },
    });
    return { items: page.rows.map(repo.toVitals), nextCursor: page.nextCursor };
  }

  async record(patientId: string, input: VitalsInput, ctx: RequestContext): Promise<Vitals> {
    const id = randomUUID();
    return this.access.change(ctx, patientId, async (tx) => {
      if (input.encounterId) await assertEncounterOf(tx, patientId, input.encounterId, 'body.encounterId');
      const measuredAt = input.measuredAt ?? new Date().toISOString();
      const row = await repo.insertVitals(tx, patientId, id, { ...input, measuredAt }, ctx.actor?.userId ?? null);
      return {
        result: repo.toVitals(row),
        audit: { action: 'vitals.create', resourceType: RESOURCE, resourceId: id },
        event: {
          type: 'vitals.recorded',
          aggregateId: id,
          patientId,
          payload: { vitalSignsId: id, patientId, encounterId: row.encounter_id },
        },
      };
    });
  }
}
