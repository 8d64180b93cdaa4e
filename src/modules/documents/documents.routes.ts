import multipart from '@fastify/multipart';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { contextOf, type Role } from '../../platform/http/access.js';
import { DomainError } from '../../platform/http/errors.js';
import { page, problems } from '../../platform/http/schemas.js';
import { logged, sendDownload } from './documents.download.js';
import { DeleteInput, Document, DocumentParams, DocumentsParams, DocumentsQuery } from './documents.schemas.js';
import type { DocumentsService } from './documents.service.js';
import { multipartLimits } from './documents.upload.js';

const tags = ['Documents'];
/** A patient reads their own (the service enforces it); doctors and the results desk every patient's. */
const READ: Role[] = ['patient', 'doctor', 'results'];
const WRITE: Role[] = ['doctor', 'results'];

export function documentsRoutes(service: DocumentsService, options: { maxBytes: number }) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const base = '/patients/:id/documents';

    app.get(base, {
      config: { access: READ },
      schema: {
        tags,
        summary: "A patient's documents, newest first",
        description:
          'Deleted documents are left out; doctors and the results desk may ask for them with `includeDeleted=true`. A patient sees only their own.',
        params: DocumentsParams,
        querystring: DocumentsQuery,
        response: { 200: page(Document), ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.list(req.params.id, req.query, contextOf(req)),
    });

    app.get(`${base}/:documentId`, {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Read a document (its description, not its content)',
        params: DocumentParams,
        response: { 200: Document, ...problems(400, 401, 403, 404) },
      },
      handler: async (req) => service.get(req.params.id, req.params.documentId, contextOf(req)),
    });

    app.get(`${base}/:documentId/content`, {
      config: { access: READ },
      schema: {
        tags,
        summary: 'Download the content of a document',
        description:
          'Streamed and checked against the size and SHA-256 recorded when it was stored: a damaged copy breaks the transfer before its last bytes, so it never looks complete. Every download is audited.',
        params: DocumentParams,
        response: {
          200: z.any().describe('The file, with its recorded content type'),
          ...problems(400, 401, 403, 404, 500, 503),
        },
      },
      handler: async (req, reply) => {
        const { document, stream } = await logged(req, () =>
          service.download(req.params.id, req.params.documentId, contextOf(req)),
        );
        return sendDownload(req, reply, document, stream);
      },
    });

    app.delete(`${base}/:documentId`, {
      config: { access: WRITE },
      schema: {
        tags,
        summary: 'Delete a document (softly, with a reason)',
        description:
          'The document is hidden from lists and from the patient; its file is kept for the audit trail and backups. Deleting it again answers 409.',
        params: DocumentParams,
        body: DeleteInput,
        response: { 200: Document, ...problems(400, 401, 403, 404, 409) },
      },
      handler: async (req) => service.remove(req.params.id, req.params.documentId, req.body.reason, contextOf(req)),
    });

    // Uploads read multipart bodies, in a context of their own so that no other route accepts them.
    await app.register(async (uploads) => {
      await uploads.register(multipart, { limits: multipartLimits(options.maxBytes) });
      // Any other media type reaches the handler, which names what to send instead.
      uploads.addContentTypeParser('*', (_req, _payload, done) => done(null));
      uploads.withTypeProvider<ZodTypeProvider>().post(base, {
        config: { access: WRITE },
        schema: {
          tags,
          summary: 'Upload a document',
          description: [
            'A `multipart/form-data` body with one part named `file` and, optionally, `title` (defaults to the file name) and `category` (`upload`, the default, or `result`).',
            `At most DOCUMENT_MAX_BYTES (here ${options.maxBytes} bytes): larger files answer 413 and nothing is kept.`,
            'The type is read from the content, never from the name or the declared type: PDF, PNG, JPEG or UTF-8 plain text; anything else answers 415.',
            'When the document storage is unreachable the answer is 503 (507 when it is full), and nothing is kept.',
          ].join(' '),
          consumes: ['multipart/form-data'],
          params: DocumentsParams,
          response: { 201: Document, ...problems(400, 401, 403, 404, 409, 413, 415, 503, 507) },
        },
        handler: async (req, reply) => {
          if (!req.isMultipart()) {
            throw new DomainError(
              'UNSUPPORTED_MEDIA_TYPE',
              415,
              'Send the document as multipart/form-data, with the file in a part named "file".',
            );
          }
          const document = await logged(req, () => service.upload(req.params.id, req.parts(), contextOf(req)));
          return reply.code(201).send(document);
        },
      });
    });
  };
}
