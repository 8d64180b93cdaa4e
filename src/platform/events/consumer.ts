import type { ConfirmChannel, ConsumeMessage } from 'amqplib';
import type { Database } from '../db/database.js';
import type { Log } from '../log.js';
import {
  type BrokerConnection,
  type BrokerSettings,
  connectBroker,
  declareTopology,
  publishConfirmed,
  queueNames,
} from './broker.js';
import { type EventHandler, errorMessage, type HandlerOutcome, retryDelayMs, runHandler } from './handler.js';
import type { EventMetrics } from './metrics.js';
import type { EventEnvelope } from './outbox.js';

export const ATTEMPT_HEADER = 'x-clinica-attempt';
export const ERROR_HEADER = 'x-clinica-error';

/**
 * `clinica worker`: one queue per handler, manual acks sent only after the side effect,
 * a bounded prefetch, retries through the back-off queues and, after the last attempt,
 * the dead-letter queue. Each retry or dead-letter copy is confirmed by the broker before
 * the original is acknowledged, so a message is never in neither place.
 */
export class BrokerConsumer {
  private connection: BrokerConnection | null = null;
  private readonly channels = new Map<ConfirmChannel, string[]>();
  private readonly inFlight = new Set<Promise<void>>();
  /** Handlings running in this process, by consumer and event id (see handleOnce). */
  private readonly handling = new Map<string, Promise<unknown>>();
  private stopping = false;

  constructor(
    private readonly db: Database,
    private readonly handlers: readonly EventHandler[],
    private readonly settings: BrokerSettings,
    private readonly prefetch: number,
    private readonly metrics: EventMetrics,
    private readonly log: Log,
  ) {}

  async start(url: string): Promise<void> {
    this.connection = await connectBroker(url, this.log, async (model) => {
      const setupChannel = await model.createChannel();
      await declareTopology(setupChannel, this.handlers, this.settings);
      await setupChannel.close();
      for (const handler of this.handlers) {
        const channel = await model.createConfirmChannel();
        channel.on('error', () => {});
        channel.on('close', () => this.channels.delete(channel));
        await channel.prefetch(this.prefetch);
        const { consumerTag } = await channel.consume(queueNames(this.settings, handler.name).work, (message) => {
          if (message) this.track(this.onMessage(channel, handler, message));
        });
        this.channels.set(channel, [consumerTag]);
      }
    });
  }

  private track(work: Promise<void>) {
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async onMessage(channel: ConfirmChannel, handler: EventHandler, message: ConsumeMessage): Promise<void> {
    const attempt = Number(message.properties.headers?.[ATTEMPT_HEADER] ?? 1);
    const final = attempt >= this.settings.maxAttempts;
    let event: EventEnvelope;
    try {
      event = JSON.parse(message.content.toString('utf8')) as EventEnvelope;
      if (typeof event?.id !== 'string' || typeof event.type !== 'string') throw new Error('not an event envelope');
    } catch (err) {
      // A message that cannot be read will never be handled: straight to the dead letters.
      await this.settle(channel, handler, message, attempt, true, `unreadable message: ${errorMessage(err)}`);
      return;
    }
    let outcome: HandlerOutcome;
    try {
      outcome = await this.handleOnce(handler, event, attempt, final);
    } catch (err) {
      this.metrics.consumed.inc({ consumer: handler.name, outcome: 'failed' });
      this.log.warn(
        { consumer: handler.name, eventId: event.id, type: event.type, attempt, final, err: errorMessage(err) },
        'event handler failed',
      );
      await this.settle(channel, handler, message, attempt, final, errorMessage(err));
      return;
    }
    this.metrics.consumed.inc({ consumer: handler.name, outcome });
    try {
      channel.ack(message);
    } catch {
      // The channel closed while the handler ran: the broker hands the message out again,
      // and the copy is acknowledged as a duplicate. Not a failure of the handler.
    }
  }

  /**
   * Runs the handler, but never twice at once for the same event in this process. A lost
   * connection returns its unacknowledged messages to the queue, and the new connection can
   * get one back while the first handling is still running (behind a slow SMTP server, say);
   * a relay that lost a confirm publishes the event again, and both copies can arrive
   * together. Each check of processed_events would pass and the e-mail would go twice. The
   * later copy waits for the earlier handling instead, then finds the event recorded.
   */
  private async handleOnce(
    handler: EventHandler,
    event: EventEnvelope,
    attempt: number,
    final: boolean,
  ): Promise<HandlerOutcome> {
    const key = `${handler.name}\n${event.id}`;
    for (let earlier = this.handling.get(key); earlier; earlier = this.handling.get(key)) {
      await earlier.catch(() => {});
    }
    const work = runHandler(this.db, handler, event, { attempt, final });
    this.handling.set(key, work);
    try {
      return await work;
    } finally {
      if (this.handling.get(key) === work) this.handling.delete(key);
    }
  }

  /** Moves a failed message to its next back-off queue, or to the dead letters. */
  private async settle(
    channel: ConfirmChannel,
    handler: EventHandler,
    message: ConsumeMessage,
    attempt: number,
    dead: boolean,
    error: string,
  ): Promise<void> {
    const q = queueNames(this.settings, handler.name);
    const target = dead ? q.dead : q.retry(retryDelayMs(this.settings.retryBaseMs, attempt));
    try {
      await publishConfirmed(channel, '', target, message.content, {
        ...message.properties,
        headers: {
          ...message.properties.headers,
          [ATTEMPT_HEADER]: dead ? attempt : attempt + 1,
          [ERROR_HEADER]: error.slice(0, 1000),
        },
      });
      channel.ack(message);
      (dead ? this.metrics.deadLettered : this.metrics.retried).inc({ consumer: handler.name });
    } catch {
      // The copy was not confirmed: leave the original unacknowledged; the broker redelivers it.
      try {
        channel.nack(message, false, true);
      } catch {
        // The channel is gone, and with it the delivery: the broker redelivers on its own.
      }
    }
  }

  /** Stops taking messages, lets the ones in hand finish and be acknowledged, then disconnects. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const [channel, tags] of this.channels) {
      for (const tag of tags) await channel.cancel(tag).catch(() => {});
    }
    await Promise.allSettled([...this.inFlight]);
    await this.connection?.close().catch(() => {});
  }
}
