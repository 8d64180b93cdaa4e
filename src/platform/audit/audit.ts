import { createHash } from 'node:crypto';
import { type Database, pgErrorCode, type Queryable } from '../db/database.js';
import type { RequestContext } from '../http/access.js';

export type AuditOutcome = 'success' | 'denied' | 'failure';

export interface AuditEntry {
  action: string;
  outcome?: AuditOutcome;
  resourceType?: string;
  resourceId?: string;
  patientId?: string | null;
  details?: Record<string, unknown>;
}

/** One row of `audit_events` as hashed: every column but id, hash and seal. */
export interface AuditRecord {
  occurredAt: string;
  actorId: string | null;
  actorRoles: string[];
  action: string;
  resourceType: string | null;
  resourceId: string | null;
  patientId: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

/** JSON with keys sorted at every level, so jsonb's reordering does not change the hash. */
export function canonicalJson(value: unknown): string {
  // As JSON.stringify (and so jsonb) sees it: a Date is its ISO string, not an empty object.
  if (value && typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON: () => unknown }).toJSON());
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}

export function hashAuditRecord(record: AuditRecord): string {
  return createHash('sha256').update(canonicalJson(record)).digest('hex');
}

/**
 * A uuid as PostgreSQL stores it (lower case, hyphenated), so the hash computed before the
 * insert matches the row read back; anything else is left for the database to refuse.
 */
function canonicalUuid(value: string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  const hex = value
    .replace(/^\{(.*)\}$/, '$1')
    .replace(/-/g, '')
    .toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex)) return value;
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function auditRecord(ctx: RequestContext | null, entry: AuditEntry, at = new Date()): AuditRecord {
  return {
    occurredAt: at.toISOString(),
    actorId: canonicalUuid(ctx?.actor?.userId),
    actorRoles: ctx?.actor?.roles ?? [],
    action: entry.action,
    resourceType: entry.resourceType ?? null,
    resourceId: entry.resourceId ?? null,
    patientId: canonicalUuid(entry.patientId),
    outcome: entry.outcome ?? 'success',
    ip: ctx?.ip ?? null,
    userAgent: ctx?.userAgent ?? null,
    requestId: ctx?.requestId ?? null,
    details: entry.details ?? {},
  };
}

async function insertRecords(q: Queryable, records: AuditRecord[]): Promise<void> {
  const rows = records.map((r) => ({
    occurred_at: r.occurredAt,
    actor_id: r.actorId,
    actor_roles: r.actorRoles,
    action: r.action,
    resource_type: r.resourceType,
    resource_id: r.resourceId,
    patient_id: r.patientId,
    outcome: r.outcome,
    ip: r.ip,
    user_agent: r.userAgent,
    request_id: r.requestId,
    details: r.details,
    hash: hashAuditRecord(r),
  }));
  await q.query(
    `insert into audit_events (occurred_at, actor_id, actor_roles, action, resource_type, resource_id,
       patient_id, outcome, ip, user_agent, request_id, details, hash)
     select occurred_at, actor_id, actor_roles, action, resource_type, resource_id,
       patient_id, outcome, ip, user_agent, request_id, details, hash
     from jsonb_to_recordset($1::jsonb) as x(occurred_at timestamptz, actor_id uuid, actor_roles text[],
       action text, resource_type text, resource_id text, patient_id uuid, outcome text, ip text,
       user_agent text, request_id text, details jsonb, hash text)`,
    [JSON.stringify(rows)],
  );
}

interface Pending {
  record: AuditRecord;
  resolve: () => void;
  reject: (err: unknown) => void;
}

const MAX_BATCH = 500;
/** Inserts in flight at once: enough to keep a pool busy, few enough to keep batches large. */
const MAX_IN_FLIGHT = 4;

/**
 * The audit trail. Changes write their entry inside their own transaction (`write`).
 * Reads use `record`, which waits until the entry is stored: entries that queue while
 * inserts are in flight share the next multi-row insert (group commit), so auditing a busy
 * read path costs one insert per batch, not per request, and no response leaves before
 * its entry is durable.
 */
export class AuditTrail {
  private queue: Pending[] = [];
  private inFlight = 0;
  private idle: (() => void)[] = [];

  constructor(private readonly db: Database) {}

  write(tx: Queryable, ctx: RequestContext | null, entry: AuditEntry): Promise<void> {
    return insertRecords(tx, [auditRecord(ctx, entry)]);
  }

  record(ctx: RequestContext | null, entry: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record: auditRecord(ctx, entry), resolve, reject });
      this.pump();
    });
  }

  /** Waits until every queued entry is stored (shutdown). */
  drain(): Promise<void> {
    if (this.inFlight === 0 && this.queue.length === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }

  private pump() {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      const batch = this.queue.splice(0, MAX_BATCH);
      this.inFlight++;
      void this.store(batch).finally(() => {
        this.inFlight--;
        this.pump();
        if (this.inFlight === 0 && this.queue.length === 0) for (const wake of this.idle.splice(0)) wake();
      });
    }
  }

  private async store(batch: Pending[]): Promise<void> {
    try {
      await insertRecords(
        this.db,
        batch.map((p) => p.record),
      );
      for (const p of batch) p.resolve();
    } catch (err) {
      // A bad entry (data error, class 22, or constraint violation, class 23) must fail only
      // its own request: store the batch's entries one by one. Other errors fail them all.
      const code = pgErrorCode(err) ?? '';
      if (batch.length === 1 || !/^2[23]/.test(code)) {
        for (const p of batch) p.reject(err);
        return;
      }
      for (const p of batch) await insertRecords(this.db, [p.record]).then(p.resolve, p.reject);
    }
  }
}
