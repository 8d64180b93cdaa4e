import { z } from 'zod';
import { cursorOf, Instant, Limit, Text, Uuid } from '../../platform/http/schemas.js';

export const CATEGORIES = ['prescription', 'history_export', 'incident_report', 'invoice', 'result', 'upload'] as const;
export type Category = (typeof CATEGORIES)[number];

/** What staff may upload by hand; the other categories are filed by Clinica itself. */
export const UPLOAD_CATEGORIES = ['upload', 'result'] as const;

export const Document = z
  .object({
    id: z.string(),
    patientId: z.string(),
    category: z.enum(CATEGORIES),
    title: z.string(),
    fileName: z.string(),
    contentType: z.string().describe('As sniffed from the content: application/pdf, image/png, image/jpeg, text/plain'),
    sizeBytes: z.number().int(),
    sha256: z.string().describe('SHA-256 of the content, lower-case hex'),
    author: z.object({ id: z.string(), name: z.string() }).nullable().describe('Null when Clinica filed it'),
    source: z
      .object({ type: z.string(), id: z.string() })
      .nullable()
      .describe('What produced it, e.g. {type: "prescription", id}'),
    createdAt: Instant,
    deletedAt: z.string().nullable(),
    deleteReason: z.string().nullable(),
  })
  .describe("A document in a patient's folder");
export type Document = z.infer<typeof Document>;

export const DocumentsParams = z.strictObject({ id: Uuid });
export const DocumentParams = z.strictObject({ id: Uuid, documentId: Uuid });

export const DocumentsQuery = z.strictObject({
  category: z.enum(CATEGORIES).optional(),
  includeDeleted: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional()
    .describe('Doctors and the results desk may include deleted documents'),
  cursor: cursorOf(z.iso.datetime(), Uuid),
  limit: Limit,
});
export type DocumentsQuery = z.output<typeof DocumentsQuery>;

export const DeleteInput = z.strictObject({
  reason: Text.trim()
    .min(1, { message: 'must not be empty' })
    .max(500, { message: 'must be at most 500 characters' })
    .describe('Why it is deleted; kept with the document'),
});
export type DeleteInput = z.output<typeof DeleteInput>;

/** The text fields of an upload, checked one by one as their parts arrive. */
export const UploadFields = {
  title: Text.trim().min(1, { message: 'must not be empty' }).max(200, { message: 'must be at most 200 characters' }),
  category: z.enum(UPLOAD_CATEGORIES, { message: 'must be upload or result' }),
} as const;
