import type { ConfirmChannel } from 'amqplib';
import type { Database } from '../db/database.js';
import type { Log } from '../log.js';
import {
  type BrokerConnection,
  type BrokerSettings,
  connectBroker,
  declareTopology,
  exchangeName,
  publishConfirmed,
} from './broker.js';
import type { OutboxSink } from './drain.js';
import type { EventHandler } from './handler.js';
import type { EventMetrics } from './metrics.js';
import { type ClaimedEvent, markPublished, releaseLeases } from './outbox.js';

/**
 * Publishes outbox rows to the topic exchange as persistent, mandatory messages on a
 * confirm channel, and marks a row sent only after the broker confirms it. A row whose
 * publish is not confirmed (broker down, connection lost) stays unsent and goes again, so
 * a message may reach the broker twice but never not at all; consumers drop the repeat.
 */
export class BrokerRelay implements OutboxSink {
  private channel: ConfirmChannel | null = null;
  private connection: BrokerConnection | null = null;

  constructor(
    private readonly db: Database,
    private readonly handlers: readonly EventHandler[],
    private readonly settings: BrokerSettings,
    private readonly metrics: EventMetrics,
    private readonly log: Log,
  ) {}

  async connect(url: string): Promise<void> {
    this.connection = await connectBroker(url, this.log, async (model) => {
      const channel = await model.createConfirmChannel();
      channel.on('error', () => {});
      channel.on('close', () => {
        if (this.channel === channel) this.channel = null;
      });
      // Mandatory messages no queue is bound to come back here, before their confirm.
      channel.on('return', (message) => {
        this.metrics.unroutable.inc({ type: message.fields.routingKey });
        this.log.debug({ type: message.fields.routingKey }, 'no subscriber for event type');
      });
      await declareTopology(channel, this.handlers, this.settings);
      this.channel = channel;
    });
  }

  async deliver(batch: ClaimedEvent[]): Promise<void> {
    const channel = this.channel;
    if (!channel) {
      await releaseLeases(
        this.db,
        batch.map((e) => e.envelope.id),
        'broker not connected',
      );
      throw new Error('broker not connected');
    }
    const sent = new Set<string>();
    const results = await Promise.allSettled(
      batch.map(async ({ envelope }) => {
        this.metrics.published.inc({ type: envelope.type });
        await publishConfirmed(
          channel,
          exchangeName(this.settings),
          envelope.type,
          Buffer.from(JSON.stringify(envelope)),
          {
            mandatory: true,
            messageId: envelope.id,
            type: envelope.type,
            contentType: 'application/json',
            timestamp: Math.floor(Date.parse(envelope.occurredAt) / 1000),
            headers: { 'x-event-version': envelope.version },
          },
        );
        this.metrics.confirmed.inc({ type: envelope.type });
        sent.add(envelope.id);
      }),
    );
    await markPublished(this.db, [...sent]);
    const failed = batch.filter((e) => !sent.has(e.envelope.id)).map((e) => e.envelope.id);
    if (failed.length > 0) {
      const reason = results.find((r) => r.status === 'rejected')?.reason;
      await releaseLeases(this.db, failed, String(reason instanceof Error ? reason.message : reason));
      throw new Error(`${failed.length} events not confirmed by the broker; they will be published again`);
    }
  }

  async close(): Promise<void> {
    await this.connection?.close().catch(() => {});
    this.connection = null;
    this.channel = null;
  }
}
