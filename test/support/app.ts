import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp } from '../../src/app.js';
import { type Config, loadConfig } from '../../src/config.js';
import type { PatientInput } from '../../src/modules/patients/patients.schemas.js';
import type { Role } from '../../src/platform/http/access.js';
import { SYSTEM_CONTEXT } from '../../src/server.js';
import { createTestDatabase, type DatabaseKind, type TestDatabase } from './databases.js';

export const TEST_PASSWORD = 'correct horse battery';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  database: TestDatabase;
  /** Calls the API; `token` becomes the bearer token. */
  call(options: InjectOptions & { token?: string }): Promise<LightMyRequestResponse>;
  /** A user with these roles (and optionally a linked patient), signed in. */
  signIn(roles: Role[], options?: { patientId?: string; email?: string }): Promise<SignedIn>;
  /** A patient created directly through the service (fixtures, not the route under test). */
  createPatient(overrides?: Partial<PatientInput>): Promise<{ id: string; patientNumber: string }>;
  close(): Promise<void>;
}

export interface SignedIn {
  token: string;
  refreshToken: string;
  userId: string;
  email: string;
}

let counter = 0;

/** A unique, valid DNI-like document number. */
export function uniqueDocument(): string {
  counter += 1;
  return `${String(Date.now() % 1e6).padStart(6, '0')}${String(counter).padStart(3, '0')}X`;
}

export function patientInput(overrides: Partial<PatientInput> = {}): PatientInput {
  return {
    documentNumber: uniqueDocument(),
    firstName: 'Lucía',
    lastName: 'Fernández Ruiz',
    birthDate: '1990-04-12',
    sex: 'female',
    allergies: [],
    category: 'new',
    ...overrides,
  };
}

export async function createTestApp(kind: DatabaseKind, env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase(kind);
  const config = loadConfig({
    DATA_DIR: path.join(os.tmpdir(), `clinica-test-${randomUUID()}`),
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://clinica.test',
    // Sign-in throttling has its own test; fixtures sign in many times from one address.
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
    ...env,
  });
  const app = await buildApp(config, database.db);
  await app.ready();

  const call: TestApp['call'] = ({ token, headers, ...options }) =>
    app.inject({ ...options, headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) } });

  const signIn: TestApp['signIn'] = async (roles, options = {}) => {
    const email = options.email ?? `${roles.join('-')}-${randomUUID().slice(0, 8)}@clinica.test`;
    const user = await app.clinica.users.create(
      { email, roles, password: TEST_PASSWORD, ...(options.patientId ? { patientId: options.patientId } : {}) },
      SYSTEM_CONTEXT,
    );
    const res = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password: TEST_PASSWORD } });
    if (res.statusCode !== 200) throw new Error(`sign-in failed: ${res.statusCode} ${res.body}`);
    const body = res.json();
    return { token: body.accessToken, refreshToken: body.refreshToken, userId: user.id, email };
  };

  const createPatient: TestApp['createPatient'] = async (overrides = {}) => {
    const p = await app.clinica.patients.create(patientInput(overrides), SYSTEM_CONTEXT);
    return { id: p.id, patientNumber: p.patientNumber };
  };

  return {
    app,
    config,
    database,
    call,
    signIn,
    createPatient,
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

/** Row count of a table, to assert that a refused write left nothing behind. */
export async function countRows(t: TestApp, table: string): Promise<number> {
  const { rows } = await t.database.db.query<{ n: number }>(`select count(*)::int as n from ${table}`);
  return rows[0]?.n ?? 0;
}
