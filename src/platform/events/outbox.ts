import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { EVENTS, type EventPayload, type EventType } from './catalogue.js';

/**
 * A domain event, written to the outbox in the same transaction as the change that
 * causes it. Payloads carry ids, never health data; the catalogue checks each one.
 */
export type DomainEvent = {
  [T in EventType]: { type: T; aggregateId: string; patientId?: string | null; payload: EventPayload<T> };
}[EventType];

/** What handlers and subscribers receive: the outbox row, as published on the broker. */
export interface EventEnvelope {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  aggregateType: string;
  aggregateId: string;
  patientId: string | null;
  payload: Record<string, unknown>;
}

export async function appendEvent(tx: Queryable, event: DomainEvent): Promise<string> {
  const definition = EVENTS[event.type];
  // A payload outside the contract is a programming error: fail the change with it.
  const payload = definition.payload.parse(event.payload);
  const id = randomUUID();
  await tx.query(
    `insert into outbox (id, type, version, aggregate_type, aggregate_id, patient_id, payload)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      id,
      event.type,
      definition.version,
      definition.aggregate,
      event.aggregateId,
      event.patientId ?? null,
      JSON.stringify(payload),
    ],
  );
  return id;
}

interface OutboxRow {
  id: string;
  type: string;
  version: number;
  occurred_at: Date;
  aggregate_type: string;
  aggregate_id: string;
  patient_id: string | null;
  payload: Record<string, unknown>;
  attempts: number;
}

export interface ClaimedEvent {
  envelope: EventEnvelope;
  /** Delivery attempts so far, this one included. */
  attempts: number;
}

const envelopeOf = (r: OutboxRow): EventEnvelope => ({
  id: r.id,
  type: r.type,
  version: r.version,
  occurredAt: r.occurred_at.toISOString(),
  aggregateType: r.aggregate_type,
  aggregateId: r.aggregate_id,
  patientId: r.patient_id,
  payload: r.payload,
});

/** One event as it was published, e.g. to hand it to a consumer again. */
export async function findEvent(db: Queryable, id: string): Promise<EventEnvelope | undefined> {
  const { rows } = await db.query<OutboxRow>(
    'select id, type, version, occurred_at, aggregate_type, aggregate_id, patient_id, payload, attempts from outbox where id = $1',
    [id],
  );
  return rows[0] && envelopeOf(rows[0]);
}

/**
 * Leases a batch of due, unsent events to this process. `skip locked` lets several
 * replicas claim at once without waiting on each other, and the lease keeps a row from
 * being handed out twice while it is being delivered; a process that dies mid-delivery
 * leaves the lease to expire, and the row is delivered again (handlers are idempotent).
 */
export async function claimEvents(db: Queryable, limit: number, leaseSeconds: number): Promise<ClaimedEvent[]> {
  const { rows } = await db.query<OutboxRow>(
    `update outbox set locked_until = now() + make_interval(secs => $2), attempts = attempts + 1
      where id in (
        select id from outbox
         where published_at is null and dead_at is null and available_at <= now()
           and (locked_until is null or locked_until < now())
         order by available_at, occurred_at
         limit $1
         for update skip locked)
      returning id, type, version, occurred_at, aggregate_type, aggregate_id, patient_id, payload, attempts`,
    [limit, leaseSeconds],
  );
  return rows
    .sort((a, b) => a.occurred_at.getTime() - b.occurred_at.getTime())
    .map((r) => ({ envelope: envelopeOf(r), attempts: r.attempts }));
}

export async function markPublished(db: Queryable, ids: string[]): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    'update outbox set published_at = now(), locked_until = null, last_error = null where id = any($1::uuid[])',
    [ids],
  );
}

/** Hands rows back at once when the broker could not take them (not the consumers' failure: no back-off). */
export async function releaseLeases(db: Queryable, ids: string[], error: string): Promise<void> {
  await db.query('update outbox set locked_until = null, last_error = $2 where id = any($1::uuid[])', [
    ids,
    error.slice(0, 2000),
  ]);
}

/** Gives a failed delivery back with its next try, or parks it as dead when `retryInMs` is null. */
export async function markFailed(db: Queryable, id: string, error: string, retryInMs: number | null): Promise<void> {
  await db.query(
    `update outbox set locked_until = null, last_error = $2,
            available_at = case when $3::bigint is null then available_at else now() + make_interval(secs => $3::bigint / 1000.0) end,
            dead_at = case when $3::bigint is null then now() end
      where id = $1`,
    [id, error.slice(0, 2000), retryInMs],
  );
}

/** Unsent events and the age of the oldest, for the backlog metrics. */
export async function outboxBacklog(db: Queryable): Promise<{ count: number; oldestSeconds: number; dead: number }> {
  const { rows } = await db.query<{ count: number; oldest: number | null; dead: number }>(
    `select count(*) filter (where dead_at is null)::int as count,
            extract(epoch from now() - min(occurred_at) filter (where dead_at is null))::float8 as oldest,
            count(*) filter (where dead_at is not null)::int as dead
       from outbox where published_at is null`,
  );
  const r = rows[0];
  return { count: r?.count ?? 0, oldestSeconds: r?.oldest ?? 0, dead: r?.dead ?? 0 };
}

/** Sent events are kept a while for inspection, then removed. */
export async function pruneOutbox(db: Queryable, keepDays: number): Promise<number> {
  const r = await db.query(`delete from outbox where published_at < now() - make_interval(days => $1)`, [keepDays]);
  return r.rowCount;
}
