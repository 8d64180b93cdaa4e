import type { AddressInfo } from 'node:net';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedMail {
  to: string;
  messageId: string;
  subject: string;
  text: string;
  html: string;
  language: string;
  parsed: ParsedMail;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** While set, every message is refused with this reply (e.g. a 451 while the relay is busy). */
  refuse: { code: number; message: string } | null;
  /** Called once a message has been accepted (the 250 reply is on its way). */
  onAccepted: ((mail: ReceivedMail) => void) | null;
  /** Holds each reply this long after the data arrived, as a slow or distant server would. */
  replyDelayMs: number;
  /** Resolves once `count` messages in all have arrived. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

/** A real SMTP server (the `smtp-server` package) on 127.0.0.1 that keeps what it receives. */
export async function startSmtpServer(): Promise<TestSmtpServer> {
  const waiters: { count: number; resolve: () => void }[] = [];
  const state: TestSmtpServer = {
    url: '',
    port: 0,
    received: [],
    refuse: null,
    onAccepted: null,
    replyDelayMs: 0,
    async waitFor(count, timeoutMs = 20_000) {
      if (state.received.length < count) {
        await new Promise<void>((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error(`expected ${count} e-mails, received ${state.received.length}`)),
            timeoutMs,
          );
          waiters.push({
            count,
            resolve: () => {
              clearTimeout(timer);
              resolve();
            },
          });
        });
      }
      return state.received;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        if (state.replyDelayMs > 0) await new Promise((r) => setTimeout(r, state.replyDelayMs));
        if (state.refuse) {
          callback(Object.assign(new Error(state.refuse.message), { responseCode: state.refuse.code }));
          return;
        }
        const parsed = await simpleParser(Buffer.concat(chunks));
        const to = Array.isArray(parsed.to) ? parsed.to[0]?.text : parsed.to?.text;
        const mail: ReceivedMail = {
          to: to ?? '',
          messageId: parsed.messageId ?? '',
          subject: parsed.subject ?? '',
          text: parsed.text ?? '',
          html: typeof parsed.html === 'string' ? parsed.html : '',
          language: String(parsed.headers.get('content-language') ?? ''),
          parsed,
        };
        state.received.push(mail);
        callback();
        state.onAccepted?.(mail);
        for (const w of [...waiters]) {
          if (state.received.length >= w.count) {
            waiters.splice(waiters.indexOf(w), 1);
            w.resolve();
          }
        }
      });
    },
  });
  // A client that dies mid-session (a worker killed by a test) resets its connection.
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.server.address() as AddressInfo;
  state.port = port;
  state.url = `smtp://127.0.0.1:${port}`;
  return state;
}
