import path from 'node:path';
import { createFileTransport } from './file.js';
import { createHttpTransport } from './http.js';
import type { MailTransport } from './message.js';
import { createSmtpTransport } from './smtp.js';

export type { MailMessage, MailTransport, SentMail } from './message.js';
export { MailSendError } from './message.js';

export interface MailTransportOptions {
  smtpUrl?: string;
  apiUrl?: string;
  apiKey?: string;
  dataDir: string;
}

/**
 * SMTP when SMTP_URL is set, the HTTP API when MAIL_API_URL is, otherwise .eml files in
 * DATA_DIR/mail, so a laptop install shows what it would have sent without any set-up.
 */
export function createMailTransport(options: MailTransportOptions): MailTransport {
  if (options.smtpUrl && options.apiUrl) {
    // Picking one silently would leave the operator guessing which one delivers.
    throw new Error('Mail: set either SMTP_URL or MAIL_API_URL, not both');
  }
  if (options.smtpUrl) return createSmtpTransport(options.smtpUrl);
  if (options.apiUrl) return createHttpTransport(options.apiUrl, options.apiKey);
  return createFileTransport(path.join(options.dataDir, 'mail'));
}
