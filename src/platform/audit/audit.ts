import { createHash } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
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

export function auditRecord(ctx: RequestContext | null, entry: AuditEntry, at = new Date()): AuditRecord {
  return {
    occurredAt: at.toISOString(),
    actorId: ctx?.actor?.userId ?? null,
    actorRoles: ctx?.actor?.roles ?? [],
    action: entry.action,
    resourceType: entry.resourceType ?? null,
    resourceId: entry.resourceId ?? null,
    patientId: entry.patientId ?? null,
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

/**
 * The audit trail. Changes write their entry inside their own transaction (`write`).
 * Reads use `record`, which waits until the entry is stored: concurrent reads share one
 * multi-row insert (group commit), so auditing a busy read path costs one insert per
 * batch, not per request, and no response leaves before its entry is durable.
 */
export class AuditTrail {
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;

  constructor(private readonly db: Database) {}

  write(tx: Queryable, ctx: RequestContext | null, entry: AuditEntry): Promise<void> {
    return insertRecords(tx, [auditRecord(ctx, entry)]);
  }

  record(ctx: RequestContext | null, entry: AuditEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ record: auditRecord(ctx, entry), resolve, reject });
      this.flushing ??= this.flush();
    });
  }

  /** Waits for queued entries (shutdown). */
  async drain(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_BATCH);
        try {
          await insertRecords(
            this.db,
            batch.map((p) => p.record),
          );
          for (const p of batch) p.resolve();
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = null;
    }
  }
}
