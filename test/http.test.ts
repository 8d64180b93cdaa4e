import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { type Database, openDatabase } from '../src/platform/db/database.js';
import { migrate } from '../src/platform/db/migrate.js';
import type { Role } from '../src/platform/http/access.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { patientInput, uniqueDocument } from './support/app.js';
import { createPostgresDatabase, createTestDatabase, DATABASES, type TestDatabase } from './support/databases.js';

const PACKAGE_VERSION = (
  JSON.parse(fs.readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** The message of the error the test route throws: internals that must never reach a client. */
const INTERNAL_ERROR = 'connect ECONNREFUSED db-primary.internal:5432 as clinica_owner';

const testConfig = (logLevel: string) =>
  loadConfig({
    DATA_DIR: path.join(os.tmpdir(), `clinica-test-${randomUUID()}`),
    LOG_LEVEL: logLevel,
    PUBLIC_URL: 'http://clinica.test',
    LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
  });

interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/**
 * Prometheus text exposition, strictly: every line is a comment or a well-formed sample.
 * (prom-client writes NaN as `Nan`, which Prometheus parses case-insensitively.)
 */
function parseMetrics(text: string): { samples: Sample[]; types: Map<string, string> } {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      const type = /^# TYPE ([a-zA-Z_:][\w:]*) (counter|gauge|histogram|summary|untyped)$/.exec(line);
      if (type) types.set(type[1] as string, type[2] as string);
      else expect(line).toMatch(/^# HELP [a-zA-Z_:][\w:]* .*$/);
      continue;
    }
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (-?[\d.]+(?:e[+-]?\d+)?|NaN|Nan|[+-]Inf)$/.exec(line);
    expect(m, `metrics line: ${line}`).not.toBeNull();
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)",?/g)) labels[l[1] as string] = l[2] as string;
    samples.push({ name: m[1] as string, labels, value: Number(m[3]) });
  }
  return { samples, types };
}

const sampleValue = (samples: Sample[], name: string, labels: Record<string, string>) =>
  samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value ?? 0;

type OpenApiDoc = {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
  components?: { securitySchemes?: Record<string, unknown> };
  security?: Record<string, string[]>[];
};
type Operation = {
  description?: string;
  operationId?: string;
  parameters?: { name: string; in: string; required?: boolean; schema?: unknown }[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: unknown; content?: Record<string, { schema?: unknown }> }>;
  security?: Record<string, string[]>[];
};

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const JSON_TYPES = ['string', 'number', 'integer', 'boolean', 'object', 'array', 'null'];

/**
 * Structural checks of an OpenAPI 3.1 document (no validator is installed): operations,
 * responses, parameters against path templates, security requirements, `$ref`s and the
 * JSON Schemas' `type` and `required`. Answers the list of faults found.
 */
function openApiFaults(doc: OpenApiDoc): string[] {
  const faults: string[] = [];
  if (doc.openapi !== '3.1.0') faults.push(`openapi is ${doc.openapi}`);
  if (typeof doc.info?.title !== 'string' || typeof doc.info?.version !== 'string') faults.push('info is incomplete');
  const schemes = Object.keys(doc.components?.securitySchemes ?? {});
  const checkSecurity = (where: string, security: Record<string, string[]>[] | undefined) => {
    for (const requirement of security ?? []) {
      for (const name of Object.keys(requirement)) {
        if (!schemes.includes(name)) faults.push(`${where}: unknown security scheme ${name}`);
      }
    }
  };
  checkSecurity('document', doc.security);
  const operationIds = new Set<string>();
  for (const [p, item] of Object.entries(doc.paths ?? {})) {
    if (!p.startsWith('/')) faults.push(`path ${p} does not start with /`);
    if (/:\w/.test(p)) faults.push(`path ${p} has an express-style parameter`);
    const templated = [...p.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    for (const [method, op] of Object.entries(item)) {
      const where = `${method.toUpperCase()} ${p}`;
      if (!HTTP_METHODS.includes(method)) {
        faults.push(`${where}: not an HTTP method`);
        continue;
      }
      if (op.operationId) {
        if (operationIds.has(op.operationId)) faults.push(`${where}: duplicate operationId`);
        operationIds.add(op.operationId);
      }
      const responses = Object.entries(op.responses ?? {});
      if (responses.length === 0) faults.push(`${where}: no responses`);
      for (const [status, response] of responses) {
        if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) faults.push(`${where}: response key ${status}`);
        if (typeof response.description !== 'string') faults.push(`${where} ${status}: no description`);
        for (const media of Object.values(response.content ?? {})) {
          if (media.schema === undefined) faults.push(`${where} ${status}: content without schema`);
        }
      }
      const params = op.parameters ?? [];
      const seen = new Set<string>();
      for (const param of params) {
        if (typeof param.name !== 'string') faults.push(`${where}: parameter without name`);
        if (!['query', 'header', 'path', 'cookie'].includes(param.in))
          faults.push(`${where}: parameter in ${param.in}`);
        if (param.in === 'path' && param.required !== true) faults.push(`${where}: path parameter not required`);
        if (param.in === 'path' && !templated.includes(param.name)) faults.push(`${where}: stray path ${param.name}`);
        const key = `${param.in}:${param.name}`;
        if (seen.has(key)) faults.push(`${where}: duplicate parameter ${key}`);
        seen.add(key);
      }
      for (const name of templated) {
        if (!params.some((x) => x.in === 'path' && x.name === name)) faults.push(`${where}: {${name}} not declared`);
      }
      if (op.requestBody && Object.keys(op.requestBody.content ?? {}).length === 0) {
        faults.push(`${where}: request body without content`);
      }
      checkSecurity(where, op.security);
    }
  }
  const walk = (node: unknown, at: string) => {
    if (Array.isArray(node)) {
      for (const [i, n] of node.entries()) walk(n, `${at}/${i}`);
      return;
    }
    if (!node || typeof node !== 'object') return;
    const o = node as Record<string, unknown>;
    if (typeof o.$ref === 'string') {
      const target = o.$ref.startsWith('#/')
        ? o.$ref
            .slice(2)
            .split('/')
            .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
            .reduce<unknown>((n, key) => (n as Record<string, unknown> | undefined)?.[key], doc)
        : undefined;
      if (target === undefined) faults.push(`${at}: $ref ${o.$ref} does not resolve`);
    }
    if (at.includes('/schema') || at.includes('/schemas/')) {
      const types = o.type === undefined ? [] : Array.isArray(o.type) ? o.type : [o.type];
      for (const type of types) {
        if (typeof type !== 'string' || !JSON_TYPES.includes(type)) faults.push(`${at}: schema type ${String(type)}`);
      }
      if (o.required !== undefined && o.properties && typeof o.properties === 'object') {
        if (!Array.isArray(o.required)) faults.push(`${at}: required is not a list`);
        else {
          for (const r of o.required) if (!(r in o.properties)) faults.push(`${at}: required ${r} is not a property`);
        }
      }
    }
    for (const [k, v] of Object.entries(o)) {
      // Maps of named subschemas: their keys are names, not schema keywords.
      if (
        ['properties', 'patternProperties', '$defs', 'definitions', 'schemas'].includes(k) &&
        v &&
        typeof v === 'object'
      ) {
        for (const [name, sub] of Object.entries(v)) walk(sub, `${at}/${k}/${name}`);
      } else walk(v, `${at}/${k}`);
    }
  };
  walk(doc, '#');
  return faults;
}

/** An app over a database of its own that the test may break (close); `dispose` cleans up. */
async function throwawayApp(kind: 'pglite' | 'postgresql') {
  let db: Database;
  let dropDatabase = async () => {};
  if (kind === 'pglite') db = await openDatabase({});
  else {
    const created = await createPostgresDatabase();
    db = await openDatabase({ url: created.url, poolSize: 4 });
    dropDatabase = created.drop;
  }
  await migrate(db);
  const app = await buildApp(testConfig('silent'), db);
  await app.ready();
  const dispose = async () => {
    await app.close();
    await dropDatabase();
  };
  return { app, db, dispose };
}

describe.each(DATABASES)('HTTP surface on %s', (kind) => {
  let app: FastifyInstance;
  let database: TestDatabase;
  /** Every log line the app wrote. */
  const logLines: string[] = [];
  /** Every response this file received from the app. */
  const responses: LightMyRequestResponse[] = [];

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    app = await buildApp(testConfig('info'), database.db, { logStream: { write: (line) => logLines.push(line) } });
    // A route that fails the way a broken dependency would, to see what leaks of a 500.
    app.get('/test/fail', { config: { access: 'public' }, schema: { hide: true } }, async () => {
      throw new Error(INTERNAL_ERROR);
    });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.drop();
  });

  const call = async ({ token, headers, ...options }: InjectOptions & { token?: string }) => {
    const res = await app.inject({
      ...options,
      headers: { ...headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
    });
    responses.push(res);
    return res;
  };

  const password = `Pw-${randomUUID()}`;
  const signIn = async (roles: Role[]) => {
    const email = `${roles.join('-')}-${randomUUID().slice(0, 8)}@clinica.test`;
    const user = await app.clinica.users.create({ email, roles, password }, SYSTEM_CONTEXT);
    const res = await call({ method: 'POST', url: '/api/v1/auth/login', payload: { email, password } });
    expect(res.statusCode).toBe(200);
    return { token: res.json().accessToken as string, refreshToken: res.json().refreshToken as string, ...user };
  };

  describe('health', () => {
    it('answers liveness', async () => {
      const res = await call({ method: 'GET', url: '/healthz' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ status: 'ok' });
    });

    it('is ready when every migration is applied, and not when the migrations table says otherwise', async () => {
      const ready = await call({ method: 'GET', url: '/readyz' });
      expect(ready.statusCode).toBe(200);
      expect(ready.json()).toEqual({ status: 'ready' });
      const [latest] = (
        await database.db.query<{ version: number; name: string; checksum: string; applied_at: Date }>(
          'delete from schema_migrations where version = (select max(version) from schema_migrations) returning *',
        )
      ).rows;
      try {
        const res = await call({ method: 'GET', url: '/readyz' });
        expect(res.statusCode).toBe(503);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect(res.json()).toMatchObject({ status: 503, title: 'Service Unavailable' });
      } finally {
        await database.db.query(
          'insert into schema_migrations (version, name, checksum, applied_at) values ($1, $2, $3, $4)',
          [latest?.version, latest?.name, latest?.checksum, latest?.applied_at],
        );
      }
      expect((await call({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      // Liveness does not depend on the database.
      expect((await call({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
    });

    it('is not ready when the database cannot be reached', async () => {
      const spare = await throwawayApp(kind);
      try {
        expect((await spare.app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
        await spare.db.close();
        const res = await spare.app.inject({ method: 'GET', url: '/readyz' });
        expect(res.statusCode).toBe(503);
        expect(res.headers['content-type']).toContain('application/problem+json');
        expect((await spare.app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      } finally {
        await spare.dispose();
      }
    });
  });

  describe('request ids', () => {
    it('every answer carries an x-request-id, generated when the caller sent none', async () => {
      const answers = await Promise.all([
        call({ method: 'GET', url: '/healthz' }),
        call({ method: 'GET', url: '/healthz' }),
        call({ method: 'GET', url: '/no/such/page' }),
        call({ method: 'GET', url: '/api/v1/patients' }),
        call({ method: 'POST', url: '/api/v1/auth/login', payload: { email: 'nobody@clinica.test' } }),
        call({ method: 'GET', url: '/test/fail' }),
      ]);
      expect(answers.map((r) => r.statusCode)).toEqual([200, 200, 404, 401, 400, 500]);
      const ids = answers.map((r) => r.headers['x-request-id']);
      for (const id of ids) expect(id).toMatch(UUID);
      expect(new Set(ids).size).toBe(ids.length);
    });

    it('keeps a well-formed x-request-id from the caller and replaces one that is not', async () => {
      const kept = await call({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'lb-7f3a.2:9_x' } });
      expect(kept.headers['x-request-id']).toBe('lb-7f3a.2:9_x');
      for (const bad of ['with spaces', 'a'.repeat(129), 'semi;colon', '']) {
        const res = await call({ method: 'GET', url: '/healthz', headers: { 'x-request-id': bad } });
        expect(res.headers['x-request-id']).toMatch(UUID);
      }
    });
  });

  describe('metrics', () => {
    it('counts requests and their latency by route template and status, never by raw URL', async () => {
      const desk = await signIn(['admissions']);
      const patient = await app.clinica.patients.create(patientInput(), SYSTEM_CONTEXT);
      const missing = randomUUID();
      const labels = { method: 'GET', route: '/api/v1/patients/:id', status_code: '200' };
      const before = parseMetrics((await call({ method: 'GET', url: '/metrics' })).body).samples;
      for (let i = 0; i < 3; i++) {
        expect(
          (await call({ method: 'GET', url: `/api/v1/patients/${patient.id}`, token: desk.token })).statusCode,
        ).toBe(200);
      }
      expect((await call({ method: 'GET', url: `/api/v1/patients/${missing}`, token: desk.token })).statusCode).toBe(
        404,
      );
      const strayPath = `/stray-${randomUUID()}`;
      expect((await call({ method: 'GET', url: strayPath })).statusCode).toBe(404);

      const res = await call({ method: 'GET', url: '/metrics' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
      const { samples, types } = parseMetrics(res.body);
      expect(types.get('clinica_http_requests_total')).toBe('counter');
      expect(types.get('clinica_http_request_duration_seconds')).toBe('histogram');
      const count = (name: string, l: Record<string, string>) => sampleValue(samples, name, l);
      const added = (l: Record<string, string>) =>
        count('clinica_http_requests_total', l) - sampleValue(before, 'clinica_http_requests_total', l);
      expect(added(labels)).toBe(3);
      expect(added({ ...labels, status_code: '404' })).toBe(1);
      expect(added({ method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
      expect(count('clinica_http_request_duration_seconds_count', labels)).toBe(
        count('clinica_http_requests_total', labels),
      );
      const buckets = samples
        .filter((s) => s.name === 'clinica_http_request_duration_seconds_bucket')
        .filter((s) => s.labels.route === labels.route && s.labels.status_code === '200');
      expect(buckets.at(-1)?.labels.le).toBe('+Inf');
      expect(buckets.at(-1)?.value).toBe(count('clinica_http_request_duration_seconds_count', labels));
      for (let i = 1; i < buckets.length; i++) {
        expect(buckets[i]?.value).toBeGreaterThanOrEqual(buckets[i - 1]?.value as number);
      }
      // Route labels are templates; ids and stray paths never become label values.
      for (const s of samples.filter((x) => x.labels.route !== undefined)) {
        expect(s.labels.route === 'unmatched' || app.clinica.routes.some((r) => r.url === s.labels.route)).toBe(true);
      }
      expect(res.body).not.toContain(patient.id);
      expect(res.body).not.toContain(missing);
      expect(res.body).not.toContain(strayPath);
    });

    it('exposes process and runtime metrics', async () => {
      const { samples, types } = parseMetrics((await call({ method: 'GET', url: '/metrics' })).body);
      for (const name of [
        'clinica_process_cpu_user_seconds_total',
        'clinica_process_start_time_seconds',
        'clinica_nodejs_heap_size_used_bytes',
        'clinica_nodejs_eventloop_lag_seconds',
      ]) {
        expect(types.has(name), name).toBe(true);
        expect(samples.some((s) => s.name === name && Number.isFinite(s.value))).toBe(true);
      }
      expect(sampleValue(samples, 'clinica_process_cpu_user_seconds_total', {})).toBeGreaterThan(0);
      // Every sample belongs to a declared family.
      for (const s of samples) {
        const family = s.name.replace(/_(bucket|sum|count)$/, '');
        expect(types.has(s.name) || types.has(family), s.name).toBe(true);
      }
    });
  });

  describe('OpenAPI and docs', () => {
    let doc: OpenApiDoc;
    beforeAll(async () => {
      const res = await call({ method: 'GET', url: '/api/v1/openapi.json' });
      expect(res.statusCode).toBe(200);
      doc = res.json();
    });

    it('is a structurally valid OpenAPI 3.1.0 document', () => {
      expect(doc.openapi).toBe('3.1.0');
      expect(doc.info).toMatchObject({ title: 'Clinica API', version: PACKAGE_VERSION });
      expect(openApiFaults(doc)).toEqual([]);
    });

    it('the structural checks catch a broken document', () => {
      const broken = structuredClone(doc);
      const op = broken.paths['/api/v1/patients/{id}']?.get as Operation;
      op.parameters = [];
      op.responses = { '200': { description: 'ok', content: { 'application/json': { schema: { $ref: '#/nope' } } } } };
      expect(openApiFaults(broken)).toEqual([
        'GET /api/v1/patients/{id}: {id} not declared',
        '#/paths//api/v1/patients/{id}/get/responses/200/content/application/json/schema: $ref #/nope does not resolve',
      ]);
    });

    it('documents every /api/v1 route, each stating who may call it', () => {
      const api = app.clinica.routes.filter((r) => r.url.startsWith('/api/v1/') && r.url !== '/api/v1/openapi.json');
      expect(api.length).toBeGreaterThanOrEqual(20);
      for (const route of api) {
        const p = route.url.replace(/:(\w+)/g, '{$1}');
        const op = doc.paths[p]?.[route.method.toLowerCase()];
        expect(op, `${route.method} ${p} is documented`).toBeDefined();
        const access = route.access;
        expect(access, `${route.method} ${p} declares its access`).toBeDefined();
        const who =
          access === 'public'
            ? 'anyone'
            : access === 'authenticated'
              ? 'any signed-in user'
              : (access as readonly string[]).join(', ');
        expect(op?.description, `${route.method} ${p}`).toContain(`Allowed: ${who}.`);
        // Error answers are documented with the media type they are sent with.
        for (const [status, response] of Object.entries(op?.responses ?? {})) {
          if (Number(status) < 400) continue;
          expect(
            Object.keys((response as { content?: object }).content ?? {}),
            `${route.method} ${p} ${status}`,
          ).toEqual(['application/problem+json']);
        }
        // Public operations need no token; the others inherit the bearer requirement.
        if (access === 'public') expect(op?.security).toEqual([]);
        else expect(op?.security).toBeUndefined();
      }
      expect(doc.security).toEqual([{ bearer: [] }]);
      expect(doc.paths['/api/v1/openapi.json']).toBeUndefined();
      expect(doc.paths['/test/fail']).toBeUndefined();
    });

    it('serves interactive docs as HTML', async () => {
      const res = await call({ method: 'GET', url: '/docs' });
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.body.toLowerCase()).toContain('swagger');
      const init = await call({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
      expect(init.statusCode).toBe(200);
    });
  });

  describe('info and errors', () => {
    it('answers name, version, database kind and integrations', async () => {
      const res = await call({ method: 'GET', url: '/api/v1/info' });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(body).toMatchObject({ name: 'Clinica', version: PACKAGE_VERSION, database: kind });
      expect(Object.keys(body).sort()).toEqual([
        'appointmentCancelCutoffHours',
        'database',
        'idleTimeoutMinutes',
        'integrations',
        'name',
        'timeZone',
        'version',
      ]);
      expect(body.idleTimeoutMinutes).toBe(30);
      expect(body).toMatchObject({ timeZone: 'Europe/Madrid', appointmentCancelCutoffHours: 24 });
      expect(Object.keys(body.integrations).length).toBeGreaterThan(0);
      for (const v of Object.values(body.integrations)) expect(typeof v).toBe('boolean');
    });

    it('answers an unknown URL with 404 problem+json, without echoing its query', async () => {
      const res = await call({ method: 'GET', url: '/api/v1/nothing-here?token=s3cr3t-in-query' });
      expect(res.statusCode).toBe(404);
      expect(res.headers['content-type']).toContain('application/problem+json');
      const body = res.json();
      expect(body).toMatchObject({ status: 404, title: 'Not Found' });
      expect(typeof body.type).toBe('string');
      expect(body.detail).toContain('/api/v1/nothing-here');
      expect(res.body).not.toContain('s3cr3t-in-query');
    });

    it('answers malformed JSON with 400, not 500', async () => {
      const res = await call({
        method: 'POST',
        url: '/api/v1/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"email": ',
      });
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toContain('application/problem+json');
    });

    it('a failure inside answers 500 problem+json that leaks nothing, and logs the cause under the request id', async () => {
      const res = await call({ method: 'GET', url: '/test/fail' });
      expect(res.statusCode).toBe(500);
      expect(res.headers['content-type']).toContain('application/problem+json');
      expect(res.json()).toMatchObject({ status: 500, title: 'Internal Server Error' });
      expect(Object.keys(res.json()).sort()).toEqual(['detail', 'status', 'title', 'type']);
      for (const secret of ['ECONNREFUSED', 'db-primary', 'clinica_owner', 'Error:', 'at ', '.ts:', 'node_modules']) {
        expect(res.body).not.toContain(secret);
      }
      const logged = logLines
        .map((l) => JSON.parse(l))
        .find((l) => l.requestId === res.headers['x-request-id'] && l.err);
      expect(logged).toMatchObject({ level: 50, msg: 'request failed', err: { message: INTERNAL_ERROR } });
    });
  });

  describe('logs', () => {
    it('are JSON lines with the request id, and hold no credentials, tokens or health data', async () => {
      const tag = randomUUID().slice(0, 8);
      const secrets: string[] = [password];
      const staff = await signIn(['admissions']);
      secrets.push(staff.token, staff.refreshToken);

      const wrongPassword = `Wrong-${randomUUID()}`;
      secrets.push(wrongPassword);
      const refused = await call({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: staff.email, password: wrongPassword },
      });
      expect(refused.statusCode).toBe(401);

      const refreshed = await call({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: staff.refreshToken },
      });
      expect(refreshed.statusCode).toBe(200);
      secrets.push(refreshed.json().accessToken, refreshed.json().refreshToken);
      const token = refreshed.json().accessToken as string;

      const input = patientInput({
        firstName: `Wenceslao${tag}`,
        lastName: `Quetzalcoatl${tag}`,
        documentNumber: uniqueDocument(),
        phone: '+34 611 987 654',
        email: `w.${tag}@correo.test`,
        allergies: [`Alergia${tag}`],
      });
      secrets.push(input.firstName, input.lastName, input.documentNumber, input.email as string, `Alergia${tag}`);
      const created = await call({ method: 'POST', url: '/api/v1/patients', token, payload: input });
      expect(created.statusCode).toBe(201);
      const duplicate = await call({ method: 'POST', url: '/api/v1/patients', token, payload: input });
      expect(duplicate.statusCode).toBe(409);
      const invalid = await call({
        method: 'POST',
        url: '/api/v1/patients',
        token,
        payload: { ...input, birthDate: `Nacido${tag}` },
      });
      expect(invalid.statusCode).toBe(400);
      secrets.push(`Nacido${tag}`);

      const term = `zalcoatl${tag}`;
      const search = await call({ method: 'GET', url: `/api/v1/patients?q=${term}`, token });
      expect(search.statusCode).toBe(200);
      expect(search.json().items).toHaveLength(1);
      const byPhone = await call({
        method: 'GET',
        url: `/api/v1/patients?q=${encodeURIComponent('611987654')}`,
        token,
      });
      expect(byPhone.statusCode).toBe(200);
      secrets.push(term, '611987654', '611 987 654');

      const registerPassword = `Reg-${randomUUID()}`;
      const registerDocument = uniqueDocument();
      secrets.push(registerPassword, registerDocument, `Registrada${tag}`);
      const registered = await call({
        method: 'POST',
        url: '/api/v1/auth/register',
        payload: {
          email: `reg-${tag}@correo.test`,
          password: registerPassword,
          firstName: `Registrada${tag}`,
          lastName: 'Portal',
          documentNumber: registerDocument,
          birthDate: '1988-02-03',
        },
      });
      expect(registered.statusCode).toBe(201);
      secrets.push(registered.json().accessToken, registered.json().refreshToken);

      const garbageToken = `garbage.${randomUUID()}.token`;
      secrets.push(garbageToken);
      expect((await call({ method: 'GET', url: '/api/v1/auth/me', token: garbageToken })).statusCode).toBe(401);
      const logout = await call({
        method: 'POST',
        url: '/api/v1/auth/logout',
        token,
        payload: { refreshToken: refreshed.json().refreshToken },
      });
      expect(logout.statusCode).toBe(204);

      const text = logLines.join('');
      expect(text.length).toBeGreaterThan(0);
      for (const secret of secrets) expect(text, `logs contain "${secret}"`).not.toContain(secret);
      expect(text.toLowerCase()).not.toContain(input.lastName.toLowerCase());

      const entries = logLines.map((l) => JSON.parse(l) as Record<string, unknown>);
      for (const e of entries) expect(e).toMatchObject({ level: expect.any(Number), time: expect.any(Number) });
      const aboutRequests = entries.filter((e) => 'req' in e || 'res' in e || 'err' in e);
      expect(aboutRequests.length).toBeGreaterThan(0);
      for (const e of aboutRequests) expect(typeof e.requestId).toBe('string');
      // Each answer of this file has its completion line under the id the caller was given.
      for (const res of responses) {
        const done = entries.find((e) => e.requestId === res.headers['x-request-id'] && e.msg === 'request completed');
        expect(done, `${res.statusCode} ${res.headers['x-request-id']}`).toMatchObject({
          res: { statusCode: res.statusCode },
        });
      }
      // The search was logged by its path alone.
      const incoming = entries.find((e) => e.requestId === search.headers['x-request-id'] && 'req' in e);
      expect(incoming?.req).toMatchObject({ method: 'GET', url: '/api/v1/patients' });
    });
  });
});
