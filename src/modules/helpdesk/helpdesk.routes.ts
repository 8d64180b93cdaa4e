import { timingSafeEqual } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { DomainError, notFound, unauthorized } from '../../platform/http/errors.js';
import { IdParams, page, problems } from '../../platform/http/schemas.js';
import { logged, sendDownload } from '../documents/documents.download.js';
import { multipartLimits } from '../documents/documents.upload.js';
import {
  Agents,
  Article,
  Attachment,
  AttachmentParams,
  InboundEmail,
  InboundResult,
  Incident,
  IncidentChanges,
  IncidentDetail,
  IncidentQuery,
  IncidentSummary,
  NewArticle,
  NewIncident,
  PublicIncident,
} from './helpdesk.schemas.js';
import type { HelpdeskService } from './helpdesk.service.js';

const tags = ['Helpdesk'];
const QUEUE: Role[] = ['agent', 'admin'];

export interface HelpdeskRouteOptions {
  /** INBOUND_MAIL_SECRET; without it the inbound e-mail route answers 404. */
  inboundSecret: string | undefined;
  /** Public form submissions per address and minute. */
  publicRateLimit: number;
  /** DOCUMENT_MAX_BYTES: the largest attachment accepted. */
  maxBytes: number;
}

const sameSecret = (given: string, expected: string) => {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
};

export function helpdeskRoutes(service: HelpdeskService, options: HelpdeskRouteOptions) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/incidents', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Find incidents',
        description:
          'Agents and administrators see the whole queue, most urgent first (earliest SLA due time among open incidents, then newest); everyone else the incidents they reported.',
        querystring: IncidentQuery,
        response: { 200: page(Incident), ...problems(400, 401, 403) },
      },
      handler: async (req) => service.list(req.query, contextOf(req)),
    });

    app.get('/incidents/summary', {
      config: { access: QUEUE },
      schema: {
        tags,
        summary: 'Incident counts for the dashboard',
        response: { 200: IncidentSummary, ...problems(401, 403) },
      },
      handler: async (req) => service.summary(contextOf(req)),
    });

    app.get('/incidents/agents', {
      config: { access: QUEUE },
      schema: {
        tags,
        summary: 'The active agents an incident can be assigned to',
        response: { 200: Agents, ...problems(401, 403) },
      },
      handler: async (req) => service.agents(contextOf(req)),
    });

    app.post('/incidents', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Report an incident',
        description:
          "A patient's incident is linked to their own record; the appointment and prescription links must exist (and, for a patient, be theirs).",
        body: NewIncident,
        response: { 201: Incident, ...problems(400, 401, 403) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.create(req.body, contextOf(req))),
    });

    app.post('/incidents/public', {
      config: { access: 'public', rateLimit: { max: options.publicRateLimit, timeWindow: '1 minute' } },
      schema: {
        tags,
        summary: 'Report an incident without an account',
        description: 'The reporter is known by name and e-mail only, and is answered by e-mail.',
        body: PublicIncident,
        response: { 202: z.object({ number: z.string() }), ...problems(400, 429) },
      },
      handler: async (req, reply) => reply.code(202).send(await service.createPublic(req.body, contextOf(req))),
    });

    app.get('/incidents/:id', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Read an incident and its conversation',
        description: 'Reporters see the public replies; agents and administrators the internal notes too.',
        params: IdParams,
        response: { 200: IncidentDetail, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.get(req.params.id, contextOf(req)),
    });

    app.put('/incidents/:id', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Change, assign or move an incident',
        description:
          'Agents and administrators change anything. Allowed status changes: new → open, pending, resolved, closed; open → pending, resolved, closed; pending → open, resolved, closed; resolved → open, closed; others answer 409. The assignee must be an active agent. The reporter may only close or reopen a resolved incident.',
        params: IdParams,
        body: IncidentChanges,
        response: { 200: Incident, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.update(req.params.id, req.body, contextOf(req)),
    });

    app.post('/incidents/:id/articles', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Reply, or write an internal note',
        description:
          "Notes are for agents and administrators. An agent's first public reply records the first response; a reporter's reply reopens a pending or resolved incident. A closed incident answers 409.",
        params: IdParams,
        body: NewArticle,
        response: { 201: Article, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req, reply) =>
        reply.code(201).send(await service.addArticle(req.params.id, req.body, contextOf(req))),
    });

    app.get('/incidents/:id/attachments/:attachmentId/content', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Download an attachment',
        description:
          'Seen by whoever sees the message it belongs to (a file on an internal note: agents and administrators only); before it is attached, by its uploader and the agents. Streamed and checked against the size and SHA-256 recorded when it was stored. Every download is audited.',
        params: AttachmentParams,
        response: {
          200: z.any().describe('The file, with its recorded content type'),
          ...problems(400, 401, 403, 404, 500, 503),
        },
      },
      handler: async (req, reply) => {
        const { attachment, stream } = await logged(req, () =>
          service.downloadAttachment(req.params.id, req.params.attachmentId, contextOf(req)),
        );
        return sendDownload(req, reply, attachment, stream);
      },
    });

    // Uploads read multipart bodies, in a context of their own so that no other route accepts them.
    await app.register(async (uploads) => {
      await uploads.register(multipart, { limits: multipartLimits(options.maxBytes) });
      // Any other media type reaches the handler, which names what to send instead.
      uploads.addContentTypeParser('*', (_req, _payload, done) => done(null));
      uploads.withTypeProvider<ZodTypeProvider>().post('/incidents/:id/attachments', {
        config: { access: 'authenticated' },
        schema: {
          tags,
          summary: 'Upload a file to attach to a message',
          description: [
            'A `multipart/form-data` body with one part named `file`. Whoever may reply on the incident may upload; the answer’s `id` then goes in `attachmentIds` of the reply or note that carries it.',
            `At most DOCUMENT_MAX_BYTES (here ${options.maxBytes} bytes): larger files answer 413 and nothing is kept.`,
            'The type is read from the content, as for documents: PDF, PNG, JPEG or UTF-8 plain text; anything else answers 415. A closed incident answers 409.',
          ].join(' '),
          consumes: ['multipart/form-data'],
          params: IdParams,
          response: { 201: Attachment, ...problems(400, 401, 403, 404, 409, 413, 415, 503, 507) },
        },
        handler: async (req, reply) => {
          if (!req.isMultipart()) {
            throw new DomainError(
              'UNSUPPORTED_MEDIA_TYPE',
              415,
              'Send the file as multipart/form-data, in a part named "file".',
            );
          }
          const attachment = await logged(req, () =>
            service.uploadAttachment(req.params.id, req.parts(), contextOf(req)),
          );
          return reply.code(201).send(attachment);
        },
      });
    });

    app.post('/incidents/inbound-email', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'A reply received by e-mail (from the inbound mailbox)',
        description:
          'Requires the header `x-clinica-inbound-secret` (INBOUND_MAIL_SECRET; 404 when unset). Adds a reply when the subject carries the incident number, e.g. [INC00001], and the sender is its reporter; each messageId is handled once.',
        body: InboundEmail,
        response: { 202: InboundResult, ...problems(400, 401, 404) },
      },
      preValidation: async (req) => {
        if (!options.inboundSecret) throw notFound('Inbound e-mail');
        const given = req.headers['x-clinica-inbound-secret'];
        if (typeof given !== 'string' || !sameSecret(given, options.inboundSecret)) {
          throw unauthorized('The x-clinica-inbound-secret header is missing or wrong.');
        }
      },
      handler: async (req, reply) => reply.code(202).send(await service.receiveEmail(req.body)),
    });
  };
}
