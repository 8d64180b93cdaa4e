import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database } from '../../platform/db/database.js';
import { contextOf } from '../../platform/http/access.js';
import { badRequest } from '../../platform/http/errors.js';
import { decodeCursor, encodeCursor, page, problems } from '../../platform/http/schemas.js';
import { findAuditEvents } from './audit.repository.js';
import { AuditEvent, AuditQuery } from './audit.schemas.js';

export function auditRoutes(db: Database, audit: AuditTrail) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get('/audit-events', {
      config: { access: ['admin'] },
      schema: {
        tags: ['Audit'],
        summary: 'Search the audit trail',
        description: 'Newest first. `action` takes an exact action or a prefix ending in `*`.',
        querystring: AuditQuery,
        response: { 200: page(AuditEvent), ...problems(400, 401, 403) },
      },
      handler: async (req) => {
        const { cursor, ...filters } = req.query;
        const before = cursor ? decodeCursor(cursor, 1) : null;
        if (cursor && !before) throw badRequest('The cursor is not valid; start again without it.');
        const rows = await findAuditEvents(db, req.query, before ? Number(before[0]) : null);
        const more = rows.length > req.query.limit;
        const items = more ? rows.slice(0, req.query.limit) : rows;
        // Reading the trail is itself recorded: it reveals who looked at which patient.
        await audit.record(contextOf(req), {
          action: 'audit.search',
          resourceType: 'AuditEvent',
          details: { filters },
        });
        const last = items[items.length - 1];
        return { items, nextCursor: more && last ? encodeCursor([last.id]) : null };
      },
    });
  };
}
