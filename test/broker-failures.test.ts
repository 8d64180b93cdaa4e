import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServices } from '../src/app.js';
import { type Config, loadConfig } from '../src/config.js';
import {
  brokerSettings,
  type Consumers,
  createConsumers,
  type EventDelivery,
  startServerDelivery,
  startWorkerDelivery,
} from '../src/events.js';
import { exchangeName, publishConfirmed } from '../src/platform/events/broker.js';
import { deadLetters } from '../src/platform/events/dead-letters.js';
import { createMetricsRegistry } from '../src/platform/http/metrics.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { countRows, createTestApp, type TestApp } from './support/app.js';
import { AMQP_URL, deleteTopology, startTcpProxy, type TcpProxy, testPrefix } from './support/broker.js';
import { freePort, freshDataDir, spawnClinica } from './support/cli.js';
import { createTestDatabase, DATABASES, type TestDatabase } from './support/databases.js';
import { type ReceivedMail, startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { eventually } from './support/wait.js';

/**
 * What breaks in production, each asserted where a user would notice it: every committed
 * event e-mailed, and none e-mailed twice (copies are told apart by Message-ID).
 */
const MAX_ATTEMPTS = 4;
const RETRY_BASE_MS = 50;
const EVENTS = {
  EVENTS_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  EVENTS_RETRY_BASE_MS: String(RETRY_BASE_MS),
  OUTBOX_POLL_MS: '50',
};

const copiesTo = (smtp: TestSmtpServer, email: string) =>
  smtp.received.filter((m) => m.to.toLowerCase() === email.toLowerCase());

/** Fails with the offending addresses unless each got exactly one e-mail. */
function expectOneEach(smtp: TestSmtpServer, emails: string[]) {
  const wrong = emails
    .map((e) => [e, copiesTo(smtp, e).length] as const)
    .filter(([, n]) => n !== 1)
    .map(([e, n]) => `${e}: ${n}`);
  expect(wrong).toEqual([]);
  const ids = smtp.received.filter((m) => emails.includes(m.to)).map((m) => m.messageId);
  expect(new Set(ids).size).toBe(emails.length);
}

describe.skipIf(!AMQP_URL).each(DATABASES)('broker failures (%s)', (kind) => {
  const prefix = testPrefix();
  let smtp: TestSmtpServer;
  let proxy: TcpProxy;
  let t: TestApp;
  let running: EventDelivery[] = [];

  /** The relay and, as in production, a separate consumer when the database is shared. */
  async function startDelivery() {
    running.push(await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log));
    if (kind === 'postgresql') {
      running.push(await startWorkerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log));
    }
  }
  async function stopDelivery() {
    for (const d of running) await d.stop();
    running = [];
  }
  const source = () => ({
    db: t.database.db,
    amqpUrl: AMQP_URL,
    handlers: t.app.clinica.consumers.handlers,
    broker: brokerSettings(t.config),
  });
  const deliveriesOf = async (eventId: string) =>
    (
      await t.database.db.query<{ status: string; attempts: number; message_id: string }>(
        'select status, attempts, message_id from mail_deliveries where event_id = $1',
        [eventId],
      )
    ).rows;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    proxy = await startTcpProxy(AMQP_URL ?? '');
    t = await createTestApp(kind, { AMQP_URL: proxy.url, AMQP_PREFIX: prefix, SMTP_URL: smtp.url, ...EVENTS });
  });

  beforeEach(() => {
    smtp.refuse = null;
    smtp.onAccepted = null;
    smtp.replyDelayMs = 0;
  });
  afterEach(() => stopDelivery());

  afterAll(async () => {
    await stopDelivery();
    await t?.close();
    await proxy?.close();
    await smtp?.close();
    if (AMQP_URL) await deleteTopology(AMQP_URL, prefix, ['mailer', 'document-filing'], MAX_ATTEMPTS, RETRY_BASE_MS);
  });

  it('e-mails every event exactly once although the broker connections drop mid-stream', async () => {
    await startDelivery();
    // A slow mail server keeps messages in the consumer's hands when the connection drops.
    smtp.replyDelayMs = 100;
    const drops = new Set([40, 100, 160]);
    let dropped = 0;
    smtp.onAccepted = () => {
      if (drops.has(smtp.received.length)) {
        proxy.dropAll();
        dropped += 1;
      }
    };
    const emails: string[] = [];
    try {
      // Changes keep committing while the relay publishes and the consumer e-mails, so the
      // drops cut publishes as well as deliveries.
      for (let batch = 0; batch < 10; batch++) {
        const created = await Promise.all(
          Array.from({ length: 20 }, () =>
            t.app.clinica.users.create(
              { email: `drop-${randomUUID().slice(0, 8)}@clinica.test`, roles: ['doctor'] },
              SYSTEM_CONTEXT,
            ),
          ),
        );
        emails.push(...created.map((u) => u.email));
        await eventually(() => smtp.received.length >= emails.length - 40, 'the consumer to keep up', 30_000);
      }
      await smtp.waitFor(emails.length, 30_000);
      await eventually(
        async () => (await countRows(t, 'outbox where published_at is null')) === 0,
        'every event marked as published',
      );
      await eventually(
        async () => (await countRows(t, `mail_deliveries where status = 'sent'`)) === emails.length,
        'every delivery recorded as sent',
      );
    } finally {
      smtp.onAccepted = null;
      smtp.replyDelayMs = 0;
      // Stopping waits for the messages in hand: a late duplicate would show below.
      await stopDelivery();
    }
    expect(dropped).toBe(drops.size);
    expectOneEach(smtp, emails);
  });

  it('retries while the SMTP server refuses, then e-mails once', async () => {
    await startDelivery();
    smtp.refuse = { code: 451, message: 'Try again later' };
    const user = await t.app.clinica.users.create(
      { email: `refused-${randomUUID().slice(0, 8)}@clinica.test`, roles: ['doctor'] },
      SYSTEM_CONTEXT,
    );
    const { rows } = await t.database.db.query<{ id: string }>(
      `select id from outbox where type = 'user.created' and aggregate_id = $1`,
      [user.id],
    );
    const eventId = rows[0]?.id ?? '';
    await eventually(async () => (await deliveriesOf(eventId))[0]?.status === 'retrying', 'a refused attempt');
    smtp.refuse = null;
    const [row] = await eventually(
      async () => ((await deliveriesOf(eventId))[0]?.status === 'sent' ? deliveriesOf(eventId) : false),
      'the delivery',
    );
    expect(row?.attempts).toBeGreaterThanOrEqual(2);
    const copies = copiesTo(smtp, user.email);
    expect(copies.map((m) => m.messageId)).toEqual([row?.message_id]);
    const metrics = (await t.call({ method: 'GET', url: '/metrics' })).body;
    const retried = /^clinica_events_retried_total\{consumer="mailer"\} (\d+)$/m.exec(metrics);
    expect(Number(retried?.[1])).toBeGreaterThan(0);
  });

  it('dead-letters a poison message and a message that always fails, and replays them', async () => {
    await startDelivery();
    const user = await t.signIn(['agent']);
    await eventually(() => copiesTo(smtp, user.email).length === 1, 'the welcome e-mail');
    smtp.refuse = { code: 550, message: 'Mailbox unavailable' };
    const poisonId = `poison-${randomUUID()}`;
    const connection = await amqp.connect(AMQP_URL ?? '');
    try {
      const channel = await connection.createConfirmChannel();
      await publishConfirmed(channel, exchangeName(brokerSettings(t.config)), 'user.created', Buffer.from('{"id": 1'), {
        messageId: poisonId,
      });
    } finally {
      await connection.close();
    }
    const asked = await t.call({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } });
    expect(asked.statusCode).toBe(202);

    const listed = await eventually(async () => {
      const found = await deadLetters(source(), { replay: false });
      return found.length === 2 ? found : false;
    }, 'both in the dead letters');
    const poison = listed.find((d) => d.eventId === poisonId);
    const failing = listed.find((d) => d.type === 'user.password_reset_requested');
    expect(poison?.error).toMatch(/unreadable/);
    expect(failing).toMatchObject({ consumer: 'mailer', attempts: MAX_ATTEMPTS });
    expect(failing?.error).toContain('550');
    expect(await deliveriesOf(failing?.eventId ?? '')).toMatchObject([{ status: 'failed', attempts: MAX_ATTEMPTS }]);
    // Listing leaves them where they are.
    expect((await deadLetters(source(), { replay: false })).map((d) => d.eventId).sort()).toEqual(
      listed.map((d) => d.eventId).sort(),
    );

    smtp.refuse = null;
    const replayed = await deadLetters(source(), { replay: true });
    expect(replayed.map((d) => d.eventId).sort()).toEqual(listed.map((d) => d.eventId).sort());
    await eventually(
      async () => (await deliveriesOf(failing?.eventId ?? ''))[0]?.status === 'sent',
      'the replayed e-mail',
    );
    // The poison message can never succeed: it goes back, with its reason.
    const after = await eventually(async () => {
      const found = await deadLetters(source(), { replay: false });
      return found.length === 1 ? found : false;
    }, 'the poison message back in the dead letters');
    expect(after).toMatchObject([{ eventId: poisonId, error: expect.stringMatching(/unreadable/) }]);
    const resets = copiesTo(smtp, user.email).filter((m) => m.text.includes('/reset-password?token='));
    expect(resets).toHaveLength(1);
  });
});

const postgresUrl = process.env.TEST_DATABASE_URL;

describe.skipIf(!AMQP_URL || !postgresUrl)('clinica worker processes that die or stop', () => {
  const prefix = testPrefix();
  let smtp: TestSmtpServer;
  let database: TestDatabase;
  let config: Config;
  let consumers: Consumers;
  let relay: EventDelivery;
  let services: Awaited<ReturnType<typeof createServices>>;
  const workers: Worker[] = [];

  interface Worker {
    kill(signal: NodeJS.Signals): void;
    exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    output(): string;
  }

  /** `clinica worker` in a child process, ready once it serves /healthz (it consumes by then). */
  async function startWorker(): Promise<Worker> {
    const port = await freePort();
    const child = spawnClinica(['worker'], {
      env: {
        DATABASE_URL: database.url ?? '',
        AMQP_URL: AMQP_URL ?? '',
        AMQP_PREFIX: prefix,
        SMTP_URL: smtp.url,
        WORKER_PORT: String(port),
        DATA_DIR: freshDataDir('worker'),
        PUBLIC_URL: 'http://clinica.test',
        LOG_LEVEL: 'warn',
        ...EVENTS,
      },
    });
    let output = '';
    child.stdout.on('data', (c: string) => {
      output += c;
    });
    child.stderr.on('data', (c: string) => {
      output += c;
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    const worker: Worker = { kill: (s) => child.kill(s), exited, output: () => output };
    workers.push(worker);
    await eventually(
      async () => {
        if (child.exitCode !== null) throw new Error(`the worker exited with ${child.exitCode}:\n${output}`);
        return fetch(`http://127.0.0.1:${port}/healthz`).then(
          (r) => r.ok,
          () => false,
        );
      },
      'the worker to start',
      30_000,
    );
    return worker;
  }

  const createUsers = (n: number, label: string) =>
    Promise.all(
      Array.from({ length: n }, () =>
        services.users.create(
          { email: `${label}-${randomUUID().slice(0, 8)}@clinica.test`, roles: ['doctor'] },
          SYSTEM_CONTEXT,
        ),
      ),
    ).then((users) => users.map((u) => u.email));

  const deliveryRows = async (emails: string[]) =>
    (
      await database.db.query<{ recipient: string; status: string; message_id: string }>(
        'select recipient, status, message_id from mail_deliveries where recipient = any($1)',
        [emails],
      )
    ).rows;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    database = await createTestDatabase('postgresql');
    config = loadConfig({
      DATABASE_URL: database.url ?? '',
      AMQP_URL: AMQP_URL ?? '',
      AMQP_PREFIX: prefix,
      SMTP_URL: smtp.url,
      DATA_DIR: freshDataDir('relay'),
      LOG_LEVEL: 'silent',
      ...EVENTS,
    });
    consumers = createConsumers(config, database.db, createMetricsRegistry());
    services = await createServices(config, database.db);
    // This process only relays (PostgreSQL): the workers under test consume.
    relay = await startServerDelivery(config, database.db, consumers, pino({ level: 'silent' }));
  });

  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await relay?.stop();
    await consumers?.close();
    await database?.drop();
    await smtp?.close();
    if (AMQP_URL) await deleteTopology(AMQP_URL, prefix, ['mailer', 'document-filing'], MAX_ATTEMPTS, RETRY_BASE_MS);
  });

  it('re-sends with the same Message-ID when a worker is killed between the SMTP accept and the record', async () => {
    const first = await startWorker();
    let killedAt: ReceivedMail | undefined;
    smtp.onAccepted = (mail) => {
      if (killedAt) return;
      killedAt = mail;
      first.kill('SIGKILL');
    };
    const emails = await createUsers(20, 'killed');
    expect(await first.exited).toMatchObject({ signal: 'SIGKILL' });
    smtp.onAccepted = null;
    const second = await startWorker();
    const rows = await eventually(async () => {
      const r = await deliveryRows(emails);
      return r.length === emails.length && r.every((d) => d.status === 'sent') ? r : false;
    }, 'every delivery recorded as sent');
    // At least once: the e-mail the worker died on may arrive twice, but as the same message.
    for (const email of emails) {
      const copies = copiesTo(smtp, email);
      expect(copies.length, email).toBeGreaterThanOrEqual(1);
      expect(new Set(copies.map((m) => m.messageId)), email).toEqual(
        new Set([rows.find((r) => r.recipient === email)?.message_id]),
      );
    }
    expect(copiesTo(smtp, killedAt?.to ?? '').length).toBeGreaterThanOrEqual(1);
    expect(await countOutbox()).toBe(0);
    second.kill('SIGTERM');
    expect(await second.exited).toEqual({ code: 0, signal: null });
  });

  it('finishes the messages in hand on SIGTERM and exits 0, so nothing is e-mailed twice', async () => {
    const stopping = await startWorker();
    smtp.replyDelayMs = 150;
    let signalled = false;
    smtp.onAccepted = () => {
      if (signalled) return;
      signalled = true;
      stopping.kill('SIGTERM');
    };
    try {
      const emails = await createUsers(30, 'stopped');
      expect(await stopping.exited, stopping.output()).toEqual({ code: 0, signal: null });
      // Every e-mail the server accepted was recorded before the worker left.
      const rows = await deliveryRows(emails);
      const accepted = emails.filter((e) => copiesTo(smtp, e).length > 0);
      expect(accepted.length).toBeGreaterThan(1);
      expect(
        rows
          .filter((r) => r.status === 'sent')
          .map((r) => r.recipient)
          .sort(),
      ).toEqual(accepted.sort());
      smtp.onAccepted = null;
      smtp.replyDelayMs = 0;
      const next = await startWorker();
      await eventually(async () => {
        const r = await deliveryRows(emails);
        return r.length === emails.length && r.every((d) => d.status === 'sent');
      }, 'the rest delivered by the next worker');
      next.kill('SIGTERM');
      expect(await next.exited).toEqual({ code: 0, signal: null });
      expectOneEach(smtp, emails);
    } finally {
      smtp.onAccepted = null;
      smtp.replyDelayMs = 0;
    }
  });

  async function countOutbox() {
    const { rows } = await database.db.query<{ n: number }>(
      'select count(*)::int as n from outbox where published_at is null',
    );
    return rows[0]?.n;
  }
});
