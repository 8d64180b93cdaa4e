import { randomUUID } from 'node:crypto';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, notFound } from '../../platform/http/errors.js';
import type { ClinicalAccess } from './clinical.access.js';
import type { ListQuery } from './clinical.schemas.js';
import { assertEncounterOf } from './encounters.service.js';
import * as repo from './results.repository.js';
import type { Result, ResultChanges, ResultInput } from './results.schemas.js';

const RESOURCE = 'Observation';

const orNull = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** The limits after a change, which may combine new and stored ones, must still be in order. */
function assertLimitsInOrder(f: repo.ResultFields) {
  const order = [
    ['criticalLow', f.criticalLow],
    ['referenceLow', f.referenceLow],
    ['referenceHigh', f.referenceHigh],
    ['criticalHigh', f.criticalHigh],
  ] as const;
  const given = order.filter(([, v]) => v !== null) as [string, number][];
  for (let i = 1; i < given.length; i++) {
    const [a, av] = given[i - 1] as [string, number];
    const [b, bv] = given[i] as [string, number];
    if (av > bv) {
      throw badRequest('The reference and critical limits are out of order.', [
        { path: `body.${b}`, message: `must not be below ${a} (${av})`, code: 'custom' },
      ]);
    }
  }
}

/**
 * Lab and imaging results, recorded by the results desk or doctors. A patient sees their own
 * final (or amended) results, never preliminary ones. Attachments (reports, images) belong to
 * the documents capability.
 */
export class ResultsService {
  constructor(private readonly access: ClinicalAccess) {}

  async list(patientId: string, query: ListQuery, ctx: RequestContext) {
    await this.access.reach(ctx, patientId, 'result.search', RESOURCE);
    const releasedOnly = this.access.ownRecordOnly(ctx);
    const page = await repo.listResults(this.access.db, patientId, query, { releasedOnly });
    await this.access.read(ctx, {
      action: 'result.search',
      resourceType: RESOURCE,
      patientId,
      details: { encounterId: query.encounterId ?? null, resultIds: page.rows.map((r) => r.id) },
    });
    return { items: page.rows.map(repo.toResult), nextCursor: page.nextCursor };
  }

  async get(patientId: string, id: string, ctx: RequestContext): Promise<Result> {
    await this.access.reach(ctx, patientId, 'result.read', RESOURCE);
    const row = await repo.findResult(this.access.db, patientId, id);
    if (!row || (row.status === 'preliminary' && this.access.ownRecordOnly(ctx))) throw notFound('The result');
    await this.access.read(ctx, { action: 'result.read', resourceType: RESOURCE, resourceId: id, patientId });
    return repo.toResult(row);
  }

  async record(patientId: string, input: ResultInput, ctx: RequestContext): Promise<Result> {
    const id = randomUUID();
    return this.access.change(ctx, patientId, async (tx) => {
      if (input.encounterId) await assertEncounterOf(tx, patientId, input.encounterId, 'body.encounterId');
      const fields: repo.ResultFields = {
        encounterId: orNull(input.encounterId),
        testName: input.testName,
        testCode: orNull(input.testCode),
        valueQuantity: orNull(input.valueQuantity),
        valueText: orNull(input.valueText),
        unit: input.unit || null,
        referenceLow: orNull(input.referenceLow),
        referenceHigh: orNull(input.referenceHigh),
        referenceText: input.referenceText || null,
        criticalLow: orNull(input.criticalLow),
        criticalHigh: orNull(input.criticalHigh),
        status: input.status,
        observedAt: input.observedAt,
        performer: input.performer || null,
      };
      const row = await repo.insertResult(tx, patientId, id, fields, ctx.actor?.userId ?? null);
      return {
        result: repo.toResult(row),
        audit: { action: 'result.create', resourceType: RESOURCE, resourceId: id, details: { status: row.status } },
        event: {
          type: 'result.recorded',
          aggregateId: id,
          patientId,
          payload: { resultId: id, patientId, encounterId: row.encounter_id, status: row.status },
        },
      };
    });
  }

  /**
   * Completes or corrects a result. Once final, any change makes it `amended` (what was
   * released changed); it never goes back to preliminary (409).
   */
  async update(patientId: string, id: string, input: ResultChanges, ctx: RequestContext): Promise<Result> {
    return this.access.change(ctx, patientId, async (tx) => {
      const row = await repo.findResult(tx, patientId, id, true);
      if (!row) throw notFound('The result');
      const before = repo.fieldsOf(row);
      const released = row.status !== 'preliminary';
      if (released && input.status === 'preliminary') {
        throw conflict(`This result is ${row.status}; it cannot become preliminary again.`, {
          currentStatus: row.status,
        });
      }
      const { status, ...changes } = input;
      const merged: repo.ResultFields = { ...before };
      for (const [key, value] of Object.entries(changes)) {
        if (value !== undefined) (merged as unknown as Record<string, unknown>)[key] = value;
      }
      // One kind of value at a time: a new number replaces a text and the other way round.
      if (input.valueQuantity !== undefined) merged.valueText = null;
      if (input.valueText !== undefined) merged.valueQuantity = null;
      assertLimitsInOrder(merged);
      const changedFields = Object.keys(input);
      merged.status = released && Object.keys(changes).length > 0 ? 'amended' : (status ?? row.status);
      const updated = await repo.updateResult(tx, row, merged);
      return {
        result: repo.toResult(updated),
        audit: { action: 'result.update', resourceType: RESOURCE, resourceId: id, details: { changedFields } },
        event: {
          type: 'result.updated',
          aggregateId: id,
          patientId,
          payload: { resultId: id, patientId, status: updated.status },
        },
      };
    });
  }
}
