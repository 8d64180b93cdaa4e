import type { Database } from '../../platform/db/database.js';
import type { EventEnvelope } from '../../platform/events/outbox.js';
import { passwordResetLink } from '../identity/password-reset.js';
import { orderForMail } from '../pharmacy/purchasing.repository.js';
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

/** A failed backup goes to every active administrator, each in their own language. */
const backupFailed: Planner = async (db, event) => {
  const { rows: runs } = await db.query<{
    started_at: Date;
    trigger: 'schedule' | 'manual' | 'cli';
    destination: string;
    error: string | null;
  }>('select started_at, trigger, destination, error from backup_runs where id = $1', [event.payload.runId]);
  const run = runs[0];
  if (!run) return [];
  const { rows: admins } = await db.query<UserRecipient>(
    `select u.id, u.email, u.language, u.email_notifications, u.active, p.first_name
       from users u left join patients p on p.id = u.patient_id
      where u.active and 'admin' = any(u.roles) order by u.email`,
  );
  return admins.map((u) =>
    toUser(u, 'backup-failed', {
      name: u.first_name,
      startedAt: run.started_at.toISOString(),
      trigger: run.trigger,
      destination: run.destination,
      error: run.error ?? 'unknown',
    }),
  );
};

/** Every active account with the pharmacist role, each in their own language. */
async function activePharmacists(db: Database): Promise<UserRecipient[]> {
  const { rows } = await db.query<UserRecipient>(
    `select u.id, u.email, u.language, u.email_notifications, u.active, p.first_name
       from users u left join patients p on p.id = u.patient_id
      where u.active and 'pharmacist' = any(u.roles) order by u.email`,
  );
  return rows;
}

/** A product below its minimum goes to every active pharmacist, with what is on hand when the mail goes. */
const stockLow: Planner = async (db, event) => {
  const { rows } = await db.query<{
    name: string;
    unit: string;
    min_stock: string;
    below_min: boolean;
    on_hand: string;
  }>(
    `select p.name, p.unit, p.min_stock::text as min_stock, p.below_min,
        (select coalesce(sum(s.quantity), 0::numeric(12, 3)) from lot_stock s where s.product_id = p.id)::text
          as on_hand
       from products p where p.id = $1`,
    [event.payload.productId],
  );
  const product = rows[0];
  // Restocked before the mail went: there is nothing left to warn about.
  if (!product?.below_min) return [];
  return (await activePharmacists(db)).map((u) =>
    toUser(u, 'stock-low', {
      name: u.first_name,
      productName: product.name,
      onHand: product.on_hand,
      minStock: product.min_stock,
      unit: product.unit,
    }),
  );
};

/** A lot about to expire goes to every active pharmacist, with what it holds when the mail goes. */
const stockExpiring: Planner = async (db, event) => {
  const { rows } = await db.query<{
    name: string;
    unit: string;
    lot_number: string;
    expires_on: string;
    quantity: string;
    holds_stock: boolean;
  }>(
    `select p.name, p.unit, l.lot_number, l.expires_on, s.quantity::text as quantity, s.quantity > 0 as holds_stock
       from lots l join products p on p.id = l.product_id join lot_stock s on s.lot_id = l.id
      where l.id = $1`,
    [event.payload.lotId],
  );
  const lot = rows[0];
  // Emptied (dispensed or written off) before the mail went: nothing is left to expire.
  if (!lot?.holds_stock) return [];
  return (await activePharmacists(db)).map((u) =>
    toUser(u, 'stock-expiring', {
      name: u.first_name,
      productName: lot.name,
      lotNumber: lot.lot_number,
      expiresOn: lot.expires_on,
      quantity: lot.quantity,
      unit: lot.unit,
    }),
  );
};

interface IncidentRecipientRow {
  id: string;
  number: string;
  reporter_user_id: string | null;
  reporter_name: string;
  reporter_email: string;
  assignee_id: string | null;
}

async function incidentOf(db: Database, id: unknown): Promise<IncidentRecipientRow | undefined> {
  const { rows } = await db.query<IncidentRecipientRow>(
    `select id, number, reporter_user_id, reporter_name, reporter_email, assignee_id from incidents where id = $1`,
    [id],
  );
  return rows[0];
}

/**
 * The reporter: their account (language, opt-out) when they have one and it is active;
 * the address of the public form otherwise. Named by the first name on their patient record.
 */
async function reporterMail(
  db: Database,
  incident: IncidentRecipientRow,
  template: 'incident-created' | 'incident-reply',
  reply?: string,
): Promise<PlannedMail[]> {
  const data = { number: incident.number, incidentId: incident.id, ...(reply ? { reply } : {}) };
  if (incident.reporter_user_id) {
    const user = await userRecipient(db, incident.reporter_user_id);
    if (!user?.active) return [];
    return [toUser(user, template, { name: user.first_name, ...data })];
  }
  return [
    {
      template,
      to: incident.reporter_email,
      language: 'es',
      userId: null,
      optedOut: false,
      data: { name: null, ...data },
    },
  ];
}

/** An agent about one incident, if the account is still an active agent. */
async function agentMail(
  db: Database,
  userId: string,
  incident: IncidentRecipientRow,
  template: 'incident-assigned' | 'incident-reporter-replied',
): Promise<PlannedMail[]> {
  const user = await userRecipient(db, userId);
  if (!user?.active) return [];
  return [toUser(user, template, { name: user.first_name, number: incident.number, incidentId: incident.id })];
}

const incidentCreated: Planner = async (db, event) => {
  const incident = await incidentOf(db, event.payload.incidentId);
  if (!incident) return [];
  const { rows: agents } = await db.query<UserRecipient>(
    `select u.id, u.email, u.language, u.email_notifications, u.active, p.first_name
       from users u left join patients p on p.id = u.patient_id
      where u.active and 'agent' = any(u.roles) order by u.email`,
  );
  const data = { number: incident.number, incidentId: incident.id };
  return [
    ...(await reporterMail(db, incident, 'incident-created')),
    ...agents.map((u) => toUser(u, 'incident-new', { name: u.first_name, ...data })),
  ];
};

/** A public reply by an agent goes to the reporter (quoted); one by the reporter to the assignee. Notes go nowhere. */
const incidentArticle: Planner = async (db, event) => {
  if (event.payload.kind !== 'reply') return [];
  const incident = await incidentOf(db, event.payload.incidentId);
  if (!incident) return [];
  if (event.payload.authorRole === 'reporter') {
    return incident.assignee_id ? agentMail(db, incident.assignee_id, incident, 'incident-reporter-replied') : [];
  }
  const { rows } = await db.query<{ body: string }>(
    `select body from incident_articles where id = $1 and kind = 'reply'`,
    [event.payload.articleId],
  );
  if (!rows[0]) return [];
  return reporterMail(db, incident, 'incident-reply', rows[0].body);
};

const incidentAssigned: Planner = async (db, event) => {
  const incident = await incidentOf(db, event.payload.incidentId);
  // Reassigned again before the mail went: only the current assignee hears of it.
  if (!incident || incident.assignee_id !== event.payload.assigneeId) return [];
  return agentMail(db, String(event.payload.assigneeId), incident, 'incident-assigned');
};

/**
 * A confirmed purchase order goes to the vendor's address, in the vendor's language. An order
 * cancelled before the mail went is not sent: the vendor would prepare goods nobody wants.
 */
const purchaseOrderConfirmed: Planner = async (db, event) => {
  const order = await orderForMail(db, String(event.payload.purchaseOrderId));
  if (!order || !['confirmed', 'received'].includes(order.status)) return [];
  return [
    {
      template: 'purchase-order-confirmed',
      to: order.vendor_email,
      language: order.language,
      userId: null,
      optedOut: false,
      data: {
        name: order.vendor_name,
        number: order.number,
        expectedOn: order.expected_on,
        lines: order.lines.map((l) => ({
          product: l.product_name,
          unit: l.unit,
          quantity: l.quantity,
          unitCost: l.unit_cost,
          taxRate: l.tax_rate,
          total: l.total,
        })),
        subtotal: order.subtotal,
        taxTotal: order.tax_total,
        total: order.total,
      },
    },
  ];
};

/**
 * An issued invoice goes to the patient, like appointment mail: the contact address on their
 * record, else their portal account's (which gives the language and the opt-out). One voided
 * before the mail went is not announced.
 */
const invoiceIssued: Planner = async (db, event) => {
  const { rows } = await db.query<{
    number: string | null;
    status: string;
    issued_on: string | null;
    total: string;
    first_name: string;
    patient_email: string | null;
    user_id: string | null;
    user_email: string | null;
    language: Language | null;
    email_notifications: boolean | null;
  }>(
    `select i.number, i.status, i.issued_on, i.total::text as total, p.first_name, p.email as patient_email,
            u.id as user_id, u.email as user_email, u.language, u.email_notifications
       from invoices i
       join patients p on p.id = i.patient_id
       left join lateral (
         select id, email, language, email_notifications from users
          where patient_id = i.patient_id and active order by created_at limit 1) u on true
      where i.patient_id = $1 and i.id = $2`,
    [event.patientId, event.payload.invoiceId],
  );
  const i = rows[0];
  const to = i?.patient_email ?? i?.user_email;
  if (!i?.number || !i.issued_on || i.status === 'void' || !to) return [];
  return [
    {
      template: 'invoice-issued',
      to,
      language: i.language ?? 'es',
      userId: i.user_id,
      optedOut: i.email_notifications === false,
      data: { name: i.first_name, number: i.number, issuedOn: i.issued_on, total: i.total },
    },
  ];
};

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
  'backup.failed': backupFailed,
  'incident.created': incidentCreated,
  'incident.article_added': incidentArticle,
  'incident.assigned': incidentAssigned,
  'purchase_order.confirmed': purchaseOrderConfirmed,
  'invoice.issued': invoiceIssued,
  'stock.low': stockLow,
  'stock.expiring': stockExpiring,
};
