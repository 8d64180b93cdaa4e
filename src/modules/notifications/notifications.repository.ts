import type { Queryable } from '../../platform/db/database.js';
import type { MailDelivery, MailDeliveryQuery } from './notifications.schemas.js';

interface DeliveryRow {
  id: string;
  event_id: string;
  event_type: string;
  template: string;
  recipient: string;
  language: 'es' | 'en';
  user_id: string | null;
  message_id: string;
  status: MailDelivery['status'];
  attempts: number;
  provider_message_id: string | null;
  last_error: string | null;
  created_at: Date;
  updated_at: Date;
  sent_at: Date | null;
}

const toDelivery = (r: DeliveryRow): MailDelivery => ({
  id: r.id,
  eventId: r.event_id,
  eventType: r.event_type,
  template: r.template,
  recipient: r.recipient,
  language: r.language,
  userId: r.user_id,
  messageId: r.message_id,
  status: r.status,
  attempts: r.attempts,
  providerMessageId: r.provider_message_id,
  lastError: r.last_error,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  sentAt: r.sent_at?.toISOString() ?? null,
});

/** Newest first; one row more than asked tells whether another page follows. */
export async function findDeliveries(
  q: Queryable,
  filters: MailDeliveryQuery,
  before: [string, string] | null,
): Promise<MailDelivery[]> {
  const { rows } = await q.query<DeliveryRow>(
    `select * from mail_deliveries
      where ($1::text is null or status = $1)
        and ($2::text is null or lower(recipient) = lower($2))
        and ($3::timestamptz is null or (created_at, id) < ($3, $4::uuid))
      order by created_at desc, id desc
      limit $5`,
    [filters.status ?? null, filters.recipient ?? null, before?.[0] ?? null, before?.[1] ?? null, filters.limit + 1],
  );
  return rows.map(toDelivery);
}
