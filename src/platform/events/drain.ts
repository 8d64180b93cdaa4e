import type { Database } from '../db/database.js';
import type { Log } from '../log.js';
import { errorMessage } from './handler.js';
import { type ClaimedEvent, claimEvents } from './outbox.js';

/** Where a drained batch goes: the in-process handlers, or the broker. */
export interface OutboxSink {
  /** Delivers the batch and records each row's outcome (sent, retry later, dead). */
  deliver(batch: ClaimedEvent[]): Promise<void>;
}

export interface DrainOptions {
  batchSize: number;
  /** How long a claimed row stays reserved for this process before others may take it. */
  leaseSeconds: number;
  /** Poll interval, the fallback for a missed NOTIFY and the clock for retries coming due. */
  pollMs: number;
}

/**
 * Moves outbox rows to a sink for as long as it runs. It wakes on the outbox's NOTIFY
 * (sent when a transaction that wrote events commits) and polls as a fallback.
 */
export class OutboxDrain {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private pending = false;
  private failing = false;
  private unlisten: (() => Promise<void>) | null = null;

  constructor(
    private readonly db: Database,
    private readonly sink: OutboxSink,
    private readonly options: DrainOptions,
    private readonly log: Log,
  ) {}

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      this.unlisten = await this.db.listen('clinica_outbox', () => this.poke());
    } catch (err) {
      this.log.warn({ err: errorMessage(err) }, 'outbox notifications unavailable; polling only');
    }
    this.loop = this.run();
  }

  /** Asks for a drain now (after a commit in this process, or a NOTIFY). */
  poke(): void {
    this.pending = true;
    this.wake?.();
  }

  /** Stops claiming, lets the batch in hand finish, and stops listening. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.unlisten?.().catch(() => {});
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.pending = false;
      let claimed = 0;
      try {
        const batch = await claimEvents(this.db, this.options.batchSize, this.options.leaseSeconds);
        claimed = batch.length;
        if (claimed > 0) await this.sink.deliver(batch);
        if (this.failing) this.log.info('outbox delivery resumed');
        this.failing = false;
      } catch (err) {
        // Once per outage, not once per poll.
        if (!this.failing) this.log.error({ err: errorMessage(err) }, 'outbox delivery failed; retrying every poll');
        this.failing = true;
        claimed = 0;
      }
      // A full batch means more may be waiting: go again at once.
      if (claimed < this.options.batchSize && !this.pending && this.running) await this.sleep();
    }
  }

  private sleep(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, this.options.pollMs);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }
}
