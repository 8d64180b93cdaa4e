import { ACCOUNT_TEMPLATES } from './templates/account.js';
import { APPOINTMENT_TEMPLATES } from './templates/appointments.js';
import { BACKUP_TEMPLATES } from './templates/backups.js';
import { BILLING_TEMPLATES } from './templates/billing.js';
import { compose, type MailContent } from './templates/compose.js';
import { INCIDENT_TEMPLATES, REPORTER_TEMPLATES } from './templates/helpdesk.js';
import { PURCHASING_TEMPLATES, type PurchaseOrderMail } from './templates/purchasing.js';
import { STOCK_TEMPLATES } from './templates/stock.js';

export type Language = 'es' | 'en';

export interface MailContext {
  clinicName: string;
  /** Without a trailing slash, as config gives PUBLIC_URL. */
  publicUrl: string;
  /** IANA zone the clinic's times are shown in, e.g. 'Europe/Madrid'. */
  timeZone: string;
  /** INBOUND_MAIL_ADDRESS: replies to incident mail go there (Reply-To) and become articles. */
  inboundAddress?: string | undefined;
}

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
  /** Extra headers, e.g. Reply-To. */
  headers?: Record<string, string>;
}

/**
 * Appointment mail names no treatment, reason or specialty: a mailbox is not a safe place
 * for health data, and the number and time are enough to recognise the appointment.
 */
export interface AppointmentMail {
  name: string | null;
  /** e.g. 'APT/00012' */
  number: string;
  /** ISO instant. */
  startsAt: string;
  /** ISO instant. */
  endsAt: string;
  practitioner: string;
}

/** Incident mail: the number and a link, never the subject or description. */
export interface IncidentMail {
  name: string | null;
  /** e.g. 'INC00012' */
  number: string;
  incidentId: string;
  /** An agent's public reply, quoted to the reporter who wrote to the clinic; never an internal note. */
  reply?: string;
}

export interface TemplateData {
  /** An administrator created the account, or the patient registered. Never carries a password. */
  'account-created': { name: string | null; email: string };
  /** `changedAt` is an ISO instant. */
  'password-changed': { name: string | null; changedAt: string };
  'password-reset': { name: string | null; resetUrl: string; expiresMinutes: number };
  'mfa-changed': { name: string | null; enabled: boolean; changedAt: string };
  'appointment-booked': AppointmentMail;
  'appointment-changed': AppointmentMail;
  'appointment-cancelled': AppointmentMail;
  'appointment-reminder': AppointmentMail;
  /** To every active administrator; `startedAt` is an ISO instant, `destination` has no password. */
  'backup-failed': {
    name: string | null;
    startedAt: string;
    trigger: 'schedule' | 'manual' | 'cli';
    destination: string;
    error: string;
  };
  'incident-created': IncidentMail;
  'incident-reply': IncidentMail;
  'incident-new': IncidentMail;
  'incident-assigned': IncidentMail;
  'incident-reporter-replied': IncidentMail;
  /** To the vendor's address, in the vendor's language. */
  'purchase-order-confirmed': PurchaseOrderMail;
  /**
   * To the patient: the number, date (YYYY-MM-DD) and total (exact decimal) with a portal link,
   * never the lines.
   */
  'invoice-issued': { name: string | null; number: string; issuedOn: string; total: string };
  /** To every active pharmacist; quantities are exact decimals ("12.500"), `unit` as on the product. */
  'stock-low': { name: string | null; productName: string; onHand: string; minStock: string; unit: string };
  /** To every active pharmacist; `expiresOn` is a date (YYYY-MM-DD), `quantity` what the lot holds. */
  'stock-expiring': {
    name: string | null;
    productName: string;
    lotNumber: string;
    expiresOn: string;
    quantity: string;
    unit: string;
  };
}

export type TemplateName = keyof TemplateData;

/** How a template words its mail: one function per template, for one language. */
export type TemplateText<T extends TemplateName> = (
  data: TemplateData[T],
  language: Language,
  context: MailContext,
) => MailContent;

const TEMPLATES: { [T in TemplateName]: TemplateText<T> } = {
  ...ACCOUNT_TEMPLATES,
  ...APPOINTMENT_TEMPLATES,
  ...BACKUP_TEMPLATES,
  ...BILLING_TEMPLATES,
  ...INCIDENT_TEMPLATES,
  ...PURCHASING_TEMPLATES,
  ...STOCK_TEMPLATES,
};

export const TEMPLATE_NAMES = Object.keys(TEMPLATES) as TemplateName[];

/** Essential mail (account security) is sent even to users who opted out of notifications. */
export const ESSENTIAL_TEMPLATES: ReadonlySet<TemplateName> = new Set<TemplateName>([
  'account-created',
  'password-changed',
  'password-reset',
  'mfa-changed',
  // Operations mail an administrator cannot switch off: a failed backup must be seen.
  'backup-failed',
  // A vendor has no account to switch mail off in; an order is business mail, not a notice.
  'purchase-order-confirmed',
]);

export function renderMail<T extends TemplateName>(
  template: T,
  language: Language,
  data: TemplateData[T],
  context: MailContext,
): RenderedMail {
  const text: TemplateText<T> = TEMPLATES[template];
  const replyTo = REPORTER_TEMPLATES.has(template) ? context.inboundAddress : undefined;
  const rendered = compose(text(data, language, context), {
    language,
    context,
    name: data.name,
    optional: !ESSENTIAL_TEMPLATES.has(template),
    repliesWelcome: !!replyTo,
  });
  return replyTo ? { ...rendered, headers: { 'Reply-To': replyTo } } : rendered;
}
