import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventDelivery, startServerDelivery, startWorkerDelivery } from '../src/events.js';
import { countRows, createTestApp, type TestApp } from './support/app.js';
import { AMQP_URL, deleteTopology, testPrefix } from './support/broker.js';
import { DATABASES } from './support/databases.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { eventually } from './support/wait.js';

const MAX_ATTEMPTS = 4;
const RETRY_BASE_MS = 50;

describe.skipIf(!AMQP_URL).each(DATABASES)('events through RabbitMQ (%s)', (kind) => {
  const prefix = testPrefix();
  let smtp: TestSmtpServer;
  let t: TestApp;
  const running: EventDelivery[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(kind, {
      AMQP_URL: AMQP_URL ?? '',
      AMQP_PREFIX: prefix,
      SMTP_URL: smtp.url,
      EVENTS_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      EVENTS_RETRY_BASE_MS: String(RETRY_BASE_MS),
      OUTBOX_POLL_MS: '50',
    });
    running.push(await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log));
    // With PostgreSQL the server only relays; a worker consumes, as in production.
    if (kind === 'postgresql') {
      running.push(await startWorkerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log));
    }
  });

  afterAll(async () => {
    for (const d of running) await d.stop();
    await t?.close();
    await smtp?.close();
    if (AMQP_URL) await deleteTopology(AMQP_URL, prefix, ['mailer', 'document-filing'], MAX_ATTEMPTS, RETRY_BASE_MS);
  });

  it('publishes each committed event with a confirm and e-mails it once', async () => {
    const users = await Promise.all(Array.from({ length: 30 }, () => t.signIn(['doctor'])));
    await smtp.waitFor(users.length);
    await eventually(
      async () => (await countRows(t, 'outbox where published_at is null')) === 0,
      'every event marked as published',
    );
    for (const u of users) expect(smtp.received.filter((m) => m.to === u.email)).toHaveLength(1);
    const ids = smtp.received.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
