/**
 * The benchmark's baseline: a bare Fastify app doing the patient API's database work and
 * nothing else. Same driver and pool (openDatabase, pg.Pool of 20, same type parsers), the
 * same SQL (findPatient, searchPatients from the repository) and the same row-to-JSON
 * mapping (toPatient), but no auth, no audit, no validation, no response schema, no logging,
 * no helmet, no metrics. Started by bench/run.ts as a child process:
 *
 *   DATABASE_URL=postgres://… PORT=… node --import tsx bench/baseline.ts
 */
import Fastify from 'fastify';
import { findPatient, searchPatients, toPatient } from '../src/modules/patients/patients.repository.js';
import { openDatabase } from '../src/platform/db/database.js';

const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const port = Number(process.env.PORT ?? 3100);

const db = await openDatabase({ url, poolSize: 20 });
const app = Fastify({ logger: false });

app.get('/healthz', async () => ({ status: 'ok' }));

app.get<{ Params: { id: string } }>('/patients/:id', async (req, reply) => {
  const row = await findPatient(db, req.params.id);
  if (!row) return reply.code(404).send({ title: 'Not found' });
  return toPatient(row);
});

app.get<{ Querystring: { q?: string; limit?: string } }>('/patients', async (req) => {
  const result = await searchPatients(db, { q: req.query.q, limit: Number(req.query.limit ?? 20) });
  return { items: result?.rows.map(toPatient) ?? [], nextCursor: result?.nextCursor ?? null };
});

let closing = false;
const shutdown = async () => {
  if (closing) return;
  closing = true;
  await app.close();
  await db.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown());
process.once('SIGTERM', () => void shutdown());

await app.listen({ port, host: '127.0.0.1' });
