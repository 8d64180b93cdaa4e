import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventDelivery, startServerDelivery } from '../src/events.js';
import { Formats } from '../src/platform/pdf/language.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { pdfText } from './support/pdf.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { eventually } from './support/wait.js';

const ALERT_DAYS = 30;
const DAY_MS = 86_400_000;

/** A date `days` from today, YYYY-MM-DD (UTC; every case keeps a margin of days around the clinic's today). */
const inDays = (days: number, from = Date.now()) => new Date(from + days * DAY_MS).toISOString().slice(0, 10);

describe.each(DATABASES)('stock alerts and dispensings on the record (%s)', (kind) => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let delivery: EventDelivery;
  let pharmacist: SignedIn;
  let doctor: SignedIn;
  let admin: SignedIn;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(kind, {
      SMTP_URL: smtp.url,
      STOCK_EXPIRY_ALERT_DAYS: String(ALERT_DAYS),
      EVENTS_RETRY_BASE_MS: '20',
      OUTBOX_POLL_MS: '20',
    });
    delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
    [pharmacist, doctor, admin] = await Promise.all([
      t.signIn(['pharmacist']),
      t.signIn(['doctor']),
      t.signIn(['admin']),
    ]);
  });
  afterAll(async () => {
    await delivery?.stop();
    await t?.close();
    await smtp?.close();
  });

  const product = async (overrides: object = {}) => {
    const body = { kind: 'medicine', name: `Amoxicilina ${randomUUID().slice(0, 6)}`, salePrice: '0.35', ...overrides };
    const res = await t.call({ method: 'POST', url: '/api/v1/products', token: pharmacist.token, payload: body });
    expect(res.statusCode, res.body).toBe(201);
    return { ...body, id: res.json().id as string };
  };
  const receive = async (productId: string, quantity: string, expiresOn: string, lotNumber?: string) => {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/stock/receipts',
      token: pharmacist.token,
      payload: { lines: [{ productId, lotNumber: lotNumber ?? `L-${randomUUID().slice(0, 8)}`, expiresOn, quantity }] },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json().moves[0] as { lotId: string; lotNumber: string };
  };
  const move = async (payload: object) => {
    const res = await t.call({ method: 'POST', url: '/api/v1/stock/moves', token: pharmacist.token, payload });
    expect(res.statusCode, res.body).toBe(201);
  };
  const runJob = () => t.app.clinica.stockAlerts.emitExpiryAlerts(new Date());
  const expiringEvents = async (lotIds: string[]) =>
    (
      await t.database.db.query<{ id: string; lot_id: string }>(
        `select id, payload->>'lotId' as lot_id from outbox
          where type = 'stock.expiring' and payload->>'lotId' = any($1::text[]) order by occurred_at, id`,
        [lotIds],
      )
    ).rows;
  const alertAudits = async () =>
    (
      await t.database.db.query<{ details: { lotIds: string[] } }>(
        `select details from audit_events where action = 'stock.expiry_alert' order by id`,
      )
    ).rows.map((r) => r.details.lotIds);
  /** Resolves once the mailer has handled the event: every e-mail it asked for was accepted. */
  const mailed = (eventId: string) =>
    eventually(
      async () =>
        (
          await t.database.db.query(`select 1 from processed_events where consumer = 'mailer' and event_id = $1`, [
            eventId,
          ])
        ).rows.length > 0,
      `the mailer to handle ${eventId}`,
    );
  const activePharmacists = async () =>
    (
      await t.database.db.query<{ email: string }>(
        `select email from users where active and 'pharmacist' = any(roles) order by email`,
      )
    ).rows.map((r) => r.email);
  const recipientsOf = (subjectPart: string) =>
    smtp.received
      .filter((m) => m.subject.includes(subjectPart))
      .map((m) => m.to)
      .sort();

  it('alerts each lot due once, however often and however concurrently the job runs', async () => {
    const p = await product();
    const due = await receive(p.id, '5', inDays(10));
    const expired = await receive(p.id, '1', inDays(-3));
    const beyond = await receive(p.id, '5', inDays(ALERT_DAYS + 60));
    const emptied = await receive(p.id, '2', inDays(5));
    await move({ kind: 'adjustment', lotId: emptied.lotId, quantity: '-2', note: 'Rotura' });
    const ours = [due, expired, beyond, emptied].map((l) => l.lotId);
    const auditsBefore = (await alertAudits()).length;

    const counts = [
      ...(await Promise.all(Array.from({ length: 8 }, runJob))),
      await runJob(),
      ...(await Promise.all(Array.from({ length: 4 }, runJob))),
    ];
    const events = await expiringEvents(ours);
    expect(events.map((e) => e.lot_id).sort()).toEqual([due.lotId, expired.lotId].sort());
    // Every event counted once, by the one run that emitted it; the others answered 0 for these lots.
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    const audits = (await alertAudits()).slice(auditsBefore);
    expect(audits).toHaveLength(counts.filter((n) => n > 0).length);
    expect(audits.flat().sort()).toEqual([due.lotId, expired.lotId].sort());

    const { rows: flags } = await t.database.db.query<{ id: string; alerted: boolean }>(
      'select id, expiry_alerted_at is not null as alerted from lots where id = any($1::uuid[])',
      [ours],
    );
    expect(Object.fromEntries(flags.map((r) => [r.id, r.alerted]))).toEqual({
      [due.lotId]: true,
      [expired.lotId]: true,
      [beyond.lotId]: false,
      [emptied.lotId]: false,
    });

    // Stock received later into a lot inside the window, or a new lot inside it: the next run.
    await receive(p.id, '3', inDays(5), emptied.lotNumber);
    const fresh = await receive(p.id, '4', inDays(20));
    expect(await runJob()).toBe(2);
    expect(await runJob()).toBe(0);
    expect((await expiringEvents([emptied.lotId, fresh.lotId])).map((e) => e.lot_id).sort()).toEqual(
      [emptied.lotId, fresh.lotId].sort(),
    );

    // Days pass: the far lot comes into the window and is alerted then, once.
    const later = new Date(Date.now() + 70 * DAY_MS);
    expect(await t.app.clinica.stockAlerts.emitExpiryAlerts(later)).toBe(1);
    expect(await t.app.clinica.stockAlerts.emitExpiryAlerts(later)).toBe(0);
    expect((await expiringEvents(ours)).map((e) => e.lot_id).sort()).toEqual(
      [due.lotId, expired.lotId, beyond.lotId, emptied.lotId].sort(),
    );
    const { rows: payloads } = await t.database.db.query<{ payload: object }>(
      `select payload from outbox where type = 'stock.expiring' and payload->>'lotId' = $1`,
      [due.lotId],
    );
    expect(payloads).toEqual([{ payload: { productId: p.id, lotId: due.lotId } }]);
  });

  it('e-mails stock.low and stock.expiring to each active pharmacist, in their language, and to nobody else', async () => {
    const english = await t.signIn(['pharmacist']);
    const gone = await t.signIn(['pharmacist']);
    const both = await t.signIn(['pharmacist', 'admin']);
    for (const [user, body] of [
      [english, { language: 'en' }],
      [gone, { active: false }],
    ] as const) {
      const res = await t.call({
        method: 'PATCH',
        url: `/api/v1/users/${user.userId}`,
        token: admin.token,
        payload: body,
      });
      expect(res.statusCode, res.body).toBe(200);
    }
    const expected = await activePharmacists();
    expect(expected).toEqual(expect.arrayContaining([pharmacist.email, english.email, both.email]));
    expect(expected).not.toContain(gone.email);

    // A raised minimum puts 12.5 boxes below it: stock.low, once.
    const p = await product({ name: `Ibuprofeno ${randomUUID().slice(0, 6)}`, unit: 'caja' });
    await receive(p.id, '12.5', inDays(365));
    const raised = await t.call({
      method: 'PUT',
      url: `/api/v1/products/${p.id}`,
      token: pharmacist.token,
      payload: { ...p, id: undefined, minStock: '20' },
    });
    expect(raised.statusCode, raised.body).toBe(200);
    const { rows: low } = await t.database.db.query<{ id: string }>(
      `select id from outbox where type = 'stock.low' and aggregate_id = $1`,
      [p.id],
    );
    expect(low).toHaveLength(1);
    await mailed(low[0]!.id);
    expect(recipientsOf(p.name)).toEqual(expected);
    const lowMails = smtp.received.filter((m) => m.subject.includes(p.name));
    const es = lowMails.find((m) => m.to === pharmacist.email)!;
    expect(es.language).toBe('es');
    expect(es.subject).toContain('Stock bajo');
    expect(es.text).toContain('Existencias: 12,5 caja');
    expect(es.text).toContain('Mínimo: 20 caja');
    expect(es.text).toContain('http://clinica.test/pharmacy');
    expect(es.html).toContain('href="http://clinica.test/pharmacy"');
    const en = lowMails.find((m) => m.to === english.email)!;
    expect(en.language).toBe('en');
    expect(en.subject).toContain('Low stock');
    expect(en.text).toContain('On hand: 12.5 caja');
    expect(en.text).toContain('Minimum: 20 caja');

    // A lot expiring within the window: stock.expiring from the next run of the job.
    const expiresOn = inDays(7);
    const lot = await receive(p.id, '30', expiresOn, `L-EXP-${randomUUID().slice(0, 6)}`);
    expect(await runJob()).toBeGreaterThanOrEqual(1);
    const [event] = await expiringEvents([lot.lotId]);
    expect(event).toBeDefined();
    await mailed(event!.id);
    expect(recipientsOf(lot.lotNumber)).toEqual(expected);
    const expiring = smtp.received.filter((m) => m.subject.includes(lot.lotNumber));
    const date = (locale: string) =>
      new Intl.DateTimeFormat(locale, { dateStyle: 'long', timeZone: 'UTC' }).format(
        new Date(`${expiresOn}T00:00:00Z`),
      );
    const esExpiring = expiring.find((m) => m.to === pharmacist.email)!;
    expect(esExpiring.subject).toContain(p.name);
    expect(esExpiring.text).toContain(`Lote: ${lot.lotNumber}`);
    expect(esExpiring.text).toContain(`Caducidad: ${date('es-ES')}`);
    expect(esExpiring.text).toContain('Cantidad en el lote: 30 caja');
    expect(esExpiring.text).toContain('http://clinica.test/pharmacy');
    const enExpiring = expiring.find((m) => m.to === english.email)!;
    expect(enExpiring.text).toContain(`Expiry date: ${date('en-GB')}`);
    expect(enExpiring.text).toContain('Quantity in the lot: 30 caja');

    for (const outsider of [gone.email, doctor.email, admin.email]) {
      expect(smtp.received.filter((m) => m.to === outsider && m.subject.includes(p.name))).toEqual([]);
    }
  });

  it('shows what was dispensed per prescription line on the prescription, the list and the history PDF', async () => {
    const patient = await t.createPatient({ firstName: 'Dispensa' });
    const portal = await t.signIn(['patient'], { patientId: patient.id });
    const p = await product();
    const lot = await receive(p.id, '100', inDays(365));
    const line = { form: 'capsule', foodTiming: 'any', morning: true, days: 7 };
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/prescriptions',
      token: doctor.token,
      payload: {
        patientId: patient.id,
        lines: [
          { ...line, medicament: 'Amoxicilina Normon', quantity: 21 },
          { ...line, medicament: 'Ibuprofeno Cinfa', quantity: 10 },
        ],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const rx = created.json().id as string;
    expect(created.json().lines.map((l: { dispensed: string }) => l.dispensed)).toEqual(['0.000', '0.000']);
    const signed = await t.call({ method: 'POST', url: `/api/v1/prescriptions/${rx}/sign`, token: doctor.token });
    expect(signed.statusCode, signed.body).toBe(200);

    for (const quantity of ['5', '3.5']) {
      const res = await t.call({
        method: 'POST',
        url: `/api/v1/prescriptions/${rx}/lines/1/dispense`,
        token: pharmacist.token,
        payload: { productId: p.id, quantity },
      });
      expect(res.statusCode, res.body).toBe(201);
    }
    await move({ kind: 'return', lotId: lot.lotId, quantity: '2', prescriptionId: rx, lineNo: 1 });
    const { rows: last } = await t.database.db.query<{ at: Date }>(
      `select max(created_at) as at from stock_moves
        where reference_id = $1 and reference_line = 1 and kind = 'dispense'`,
      [rx],
    );
    const lastDispensedAt = last[0]!.at.toISOString();

    const expectLines = (lines: { lineNo: number; dispensed: string; lastDispensedAt?: string }[]) =>
      expect(lines.map((l) => [l.lineNo, l.dispensed, l.lastDispensedAt])).toEqual([
        [1, '6.500', lastDispensedAt],
        [2, '0.000', undefined],
      ]);
    for (const token of [doctor.token, pharmacist.token, portal.token]) {
      const one = await t.call({ method: 'GET', url: `/api/v1/prescriptions/${rx}`, token });
      expect(one.statusCode, one.body).toBe(200);
      expectLines(one.json().lines);
      const list = await t.call({ method: 'GET', url: `/api/v1/prescriptions?patientId=${patient.id}`, token });
      expect(list.statusCode, list.body).toBe(200);
      expect(list.json().items).toHaveLength(1);
      expectLines(list.json().items[0].lines);
    }

    for (const [lang, words] of [
      ['es', ['Dispensación en farmacia', '6,5 de 21', '0 de 10']],
      ['en', ['Dispensed by the pharmacy', '6.5 of 21', '0 of 10']],
    ] as const) {
      const res = await t.call({
        method: 'GET',
        url: `/api/v1/patients/${patient.id}/history.pdf?lang=${lang}`,
        token: doctor.token,
      });
      expect(res.statusCode).toBe(200);
      const text = pdfText(res.rawPayload).replace(/\s+/g, ' ');
      for (const expected of [...words, new Formats(lang, t.config.CLINIC_TIMEZONE).at(lastDispensedAt)]) {
        expect(text, expected).toContain(expected);
      }
    }
  });

  it('prints "not dispensed" in the history for a signed prescription nothing went out for', async () => {
    const patient = await t.createPatient();
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/prescriptions',
      token: doctor.token,
      payload: {
        patientId: patient.id,
        lines: [{ medicament: 'Clorhexidina', form: 'mouthwash', quantity: 1, foodTiming: 'after', days: 10 }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const signed = await t.call({
      method: 'POST',
      url: `/api/v1/prescriptions/${created.json().id}/sign`,
      token: doctor.token,
    });
    expect(signed.statusCode).toBe(200);
    const res = await t.call({ method: 'GET', url: `/api/v1/patients/${patient.id}/history.pdf`, token: doctor.token });
    const text = pdfText(res.rawPayload).replace(/\s+/g, ' ');
    expect(text).toContain('Sin dispensar.');
    expect(text).not.toContain('Dispensación en farmacia');
  });
});
