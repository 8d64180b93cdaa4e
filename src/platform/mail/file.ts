import { randomUUID } from 'node:crypto';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { MailSendError, type MailTransport, nodemailerMail } from './message.js';

/**
 * Writes each message as a complete .eml file (openable in any mail client) to `folder`,
 * named `<UTC YYYYMMDDTHHMMSS>-<message id>.eml`. A resend of the same Message-ID is a new
 * file, stamped with its own time: the folder is the record of every attempt, as a mail
 * server's log would be. Only a resend within the same second replaces the earlier copy.
 */
export function createFileTransport(folder: string): MailTransport {
  const composer = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    kind: 'file',
    async send(message) {
      const info = await composer.sendMail(nodemailerMail(message));
      const name = `${timestamp(new Date())}-${safeName(message.messageId)}.eml`;
      try {
        await writeAtomically(folder, name, info.message as Buffer);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? 'error';
        throw new MailSendError(`Could not write ${path.join(folder, name)} (${code})`, 'file');
      }
      return { providerMessageId: name };
    },
    async close() {},
  };
}

const timestamp = (at: Date) => at.toISOString().slice(0, 19).replace(/[-:]/g, '');

/** The id without its brackets, reduced to characters every file system accepts. */
const safeName = (messageId: string) =>
  messageId
    .replace(/^<|>$/g, '')
    .replace(/[^A-Za-z0-9._@-]/g, '_')
    .slice(0, 150);

/**
 * A reader of the folder (a person, a test, a sync tool) sees either the whole message or
 * none: the content goes to a hidden temporary name, is flushed, and only then renamed.
 */
async function writeAtomically(folder: string, name: string, content: Buffer): Promise<void> {
  await mkdir(folder, { recursive: true });
  const temporary = path.join(folder, `.${randomUUID()}.tmp`);
  try {
    const file = await open(temporary, 'wx');
    try {
      await file.writeFile(content);
      await file.sync();
    } finally {
      await file.close();
    }
    await rename(temporary, path.join(folder, name));
  } catch (err) {
    await rm(temporary, { force: true });
    throw err;
  }
}
