import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type EventDelivery, startServerDelivery } from '../src/events.js';
import { deadLetters } from '../src/platform/events/dead-letters.js';
import { runHandler } from '../src/platform/events/handler.js';
import { appendEvent, claimEvents, findEvent } from '../src/platform/events/outbox.js';
import { countRows, createTestApp, TEST_PASSWORD, type TestApp, uniqueDocument } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { bookAppointment, createPractitioner, slot } from './support/scheduling.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { eventually } from './support/wait.js';

const MAX_ATTEMPTS = 3;

describe.each(DATABASES)('events delivered in-process and e-mailed (%s)', (kind) => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let delivery: EventDelivery;
  let admin: { token: string };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(kind, {
      SMTP_URL: smtp.url,
      EVENTS_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
      EVENTS_RETRY_BASE_MS: '20',
      OUTBOX_POLL_MS: '20',
    });
    delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
    admin = await t.signIn(['admin']);
  });

  afterAll(async () => {
    await delivery?.stop();
    await t?.close();
    await smtp?.close();
  });

  beforeEach(() => {
    smtp.refuse = null;
  });

  const mailsTo = (email: string) => smtp.received.filter((m) => m.to.toLowerCase() === email.toLowerCase());
  const mailTo = (email: string, subject: RegExp) =>
    eventually(() => mailsTo(email).find((m) => subject.test(m.subject)), `e-mail to ${email} matching ${subject}`);
  const deliveries = async (email: string) =>
    (
      await t.call({
        method: 'GET',
        url: `/api/v1/mail-deliveries?recipient=${encodeURIComponent(email)}`,
        token: admin.token,
      })
    ).json().items as { template: string; status: string; attempts: number; messageId: string; eventId: string }[];
  const undelivered = async () =>
    (
      await t.database.db.query<{ n: number }>(
        'select count(*)::int as n from outbox where published_at is null and dead_at is null',
      )
    ).rows[0]?.n;

  it('welcomes a patient who registers, in the language they chose, with a Message-ID derived from the event', async () => {
    const email = `reg-${randomUUID().slice(0, 8)}@clinica.test`;
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email,
        password: TEST_PASSWORD,
        firstName: 'Ana',
        lastName: 'Ruiz',
        documentNumber: uniqueDocument(),
        birthDate: '1990-01-01',
        language: 'en',
      },
    });
    expect(res.statusCode).toBe(201);
    const mail = await mailTo(email, /./);
    expect(mail.language).toBe('en');
    expect(mail.text).toContain('Ana');
    expect(mail.html).toContain('http://clinica.test');
    const row = await eventually(
      async () => (await deliveries(email)).find((d) => d.status === 'sent'),
      'the delivery row',
    );
    expect(row).toMatchObject({ template: 'account-created', attempts: 1, messageId: mail.messageId });
    expect(mail.messageId).toMatch(new RegExp(`^<${row?.eventId}\\.[0-9a-f]{16}@clinica\\.test>$`));
  });

  it('resets a forgotten password through the e-mailed link, once, and ends the old sessions', async () => {
    const user = await t.signIn(['doctor']);
    const asked = await t.call({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: user.email.toUpperCase() },
    });
    expect(asked.statusCode).toBe(202);
    const mail = await mailTo(user.email, /contraseña|password/i);
    expect(mail.language).toBe('es');
    const link = /http:\/\/clinica\.test\/reset-password\?token=([^\s"<>]+)/.exec(mail.text);
    expect(link).not.toBeNull();
    const token = decodeURIComponent(link?.[1] ?? '');

    const tampered = `${token.slice(0, -2)}xx`;
    const refused = await t.call({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token: tampered, password: 'a brand new password' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toContain('application/problem+json');

    const confirmed = await t.call({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token, password: 'a brand new password' },
    });
    expect(confirmed.statusCode).toBe(204);
    const again = await t.call({
      method: 'POST',
      url: '/api/v1/auth/password-reset/confirm',
      payload: { token, password: 'yet another password' },
    });
    expect(again.statusCode).toBe(400);

    const refresh = await t.call({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: user.refreshToken },
    });
    expect(refresh.statusCode).toBe(401);
    const oldLogin = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: TEST_PASSWORD },
    });
    expect(oldLogin.statusCode).toBe(401);
    const newLogin = await t.call({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: user.email, password: 'a brand new password' },
    });
    expect(newLogin.statusCode).toBe(200);
    // The change itself is announced to the account's owner.
    await eventually(
      async () => (await deliveries(user.email)).some((d) => d.template === 'password-changed' && d.status === 'sent'),
      'password-changed e-mail',
    );
  });

  it('answers an unknown address the same way and sends nothing', async () => {
    const before = await countRows(t, 'password_resets');
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/auth/password-reset',
      payload: { email: 'nobody-here@clinica.test' },
    });
    expect(res.statusCode).toBe(202);
    expect(await countRows(t, 'password_resets')).toBe(before);
    expect(mailsTo('nobody-here@clinica.test')).toHaveLength(0);
  });

  it('keeps security e-mail for users who switched notifications off', async () => {
    const user = await t.signIn(['patient']);
    const res = await t.call({
      method: 'PATCH',
      url: '/api/v1/auth/me',
      token: user.token,
      payload: { emailNotifications: false, language: 'en' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ emailNotifications: false, language: 'en' });
    const changed = await t.call({
      method: 'POST',
      url: '/api/v1/auth/password',
      token: user.token,
      payload: { currentPassword: TEST_PASSWORD, newPassword: 'another long password' },
    });
    expect(changed.statusCode).toBe(204);
    const mail = await mailTo(user.email, /password/i);
    expect(mail.language).toBe('en');
  });

  it('retries while the SMTP server refuses, then delivers exactly once', async () => {
    const user = await t.signIn(['results']);
    await mailTo(user.email, /./); // the welcome e-mail, before the server starts refusing
    smtp.refuse = { code: 451, message: 'Try again later' };
    await t.call({ method: 'POST', url: '/api/v1/auth/mfa/setup', token: user.token });
    const reset = await t.call({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } });
    expect(reset.statusCode).toBe(202);
    await eventually(
      async () =>
        (await deliveries(user.email)).find((d) => d.template === 'password-reset' && d.status === 'retrying'),
      'a refused attempt',
    );
    smtp.refuse = null;
    await eventually(
      async () => (await deliveries(user.email)).find((d) => d.template === 'password-reset' && d.status === 'sent'),
      'the delivery',
    );
    const resets = mailsTo(user.email).filter((m) => m.text.includes('/reset-password?token='));
    expect(resets).toHaveLength(1);
    const row = (await deliveries(user.email)).find((d) => d.template === 'password-reset');
    expect(row?.attempts).toBeGreaterThanOrEqual(2);
  });

  it('parks an event that keeps failing as a dead letter, lists it, and replays it once', async () => {
    const user = await t.signIn(['agent']);
    await mailTo(user.email, /./);
    smtp.refuse = { code: 550, message: 'Mailbox unavailable' };
    await t.call({ method: 'POST', url: '/api/v1/auth/password-reset', payload: { email: user.email } });
    const row = await eventually(
      async () => (await deliveries(user.email)).find((d) => d.template === 'password-reset' && d.status === 'failed'),
      'the failed delivery',
    );
    expect(row.attempts).toBe(MAX_ATTEMPTS);
    const source = {
      db: t.database.db,
      handlers: t.app.clinica.consumers.handlers,
      broker: { prefix: 'unused', maxAttempts: MAX_ATTEMPTS, retryBaseMs: 20 },
    };
    const listed = await deadLetters(source, { replay: false });
    expect(listed.map((d) => d.eventId)).toContain(row.eventId);
    expect(listed.find((d) => d.eventId === row.eventId)?.error).toContain('550');

    smtp.refuse = null;
    const replayed = await deadLetters(source, { replay: true });
    expect(replayed.map((d) => d.eventId)).toContain(row.eventId);
    delivery.poke();
    await eventually(
      async () => (await deliveries(user.email)).find((d) => d.eventId === row.eventId && d.status === 'sent'),
      'the replayed delivery',
    );
    expect(mailsTo(user.email).filter((m) => m.text.includes('/reset-password?token='))).toHaveLength(1);
    expect(await deadLetters(source, { replay: false })).toHaveLength(0);
  });

  it('drops a redelivered event: the consumer records what it handled', async () => {
    const user = await t.signIn(['pharmacist']);
    const welcome = await mailTo(user.email, /./);
    const [row] = await deliveries(user.email);
    await eventually(
      async () => (await countRows(t, `processed_events where event_id = '${row?.eventId}'`)) === 1,
      'the event recorded as handled',
    );
    const envelope = await findEvent(t.database.db, row?.eventId ?? '');
    if (!envelope) throw new Error('event not found');
    const [mailer] = t.app.clinica.consumers.handlers;
    if (!mailer) throw new Error('no mailer');
    expect(await runHandler(t.database.db, mailer, envelope, { attempt: 2, final: false })).toBe('duplicate');
    // Even without the consumer's record, the delivery row stops a second e-mail.
    await t.database.db.query('delete from processed_events where event_id = $1', [envelope.id]);
    expect(await runHandler(t.database.db, mailer, envelope, { attempt: 3, final: false })).toBe('handled');
    expect(mailsTo(user.email).filter((m) => m.messageId === welcome.messageId)).toHaveLength(1);
  });

  it('writes no event when the change fails, and refuses a payload outside the contract', async () => {
    const user = await t.signIn(['doctor']);
    const before = await countRows(t, 'outbox');
    const dup = await t.call({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: {
        email: user.email,
        password: TEST_PASSWORD,
        firstName: 'A',
        lastName: 'B',
        documentNumber: uniqueDocument(),
        birthDate: '1990-01-01',
      },
    });
    expect(dup.statusCode).toBe(409);
    expect(await countRows(t, 'outbox')).toBe(before);
    const bad = t.database.db.transaction(async (tx) => {
      await appendEvent(tx, {
        type: 'user.created',
        aggregateId: user.userId,
        payload: { userId: user.userId, diagnosis: 'J45' } as never,
      });
    });
    await expect(bad).rejects.toThrow();
    expect(await countRows(t, 'outbox')).toBe(before);
  });

  it('tells the patient about a booking, a cancellation and, once, the reminder, without naming the treatment', async () => {
    const email = `citas-${randomUUID().slice(0, 8)}@clinica.test`;
    const patient = await t.createPatient({ firstName: 'Rocío', email });
    const practitioner = await createPractitioner(t, { input: { name: 'Dra. Recordatorio' } });
    const start = new Date(Date.now() + 3 * 3_600_000);
    start.setUTCMinutes(0, 0, 0);
    const booked = await bookAppointment(t, {
      patientId: patient.id,
      practitionerId: practitioner.id,
      start: start.toISOString(),
      end: new Date(start.getTime() + 30 * 60_000).toISOString(),
    });
    const mail = await mailTo(email, new RegExp(booked.number.replace('/', '\\/')));
    expect(mail.text).toContain('Dra. Recordatorio');
    expect(mail.text).toContain('Rocío');
    expect(mail.language).toBe('es');

    // Two runs of the job, as two processes might: one reminder.
    await Promise.all([
      t.app.clinica.scheduling.emitDueReminders(new Date(), 24),
      t.app.clinica.scheduling.emitDueReminders(new Date(), 24),
    ]);
    await eventually(
      async () => (await deliveries(email)).find((d) => d.template === 'appointment-reminder' && d.status === 'sent'),
      'the reminder',
    );

    const cancelled = await t.call({
      method: 'POST',
      url: `/api/v1/appointments/${booked.id}/cancel`,
      token: admin.token,
      payload: { reason: 'Agenda' },
    });
    expect(cancelled.statusCode).toBe(200);
    await eventually(
      async () => (await deliveries(email)).find((d) => d.template === 'appointment-cancelled' && d.status === 'sent'),
      'the cancellation',
    );
    expect((await deliveries(email)).map((d) => d.template).sort()).toEqual([
      'appointment-booked',
      'appointment-cancelled',
      'appointment-reminder',
    ]);
  });

  it('skips appointment e-mail for a patient who switched it off', async () => {
    const patient = await t.createPatient({ firstName: 'Silencio' });
    const portal = await t.signIn(['patient'], { patientId: patient.id });
    await t.call({
      method: 'PATCH',
      url: '/api/v1/auth/me',
      token: portal.token,
      payload: { emailNotifications: false },
    });
    const practitioner = await createPractitioner(t);
    await bookAppointment(t, { patientId: patient.id, practitionerId: practitioner.id, ...slot(5, 4) });
    const row = await eventually(
      async () => (await deliveries(portal.email)).find((d) => d.template === 'appointment-booked'),
      'the delivery row',
    );
    await eventually(
      async () =>
        (await deliveries(portal.email)).find((d) => d.template === 'appointment-booked' && d.status !== 'sending'),
      'the outcome',
    );
    expect((await deliveries(portal.email)).find((d) => d.eventId === row.eventId)?.status).toBe('skipped');
    expect(mailsTo(portal.email).filter((m) => /APT/.test(m.subject))).toHaveLength(0);
  });

  it('reports the backlog and the e-mails sent as metrics', async () => {
    await eventually(async () => (await undelivered()) === 0, 'an empty outbox');
    const res = await t.call({ method: 'GET', url: '/metrics' });
    expect(res.body).toMatch(/^clinica_outbox_backlog 0$/m);
    expect(res.body).toMatch(/^clinica_emails_sent_total\{template="account-created"\} [1-9]/m);
    expect(res.body).toMatch(/^clinica_events_consumed_total\{consumer="mailer",outcome="handled"\} [1-9]/m);
  });
});

describe.each(DATABASES)('outbox claims (%s)', (kind) => {
  it('hands each row to one claimer only, however many claim at once', async () => {
    const t = await createTestApp(kind);
    try {
      const db = t.database.db;
      await db.transaction(async (tx) => {
        for (let i = 0; i < 300; i++) {
          const userId = randomUUID();
          await appendEvent(tx, { type: 'user.updated', aggregateId: userId, payload: { userId } });
        }
      });
      const batches = await Promise.all(Array.from({ length: 6 }, () => claimEvents(db, 100, 60)));
      const ids = batches.flat().map((c) => c.envelope.id);
      expect(new Set(ids).size).toBe(ids.length);
      expect(ids.length).toBe(await countRows(t, 'outbox'));
      // Leased rows are not handed out again until the lease ends.
      expect(await claimEvents(db, 100, 60)).toHaveLength(0);
      await db.query(`update outbox set locked_until = now() - interval '1 second'`);
      expect((await claimEvents(db, 1000, 60)).map((c) => c.attempts)).toEqual(Array(ids.length).fill(2));
    } finally {
      await t.close();
    }
  });
});
