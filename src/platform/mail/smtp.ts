import nodemailer, { type NodemailerError } from 'nodemailer';
import { MailSendError, type MailTransport, nodemailerMail } from './message.js';

// Short enough that a dead or black-holed server fails the attempt quickly and the event
// is retried later, instead of holding a worker for nodemailer's default minutes.
const CONNECTION_TIMEOUT_MS = 5_000;
const GREETING_TIMEOUT_MS = 5_000;
const DNS_TIMEOUT_MS = 5_000;
// Inactivity, not total time: a slow but moving transfer of a large message still completes.
const SOCKET_TIMEOUT_MS = 15_000;

/**
 * SMTP through a small connection pool, so a burst of reminders does not open one
 * connection per message. STARTTLS is used whenever the server offers it (nodemailer's
 * default); `smtps://` connects with TLS from the start. Query parameters of SMTP_URL
 * (e.g. `?requireTLS=true`) are read by nodemailer and override these defaults.
 */
export function createSmtpTransport(url: string): MailTransport {
  const transporter = nodemailer.createTransport({
    url,
    pool: true,
    maxConnections: 5,
    connectionTimeout: CONNECTION_TIMEOUT_MS,
    greetingTimeout: GREETING_TIMEOUT_MS,
    dnsTimeout: DNS_TIMEOUT_MS,
    socketTimeout: SOCKET_TIMEOUT_MS,
  });
  return {
    kind: 'smtp',
    async send(message) {
      try {
        const info = await transporter.sendMail(nodemailerMail(message));
        // A server that rewrites the Message-ID (Microsoft 365, SES) names its own; otherwise
        // the final reply carries the queue id an operator looks up in the server's log.
        return { providerMessageId: info.serverMessageId ?? info.response };
      } catch (err) {
        throw smtpError(err as NodemailerError);
      }
    },
    async close() {
      transporter.close();
    },
  };
}

/** The reply the server gave, or what went wrong on the connection; nodemailer's errors never carry the message. */
function smtpError(err: NodemailerError): MailSendError {
  const reply = err.response?.trim();
  if (reply) {
    const during = err.command ? ` at ${err.command.split(' ')[0]}` : '';
    return new MailSendError(`SMTP server refused the message${during}: ${reply}`, 'smtp', err.permanent === true);
  }
  return new MailSendError(`SMTP delivery failed (${err.code ?? 'error'}): ${err.message}`, 'smtp');
}
