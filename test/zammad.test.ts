import { createHmac, randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type EventDelivery, startServerDelivery } from '../src/events.js';
import { backgroundJobs } from '../src/jobs.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { eventually } from './support/wait.js';
import {
  exchange,
  startZammad,
  type TestZammad,
  webhookBody,
  ZAMMAD_TOKEN,
  ZAMMAD_WEBHOOK_SECRET,
} from './support/zammad.js';

const WEBHOOK = '/api/v1/integrations/zammad/webhook';
const sign = (raw: string, secret = ZAMMAD_WEBHOOK_SECRET) =>
  `sha1=${createHmac('sha1', secret).update(raw).digest('hex')}`;

describe.each(DATABASES)('Zammad sync against recorded request/response pairs (%s)', (kind) => {
  let zammad: TestZammad;
  let t: TestApp;
  let delivery: EventDelivery;
  let agent: SignedIn;
  let nextTicket = 500;

  beforeAll(async () => {
    zammad = await startZammad();
    t = await createTestApp(kind, {
      ZAMMAD_URL: zammad.url,
      ZAMMAD_TOKEN,
      ZAMMAD_WEBHOOK_SECRET,
      // The polling job exists (the test runs it by hand); the webhook works alongside.
      ZAMMAD_POLL_SECONDS: '3600',
      EVENTS_MAX_ATTEMPTS: '20',
      EVENTS_RETRY_BASE_MS: '20',
      OUTBOX_POLL_MS: '20',
    });
    delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
    agent = await t.signIn(['agent']);
  });

  afterAll(async () => {
    await delivery?.stop();
    await t?.close();
    await zammad?.close();
  });

  afterEach(async () => {
    // Each test's events are delivered before the next one: no retry reaches another test's pairs.
    await eventually(
      async () =>
        (
          await t.database.db.query<{ n: number }>(
            'select count(*)::int as n from outbox where published_at is null and dead_at is null',
          )
        ).rows[0]?.n === 0,
      'every event delivered',
    );
    const failures = [...zammad.failures];
    zammad.reset();
    expect(failures, 'requests to Zammad that match no recorded pair').toEqual([]);
  });

  const incident = async (id: string, token = agent.token) => {
    const res = await t.call({ method: 'GET', url: `/api/v1/incidents/${id}`, token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json();
  };
  const settled = (what: string) => eventually(() => zammad.pending().length === 0, what);

  /** A patient reports an incident; Zammad is expected to receive its ticket (unless `zammadDown`). */
  async function report(options: { zammadDown?: boolean } = {}) {
    const patient = await t.createPatient();
    const reporter = await t.signIn(['patient'], { patientId: patient.id });
    const ticketId = ++nextTicket;
    const subject = `Cita ${randomUUID().slice(0, 6)}`;
    const description = 'No puedo cambiar mi cita del lunes.';
    const create = exchange('ticket-create', {
      request: {
        customer_id: `guess:${reporter.email}`,
        article: { subject, body: description, type: 'web', internal: false, content_type: 'text/plain' },
      },
      response: { id: ticketId, number: String(31000 + ticketId), title: subject },
    });
    if (!options.zammadDown) zammad.expect(create);
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/incidents',
      token: reporter.token,
      payload: { subject, description, category: 'appointment' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const created = res.json() as { id: string; number: string };
    return { id: created.id, number: created.number, reporter, ticketId, subject, description, create };
  }

  const ticketRecorded = (id: string, ticketId: number) =>
    eventually(async () => (await incident(id)).external?.ticketId === String(ticketId), `ticket ${ticketId} recorded`);

  it('creates a Zammad ticket for a new incident, with the token header and the reporter as customer, and keeps its id and number', async () => {
    const inc = await report();
    await ticketRecorded(inc.id, inc.ticketId);
    const detail = await incident(inc.id);
    expect(detail.external).toMatchObject({
      system: 'zammad',
      ticketId: String(inc.ticketId),
      ticketNumber: String(31000 + inc.ticketId),
    });
    expect(detail.external.syncedAt).not.toBeNull();
    const sent = zammad.received.filter((r) => r.method === 'POST' && r.path === '/api/v1/tickets');
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.authorization).toBe(`Token token=${ZAMMAD_TOKEN}`);
    expect(sent[0]?.body).toEqual({
      title: `[${inc.number}] ${inc.subject}`,
      group: 'Users',
      customer_id: `guess:${inc.reporter.email}`,
      article: {
        subject: inc.subject,
        body: inc.description,
        type: 'web',
        internal: false,
        content_type: 'text/plain',
      },
    });
  });

  it('pushes an internal note as an internal Zammad note, once, and ignores its echo from the webhook', async () => {
    const inc = await report();
    await ticketRecorded(inc.id, inc.ticketId);
    const zammadArticleId = inc.ticketId * 10 + 2;
    zammad.expect(
      exchange('article-create-note', {
        request: { ticket_id: inc.ticketId, body: 'Checked the booking log.' },
        response: { id: zammadArticleId, ticket_id: inc.ticketId },
      }),
    );
    const note = await t.call({
      method: 'POST',
      url: `/api/v1/incidents/${inc.id}/articles`,
      token: agent.token,
      payload: { kind: 'note', body: 'Checked the booking log.' },
    });
    expect(note.statusCode, note.body).toBe(201);
    await settled('the note pushed to Zammad');
    const kept = await eventually(async () => {
      const { rows } = await t.database.db.query<{ external_article_id: string | null }>(
        'select external_article_id from incident_articles where id = $1',
        [note.json().id],
      );
      return rows[0]?.external_article_id ?? undefined;
    }, 'the Zammad article id kept on the note');
    expect(kept).toBe(String(zammadArticleId));

    // Zammad's trigger reports the note back: it is Clinica's own and adds nothing.
    const echo = JSON.stringify({
      ticket: { id: inc.ticketId, state: 'new', state_id: 1 },
      article: {
        id: zammadArticleId,
        ticket_id: inc.ticketId,
        body: 'Checked the booking log.',
        content_type: 'text/plain',
        internal: true,
        sender: 'Agent',
        type: 'note',
        from: 'Clinica Sync',
        created_by_id: 3,
        created_at: new Date().toISOString(),
      },
    });
    const res = await t.call({
      method: 'POST',
      url: WEBHOOK,
      headers: { 'content-type': 'application/json', 'x-hub-signature': sign(echo) },
      payload: echo,
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ incident: inc.id, articlesAdded: 0, statusChanged: false });
    const articles = (await incident(inc.id)).articles as { body: string }[];
    expect(articles.filter((a) => a.body === 'Checked the booking log.')).toHaveLength(1);
    expect(zammad.received.filter((r) => r.path === '/api/v1/ticket_articles')).toHaveLength(1);
  });

  it("adds a Zammad agent's reply from the webhook once, as a public reply the reporter sees; a redelivery adds nothing", async () => {
    const inc = await report();
    await ticketRecorded(inc.id, inc.ticketId);
    // Its state (open) reaches the incident; Clinica checks the ticket before pushing that status back.
    zammad.repeat(
      exchange('ticket-get', { path: `/api/v1/tickets/${inc.ticketId}?expand=true`, response: { id: inc.ticketId } }),
    );
    const recorded = webhookBody('webhook-agent-reply') as { ticket: object; article: object };
    const raw = JSON.stringify({
      ticket: { ...recorded.ticket, id: inc.ticketId },
      article: { ...recorded.article, id: inc.ticketId * 10 + 5, ticket_id: inc.ticketId },
    });
    const post = () =>
      t.call({
        method: 'POST',
        url: WEBHOOK,
        headers: { 'content-type': 'application/json', 'x-hub-signature': sign(raw) },
        payload: raw,
      });

    const first = await post();
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ incident: inc.id, articlesAdded: 1 });
    const again = await post();
    expect(again.statusCode, again.body).toBe(200);
    expect(again.json()).toMatchObject({ incident: inc.id, articlesAdded: 0, statusChanged: false });

    const seen = await incident(inc.id, inc.reporter.token);
    const replies = (
      seen.articles as { kind: string; body: string; via: string; author: { name: string; role: string } }[]
    ).filter((a) => a.via === 'zammad');
    expect(replies).toHaveLength(1);
    expect(replies[0]).toMatchObject({
      kind: 'reply',
      body: 'Your appointment has been moved to Monday.\nKind regards & thanks',
      author: { name: 'Marta Agent', role: 'agent' },
    });
    expect(seen.status).toBe('open');
    // The status change from Zammad is not pushed back to Zammad.
    await eventually(
      async () =>
        (
          await t.database.db.query<{ n: number }>(
            `select count(*)::int as n from outbox where type = 'incident.updated' and payload->>'incidentId' = $1 and published_at is null`,
            [inc.id],
          )
        ).rows[0]?.n === 0,
      'the status event handled',
    );
    expect(zammad.received.filter((r) => r.method === 'PUT')).toEqual([]);
  });

  it('refuses a webhook with a bad or missing signature, and adds nothing', async () => {
    const inc = await report();
    await ticketRecorded(inc.id, inc.ticketId);
    const recorded = webhookBody('webhook-agent-reply') as { ticket: object; article: object };
    const raw = JSON.stringify({
      ticket: { ...recorded.ticket, id: inc.ticketId },
      article: { ...recorded.article, id: inc.ticketId * 10 + 6, ticket_id: inc.ticketId },
    });
    for (const signature of [sign(raw, 'another-secret-of-enough-length'), sign(`${raw} `), 'sha1=zz', undefined]) {
      const res = await t.call({
        method: 'POST',
        url: WEBHOOK,
        headers: { 'content-type': 'application/json', ...(signature ? { 'x-hub-signature': signature } : {}) },
        payload: raw,
      });
      expect(res.statusCode, String(signature)).toBe(401);
      expect(res.headers['content-type']).toContain('application/problem+json');
    }
    expect(((await incident(inc.id)).articles as unknown[]).length).toBe(0);
  });

  it('pushes a status change made in Clinica as the Zammad state (resolved → closed)', async () => {
    const inc = await report();
    await ticketRecorded(inc.id, inc.ticketId);
    zammad.expect(
      exchange('ticket-get', { path: `/api/v1/tickets/${inc.ticketId}?expand=true`, response: { id: inc.ticketId } }),
      exchange('ticket-update-state', { path: `/api/v1/tickets/${inc.ticketId}`, response: { id: inc.ticketId } }),
    );
    const res = await t.call({
      method: 'PUT',
      url: `/api/v1/incidents/${inc.id}`,
      token: agent.token,
      payload: { status: 'resolved' },
    });
    expect(res.statusCode, res.body).toBe(200);
    await settled('the state pushed to Zammad');
    expect(zammad.received.find((r) => r.method === 'PUT')?.body).toEqual({ state: 'closed' });
  });

  it('keeps working while Zammad is down, retries, and creates the ticket exactly once when Zammad answers', async () => {
    zammad.mode = 'unavailable';
    const inc = await report({ zammadDown: true });
    const attempts = async () =>
      (
        await t.database.db.query<{ attempts: number; last_error: string | null; published: boolean }>(
          `select attempts, last_error, published_at is not null as published from outbox
            where type = 'incident.created' and payload->>'incidentId' = $1`,
          [inc.id],
        )
      ).rows[0];
    const failed = await eventually(async () => {
      const row = await attempts();
      return row && row.attempts >= 2 && row.last_error ? row : undefined;
    }, 'two failed attempts');
    expect(failed.published).toBe(false);
    expect(failed.last_error).toContain('zammad-sync');
    expect(failed.last_error).toContain('503');

    // The incident works in Clinica meanwhile: the agent answers, the reporter reads it.
    const reply = await t.call({
      method: 'POST',
      url: `/api/v1/incidents/${inc.id}/articles`,
      token: agent.token,
      payload: { kind: 'reply', body: 'We are looking into it.' },
    });
    expect(reply.statusCode, reply.body).toBe(201);
    const seen = await incident(inc.id, inc.reporter.token);
    expect((seen.articles as { body: string }[]).map((a) => a.body)).toContain('We are looking into it.');
    expect(seen.external).toBeNull();

    zammad.mode = 'drop';
    const before = (await attempts())?.attempts ?? 0;
    await eventually(async () => ((await attempts())?.attempts ?? 0) > before, 'an attempt with connections dropped');

    // Zammad is back: the ticket once, then the waiting reply and the status change.
    zammad.expect(
      inc.create,
      exchange('article-create-reply', {
        request: { ticket_id: inc.ticketId, body: 'We are looking into it.' },
        response: { id: inc.ticketId * 10 + 3, ticket_id: inc.ticketId },
      }),
    );
    zammad.repeat(
      exchange('ticket-get', {
        path: `/api/v1/tickets/${inc.ticketId}?expand=true`,
        response: { id: inc.ticketId, state: 'new', state_id: 1 },
      }),
      exchange('ticket-update-state', {
        path: `/api/v1/tickets/${inc.ticketId}`,
        request: { state: 'open' },
        response: { id: inc.ticketId, state_id: 2 },
      }),
    );
    zammad.mode = 'up';
    await ticketRecorded(inc.id, inc.ticketId);
    await settled('the ticket and the reply pushed');
    await eventually(async () => (await attempts())?.published, 'the creation event delivered');
    const answered = zammad.received.filter((r) => r.method === 'POST' && r.path === '/api/v1/tickets');
    // Every attempt before reached Zammad's 503; exactly one was answered with a ticket.
    expect(answered.length).toBeGreaterThanOrEqual(2);
    const { rows } = await t.database.db.query<{ n: number }>(
      `select count(*)::int as n from incidents where external_ticket_id = $1`,
      [String(inc.ticketId)],
    );
    expect(rows[0]?.n).toBe(1);
    expect(zammad.pending()).toEqual([]);
  });

  it("polling picks up an article written in Zammad, once, and skips Clinica's own", async () => {
    const inc = await report();
    await ticketRecorded(inc.id, inc.ticketId);
    const listing = exchange('articles-by-ticket', {
      path: `/api/v1/ticket_articles/by_ticket/${inc.ticketId}?expand=true`,
    });
    listing.response.body = (listing.response.body as { id: number }[]).map((a) => ({
      ...a,
      id: a.id + inc.ticketId * 100,
      ticket_id: inc.ticketId,
    }));
    // The job polls every open incident with a ticket: the earlier tests' tickets have nothing new.
    const { rows: others } = await t.database.db.query<{ ticket: string }>(
      `select external_ticket_id as ticket from incidents
        where external_ticket_id is not null and external_ticket_id <> $1 and status <> 'closed'`,
      [String(inc.ticketId)],
    );
    for (const { ticket } of others) {
      const quiet = exchange('articles-by-ticket', { path: `/api/v1/ticket_articles/by_ticket/${ticket}?expand=true` });
      quiet.response.body = [];
      const current = await t.database.db.query<{ status: string }>(
        'select status from incidents where external_ticket_id = $1',
        [ticket],
      );
      const state =
        { new: 'new', open: 'open', pending: 'pending reminder' }[current.rows[0]?.status ?? ''] ?? 'closed';
      zammad.repeat(
        quiet,
        exchange('ticket-get', {
          path: `/api/v1/tickets/${ticket}?expand=true`,
          response: { id: Number(ticket), state },
        }),
      );
    }
    zammad.repeat(
      listing,
      exchange('ticket-get', { path: `/api/v1/tickets/${inc.ticketId}?expand=true`, response: { id: inc.ticketId } }),
      exchange('users-me'),
    );
    const job = backgroundJobs(t.config, t.app.clinica).find((j) => j.name === 'Zammad polling');
    expect(job).toBeDefined();
    await job?.run();
    await job?.run();
    const detail = await incident(inc.id);
    const fromZammad = (detail.articles as { via: string; body: string; kind: string }[]).filter(
      (a) => a.via === 'zammad',
    );
    expect(fromZammad).toEqual([
      expect.objectContaining({
        kind: 'reply',
        body: 'Your appointment has been moved to Monday.\nKind regards & thanks',
      }),
    ]);
    expect(detail.status).toBe('open');
    expect(zammad.received.filter((r) => r.path === '/api/v1/users/me')).toHaveLength(1);
  });
});

describe.each(DATABASES)('Zammad webhook without Zammad configured (%s)', (kind) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp(kind);
  });
  afterAll(() => t?.close());

  it('answers 404', async () => {
    const raw = JSON.stringify({ ticket: { id: 1 } });
    const res = await t.call({
      method: 'POST',
      url: WEBHOOK,
      headers: { 'content-type': 'application/json', 'x-hub-signature': sign(raw) },
      payload: raw,
    });
    expect(res.statusCode).toBe(404);
    expect(res.headers['content-type']).toContain('application/problem+json');
  });
});
