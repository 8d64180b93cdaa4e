import { createHash } from 'node:crypto';
import type { Database } from '../db/database.js';
import { type AuditOutcome, type AuditRecord, hashAuditRecord } from './audit.js';

/**
 * Seals chain the audit trail. Entries are inserted independently (no request waits on
 * another); a sealer later takes the unsealed entries, stores a seal whose hash covers
 * each entry's id and hash and the previous seal's hash, and marks the entries with it.
 * Editing an entry breaks its own hash; deleting one breaks its seal; deleting or editing
 * a seal breaks the chain.
 */

const SEAL_LOCK_KEY = 7_245_019_332;
const GENESIS = '0'.repeat(64);
const MAX_SEAL_ENTRIES = 10_000;

function sealHash(previousHash: string, entries: { id: number; hash: string }[]): string {
  const h = createHash('sha256').update(previousHash);
  for (const e of entries) h.update(`\n${e.id}:${e.hash}`);
  return h.digest('hex');
}

/** Seals what is unsealed now; answers how many entries it sealed. Safe to run on several replicas. */
export async function sealAuditTrail(db: Database): Promise<number> {
  let total = 0;
  for (;;) {
    const sealed = await db.transaction(async (tx) => {
      const lock = await tx.query<{ ok: boolean }>('select pg_try_advisory_xact_lock($1) as ok', [SEAL_LOCK_KEY]);
      if (!lock.rows[0]?.ok) return 0;
      const last = await tx.query<{ id: number; hash: string }>(
        'select id, hash from audit_seals order by id desc limit 1',
      );
      const entries = await tx.query<{ id: number; hash: string }>(
        'select id, hash from audit_events where seal_id is null order by id limit $1',
        [MAX_SEAL_ENTRIES],
      );
      if (entries.rows.length === 0) return 0;
      const previousHash = last.rows[0]?.hash ?? GENESIS;
      const sealId = (last.rows[0]?.id ?? 0) + 1;
      const ids = entries.rows.map((e) => e.id);
      await tx.query(
        `insert into audit_seals (id, entry_count, first_entry_id, last_entry_id, previous_hash, hash)
         values ($1, $2, $3, $4, $5, $6)`,
        [sealId, ids.length, ids[0], ids[ids.length - 1], previousHash, sealHash(previousHash, entries.rows)],
      );
      await tx.query('update audit_events set seal_id = $1 where id = any($2::bigint[])', [sealId, ids]);
      return ids.length;
    });
    total += sealed;
    if (sealed < MAX_SEAL_ENTRIES) return total;
  }
}

export interface AuditVerification {
  seals: number;
  entries: number;
  unsealed: number;
  problems: string[];
}

/** A row of `audit_events` as the drivers return it. */
export interface StoredEntry {
  id: number;
  occurred_at: Date;
  actor_id: string | null;
  actor_roles: string[];
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  patient_id: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  hash: string;
  seal_id: number | null;
}

/** The hashed fields of a stored entry. */
export function recordOf(e: StoredEntry): AuditRecord {
  return {
    occurredAt: e.occurred_at.toISOString(),
    actorId: e.actor_id,
    actorRoles: e.actor_roles,
    action: e.action,
    resourceType: e.resource_type,
    resourceId: e.resource_id,
    patientId: e.patient_id,
    outcome: e.outcome,
    ip: e.ip,
    userAgent: e.user_agent,
    requestId: e.request_id,
    details: e.details,
  };
}

/** Recomputes every entry hash and every seal; lists each inconsistency found. */
export async function verifyAuditTrail(db: Database): Promise<AuditVerification> {
  const problems: string[] = [];
  const seals = await db.query<{ id: number; entry_count: number; previous_hash: string; hash: string }>(
    'select id, entry_count, previous_hash, hash from audit_seals order by id',
  );
  let previous = GENESIS;
  let expectedId = 1;
  let entries = 0;
  for (const seal of seals.rows) {
    if (seal.id !== expectedId) problems.push(`seal ${expectedId} is missing (next seal is ${seal.id})`);
    if (seal.previous_hash !== previous) problems.push(`seal ${seal.id} does not follow the previous seal`);
    const { rows } = await db.query<StoredEntry>('select * from audit_events where seal_id = $1 order by id', [
      seal.id,
    ]);
    for (const e of rows) {
      if (hashAuditRecord(recordOf(e)) !== e.hash) problems.push(`entry ${e.id} was altered`);
    }
    if (rows.length !== seal.entry_count) {
      problems.push(`seal ${seal.id} covers ${seal.entry_count} entries but ${rows.length} remain`);
    } else if (sealHash(seal.previous_hash, rows) !== seal.hash) {
      problems.push(`seal ${seal.id} does not match its entries`);
    }
    entries += rows.length;
    previous = seal.hash;
    expectedId = seal.id + 1;
  }
  const orphans = await db.query<{ n: number }>(
    `select count(*)::int as n from audit_events e
     where e.seal_id is not null and not exists (select 1 from audit_seals s where s.id = e.seal_id)`,
  );
  if ((orphans.rows[0]?.n ?? 0) > 0) problems.push(`${orphans.rows[0]?.n} entries point to a missing seal`);
  // Entries not sealed yet have no seal to protect them, but their own hash still must hold.
  const unsealed = await db.query<StoredEntry>('select * from audit_events where seal_id is null order by id');
  for (const e of unsealed.rows) {
    if (hashAuditRecord(recordOf(e)) !== e.hash) problems.push(`entry ${e.id} was altered`);
  }
  return { seals: seals.rows.length, entries, unsealed: unsealed.rows.length, problems };
}
