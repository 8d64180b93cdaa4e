import { createHash, randomUUID } from 'node:crypto';
import type { Database } from '../../platform/db/database.js';
import type { DeliveryAttempt, EventHandler } from '../../platform/events/handler.js';
import { errorMessage } from '../../platform/events/handler.js';
import type { EventMetrics } from '../../platform/events/metrics.js';
import type { EventEnvelope } from '../../platform/events/outbox.js';
import type { MailTransport } from '../../platform/mail/transport.js';
import { MAIL_PLANS, type PlannedMail } from './recipients.js';
import { ESSENTIAL_TEMPLATES, type MailContext, renderMail } from './templates.js';

export interface MailerOptions {
  from: string;
  context: MailContext;
}

/**
 * The mailer consumer: turns events into e-mail. Each e-mail has a delivery row keyed by
 * (event, template, recipient); a redelivered event skips the e-mails already sent, and an
 * e-mail resent after a crash between the server's acceptance and that row's update keeps
 * its Message-ID, derived from the event and recipient, so receivers can drop the copy.
 */
export class Mailer implements EventHandler {
  readonly name = 'mailer';
  readonly events: readonly string[] = Object.keys(MAIL_PLANS);
  private readonly domain: string;

  constructor(
    private readonly db: Database,
    private readonly transport: MailTransport,
    private readonly options: MailerOptions,
    private readonly metrics: EventMetrics,
  ) {
    this.domain = /@([^>\s]+)>?\s*$/.exec(options.from)?.[1] ?? 'clinica.local';
  }

  async handle(event: EventEnvelope, delivery: DeliveryAttempt): Promise<void> {
    const plan = MAIL_PLANS[event.type];
    if (!plan) return;
    const mails = await plan(this.db, event, this.options.context.publicUrl);
    const failures: string[] = [];
    for (const mail of mails) {
      try {
        await this.deliver(event, mail, delivery);
      } catch (err) {
        failures.push(`${mail.template}: ${errorMessage(err)}`);
      }
    }
    if (failures.length > 0) throw new Error(failures.join('; '));
  }

  messageIdFor(eventId: string, template: string, recipient: string): string {
    const digest = createHash('sha256').update(`${template}\n${recipient.toLowerCase()}`).digest('hex').slice(0, 16);
    return `<${eventId}.${digest}@${this.domain}>`;
  }

  private async deliver(event: EventEnvelope, mail: PlannedMail, delivery: DeliveryAttempt): Promise<void> {
    const messageId = this.messageIdFor(event.id, mail.template, mail.to);
    const { rows } = await this.db.query<{ id: string; status: string }>(
      `insert into mail_deliveries (id, event_id, event_type, template, recipient, language, user_id, message_id, status)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 'sending')
       on conflict (event_id, template, recipient) do update set updated_at = now()
       returning id, status`,
      [randomUUID(), event.id, event.type, mail.template, mail.to, mail.language, mail.userId, messageId],
    );
    const row = rows[0];
    if (!row || row.status === 'sent' || row.status === 'skipped') return;
    if (mail.optedOut && !ESSENTIAL_TEMPLATES.has(mail.template)) {
      await this.db.query(`update mail_deliveries set status = 'skipped', updated_at = now() where id = $1`, [row.id]);
      return;
    }
    // PlannedMail pairs each template with its own data; TypeScript cannot follow the pairing here.
    const rendered = renderMail(mail.template, mail.language, mail.data as never, this.options.context);
    await this.db.query(
      `update mail_deliveries set status = 'sending', attempts = attempts + 1, updated_at = now() where id = $1`,
      [row.id],
    );
    try {
      const sent = await this.transport.send({
        from: this.options.from,
        to: mail.to,
        messageId,
        language: mail.language,
        ...rendered,
        headers: { ...rendered.headers, 'Auto-Submitted': 'auto-generated', 'X-Clinica-Event': event.type },
      });
      await this.db.query(
        `update mail_deliveries set status = 'sent', provider_message_id = $2, last_error = null,
                sent_at = now(), updated_at = now() where id = $1`,
        [row.id, sent.providerMessageId.slice(0, 500)],
      );
      this.metrics.emailsSent.inc({ template: mail.template });
    } catch (err) {
      this.metrics.emailsFailed.inc({ template: mail.template });
      await this.db.query(`update mail_deliveries set status = $2, last_error = $3, updated_at = now() where id = $1`, [
        row.id,
        delivery.final ? 'failed' : 'retrying',
        errorMessage(err).slice(0, 2000),
      ]);
      throw err;
    }
  }
}
