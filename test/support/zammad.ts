import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';

/** The access token the tests configure; every recorded request carries it. */
export const ZAMMAD_TOKEN = 'test-zammad-token';
export const ZAMMAD_WEBHOOK_SECRET = 'zammad-webhook-secret-for-tests';

const FIXTURES = path.join(import.meta.dirname, '..', 'fixtures', 'zammad');

/** A recorded request/response pair, written from Zammad's published API documentation. */
export interface Exchange {
  description?: string;
  method: string;
  /** Path with query, as sent. */
  path: string;
  request?: { headers?: Record<string, string>; body?: unknown };
  response: { status: number; body: unknown };
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

/** A recorded pair by file name (without `.json`), optionally adapted to the test's ids. */
export function exchange(
  name: string,
  adapt: { path?: string; request?: Record<string, unknown>; response?: Record<string, unknown> } = {},
): Exchange {
  const recorded = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as Exchange;
  return {
    ...recorded,
    path: adapt.path ?? recorded.path,
    request: {
      ...recorded.request,
      body: adapt.request ? { ...(recorded.request?.body as object), ...adapt.request } : recorded.request?.body,
    },
    response: {
      status: recorded.response.status,
      body: adapt.response ? { ...(recorded.response.body as object), ...adapt.response } : recorded.response.body,
    },
  };
}

/** A recorded webhook body (what Zammad's trigger posts). */
export function webhookBody(name: string): Record<string, unknown> {
  return (JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8')) as { body: Record<string, unknown> })
    .body;
}

/** Whether `actual` has every field of `expected` (objects recursively; arrays and values exactly). */
export function containsSubset(actual: unknown, expected: unknown): boolean {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([k, v]) => containsSubset((actual as Record<string, unknown>)[k], v));
  }
  return JSON.stringify(actual) === JSON.stringify(expected);
}

export interface TestZammad {
  url: string;
  /** Every request received, in order. */
  received: ReceivedRequest[];
  /** Requests that matched no expected pair, or did not carry what the pair expects: the test fails on these. */
  failures: string[];
  /** `up` replays the pairs; `unavailable` answers 503; `drop` closes each connection unanswered. */
  mode: 'up' | 'unavailable' | 'drop';
  /** Expects these pairs, each answered once, in any order. `repeat` pairs answer every time. */
  expect(...exchanges: Exchange[]): void;
  repeat(...exchanges: Exchange[]): void;
  /** Expected pairs not yet requested. */
  pending(): Exchange[];
  reset(): void;
  close(): Promise<void>;
}

/** A Zammad stand-in on 127.0.0.1 replaying recorded pairs; anything else is a test failure. */
export async function startZammad(): Promise<TestZammad> {
  let queue: Exchange[] = [];
  let repeating: Exchange[] = [];
  const state = { mode: 'up' as TestZammad['mode'] };
  const received: ReceivedRequest[] = [];
  const failures: string[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (state.mode === 'drop') {
        req.socket.destroy();
        return;
      }
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = null;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        body = text;
      }
      const request = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body };
      received.push(request);
      const answer = (status: number, json: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify(json));
      };
      if (state.mode === 'unavailable') {
        answer(503, { error: 'Service Unavailable' });
        return;
      }
      const same = (e: Exchange) => e.method === request.method && e.path === request.path;
      const candidates = [...queue.filter(same), ...repeating.filter(same)];
      const match = candidates.find(
        (e) => e.request?.body === undefined || containsSubset(request.body, e.request.body),
      );
      if (!match) {
        failures.push(
          `unexpected ${request.method} ${request.path} ${text.slice(0, 400)}${
            candidates.length ? ' (a pair for this path expects another body)' : ''
          }`,
        );
        answer(422, { error: 'unexpected request in this test' });
        return;
      }
      for (const [name, value] of Object.entries(match.request?.headers ?? {})) {
        const got = req.headers[name.toLowerCase()];
        const ok = name.toLowerCase() === 'content-type' ? String(got).startsWith(value) : got === value;
        if (!ok) failures.push(`${request.method} ${request.path}: header ${name} was ${JSON.stringify(got)}`);
      }
      queue = queue.filter((e) => e !== match);
      answer(match.response.status, match.response.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    url: `http://127.0.0.1:${port}`,
    received,
    failures,
    get mode() {
      return state.mode;
    },
    set mode(value) {
      state.mode = value;
    },
    expect: (...exchanges) => {
      queue.push(...exchanges);
    },
    repeat: (...exchanges) => {
      repeating.push(...exchanges);
    },
    pending: () => [...queue],
    reset: () => {
      queue = [];
      repeating = [];
      received.length = 0;
      failures.length = 0;
      state.mode = 'up';
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
