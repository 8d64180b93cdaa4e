import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { clinica, freePort, freshDataDir, linesOf, spawnClinica } from './support/cli.js';

/**
 * The embedded database must keep every write it acknowledged when the server process is
 * killed outright (kill -9: no shutdown hook, no close). Recorded in docs/durability.md.
 */

const ADMIN_EMAIL = 'admin@durability.test';
const ADMIN_PASSWORD = 'durability admin password';

interface Server {
  child: ChildProcessWithoutNullStreams;
  base: string;
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcessWithoutNullStreams>();

/** `clinica start` as a child process; resolves once /readyz answers 200. */
async function start(env: Record<string, string>, port: number): Promise<Server> {
  const child = spawnClinica(['start'], {
    env: { HOST: '127.0.0.1', PORT: String(port), LOG_LEVEL: 'warn', ...env },
  });
  running.add(child);
  let output = '';
  child.stdout.on('data', (chunk: string) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    }),
  );
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  let stopped = false;
  void exited.then(() => {
    stopped = true;
  });
  for (;;) {
    if (stopped) throw new Error(`clinica start exited before it was ready:\n${output}`);
    if (Date.now() > deadline) throw new Error(`clinica start was not ready in time:\n${output}`);
    const ready = await fetch(`${base}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, base, output: () => output, exited };
}

async function call(server: Server, method: string, url: string, token?: string, body?: unknown) {
  const res = await fetch(`${server.base}${url}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

async function signIn(server: Server, email = ADMIN_EMAIL, password = ADMIN_PASSWORD): Promise<string> {
  const res = await call(server, 'POST', '/api/v1/auth/login', undefined, { email, password });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.accessToken;
}

const patient = (i: number, marker: string) => ({
  documentNumber: `${String(70_000_000 + i)}D`,
  firstName: i % 2 ? 'Begoña' : 'Íñigo',
  lastName: `${marker} Núñez`,
  birthDate: `19${50 + (i % 50)}-0${(i % 9) + 1}-1${i % 10}`,
  sex: i % 2 ? 'female' : 'male',
  phone: `+34 600 000 ${String(100 + i)}`,
  address: { street: `Calle Mayor ${i}`, city: 'Salamanca', postalCode: '37001', country: 'ES' },
  allergies: i % 3 ? [] : ['Penicilina'],
  bloodType: 'O+',
  category: 'new',
});

afterAll(() => {
  for (const child of running) child.kill('SIGKILL');
});

// Two cold starts of the server (a new embedded database each) plus the writes: close to a
// minute when the rest of the suite loads both cores at the same time.
describe('embedded database: acknowledged writes survive kill -9 of the server', { timeout: 150_000 }, () => {
  const dataDir = freshDataDir('durability');
  const env = { DATA_DIR: dataDir, ADMIN_EMAIL, ADMIN_PASSWORD };
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('keeps every acknowledged patient, its audit entries and the first admin, and reopens cleanly', async () => {
    const port = await freePort();
    const first = await start(env, port);
    expect(first.output()).toContain(`First administrator: ${ADMIN_EMAIL}`);
    expect(first.output()).toContain('Password:            the one in ADMIN_PASSWORD');
    expect(first.output()).not.toContain(ADMIN_PASSWORD);

    // While the server owns the folder, no other process may open it.
    const intruder = await clinica(['user', 'list'], { env });
    expect(intruder.code).toBe(1);
    expect(linesOf(intruder.stderr)).toEqual([
      expect.stringMatching(/^clinica: the embedded database in .* is in use by another Clinica process/),
    ]);

    const token = await signIn(first);
    const acknowledged: Record<string, unknown>[] = [];
    const inputs = new Map<string, ReturnType<typeof patient>>();
    // 20 creates, four at a time; each counts once its 201 has arrived.
    for (let batch = 0; batch < 5; batch++) {
      const responses = await Promise.all(
        [0, 1, 2, 3].map(async (k) => {
          const input = patient(batch * 4 + k, 'Acked');
          const res = await call(first, 'POST', '/api/v1/patients', token, input);
          expect(res.status, JSON.stringify(res.body)).toBe(201);
          inputs.set(res.body.id, input);
          return res.body;
        }),
      );
      acknowledged.push(...responses);
    }
    // Reads are acknowledged only once their audit entry is stored: read each one back.
    for (const p of acknowledged)
      expect((await call(first, 'GET', `/api/v1/patients/${p.id}`, token)).status).toBe(200);

    // Ten more in flight; the kill lands as soon as the first of them is answered.
    let killed = false;
    const inFlight = Array.from({ length: 10 }, (_, i) =>
      call(first, 'POST', '/api/v1/patients', token, patient(100 + i, 'InFlight')).then(
        (res) => {
          // A 201 that reached the client is acknowledged, even if the kill was already on its way.
          if (res.status === 201) acknowledged.push(res.body);
          if (!killed) {
            killed = true;
            first.child.kill('SIGKILL');
          }
          return res.status;
        },
        () => 'connection lost' as const,
      ),
    );
    const outcomes = await Promise.all(inFlight);
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' });
    for (const outcome of outcomes) expect([201, 'connection lost']).toContain(outcome);
    const acknowledgedCount = acknowledged.length;
    expect(acknowledgedCount).toBeGreaterThanOrEqual(21);

    // Same folder, same port: the killed process left its lock behind, which must not stop this start.
    const second = await start(env, port);
    expect(second.output()).not.toContain('First administrator');
    expect((await call(second, 'GET', '/readyz')).status).toBe(200);
    const token2 = await signIn(second);

    let survived = 0;
    for (const created of acknowledged) {
      const res = await call(second, 'GET', `/api/v1/patients/${created.id}`, token2);
      expect(res.status, `patient ${created.id} was acknowledged but is gone`).toBe(200);
      const { possibleDuplicates, age, ...stored } = created;
      expect(res.body).toMatchObject(stored);
      survived++;
    }
    expect(survived).toBe(acknowledgedCount);

    // The writes cut off by the kill are all or nothing: found means complete, with its audit entry.
    const search = await call(second, 'GET', '/api/v1/patients?q=InFlight&limit=50', token2);
    expect(search.status).toBe(200);
    for (const p of search.body.items as { id: string; documentNumber: string; patientNumber: string }[]) {
      expect(p.patientNumber).toMatch(/^PT\d{5,}$/);
      expect(p.documentNumber).toMatch(/^700001\d\dD$/);
    }
    const creates = await call(second, 'GET', '/api/v1/audit-events?action=patient.create&limit=100', token2);
    expect(creates.status).toBe(200);
    const audited = new Set((creates.body.items as { resourceId: string }[]).map((e) => e.resourceId));
    for (const p of [...acknowledged, ...search.body.items] as { id: string }[]) expect(audited).toContain(p.id);
    expect(audited.size).toBe(20 + search.body.items.length);
    const reads = await call(second, 'GET', '/api/v1/audit-events?action=patient.read&limit=100', token2);
    const readIds = new Set((reads.body.items as { resourceId: string }[]).map((e) => e.resourceId));
    for (const p of acknowledged.slice(0, 20)) expect(readIds).toContain(p.id);

    // A normal stop after the crash closes cleanly, and the audit trail verifies.
    second.child.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
    const verify = await clinica(['audit', 'verify'], { env: { ...env, LOG_LEVEL: 'warn' } });
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(linesOf(verify.stdout).at(-1)).toBe('The audit trail is intact.');

    console.info(
      `durability: ${acknowledgedCount} acknowledged writes, ${survived} survived kill -9; ` +
        `${search.body.items.length} of 10 in-flight creates were committed (${outcomes.join(', ')})`,
    );
  });
});

describe('clinica start on a fresh data directory', () => {
  const dataDir = freshDataDir('first-admin');
  afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

  it('creates the first administrator with a generated password, printed once', async () => {
    const server = await start({ DATA_DIR: dataDir, ADMIN_EMAIL: 'jefa@clinica.test' }, await freePort());
    const printed = /Password: +(\S+) +\(shown only now; change it after signing in\)/.exec(server.output());
    expect(printed, server.output()).not.toBeNull();
    const password = printed?.[1] as string;
    expect(password.length).toBeGreaterThanOrEqual(12);
    const token = await signIn(server, 'jefa@clinica.test', password);
    const me = await call(server, 'GET', '/api/v1/users?limit=10', token);
    expect(me.status).toBe(200);
    expect(me.body.items).toEqual([expect.objectContaining({ email: 'jefa@clinica.test', roles: ['admin'] })]);
    server.child.kill('SIGTERM');
    expect(await server.exited).toEqual({ code: 0, signal: null });

    const again = await start({ DATA_DIR: dataDir }, await freePort());
    expect(again.output()).not.toContain('First administrator');
    expect(again.output()).not.toContain(password);
    again.child.kill('SIGTERM');
    expect(await again.exited).toEqual({ code: 0, signal: null });
  });
});
