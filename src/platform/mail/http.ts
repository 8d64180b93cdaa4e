import { headersOf, MailSendError, type MailTransport } from './message.js';

const TIMEOUT_MS = 10_000;
const EXCERPT_CHARS = 200;

/**
 * POSTs each message as JSON to MAIL_API_URL. The body is the generic shape most HTTP mail
 * APIs accept ({from, to, subject, text, html, headers}); many want their own field names
 * or an array of recipients, which takes a small adapter in front of this transport or a
 * relay that translates.
 */
export function createHttpTransport(url: string, apiKey: string | undefined): MailTransport {
  // Parsed now so a malformed MAIL_API_URL stops start rather than every send.
  const host = new URL(url).host;
  return {
    kind: 'http',
    async send(message) {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            accept: 'application/json',
            ...(apiKey ? { authorization: `Bearer ${apiKey}` } : {}),
          },
          body: JSON.stringify({
            from: message.from,
            to: message.to,
            subject: message.subject,
            text: message.text,
            html: message.html,
            headers: { 'Message-ID': message.messageId, ...headersOf(message) },
          }),
          signal: AbortSignal.timeout(TIMEOUT_MS),
          redirect: 'error',
        });
      } catch (err) {
        throw new MailSendError(`Mail API ${host} unreachable: ${networkReason(err)}`, 'http');
      }
      const body = await response.text().catch(() => '');
      if (!response.ok) {
        const excerpt = body.replace(/\s+/g, ' ').trim().slice(0, EXCERPT_CHARS);
        throw new MailSendError(
          `Mail API ${host} answered ${response.status}${excerpt ? `: ${excerpt}` : ''}`,
          'http',
          isPermanentStatus(response.status),
        );
      }
      return { providerMessageId: idFrom(body) ?? message.messageId };
    },
    async close() {},
  };
}

/** fetch hides the cause ("fetch failed"); the code underneath (ECONNREFUSED, a timeout) is what an operator needs. */
function networkReason(err: unknown): string {
  if (err instanceof DOMException && err.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS} ms`;
  const cause = (err as { cause?: unknown }).cause;
  if (cause instanceof Error) return (cause as NodeJS.ErrnoException).code ?? cause.message;
  return err instanceof Error ? err.message : String(err);
}

/**
 * A 4xx other than authentication, time-out and rate limits means this request is wrong and
 * will be refused again; those others, and every 5xx, can pass later.
 */
const isPermanentStatus = (status: number) => status >= 400 && status < 500 && ![401, 403, 408, 429].includes(status);

function idFrom(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (typeof parsed !== 'object' || parsed === null) return undefined;
    const { id, messageId } = parsed as { id?: unknown; messageId?: unknown };
    const found = [id, messageId].find((v) => typeof v === 'string' || typeof v === 'number');
    return found === undefined ? undefined : String(found);
  } catch {
    return undefined;
  }
}
