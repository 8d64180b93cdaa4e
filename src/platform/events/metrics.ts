import client from 'prom-client';
import type { Queryable } from '../db/database.js';
import { outboxBacklog } from './outbox.js';

export type EventMetrics = ReturnType<typeof createEventMetrics>;

/**
 * Counters for each step an event takes (published, confirmed, consumed, retried,
 * dead-lettered, e-mailed) and the outbox backlog, read from the database at each scrape
 * so every replica reports the same figure.
 */
export function createEventMetrics(registry: client.Registry, db: Queryable) {
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[] = []) =>
    new client.Counter<L>({ name, help, labelNames, registers });

  let backlog: Promise<Awaited<ReturnType<typeof outboxBacklog>>> | null = null;
  // One query serves the three gauges of a scrape.
  const readBacklog = () => {
    backlog ??= outboxBacklog(db).finally(() => {
      setTimeout(() => {
        backlog = null;
      }, 100).unref();
    });
    return backlog;
  };
  const gauge = (name: string, help: string, pick: (b: Awaited<ReturnType<typeof outboxBacklog>>) => number) =>
    new client.Gauge({
      name,
      help,
      registers,
      async collect() {
        try {
          this.set(pick(await readBacklog()));
        } catch {
          // A scrape during a database outage reports the last value rather than failing.
        }
      },
    });
  gauge('clinica_outbox_backlog', 'Domain events written but not yet delivered', (b) => b.count);
  gauge('clinica_outbox_oldest_age_seconds', 'Age of the oldest undelivered domain event', (b) => b.oldestSeconds);
  gauge('clinica_outbox_dead', 'Domain events parked after too many failed deliveries (embedded mode)', (b) => b.dead);

  return {
    published: counter('clinica_events_published_total', 'Domain events sent to the broker', ['type']),
    confirmed: counter('clinica_events_confirmed_total', 'Domain events the broker confirmed', ['type']),
    unroutable: counter('clinica_events_unroutable_total', 'Domain events no queue was bound to', ['type']),
    consumed: counter('clinica_events_consumed_total', 'Domain events handled by a consumer', ['consumer', 'outcome']),
    retried: counter('clinica_events_retried_total', 'Deliveries that failed and were scheduled again', ['consumer']),
    deadLettered: counter('clinica_events_dead_lettered_total', 'Deliveries given up after too many failures', [
      'consumer',
    ]),
    emailsSent: counter('clinica_emails_sent_total', 'E-mails accepted by the mail transport', ['template']),
    emailsFailed: counter('clinica_emails_failed_total', 'E-mail attempts the mail transport refused', ['template']),
  };
}
