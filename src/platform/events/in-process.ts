import type { Database } from '../db/database.js';
import type { Log } from '../log.js';
import type { OutboxSink } from './drain.js';
import { type EventHandler, errorMessage, retryDelayMs, runHandler } from './handler.js';
import type { EventMetrics } from './metrics.js';
import { type ClaimedEvent, markFailed, markPublished } from './outbox.js';

export interface RetryPolicy {
  maxAttempts: number;
  retryBaseMs: number;
}

/**
 * The embedded default: outbox rows go straight to the handlers in this process. An event
 * counts as delivered once every handler subscribed to it has handled it; a handler that
 * fails is retried with back-off (the ones that succeeded are not run again) and, after
 * the last attempt, the event is parked as dead for `clinica events dead-letters`.
 */
export class InProcessSink implements OutboxSink {
  constructor(
    private readonly db: Database,
    private readonly handlers: readonly EventHandler[],
    private readonly retry: RetryPolicy,
    private readonly metrics: EventMetrics,
    private readonly log: Log,
    /** Events handled side by side; each handler still sees one event at a time per call. */
    private readonly concurrency = 8,
  ) {}

  async deliver(batch: ClaimedEvent[]): Promise<void> {
    const queue = [...batch];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await this.deliverOne(next);
    };
    await Promise.all(Array.from({ length: Math.min(this.concurrency, batch.length) }, worker));
  }

  private async deliverOne({ envelope, attempts }: ClaimedEvent): Promise<void> {
    const final = attempts >= this.retry.maxAttempts;
    const failures: string[] = [];
    for (const handler of this.handlers) {
      if (!handler.events.includes(envelope.type)) continue;
      try {
        const outcome = await runHandler(this.db, handler, envelope, { attempt: attempts, final });
        this.metrics.consumed.inc({ consumer: handler.name, outcome });
      } catch (err) {
        failures.push(`${handler.name}: ${errorMessage(err)}`);
        this.metrics.consumed.inc({ consumer: handler.name, outcome: 'failed' });
        (final ? this.metrics.deadLettered : this.metrics.retried).inc({ consumer: handler.name });
      }
    }
    if (failures.length === 0) {
      await markPublished(this.db, [envelope.id]);
      return;
    }
    const error = failures.join('; ');
    this.log.warn(
      { eventId: envelope.id, type: envelope.type, attempt: attempts, final, error },
      'event handler failed',
    );
    await markFailed(this.db, envelope.id, error, final ? null : retryDelayMs(this.retry.retryBaseMs, attempts));
  }
}
