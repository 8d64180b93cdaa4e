import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Registry } from 'prom-client';
import { z } from 'zod';
import type { TokenService } from '../../platform/auth/tokens.js';
import type { Database } from '../../platform/db/database.js';
import { migrationsApplied } from '../../platform/db/migrate.js';
import { sendProblem } from '../../platform/http/errors.js';
import { problems } from '../../platform/http/schemas.js';

const tags = ['System'];

export interface SystemInfo {
  name: string;
  version: string;
  database: Database['kind'];
  integrations: Record<string, boolean>;
  idleTimeoutMinutes: number;
  timeZone: string;
  appointmentCancelCutoffHours: number;
}

const Info = z.object({
  name: z.string(),
  version: z.string(),
  database: z.enum(['pglite', 'postgresql']),
  integrations: z.record(z.string(), z.boolean()).describe('Which external components are configured'),
  idleTimeoutMinutes: z
    .int()
    .positive()
    .describe('Sessions idle this long end (IDLE_TIMEOUT_MINUTES); the web app warns a minute before'),
  timeZone: z.string().describe('IANA time zone of the clinic (CLINIC_TIMEZONE): diary times are local times there'),
  appointmentCancelCutoffHours: z
    .int()
    .nonnegative()
    .describe('Patients may cancel online up to this many hours before the start (APPOINTMENT_CANCEL_CUTOFF_HOURS)'),
});

export function systemRoutes(db: Database, metrics: Registry, tokens: TokenService, info: SystemInfo) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/healthz', {
      config: { access: 'public' },
      schema: { tags, summary: 'Liveness', response: { 200: z.object({ status: z.literal('ok') }) } },
      handler: async () => ({ status: 'ok' as const }),
    });

    app.get('/readyz', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Readiness: database reachable and migrations applied',
        response: { 200: z.object({ status: z.literal('ready') }), ...problems(503) },
      },
      handler: async (req, reply) => {
        const ready = await migrationsApplied(db).catch((err: unknown) => {
          req.log.warn({ err }, 'readiness check failed');
          return false;
        });
        if (!ready) return sendProblem(reply, 503, 'The database is unreachable or not migrated yet.');
        return { status: 'ready' as const };
      },
    });

    app.get('/metrics', {
      config: { access: 'public' },
      schema: { tags, summary: 'Prometheus metrics', produces: ['text/plain'] },
      handler: async (_req, reply) => reply.type(metrics.contentType).send(await metrics.metrics()),
    });

    app.get('/api/v1/info', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Name, version, database kind, enabled integrations, idle time-out, time zone and cancel cut-off',
        response: { 200: Info },
      },
      handler: async () => info,
    });

    app.get('/.well-known/jwks.json', {
      config: { access: 'public' },
      schema: { tags, summary: "Public keys of Clinica's access tokens" },
      handler: async () => tokens.jwks,
    });

    app.get('/api/v1/openapi.json', {
      config: { access: 'public' },
      schema: { tags, summary: 'This OpenAPI document', hide: true },
      handler: async () => fastify.swagger(),
    });
  };
}
