import type { SendMailOptions } from 'nodemailer';

export interface MailMessage {
  /** MAIL_FROM, e.g. 'Clínica Universitaria <no-reply@clinica.local>'. */
  from: string;
  /** One recipient address. */
  to: string;
  subject: string;
  text: string;
  html: string;
  /**
   * The exact Message-ID header, angle brackets included. The caller derives it from the
   * event, so a resend carries the same one and receivers can drop the duplicate.
   */
  messageId: string;
  /** Sets Content-Language. */
  language: 'es' | 'en';
  /** Extra headers, e.g. List-Unsubscribe, Auto-Submitted. */
  headers?: Record<string, string>;
}

export interface SentMail {
  providerMessageId: string;
}

export interface MailTransport {
  readonly kind: 'smtp' | 'file' | 'http';
  /** Rejects with a {@link MailSendError} when the message was not accepted: the caller retries. */
  send(message: MailMessage): Promise<SentMail>;
  close(): Promise<void>;
}

/**
 * A message was not accepted. The text names the transport and the server's reply, never
 * the message itself: mail carries personal data and this text ends up in logs and in the
 * delivery table.
 */
export class MailSendError extends Error {
  override name = 'MailSendError';
  constructor(
    message: string,
    readonly transport: MailTransport['kind'],
    /** The server refused this very message for good (an SMTP 5xx): sending it again gets the same answer. */
    readonly permanent = false,
  ) {
    super(message);
  }
}

const RESERVED = new Set(['message-id', 'content-language']);

/**
 * The caller's extra headers plus Content-Language. A caller's own Message-ID or
 * Content-Language is dropped: those two come from `messageId` and `language` only, so a
 * resend cannot drift from the id the delivery row recorded.
 */
export function headersOf(message: MailMessage): Record<string, string> {
  const extra = Object.entries(message.headers ?? {}).filter(([name]) => !RESERVED.has(name.toLowerCase()));
  return { ...Object.fromEntries(extra), 'Content-Language': message.language };
}

/**
 * The message as nodemailer composes it, shared by the SMTP and file transports so both
 * write the same MIME. Content is always inline strings: file and URL access stay off so a
 * value can never make nodemailer read a local file or fetch a remote one.
 */
export function nodemailerMail(message: MailMessage): SendMailOptions {
  return {
    from: message.from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: message.messageId,
    headers: headersOf(message),
    xMailer: false,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
