import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database } from '../../platform/db/database.js';
import { contextOf } from '../../platform/http/access.js';
import { decodeCursor, encodeCursor, page, problems } from '../../platform/http/schemas.js';
import { findDeliveries } from './notifications.repository.js';
import { MailDelivery, MailDeliveryQuery } from './notifications.schemas.js';

export function notificationsRoutes(db: Database, audit: AuditTrail) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    app.get('/mail-deliveries', {
      config: { access: ['admin'] },
      schema: {
        tags: ['Notifications'],
        summary: 'The e-mail delivery log',
        description:
          'Every e-mail Clinica sent or tried to send, newest first: `retrying` ones are being tried again with back-off, `failed` ones gave up (see `clinica events dead-letters`).',
        querystring: MailDeliveryQuery,
        response: { 200: page(MailDelivery), ...problems(400, 401, 403) },
      },
      handler: async (req) => {
        const { cursor, limit } = req.query;
        const before = cursor ? (decodeCursor(cursor, 2) as [string, string]) : null;
        const rows = await findDeliveries(db, req.query, before);
        const more = rows.length > limit;
        const items = more ? rows.slice(0, limit) : rows;
        await audit.record(contextOf(req), { action: 'mail.search', resourceType: 'MailDelivery' });
        const last = items[items.length - 1];
        return { items, nextCursor: more && last ? encodeCursor([last.createdAt, last.id]) : null };
      },
    });
  };
}
