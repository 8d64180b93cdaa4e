import type { Database } from '../db/database.js';
import type { EventEnvelope } from './outbox.js';

export interface DeliveryAttempt {
  /** 1 for the first delivery. */
  attempt: number;
  /** True when a failure now dead-letters the event instead of retrying it. */
  final: boolean;
}

/**
 * A consumer of domain events: the mailer, reminders, integrations. Each has its own
 * queue on the broker, so one failing consumer never holds back the others.
 */
export interface EventHandler {
  /** Stable name: the queue is `clinica.<name>`, and processed events are recorded under it. */
  readonly name: string;
  readonly events: readonly string[];
  handle(event: EventEnvelope, delivery: DeliveryAttempt): Promise<void>;
}

export type HandlerOutcome = 'handled' | 'duplicate';

/**
 * Runs a handler at most once per event: an event already recorded for this consumer is
 * acknowledged without running again. The record is written after the side effect, so a
 * crash in between repeats the side effect rather than losing it (at-least-once); the
 * handlers make that repeat harmless (the mailer keeps a delivery row per e-mail).
 */
export async function runHandler(
  db: Database,
  handler: EventHandler,
  event: EventEnvelope,
  delivery: DeliveryAttempt,
): Promise<HandlerOutcome> {
  const seen = await db.query('select 1 from processed_events where consumer = $1 and event_id = $2', [
    handler.name,
    event.id,
  ]);
  if (seen.rowCount > 0) return 'duplicate';
  await handler.handle(event, delivery);
  await db.query('insert into processed_events (consumer, event_id) values ($1, $2) on conflict do nothing', [
    handler.name,
    event.id,
  ]);
  return 'handled';
}

/** Exponential back-off: base, 4x base, 16x base ... capped at an hour. */
export function retryDelayMs(baseMs: number, attempt: number): number {
  return Math.min(baseMs * 4 ** (attempt - 1), 3_600_000);
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
