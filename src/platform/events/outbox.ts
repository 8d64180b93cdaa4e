import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';

/**
 * A domain event, written to the outbox in the same transaction as the change that
 * causes it. Payloads carry ids, never health data.
 */
export interface DomainEvent {
  type: string;
  version?: number;
  aggregateType: string;
  aggregateId: string;
  patientId?: string | null;
  payload: Record<string, unknown>;
}

export async function appendEvent(tx: Queryable, event: DomainEvent): Promise<string> {
  const id = randomUUID();
  await tx.query(
    `insert into outbox (id, type, version, aggregate_type, aggregate_id, patient_id, payload)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [
      id,
      event.type,
      event.version ?? 1,
      event.aggregateType,
      event.aggregateId,
      event.patientId ?? null,
      JSON.stringify(event.payload),
    ],
  );
  return id;
}
