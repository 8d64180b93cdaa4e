import amqp, { type GetMessage } from 'amqplib';
import type { Database } from '../db/database.js';
import { type BrokerSettings, declareTopology, publishConfirmed, queueNames } from './broker.js';
import { ATTEMPT_HEADER, ERROR_HEADER } from './consumer.js';
import type { EventHandler } from './handler.js';
import type { EventEnvelope } from './outbox.js';

export interface DeadLetter {
  consumer: string;
  eventId: string;
  type: string;
  occurredAt: string;
  attempts: number;
  error: string;
}

/**
 * Events that kept failing. With a broker they sit in each consumer's dead-letter queue;
 * in embedded mode they are outbox rows parked as dead. `replay` gives each one a fresh
 * set of attempts; consumers skip whatever part of it they had already done.
 */
export async function deadLetters(
  source: { db: Database; amqpUrl?: string | undefined; handlers: readonly EventHandler[]; broker: BrokerSettings },
  options: { replay: boolean },
): Promise<DeadLetter[]> {
  return source.amqpUrl
    ? brokerDeadLetters(source.amqpUrl, source.handlers, source.broker, options.replay)
    : outboxDeadLetters(source.db, source.handlers, options.replay);
}

async function outboxDeadLetters(db: Database, handlers: readonly EventHandler[], replay: boolean) {
  const { rows } = await db.query<{
    id: string;
    type: string;
    occurred_at: Date;
    attempts: number;
    last_error: string;
  }>(
    replay
      ? `update outbox set dead_at = null, attempts = 0, available_at = now(), last_error = null
          where dead_at is not null returning id, type, occurred_at, attempts, last_error`
      : 'select id, type, occurred_at, attempts, last_error from outbox where dead_at is not null order by occurred_at',
  );
  const consumersOf = (type: string) =>
    handlers
      .filter((h) => h.events.includes(type))
      .map((h) => h.name)
      .join(',');
  return rows.map((r) => ({
    consumer: consumersOf(r.type),
    eventId: r.id,
    type: r.type,
    occurredAt: r.occurred_at.toISOString(),
    attempts: r.attempts,
    error: r.last_error ?? '',
  }));
}

async function brokerDeadLetters(
  url: string,
  handlers: readonly EventHandler[],
  settings: BrokerSettings,
  replay: boolean,
) {
  const connection = await amqp.connect(url);
  try {
    const channel = await connection.createConfirmChannel();
    await declareTopology(channel, handlers, settings);
    const found: DeadLetter[] = [];
    for (const handler of handlers) {
      const q = queueNames(settings, handler.name);
      const taken: GetMessage[] = [];
      for (let m = await channel.get(q.dead); m; m = await channel.get(q.dead)) taken.push(m);
      for (const message of taken) {
        const headers = message.properties.headers ?? {};
        let event: Partial<EventEnvelope> = {};
        try {
          event = JSON.parse(message.content.toString('utf8')) as EventEnvelope;
        } catch {
          // Unreadable messages are listed too, by their broker message id.
        }
        found.push({
          consumer: handler.name,
          eventId: event.id ?? String(message.properties.messageId ?? ''),
          type: event.type ?? String(message.properties.type ?? ''),
          occurredAt: event.occurredAt ?? '',
          attempts: Number(headers[ATTEMPT_HEADER] ?? 0),
          error: String(headers[ERROR_HEADER] ?? ''),
        });
        if (replay) {
          await publishConfirmed(channel, '', q.work, message.content, {
            ...message.properties,
            headers: { ...headers, [ATTEMPT_HEADER]: 1, [ERROR_HEADER]: undefined },
          });
          channel.ack(message);
        }
      }
      // Listing only: every message goes back to the dead-letter queue.
      if (!replay) for (const message of taken) channel.nack(message, false, true);
    }
    await channel.close();
    return found;
  } finally {
    await connection.close();
  }
}
