import { button, details, html, layout, link, paragraph } from '../../../platform/mail/html.js';
import type { Language, MailContext, RenderedMail } from '../templates.js';

/**
 * What a template says, once, in one language. {@link compose} turns it into both the
 * plain-text and the HTML part, so the two always carry the same content.
 */
export interface MailContent {
  subject: string;
  title: string;
  /** Paragraphs before the details and the link. */
  intro: string[];
  details?: [label: string, value: string][];
  action?: { label: string; url: string };
  /** Paragraphs after the link. */
  outro?: string[];
}

export interface ComposeOptions {
  language: Language;
  context: MailContext;
  /** The recipient's first name; null greets without one. */
  name: string | null;
  /** Non-essential mail says where to switch it off. */
  optional: boolean;
  /** The mail sets Reply-To to a mailbox that reads replies: the footer must not ask for none. */
  repliesWelcome?: boolean;
}

const WORDS = {
  es: {
    greeting: (name: string | null) => (name ? `Hola, ${name}:` : 'Hola:'),
    signOff: 'Atentamente,',
    automatic: (clinic: string) => `Este es un mensaje automático de ${clinic}; por favor, no responda a este correo.`,
    answerable: (clinic: string) => `Este es un mensaje de ${clinic}; puede contestarlo respondiendo a este correo.`,
    optOut: 'Puede dejar de recibir estos avisos desde la configuración de su cuenta:',
  },
  en: {
    greeting: (name: string | null) => (name ? `Hello ${name},` : 'Hello,'),
    signOff: 'Kind regards,',
    automatic: (clinic: string) => `This is an automated message from ${clinic}; please do not reply to it.`,
    answerable: (clinic: string) => `This message comes from ${clinic}; you can answer it by replying to this e-mail.`,
    optOut: 'You can turn these e-mails off in your account settings:',
  },
} as const;

export function compose(
  content: MailContent,
  { language, context, name, optional, repliesWelcome = false }: ComposeOptions,
): RenderedMail {
  const words = WORDS[language];
  const clinic = context.clinicName;
  const notice = repliesWelcome ? words.answerable(clinic) : words.automatic(clinic);
  const greeting = words.greeting(name?.trim() || null);
  const accountUrl = `${context.publicUrl}/account`;

  const text = [
    greeting,
    ...content.intro,
    content.details?.map(([label, value]) => `${label}: ${value}`).join('\n'),
    content.action && `${content.action.label}:\n${content.action.url}`,
    ...(content.outro ?? []),
    `${words.signOff}\n${clinic}`,
    ['-- ', notice, optional ? `${words.optOut} ${accountUrl}` : undefined]
      .filter((line) => line !== undefined)
      .join('\n'),
  ]
    .filter((block) => block !== undefined && block !== '')
    .join('\n\n');

  const bodyHtml = html`${[
    paragraph(greeting),
    content.intro.map(paragraph),
    content.details ? details(content.details) : null,
    content.action ? button(content.action.url, content.action.label) : null,
    (content.outro ?? []).map(paragraph),
    paragraph(html`${words.signOff}<br>${clinic}`),
  ]}`;
  const footerText = html`${notice}${optional ? html`<br>${words.optOut} ${link(accountUrl)}` : null}`;

  return {
    subject: content.subject,
    text: `${text}\n`,
    html: layout({ clinicName: clinic, language, title: content.title, bodyHtml, footerText }),
  };
}

const LOCALES: Record<Language, string> = { es: 'es-ES', en: 'en-GB' };

const formatter = (language: Language, timeZone: string) =>
  new Intl.DateTimeFormat(LOCALES[language], { dateStyle: 'full', timeStyle: 'short', timeZone });

/** An ISO instant as the recipient reads it in the clinic's time zone, e.g. "lunes, 3 de marzo de 2025, 10:30". */
export const formatInstant = (iso: string, language: Language, timeZone: string) =>
  formatter(language, timeZone).format(new Date(iso));

/** Start and end on one line; the date is not repeated when both fall on the same day ("…, 10:30–11:00"). */
export const formatRange = (startIso: string, endIso: string, language: Language, timeZone: string) =>
  formatter(language, timeZone).formatRange(new Date(startIso), new Date(endIso));
