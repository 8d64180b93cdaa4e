import type { Database } from '../../platform/db/database.js';
import type { EventEnvelope } from '../../platform/events/outbox.js';
import { passwordResetLink } from '../identity/password-reset.js';
import type { Language, TemplateData, TemplateName } from './templates.js';

/** One e-mail an event asks for: to whom, in which language, with which template and data. */
export interface PlannedMail<T extends TemplateName = TemplateName> {
  template: T;
  to: string;
  language: Language;
  userId: string | null;
  /** The recipient switched non-essential e-mail off. */
  optedOut: boolean;
  data: TemplateData[T];
}

interface UserRecipient {
  id: string;
  email: string;
  language: Language;
  email_notifications: boolean;
  active: boolean;
  first_name: string | null;
}

async function userRecipient(db: Database, userId: string): Promise<UserRecipient | undefined> {
  const { rows } = await db.query<UserRecipient>(
    `select u.id, u.email, u.language, u.email_notifications, u.active, p.first_name
       from users u left join patients p on p.id = u.patient_id
      where u.id = $1`,
    [userId],
  );
  return rows[0];
}

const toUser = <T extends TemplateName>(u: UserRecipient, template: T, data: TemplateData[T]): PlannedMail<T> => ({
  template,
  to: u.email,
  language: u.language,
  userId: u.id,
  optedOut: !u.email_notifications,
  data,
});

type Planner = (db: Database, event: EventEnvelope, publicUrl: string) => Promise<PlannedMail[]>;

/** Account mail goes to the account's own address, if the account still exists and is active. */
const accountMail =
  (
    build: (u: UserRecipient, event: EventEnvelope, db: Database, publicUrl: string) => Promise<PlannedMail | null>,
  ): Planner =>
  async (db, event, publicUrl) => {
    const user = await userRecipient(db, String(event.payload.userId));
    if (!user?.active) return [];
    const mail = await build(user, event, db, publicUrl);
    return mail ? [mail] : [];
  };

const accountCreated = accountMail(async (u) => toUser(u, 'account-created', { name: u.first_name, email: u.email }));

interface AppointmentRecipient {
  number: string;
  starts_at: Date;
  ends_at: Date;
  status: string;
  practitioner: string;
  first_name: string;
  patient_email: string | null;
  user_id: string | null;
  user_email: string | null;
  language: Language | null;
  email_notifications: boolean | null;
}

/**
 * Appointment mail goes to the patient: the contact address on their record, else their
 * portal account's. The portal account, when there is one, gives the language and the
 * opt-out. The e-mail names the time and the practitioner, never the treatment.
 */
const appointmentMail =
  (
    template: 'appointment-booked' | 'appointment-changed' | 'appointment-cancelled' | 'appointment-reminder',
    stillDue: (a: AppointmentRecipient) => boolean,
  ): Planner =>
  async (db, event) => {
    const { rows } = await db.query<AppointmentRecipient>(
      `select a.number, a.starts_at, a.ends_at, a.status, pr.name as practitioner, p.first_name,
              p.email as patient_email, u.id as user_id, u.email as user_email, u.language, u.email_notifications
         from appointments a
         join patients p on p.id = a.patient_id
         join practitioners pr on pr.id = a.practitioner_id
         left join lateral (
           select id, email, language, email_notifications from users
            where patient_id = a.patient_id and active order by created_at limit 1) u on true
        where a.patient_id = $1 and a.id = $2`,
      [event.patientId, event.payload.appointmentId],
    );
    const a = rows[0];
    const to = a?.patient_email ?? a?.user_email;
    if (!a || !to || !stillDue(a)) return [];
    return [
      {
        template,
        to,
        language: a.language ?? 'es',
        userId: a.user_id,
        optedOut: a.email_notifications === false,
        data: {
          name: a.first_name,
          number: a.number,
          startsAt: a.starts_at.toISOString(),
          endsAt: a.ends_at.toISOString(),
          practitioner: a.practitioner,
        },
      },
    ];
  };

const notCancelled = (a: AppointmentRecipient) => a.status !== 'cancelled';

/** What each event type sends. Events without an entry send no e-mail. */
export const MAIL_PLANS: Record<string, Planner> = {
  'user.created': accountCreated,
  'user.registered': accountCreated,
  'user.password_changed': accountMail(async (u, event) =>
    toUser(u, 'password-changed', { name: u.first_name, changedAt: event.occurredAt }),
  ),
  'user.mfa_changed': accountMail(async (u, event) =>
    toUser(u, 'mfa-changed', {
      name: u.first_name,
      enabled: event.payload.enabled === true,
      changedAt: event.occurredAt,
    }),
  ),
  'user.password_reset_requested': accountMail(async (u, event, db, publicUrl) => {
    const link = await passwordResetLink(db, String(event.payload.resetId), publicUrl);
    // A link already used or expired by the time the mail would go is not worth sending.
    if (!link) return null;
    return toUser(u, 'password-reset', { name: u.first_name, resetUrl: link.url, expiresMinutes: link.minutesLeft });
  }),
  'appointment.booked': appointmentMail('appointment-booked', notCancelled),
  'appointment.changed': appointmentMail('appointment-changed', notCancelled),
  'appointment.cancelled': appointmentMail('appointment-cancelled', () => true),
  // A reminder that comes due after the appointment was cancelled or has begun is dropped.
  'appointment.reminder': appointmentMail(
    'appointment-reminder',
    (a) => ['booked', 'confirmed'].includes(a.status) && a.starts_at.getTime() > Date.now(),
  ),
};
