import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import { systemContext } from '../../platform/http/access.js';

/** Lots announced per transaction: a first run over a large stock commits in steps. */
const ALERT_BATCH = 500;

const SYSTEM = systemContext('stock-alerts');

export interface StockAlertOptions {
  timeZone: string;
  /** STOCK_EXPIRY_ALERT_DAYS: how far ahead of its expiry date a lot is announced. */
  expiryAlertDays: number;
}

/**
 * Marks up to `limit` lots due for an expiry alert as alerted and answers them: lots still
 * holding stock, not alerted yet, expiring on or before `lastDay`. Rows another process is
 * marking are skipped (SKIP LOCKED) and the update re-checks the flag, so a lot is claimed by
 * exactly one transaction however many run at once.
 */
async function claimExpiringLots(q: Queryable, now: Date, lastDay: string, limit: number) {
  const { rows } = await q.query<{ id: string; product_id: string }>(
    `with due as (
       select l.id from lots l join lot_stock s on s.lot_id = l.id
        where l.expiry_alerted_at is null and l.expires_on <= $2::date and s.quantity > 0
        order by l.expires_on, l.id
        limit $3
        for update of l skip locked
     )
     update lots l set expiry_alerted_at = $1
       from due where l.id = due.id and l.expiry_alerted_at is null
     returning l.id, l.product_id`,
    [now, lastDay, limit],
  );
  return rows;
}

/**
 * Near-expiry alerts: a periodic job announces each lot that still holds stock once, when its
 * expiry date comes within STOCK_EXPIRY_ALERT_DAYS days of the clinic's today (a lot received
 * already inside that window is announced on the next run). The mailer turns `stock.expiring`
 * into e-mail to the pharmacists.
 */
export class StockAlerts {
  private readonly day: Intl.DateTimeFormat;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly options: StockAlertOptions,
  ) {
    this.day = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone });
  }

  /** The last expiry date announced at `now`: the clinic's today plus the configured days. */
  lastAlertedDay(now: Date): string {
    const today = new Date(`${this.day.format(now)}T00:00:00Z`);
    today.setUTCDate(today.getUTCDate() + this.options.expiryAlertDays);
    return today.toISOString().slice(0, 10);
  }

  /** Emits `stock.expiring` for every lot due and not announced yet; answers how many it emitted. */
  async emitExpiryAlerts(now: Date): Promise<number> {
    const lastDay = this.lastAlertedDay(now);
    let total = 0;
    for (;;) {
      const emitted = await this.db.transaction(async (tx) => {
        const lots = await claimExpiringLots(tx, now, lastDay, ALERT_BATCH);
        for (const lot of lots) {
          await appendEvent(tx, {
            type: 'stock.expiring',
            aggregateId: lot.product_id,
            payload: { productId: lot.product_id, lotId: lot.id },
          });
        }
        if (lots.length > 0) {
          await this.audit.write(tx, SYSTEM, {
            action: 'stock.expiry_alert',
            resourceType: 'Lot',
            details: { lotIds: lots.map((l) => l.id), expiringBy: lastDay },
          });
        }
        return lots.length;
      });
      total += emitted;
      if (emitted < ALERT_BATCH) return total;
    }
  }
}
