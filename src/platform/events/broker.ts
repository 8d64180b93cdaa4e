import amqp, { type Channel, type ChannelModel, type ConfirmChannel, type Options } from 'amqplib';
import type { Log } from '../log.js';
import type { EventHandler } from './handler.js';
import { errorMessage, retryDelayMs } from './handler.js';

export interface BrokerSettings {
  /** Names start with it (AMQP_PREFIX, default `clinica`), so several installations can share a broker. */
  prefix: string;
  maxAttempts: number;
  retryBaseMs: number;
}

/** The durable topic exchange every domain event is published to, routing key = event type. */
export const exchangeName = (settings: BrokerSettings) => `${settings.prefix}.events`;

export const queueNames = (settings: BrokerSettings, consumer: string) => ({
  work: `${settings.prefix}.${consumer}`,
  dead: `${settings.prefix}.${consumer}.dead`,
  /** One queue per back-off step: a queue-wide TTL expires messages in order, per-message TTLs would not. */
  retry: (delayMs: number) => `${settings.prefix}.${consumer}.retry.${delayMs}ms`,
});

// Quorum queues replicate on a cluster and dead-letter at least once (never dropping a
// message between a queue and its dead-letter queue), which needs reject-publish overflow.
const QUORUM = { 'x-queue-type': 'quorum' } as const;
const DEAD_LETTER_SAFELY = { 'x-dead-letter-strategy': 'at-least-once', 'x-overflow': 'reject-publish' } as const;

/**
 * Declares the exchange and, for each consumer, its work queue bound to its event types,
 * its back-off queues (which return expired messages to the work queue) and its
 * dead-letter queue. Idempotent: the relay and every worker declare it on each connect, so
 * no event is published before the queues that must keep it exist.
 */
export async function declareTopology(
  channel: Channel,
  handlers: readonly EventHandler[],
  settings: BrokerSettings,
): Promise<void> {
  const exchange = exchangeName(settings);
  await channel.assertExchange(exchange, 'topic', { durable: true });
  for (const handler of handlers) {
    const q = queueNames(settings, handler.name);
    await channel.assertQueue(q.dead, { durable: true, arguments: QUORUM });
    await channel.assertQueue(q.work, {
      durable: true,
      arguments: {
        ...QUORUM,
        ...DEAD_LETTER_SAFELY,
        'x-dead-letter-exchange': '',
        'x-dead-letter-routing-key': q.dead,
      },
    });
    for (const type of handler.events) await channel.bindQueue(q.work, exchange, type);
    for (const delay of retryDelays(settings)) {
      await channel.assertQueue(q.retry(delay), {
        durable: true,
        arguments: {
          ...QUORUM,
          ...DEAD_LETTER_SAFELY,
          'x-message-ttl': delay,
          'x-dead-letter-exchange': '',
          'x-dead-letter-routing-key': q.work,
        },
      });
    }
  }
}

export function retryDelays(retry: Pick<BrokerSettings, 'maxAttempts' | 'retryBaseMs'>): number[] {
  return Array.from({ length: Math.max(0, retry.maxAttempts - 1) }, (_, i) => retryDelayMs(retry.retryBaseMs, i + 1));
}

/** Publishes on a confirm channel and resolves once the broker has taken responsibility for the message. */
export function publishConfirmed(
  channel: ConfirmChannel,
  exchange: string,
  routingKey: string,
  body: Buffer,
  options: Options.Publish,
): Promise<void> {
  return new Promise((resolve, reject) => {
    try {
      channel.publish(exchange, routingKey, body, { persistent: true, ...options }, (err) =>
        err ? reject(err instanceof Error ? err : new Error('the broker refused the message')) : resolve(),
      );
    } catch (err) {
      reject(err);
    }
  });
}

export interface BrokerConnection {
  close(): Promise<void>;
}

/**
 * A connection that comes back by itself: `setup` runs after each (re)connect to declare
 * the topology and open channels again. The first connection must succeed within a few
 * tries, so a wrong AMQP_URL stops start instead of retrying forever.
 */
export async function connectBroker(
  url: string,
  log: Log,
  setup: (model: ChannelModel) => Promise<void>,
): Promise<BrokerConnection> {
  const connection = await amqp.connect(url, {
    recovery: {
      initialDelay: 200,
      maxDelay: 5000,
      initialMaxRetries: 3,
      maxRetries: Number.POSITIVE_INFINITY,
      setup,
    },
  });
  connection.on('disconnect', (err: Error) => log.warn({ err: errorMessage(err) }, 'broker connection lost'));
  connection.on('connect', () => log.info('broker connected'));
  connection.on('error', (err: Error) => log.warn({ err: errorMessage(err) }, 'broker error'));
  return connection;
}
