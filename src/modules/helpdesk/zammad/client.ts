import { z } from 'zod';

/**
 * A failed call to Zammad. Retryable failures (Zammad down, time-outs, 5xx, 429) are retried
 * by the event delivery; permanent ones (other 4xx: a bad token, an unknown group) need a
 * person to fix the configuration, and say what to fix.
 */
export class ZammadError extends Error {
  override name = 'ZammadError';
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly status: number | null = null,
  ) {
    super(message);
  }
}

const zammadTicket = z.looseObject({
  id: z.number().int(),
  number: z.union([z.string(), z.number()]).transform(String),
  state_id: z.number().int().optional(),
  /** The state's name: present in webhook payloads and with `expand=true`. */
  state: z.string().optional(),
  article_ids: z.array(z.number().int()).optional(),
  created_by_id: z.number().int().optional(),
});
export type ZammadTicket = z.output<typeof zammadTicket>;

export const zammadArticle = z.looseObject({
  id: z.number().int(),
  ticket_id: z.number().int(),
  body: z.string().nullish(),
  content_type: z.string().nullish(),
  internal: z.boolean().optional().default(false),
  /** `Agent`, `Customer` or `System`: present in webhook payloads and with `expand=true`. */
  sender: z.string().nullish(),
  sender_id: z.number().int().nullish(),
  type: z.string().nullish(),
  from: z.string().nullish(),
  created_by_id: z.number().int().nullish(),
  created_at: z.string().nullish(),
});
export type ZammadArticle = z.output<typeof zammadArticle>;

const zammadUser = z.looseObject({ id: z.number().int() });

export interface NewTicket {
  title: string;
  group: string;
  customerEmail: string;
  article: { subject: string; body: string; type: 'web' | 'note'; internal: boolean };
}

export interface NewArticle {
  ticketId: number;
  subject?: string;
  body: string;
  type: 'web' | 'note';
  internal: boolean;
  sender: 'Agent' | 'Customer';
}

export interface ZammadClientOptions {
  url: string;
  token: string;
  timeoutMs?: number;
}

/** The few calls of Zammad's REST API (docs.zammad.org, API > Ticket) the sync needs. */
export class ZammadClient {
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(private readonly options: ZammadClientOptions) {
    this.base = options.url.replace(/\/+$/, '');
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** `POST /api/v1/tickets`: the customer is found or created by e-mail (`guess:`). */
  async createTicket(input: NewTicket): Promise<ZammadTicket> {
    const body = {
      title: input.title,
      group: input.group,
      customer_id: `guess:${input.customerEmail}`,
      article: { ...input.article, content_type: 'text/plain' },
    };
    return zammadTicket.parse(await this.request('POST', '/api/v1/tickets', body));
  }

  /** `POST /api/v1/ticket_articles`. */
  async createArticle(input: NewArticle): Promise<ZammadArticle> {
    const body = {
      ticket_id: input.ticketId,
      ...(input.subject ? { subject: input.subject } : {}),
      body: input.body,
      type: input.type,
      internal: input.internal,
      sender: input.sender,
      content_type: 'text/plain',
    };
    return zammadArticle.parse(await this.request('POST', '/api/v1/ticket_articles', body));
  }

  /** `GET /api/v1/ticket_articles/by_ticket/{id}?expand=true` (sender and type by name). */
  async articlesByTicket(ticketId: number): Promise<ZammadArticle[]> {
    const res = await this.request('GET', `/api/v1/ticket_articles/by_ticket/${ticketId}?expand=true`);
    return z.array(zammadArticle).parse(res);
  }

  /** `GET /api/v1/tickets/{id}?expand=true` (state by name). */
  async getTicket(ticketId: number): Promise<ZammadTicket> {
    return zammadTicket.parse(await this.request('GET', `/api/v1/tickets/${ticketId}?expand=true`));
  }

  /** `PUT /api/v1/tickets/{id}` with the state by name (and when a pending state is due). */
  async updateState(ticketId: number, state: string, pendingTime?: Date): Promise<ZammadTicket> {
    const body = { state, ...(pendingTime ? { pending_time: pendingTime.toISOString() } : {}) };
    return zammadTicket.parse(await this.request('PUT', `/api/v1/tickets/${ticketId}`, body));
  }

  /** `GET /api/v1/users/me`: the account the token belongs to (its articles are Clinica's own). */
  async me(): Promise<{ id: number }> {
    return zammadUser.parse(await this.request('GET', '/api/v1/users/me'));
  }

  private async request(method: string, path: string, body?: unknown): Promise<unknown> {
    const what = `Zammad ${method} ${path.replace(/\?.*$/, '')}`;
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        headers: {
          authorization: `Token token=${this.options.token}`,
          accept: 'application/json',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      const reason =
        err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')
          ? `no answer within ${this.timeoutMs} ms`
          : causeOf(err);
      throw new ZammadError(`${what} failed: ${reason} (is ZAMMAD_URL reachable?)`, true);
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      const retryable = res.status >= 500 || res.status === 429;
      const detail = errorDetail(text);
      const hint =
        res.status === 401 || res.status === 403
          ? ' (check ZAMMAD_TOKEN and that its user has the ticket.agent permission)'
          : res.status === 422 && method === 'POST' && path === '/api/v1/tickets'
            ? ' (check ZAMMAD_GROUP names an existing group)'
            : '';
      throw new ZammadError(
        `${what} answered ${res.status}${detail ? `: ${detail}` : ''}${hint}`,
        retryable,
        res.status,
      );
    }
    try {
      return JSON.parse(text);
    } catch {
      throw new ZammadError(`${what} answered ${res.status} with a body that is not JSON`, true, res.status);
    }
  }
}

function causeOf(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : err.message;
}

/** Zammad answers errors as `{error, error_human}`; anything else is cut short. */
function errorDetail(text: string): string {
  try {
    const parsed = JSON.parse(text) as { error_human?: unknown; error?: unknown };
    const message = parsed.error_human ?? parsed.error;
    if (typeof message === 'string') return message.slice(0, 300);
  } catch {
    // not JSON
  }
  return text.slice(0, 200);
}
