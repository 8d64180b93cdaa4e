import { z } from 'zod';
import { cursorOf, Instant, Limit, Uuid } from '../../platform/http/schemas.js';

export const DeliveryStatus = z.enum(['sending', 'sent', 'retrying', 'failed', 'skipped']);

export const MailDeliveryQuery = z.strictObject({
  status: DeliveryStatus.optional(),
  recipient: z.string().max(320).optional().describe('Exact recipient address, any case'),
  cursor: cursorOf(Instant, Uuid),
  limit: Limit,
});
export type MailDeliveryQuery = z.output<typeof MailDeliveryQuery>;

export const MailDelivery = z.object({
  id: Uuid,
  eventId: Uuid,
  eventType: z.string(),
  template: z.string(),
  recipient: z.string(),
  language: z.enum(['es', 'en']),
  userId: Uuid.nullable(),
  messageId: z.string(),
  status: DeliveryStatus.describe('skipped: the recipient switched these e-mails off'),
  attempts: z.number().int(),
  providerMessageId: z.string().nullable(),
  lastError: z.string().nullable(),
  createdAt: Instant,
  updatedAt: Instant,
  sentAt: Instant.nullable(),
});
export type MailDelivery = z.output<typeof MailDelivery>;
