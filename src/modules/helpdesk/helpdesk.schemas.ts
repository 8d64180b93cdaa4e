import { z } from 'zod';
import { cursorOf, Email, Instant, Limit, Text, Uuid } from '../../platform/http/schemas.js';

export const STATUSES = ['new', 'open', 'pending', 'resolved', 'closed'] as const;
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const;
export const CATEGORIES = [
  'appointment',
  'prescription',
  'billing',
  'access',
  'clinical',
  'technical',
  'other',
] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export type IncidentPriority = (typeof PRIORITIES)[number];
export type IncidentCategory = (typeof CATEGORIES)[number];
export type ArticleKind = 'reply' | 'note';
export type AuthorRole = 'reporter' | 'agent' | 'system';
export type ArticleVia = 'web' | 'email' | 'zammad';

const Status = z.enum(STATUSES, { message: `must be one of ${STATUSES.join(', ')}` });
const Priority = z.enum(PRIORITIES, { message: `must be one of ${PRIORITIES.join(', ')}` });
const Category = z.enum(CATEGORIES, { message: `must be one of ${CATEGORIES.join(', ')}` });

const Subject = Text.trim().min(3, { message: 'must be at least 3 characters' }).max(200, {
  message: 'must be at most 200 characters',
});
const Body = Text.trim().min(1, { message: 'must not be empty' }).max(20_000, {
  message: 'must be at most 20000 characters',
});

export const Incident = z.object({
  id: z.uuid(),
  number: z.string().describe('INC00001'),
  subject: z.string(),
  description: z.string(),
  status: Status,
  priority: Priority,
  category: Category,
  reporter: z.object({ userId: z.uuid().nullable(), name: z.string(), email: z.string() }),
  patientId: z.uuid().nullable(),
  appointmentId: z.uuid().nullable(),
  prescriptionId: z.uuid().nullable(),
  assignee: z.object({ id: z.uuid(), name: z.string() }).nullable(),
  createdAt: Instant,
  updatedAt: Instant,
  firstResponseAt: Instant.nullable(),
  resolvedAt: Instant.nullable(),
  closedAt: Instant.nullable(),
  sla: z.object({
    firstResponseDueAt: Instant.nullable(),
    resolutionDueAt: Instant.nullable(),
    firstResponseBreached: z.boolean(),
    resolutionBreached: z.boolean(),
  }),
  external: z
    .object({
      system: z.literal('zammad'),
      ticketId: z.string(),
      ticketNumber: z.string(),
      syncedAt: Instant.nullable(),
    })
    .nullable(),
});
export type Incident = z.infer<typeof Incident>;

export const Attachment = z.object({
  id: z.uuid(),
  fileName: z.string(),
  contentType: z.string(),
  sizeBytes: z.number(),
});
export type Attachment = z.infer<typeof Attachment>;

export const Article = z.object({
  id: z.uuid(),
  kind: z.enum(['reply', 'note']),
  body: z.string(),
  author: z.object({ userId: z.uuid().nullable(), name: z.string(), role: z.enum(['reporter', 'agent', 'system']) }),
  via: z.enum(['web', 'email', 'zammad']),
  attachments: z.array(Attachment),
  createdAt: Instant,
});
export type Article = z.infer<typeof Article>;

export const IncidentDetail = Incident.extend({ articles: z.array(Article) });
export type IncidentDetail = z.infer<typeof IncidentDetail>;

export const IncidentQuery = z.strictObject({
  status: Status.optional(),
  priority: Priority.optional(),
  category: Category.optional(),
  assignee: z
    .union([z.literal('me'), z.literal('unassigned'), Uuid], {
      message: 'must be me, unassigned or an agent id',
    })
    .optional(),
  q: Text.trim().max(200, { message: 'must be at most 200 characters' }).optional(),
  limit: Limit,
  cursor: cursorOf(z.string(), Uuid),
});
export type IncidentQuery = z.output<typeof IncidentQuery>;

export const IncidentSummary = z.object({
  byStatus: z.object({
    new: z.number(),
    open: z.number(),
    pending: z.number(),
    resolved: z.number(),
    closed: z.number(),
  }),
  openByPriority: z.object({ low: z.number(), normal: z.number(), high: z.number(), urgent: z.number() }),
  breached: z.number(),
  unassigned: z.number(),
});
export type IncidentSummary = z.infer<typeof IncidentSummary>;

export const Agents = z.object({ items: z.array(z.object({ id: z.uuid(), name: z.string() })) });

export const NewIncident = z.strictObject({
  subject: Subject,
  description: Body,
  category: Category,
  priority: Priority.default('normal'),
  patientId: Uuid.optional(),
  appointmentId: Uuid.optional(),
  prescriptionId: Uuid.optional(),
});
export type NewIncident = z.output<typeof NewIncident>;

export const PublicIncident = z.strictObject({
  name: Text.trim().min(1, { message: 'must not be empty' }).max(200, { message: 'must be at most 200 characters' }),
  email: Email,
  subject: Subject,
  description: Body,
  category: Category,
});
export type PublicIncident = z.output<typeof PublicIncident>;

export const IncidentChanges = z
  .strictObject({
    subject: Subject.optional(),
    priority: Priority.optional(),
    category: Category.optional(),
    status: Status.optional(),
    assigneeId: Uuid.nullable().optional(),
  })
  .refine((c) => Object.keys(c).length > 0, { message: 'must change at least one field' });
export type IncidentChanges = z.output<typeof IncidentChanges>;

export const NewArticle = z.strictObject({
  kind: z.enum(['reply', 'note'], { message: 'must be reply or note' }),
  body: Body,
  attachmentIds: z.array(Uuid).max(10, { message: 'must have at most 10 attachments' }).optional(),
});
export type NewArticle = z.output<typeof NewArticle>;

export const InboundEmail = z.strictObject({
  from: Text.trim().min(3).max(320),
  subject: Text.max(1000),
  text: Text.max(100_000),
  messageId: Text.trim().min(1, { message: 'must not be empty' }).max(998),
});
export type InboundEmail = z.output<typeof InboundEmail>;

export const InboundResult = z.object({ incident: z.string().nullable(), accepted: z.boolean() });

export const AttachmentParams = z.strictObject({ id: Uuid, attachmentId: Uuid });
