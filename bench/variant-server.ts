/**
 * For diagnosis only (BENCH_VARIANTS): the real server with one part switched off, to
 * measure what that part costs. Nothing under src/ changes; this patches at start-up.
 *
 *   BENCH_VARIANT=noaudit    audit.record resolves at once (no insert, no hashing, no sealing work)
 *   BENCH_VARIANT=jwtcache   each distinct access token is verified once, then remembered
 *   BENCH_VARIANT=nosealer   no audit sealing while it runs (the runner seals between runs)
 *   BENCH_VARIANT=auditstats nothing off: writes the group commit's batch sizes and insert times
 *                            to $AUDIT_STATS_FILE every second
 *   Parts combine with +, e.g. noaudit+jwtcache.
 */
import fs from 'node:fs';
import dotenv from 'dotenv';
import { loadConfig } from '../src/config.js';
import { AuditTrail } from '../src/platform/audit/audit.js';
import { TokenService } from '../src/platform/auth/tokens.js';
import type { Database } from '../src/platform/db/database.js';
import type { Actor } from '../src/platform/http/access.js';
import { startServer } from '../src/server.js';

const parts = new Set((process.env.BENCH_VARIANT ?? '').split('+').filter(Boolean));
const known = new Set(['noaudit', 'jwtcache', 'nosealer', 'auditstats']);
for (const p of parts) if (!known.has(p)) throw new Error(`unknown variant part ${p}`);

if (parts.has('noaudit')) {
  AuditTrail.prototype.record = async () => {};
}
if (parts.has('jwtcache')) {
  const open = TokenService.open.bind(TokenService);
  TokenService.open = async (...args: Parameters<typeof TokenService.open>) => {
    const tokens = await open(...args);
    const verify = tokens.verify;
    const cache = new Map<string, Actor | null>();
    tokens.verify = async (token: string) => {
      const hit = cache.get(token);
      if (hit !== undefined) return hit;
      const actor = await verify(token);
      cache.set(token, actor);
      return actor;
    };
    return tokens;
  };
}

if (parts.has('auditstats')) {
  // Wraps the audit trail's database handle to time each group-commit insert.
  const stats = { inserts: 0, entries: 0, insertMs: 0, maxInsertMs: 0 };
  const file = process.env.AUDIT_STATS_FILE ?? `bench/.work/audit-stats-${process.pid}.json`;
  const wrapped = new WeakSet<object>();
  const original = AuditTrail.prototype.record;
  AuditTrail.prototype.record = function (this: AuditTrail, ...args: Parameters<AuditTrail['record']>) {
    const self = this as unknown as { db: Database };
    if (!wrapped.has(self.db)) {
      const db = self.db;
      const query = db.query.bind(db);
      self.db = {
        ...db,
        query: (async (sql: string, params?: unknown[]) => {
          const started = performance.now();
          const result = await query(sql, params);
          const ms = performance.now() - started;
          stats.inserts++;
          stats.insertMs += ms;
          stats.maxInsertMs = Math.max(stats.maxInsertMs, ms);
          return result;
        }) as Database['query'],
      };
      wrapped.add(self.db);
    }
    stats.entries++;
    return original.apply(this, args);
  };
  setInterval(() => {
    const mean = (v: number) => (stats.inserts ? Math.round((v / stats.inserts) * 100) / 100 : 0);
    const report = { ...stats, meanBatch: mean(stats.entries), meanInsertMs: mean(stats.insertMs) };
    fs.writeFileSync(file, `${JSON.stringify(report)}\n`);
  }, 1000).unref();
}
if (parts.has('nosealer')) process.env.AUDIT_SEAL_INTERVAL_SECONDS = '3600';

dotenv.config({ quiet: true });
await startServer(loadConfig());
