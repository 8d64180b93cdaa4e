import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { sendProblem } from '../../../platform/http/errors.js';
import { problems } from '../../../platform/http/schemas.js';
import { ZammadError, zammadArticle } from './client.js';
import type { ZammadSync } from './sync.js';

const tags = ['Helpdesk'];

/** Zammad's default webhook body: the ticket (state by name) and the article that triggered it, if any. */
const WebhookBody = z.looseObject({
  ticket: z.looseObject({
    id: z.number().int(),
    state: z.string().optional(),
    state_id: z.number().int().optional(),
  }),
  article: z.unknown().optional(),
});

/** `sha1=<hex>`: HMAC-SHA1 of the raw body with the webhook's secret, compared in constant time. */
export function signatureValid(raw: Buffer, header: string | undefined, secret: string): boolean {
  const given = /^sha1=([0-9a-f]{40})$/i.exec(header?.trim() ?? '')?.[1];
  if (!given) return false;
  const expected = createHmac('sha1', secret).update(raw).digest();
  return timingSafeEqual(expected, Buffer.from(given, 'hex'));
}

/**
 * `POST /integrations/zammad/webhook`: Zammad's trigger calls it on ticket changes. Not a
 * signed-in route: it is verified by the HMAC signature, and answers 404 while the sync
 * (ZAMMAD_URL) or the webhook (ZAMMAD_WEBHOOK_SECRET) is not configured.
 */
export function zammadRoutes(sync: ZammadSync | null, secret: string | undefined) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    // The signature covers the bytes as sent: the body is kept raw and parsed after the check.
    app.removeContentTypeParser('application/json');
    app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    app.post('/integrations/zammad/webhook', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Ticket changes from Zammad (trigger webhook, signed with X-Hub-Signature)',
        response: {
          200: z.object({
            incident: z.string().nullable().describe('The incident the ticket belongs to; null for other tickets'),
            articlesAdded: z.number().int(),
            statusChanged: z.boolean(),
          }),
          ...problems(400, 401, 404, 503),
        },
      },
      handler: async (req, reply) => {
        if (!sync || !secret) {
          return sendProblem(reply, 404, 'The Zammad webhook is not configured (ZAMMAD_URL, ZAMMAD_WEBHOOK_SECRET).');
        }
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const header = req.headers['x-hub-signature'];
        if (!signatureValid(raw, Array.isArray(header) ? header[0] : header, secret)) {
          return sendProblem(
            reply,
            401,
            'The X-Hub-Signature header is missing or does not match: set the same HMAC SHA1 token in Zammad as ZAMMAD_WEBHOOK_SECRET.',
          );
        }
        let json: unknown;
        try {
          json = JSON.parse(raw.toString('utf8'));
        } catch {
          return sendProblem(reply, 400, 'The request body is not valid JSON.');
        }
        const parsed = WebhookBody.safeParse(json);
        if (!parsed.success) {
          return sendProblem(reply, 400, 'The body is not a Zammad ticket webhook: it needs ticket.id.');
        }
        const article = zammadArticle.safeParse(parsed.data.article);
        try {
          return await sync.applyTicketChange(parsed.data.ticket, article.success ? article.data : null);
        } catch (err) {
          // Zammad retries a webhook that failed: worth it when Zammad itself was unreachable.
          if (err instanceof ZammadError && err.retryable) {
            req.log.warn({ err: err.message }, 'Zammad webhook not applied');
            return sendProblem(reply, 503, 'Zammad could not be reached to check the article; retry later.');
          }
          throw err;
        }
      },
    });
  };
}
