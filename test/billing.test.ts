import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventDelivery, startServerDelivery } from '../src/events.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { pdfText } from './support/pdf.js';
import { createPractitioner, slot } from './support/scheduling.js';
import { eventually } from './support/wait.js';

const RX_LINE = { medicament: 'Amoxicilina', form: 'capsule', foodTiming: 'any', morning: true, days: 7 };
const TYPED = { description: 'Informe médico', quantity: '0.333', unitPrice: '10.00', taxRate: '21' };

interface Invoice {
  id: string;
  number?: string;
  status: string;
  patientId: string;
  issuedOn?: string;
  subtotal: string;
  taxTotal: string;
  total: string;
  paid: string;
  due: string;
  voidReason?: string;
  lines: {
    kind: string;
    description: string;
    quantity: string;
    unitPrice: string;
    taxRate: string;
    subtotal: string;
    tax: string;
    total: string;
  }[];
  taxLines: { rate: string; base: string; tax: string }[];
  payments: { amount: string; method: string }[];
}

describe.each(DATABASES)('billing on %s', (kind) => {
  let t: TestApp;
  let delivery: EventDelivery;
  let clerk: SignedIn;
  let pharmacist: SignedIn;
  let doctor: SignedIn;
  let admin: SignedIn;
  let resultsDesk: SignedIn;
  let practitionerId: string;
  let nextSlot = 0;

  beforeAll(async () => {
    t = await createTestApp(kind, {
      BILLING_APPOINTMENT_PRICE: '40',
      EVENTS_MAX_ATTEMPTS: '20',
      EVENTS_RETRY_BASE_MS: '20',
      OUTBOX_POLL_MS: '20',
    });
    delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
    [clerk, pharmacist, doctor, admin, resultsDesk] = await Promise.all([
      t.signIn(['admissions']),
      t.signIn(['pharmacist']),
      t.signIn(['doctor']),
      t.signIn(['admin']),
      t.signIn(['results']),
    ]);
    practitionerId = (await createPractitioner(t)).id;
  });
  afterAll(async () => {
    await delivery?.stop();
    await t?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token: string, payload?: object) =>
    t.call({ method, url: `/api/v1${url}`, token, ...(payload ? { payload } : {}) });
  const ok = async (res: Awaited<ReturnType<typeof call>>, status = 200) => {
    expect(res.statusCode, res.body).toBe(status);
    return res.json();
  };
  const treatment = (cost: string) =>
    t.app.clinica.practitioners.createTreatment(
      {
        code: `T${randomUUID().slice(0, 8)}`,
        name: `Endodoncia ${cost}`,
        durationMinutes: 30,
        cost,
        isDental: true,
        active: true,
      },
      SYSTEM_CONTEXT,
    );
  const appointment = async (patientId: string, treatmentIds: string[] = []) =>
    (
      await t.app.clinica.scheduling.book(
        { patientId, practitionerId, ...slot(3, nextSlot++), treatmentIds, type: 'consultation' },
        SYSTEM_CONTEXT,
      )
    ).id;
  const product = async (salePrice: string, taxRate: string) => {
    const p = await ok(
      await call('POST', '/products', pharmacist.token, {
        kind: 'medicine',
        name: `Producto ${randomUUID().slice(0, 6)}`,
        dosageStrength: '500 mg',
        salePrice,
        taxRate,
      }),
      201,
    );
    const receipt = await ok(
      await call('POST', '/stock/receipts', pharmacist.token, {
        lines: [
          { productId: p.id, lotNumber: `L-${randomUUID().slice(0, 6)}`, expiresOn: '2099-12-31', quantity: '100' },
        ],
      }),
      201,
    );
    return { id: p.id as string, name: p.name as string, lotId: receipt.moves[0].lotId as string };
  };
  const signedPrescription = async (patientId: string, quantities: number[]) => {
    const draft = await ok(
      await call('POST', '/prescriptions', doctor.token, {
        patientId,
        lines: quantities.map((quantity) => ({ ...RX_LINE, quantity })),
      }),
      201,
    );
    await ok(await call('POST', `/prescriptions/${draft.id}/sign`, doctor.token));
    return draft as { id: string; number: string };
  };
  const dispense = async (prescriptionId: string, lineNo: number, productId: string, quantity: string) =>
    ok(
      await call('POST', `/prescriptions/${prescriptionId}/lines/${lineNo}/dispense`, pharmacist.token, {
        productId,
        quantity,
      }),
      201,
    );
  const create = (payload: object, token = clerk.token) => call('POST', '/invoices', token, payload);
  const draft = async (payload: object, token = clerk.token): Promise<Invoice> => ok(await create(payload, token), 201);
  const issue = (id: string, token = clerk.token) => call('POST', `/invoices/${id}/issue`, token);
  const issued = async (payload: object): Promise<Invoice> => ok(await issue((await draft(payload)).id));
  const pay = (id: string, payload: object) => call('POST', `/invoices/${id}/payments`, clerk.token, payload);
  const events = async (type: string, aggregateId: string) =>
    (
      await t.database.db.query<{ n: number }>(
        'select count(*)::int as n from outbox where type = $1 and aggregate_id = $2',
        [type, aggregateId],
      )
    ).rows[0]?.n;

  it('prices treatments, appointments, dispensed products and typed lines exactly, with a tax breakdown per rate', async () => {
    const patient = await t.createPatient({ firstName: 'Importes' });
    const [a, b] = await Promise.all([treatment('45.00'), treatment('19.99')]);
    const treated = await appointment(patient.id, [a.id, b.id]);
    const consultation = await appointment(patient.id);
    const [cheap, dear] = await Promise.all([product('0.35', '21'), product('12.30', '10')]);
    const rx = await signedPrescription(patient.id, [10, 5]);
    await dispense(rx.id, 1, cheap.id, '7');
    await dispense(rx.id, 2, dear.id, '2.5');
    // One capsule comes back: what is billed is what went out, less returns.
    await ok(
      await call('POST', '/stock/moves', pharmacist.token, {
        kind: 'return',
        lotId: cheap.lotId,
        quantity: '1',
        prescriptionId: rx.id,
        lineNo: 1,
      }),
      201,
    );

    const billable = await ok(await call('GET', `/invoices/billable?patientId=${patient.id}`, clerk.token));
    expect(billable.appointments.map((x: { id: string }) => x.id).sort()).toEqual([treated, consultation].sort());
    expect(billable.prescriptions).toMatchObject([
      { id: rx.id, lines: [{ quantity: '6.000' }, { quantity: '2.500' }] },
    ]);

    const invoice = await draft({
      patientId: patient.id,
      appointmentIds: [treated, consultation],
      prescriptionIds: [rx.id],
      lines: [TYPED, { description: 'Fotocopias', quantity: '1', unitPrice: '0.05', taxRate: '10' }],
      notes: 'Pago en recepción',
    });
    expect(invoice).toMatchObject({ status: 'draft', patientId: patient.id, paid: '0.00', notes: 'Pago en recepción' });
    expect(invoice.number).toBeUndefined();
    expect(
      invoice.lines.map(({ kind, quantity, unitPrice, taxRate, subtotal, tax, total }) => ({
        kind,
        quantity,
        unitPrice,
        taxRate,
        subtotal,
        tax,
        total,
      })),
    ).toEqual([
      {
        kind: 'treatment',
        quantity: '1.000',
        unitPrice: '45.00',
        taxRate: '0.00',
        subtotal: '45.00',
        tax: '0.00',
        total: '45.00',
      },
      {
        kind: 'treatment',
        quantity: '1.000',
        unitPrice: '19.99',
        taxRate: '0.00',
        subtotal: '19.99',
        tax: '0.00',
        total: '19.99',
      },
      // No treatment: BILLING_APPOINTMENT_PRICE.
      {
        kind: 'appointment',
        quantity: '1.000',
        unitPrice: '40.00',
        taxRate: '0.00',
        subtotal: '40.00',
        tax: '0.00',
        total: '40.00',
      },
      // 6 x 0.35 = 2.10; 21 % = 0.441 -> 0.44.
      {
        kind: 'product',
        quantity: '6.000',
        unitPrice: '0.35',
        taxRate: '21.00',
        subtotal: '2.10',
        tax: '0.44',
        total: '2.54',
      },
      // 2.5 x 12.30 = 30.75; 10 % = 3.075 -> 3.08 (half-up).
      {
        kind: 'product',
        quantity: '2.500',
        unitPrice: '12.30',
        taxRate: '10.00',
        subtotal: '30.75',
        tax: '3.08',
        total: '33.83',
      },
      // 0.333 x 10.00 = 3.33; 21 % = 0.6993 -> 0.70.
      {
        kind: 'other',
        quantity: '0.333',
        unitPrice: '10.00',
        taxRate: '21.00',
        subtotal: '3.33',
        tax: '0.70',
        total: '4.03',
      },
      // 0.05 at 10 % = 0.005 -> 0.01 (half-up).
      {
        kind: 'other',
        quantity: '1.000',
        unitPrice: '0.05',
        taxRate: '10.00',
        subtotal: '0.05',
        tax: '0.01',
        total: '0.06',
      },
    ]);
    expect(invoice.lines[0]?.description).toContain('Endodoncia 45.00');
    expect(invoice.lines[3]?.description).toBe(`${cheap.name} 500 mg · ${rx.number}/1`);
    expect(invoice.lines[3]).toMatchObject({ productId: cheap.id, prescriptionId: rx.id, prescriptionLine: 1 });
    expect(invoice.lines[2]).toMatchObject({ appointmentId: consultation });
    expect(invoice.taxLines).toEqual([
      { rate: '0.00', base: '104.99', tax: '0.00' },
      { rate: '10.00', base: '30.80', tax: '3.09' },
      { rate: '21.00', base: '5.43', tax: '1.14' },
    ]);
    expect(invoice).toMatchObject({ subtotal: '141.22', taxTotal: '4.23', total: '145.45', due: '145.45' });

    // Nothing of it is billable any more.
    const after = await ok(await call('GET', `/invoices/billable?patientId=${patient.id}`, clerk.token));
    expect(after).toEqual({ appointments: [], prescriptions: [] });

    // Amounts are strings: a float is refused, naming the field.
    const floats = await create({ patientId: patient.id, lines: [{ ...TYPED, unitPrice: 1.5 }] });
    expect(floats.statusCode).toBe(400);
    expect(floats.json().errors[0].path).toBe('body.lines.0.unitPrice');
    const empty = await create({ patientId: patient.id });
    expect(empty.statusCode).toBe(400);
  });

  it('rebuilds a draft with PUT, and discards one', async () => {
    const patient = await t.createPatient({ firstName: 'Borrador' });
    const first = await appointment(patient.id);
    const second = await appointment(patient.id);
    const invoice = await draft({ patientId: patient.id, appointmentIds: [first] });
    const rebuilt = await ok(
      await call('PUT', `/invoices/${invoice.id}`, clerk.token, { appointmentIds: [second], lines: [TYPED] }),
    );
    expect(rebuilt.lines.map((l: { kind: string; appointmentId?: string }) => [l.kind, l.appointmentId])).toEqual([
      ['appointment', second],
      ['other', undefined],
    ]);
    expect(rebuilt.total).toBe('44.03');
    // The first appointment is free again; the second is taken by this draft.
    await draft({ patientId: patient.id, appointmentIds: [first] });
    const discard = await call('DELETE', `/invoices/${invoice.id}`, clerk.token);
    expect(discard.statusCode, discard.body).toBe(204);
    expect((await call('GET', `/invoices/${invoice.id}`, clerk.token)).statusCode).toBe(404);
    await draft({ patientId: patient.id, appointmentIds: [second] });
  });

  it('refuses sources of another patient (400), undispensed ones (409), and billing one source twice (409 naming the invoice)', async () => {
    const patient = await t.createPatient({ firstName: 'Doble' });
    const stranger = await t.createPatient({ firstName: 'Ajeno' });
    const theirs = await appointment(stranger.id);
    const foreign = await create({ patientId: patient.id, appointmentIds: [theirs] });
    expect(foreign.statusCode, foreign.body).toBe(400);
    expect(foreign.json().errors[0].path).toBe('body.appointmentIds.0');
    const unknownRx = await create({ patientId: patient.id, prescriptionIds: [randomUUID()] });
    expect(unknownRx.statusCode).toBe(400);
    expect(unknownRx.json().errors[0].path).toBe('body.prescriptionIds.0');
    const unknownPatient = await create({ patientId: randomUUID(), lines: [TYPED] });
    expect(unknownPatient.statusCode).toBe(400);

    const undispensed = await signedPrescription(patient.id, [3]);
    const nothing = await create({ patientId: patient.id, prescriptionIds: [undispensed.id] });
    expect(nothing.statusCode, nothing.body).toBe(409);
    expect(nothing.json().code).toBe('nothing_dispensed');

    const mine = await appointment(patient.id);
    const first = await draft({ patientId: patient.id, appointmentIds: [mine] });
    const again = await create({ patientId: patient.id, appointmentIds: [mine] });
    expect(again.statusCode, again.body).toBe(409);
    expect(again.json()).toMatchObject({ code: 'already_billed', invoiceId: first.id });
    const numbered = await ok(await issue(first.id));
    const afterIssue = await create({ patientId: patient.id, appointmentIds: [mine] });
    expect(afterIssue.json()).toMatchObject({ code: 'already_billed', invoiceNumber: numbered.number });
    expect(afterIssue.json().detail).toContain(numbered.number);

    // A dispensed line, billed once.
    const med = await product('2.00', '21');
    const rx = await signedPrescription(patient.id, [4]);
    await dispense(rx.id, 1, med.id, '2');
    const withRx = await draft({ patientId: patient.id, prescriptionIds: [rx.id] });
    const rxAgain = await create({ patientId: patient.id, prescriptionIds: [rx.id] });
    expect(rxAgain.json()).toMatchObject({ code: 'already_billed', invoiceId: withRx.id });

    // Concurrent drafts for one appointment: exactly one wins, whatever the timing.
    const contested = await appointment(patient.id);
    const results = await Promise.all(
      Array.from({ length: 4 }, () => create({ patientId: patient.id, appointmentIds: [contested] })),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([201, 409, 409, 409]);
    const winner = results.find((r) => r.statusCode === 201)?.json().id;
    for (const r of results.filter((x) => x.statusCode === 409)) {
      expect(r.json(), r.body).toMatchObject({ code: 'already_billed', invoiceId: winner });
    }

    // Once void, the appointment can be billed again.
    await ok(await call('POST', `/invoices/${first.id}/void`, clerk.token, { reason: 'Emitida por error' }));
    await draft({ patientId: patient.id, appointmentIds: [mine] });
  });

  it('numbers invoices gaplessly per year as they are issued, concurrently too, and gives back the number of a failed issue', async () => {
    const patient = await t.createPatient({ firstName: 'Serie' });
    const drafts = await Promise.all(Array.from({ length: 6 }, () => draft({ patientId: patient.id, lines: [TYPED] })));
    const before = await t.database.db.query<{ year: number; last_number: number }>(
      'select year, last_number from invoice_number_counters',
    );
    const results = await Promise.all(drafts.map((d, i) => issue(d.id, i % 2 ? pharmacist.token : admin.token)));
    const invoices = results.map((r) => {
      expect(r.statusCode, r.body).toBe(200);
      return r.json() as Invoice;
    });
    const year = Number(invoices[0]?.issuedOn?.slice(0, 4));
    const last = before.rows.find((r) => r.year === year)?.last_number ?? 0;
    expect(invoices.map((i) => i.number).sort()).toEqual(
      Array.from({ length: 6 }, (_, i) => `F${year}/${String(last + i + 1).padStart(5, '0')}`),
    );
    expect(invoices.every((i) => i.status === 'unpaid')).toBe(true);
    // Issuing again takes no number.
    const twice = await issue(drafts[0]?.id as string);
    expect(twice.statusCode).toBe(409);
    expect(twice.json().code).toBe('invoice_issued');
    const next = await ok(await issue((await draft({ patientId: patient.id, lines: [TYPED] })).id));
    expect(next.number).toBe(`F${year}/${String(last + 7).padStart(5, '0')}`);
    expect(await events('invoice.issued', next.id)).toBe(1);

    // An issue that fails after taking its number (here: filing the PDF) gives the number back.
    const failing = await draft({ patientId: patient.id, lines: [TYPED] });
    const db = t.database.db;
    await db.exec(`create function billing_test_refuse() returns trigger language plpgsql as $$
      begin raise exception 'storage is full'; end $$`);
    await db.exec(`create trigger billing_test_refuse before insert on document_staging
      for each row execute function billing_test_refuse()`);
    try {
      expect((await issue(failing.id)).statusCode).toBe(500);
    } finally {
      await db.exec('drop trigger billing_test_refuse on document_staging');
      await db.exec('drop function billing_test_refuse()');
    }
    expect((await ok(await call('GET', `/invoices/${failing.id}`, clerk.token))).status).toBe('draft');
    const retried = await ok(await issue(failing.id));
    expect(retried.number).toBe(`F${year}/${String(last + 8).padStart(5, '0')}`);
  });

  it('takes payments: unpaid, partially paid, paid; refuses over-payment and payments on drafts', async () => {
    const patient = await t.createPatient({ firstName: 'Pagos' });
    const unissued = await draft({ patientId: patient.id, lines: [TYPED] });
    const onDraft = await pay(unissued.id, { amount: '1.00', method: 'cash' });
    expect(onDraft.statusCode).toBe(409);
    expect(onDraft.json().code).toBe('invoice_draft');

    const invoice = await issued({
      patientId: patient.id,
      lines: [{ description: 'Cirugía', quantity: '1', unitPrice: '100.00', taxRate: '21' }],
    });
    expect(invoice).toMatchObject({ status: 'unpaid', total: '121.00', due: '121.00' });
    const part = await ok(await pay(invoice.id, { amount: '21.50', method: 'card', reference: 'TPV 1234' }), 201);
    expect(part).toMatchObject({ status: 'partially_paid', paid: '21.50', due: '99.50' });
    const over = await pay(invoice.id, { amount: '99.51', method: 'cash' });
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ code: 'overpayment', due: '99.50' });
    const future = await pay(invoice.id, { amount: '1.00', method: 'cash', paidOn: '2199-01-01' });
    expect(future.statusCode).toBe(400);
    expect(future.json().errors[0].path).toBe('body.paidOn');
    const bad = await pay(invoice.id, { amount: '0', method: 'cash' });
    expect(bad.statusCode).toBe(400);
    const badMethod = await pay(invoice.id, { amount: '1', method: 'bitcoin' });
    expect(badMethod.statusCode).toBe(400);
    expect(await events('invoice.paid', invoice.id)).toBe(0);

    const full = await ok(await pay(invoice.id, { amount: '99.50', method: 'transfer' }), 201);
    expect(full).toMatchObject({ status: 'paid', paid: '121.00', due: '0.00' });
    expect(full.payments.map((p: { amount: string; method: string }) => [p.amount, p.method])).toEqual([
      ['21.50', 'card'],
      ['99.50', 'transfer'],
    ]);
    expect(await events('invoice.paid', invoice.id)).toBe(1);
    expect((await pay(invoice.id, { amount: '0.01', method: 'cash' })).json().code).toBe('overpayment');
    const voidPaid = await call('POST', `/invoices/${invoice.id}/void`, clerk.token, { reason: 'Error' });
    expect(voidPaid.statusCode).toBe(409);
    expect(voidPaid.json().code).toBe('invoice_has_payments');
    // The database holds too: what was paid never goes down, and payments are never changed.
    await expect(
      t.database.db.query(`update invoices set paid = 0, status = 'unpaid' where id = $1`, [invoice.id]),
    ).rejects.toThrow();
    await expect(
      t.database.db.query('update invoice_payments set amount = 1 where invoice_id = $1', [invoice.id]),
    ).rejects.toThrow();

    // Nothing to pay: paid the moment it is issued.
    const free = await issued({ patientId: patient.id, lines: [{ ...TYPED, unitPrice: '0' }] });
    expect(free).toMatchObject({ status: 'paid', total: '0.00' });
    expect(await events('invoice.paid', free.id)).toBe(1);
  });

  it('voids only issued invoices, keeps the number, and keeps issued invoices unchanged', async () => {
    const patient = await t.createPatient({ firstName: 'Anulada' });
    const unissued = await draft({ patientId: patient.id, lines: [TYPED] });
    const voidDraft = await call('POST', `/invoices/${unissued.id}/void`, clerk.token, { reason: 'x' });
    expect(voidDraft.statusCode).toBe(409);
    const invoice = await issued({ patientId: patient.id, lines: [TYPED] });
    const edit = await call('PUT', `/invoices/${invoice.id}`, clerk.token, { lines: [TYPED] });
    expect(edit.statusCode).toBe(409);
    expect(edit.json().code).toBe('invoice_issued');
    expect((await call('DELETE', `/invoices/${invoice.id}`, clerk.token)).statusCode).toBe(409);
    await expect(
      t.database.db.query('update invoices set total = 1, subtotal = 1, tax_total = 0 where id = $1', [invoice.id]),
    ).rejects.toThrow(/issued/);
    await expect(
      t.database.db.query(`update invoice_lines set description = 'Otra cosa' where invoice_id = $1`, [invoice.id]),
    ).rejects.toThrow(/issued/);

    const voided = await ok(
      await call('POST', `/invoices/${invoice.id}/void`, pharmacist.token, { reason: 'Datos del paciente erróneos' }),
    );
    expect(voided).toMatchObject({ status: 'void', number: invoice.number, voidReason: 'Datos del paciente erróneos' });
    expect(voided.due).toBe('0.00');
    expect(await events('invoice.voided', invoice.id)).toBe(1);
    const twice = await call('POST', `/invoices/${invoice.id}/void`, clerk.token, { reason: 'Otra vez' });
    expect(twice.json().code).toBe('invoice_void');
    expect((await pay(invoice.id, { amount: '1.00', method: 'cash' })).json().code).toBe('invoice_void');
    const empty = await call('POST', `/invoices/${invoice.id}/void`, clerk.token, { reason: ' ' });
    expect(empty.statusCode).toBe(400);
  });

  it('shows staff every invoice, a patient only their own issued ones, and audits every read', async () => {
    const patient = await t.createPatient({ firstName: 'Portal' });
    const other = await t.createPatient({ firstName: 'Otro' });
    const [portal, otherPortal] = await Promise.all([
      t.signIn(['patient'], { patientId: patient.id }),
      t.signIn(['patient'], { patientId: other.id }),
    ]);
    const mineIssued = await issued({ patientId: patient.id, lines: [TYPED] });
    const mineDraft = await draft({ patientId: patient.id, lines: [TYPED] });
    const theirs = await issued({ patientId: other.id, lines: [TYPED] });

    const own = await ok(await call('GET', '/invoices', portal.token));
    expect(own.items.map((i: { id: string }) => i.id)).toEqual([mineIssued.id]);
    expect((await ok(await call('GET', '/invoices?status=draft', portal.token))).items).toEqual([]);
    expect((await call('GET', `/invoices?patientId=${other.id}`, portal.token)).statusCode).toBe(403);
    expect((await call('GET', `/invoices/${mineDraft.id}`, portal.token)).statusCode).toBe(404);
    expect((await call('GET', `/invoices/${mineDraft.id}/pdf`, portal.token)).statusCode).toBe(404);
    expect((await call('GET', `/invoices/${theirs.id}`, portal.token)).statusCode).toBe(403);
    expect((await call('GET', `/invoices/${theirs.id}/pdf`, portal.token)).statusCode).toBe(403);
    expect((await call('GET', `/invoices/${mineIssued.id}`, otherPortal.token)).statusCode).toBe(403);
    await ok(await call('GET', `/invoices/${mineIssued.id}`, portal.token));
    const pdf = await call('GET', `/invoices/${mineIssued.id}/pdf`, portal.token);
    expect(pdf.statusCode).toBe(200);
    expect(pdf.headers['content-type']).toBe('application/pdf');
    // Patients read; they neither bill nor pay.
    expect((await create({ patientId: patient.id, lines: [TYPED] }, portal.token)).statusCode).toBe(403);
    expect(
      (await call('POST', `/invoices/${mineIssued.id}/payments`, portal.token, { amount: '1', method: 'cash' }))
        .statusCode,
    ).toBe(403);

    // Doctors read everything, drafts included; the results desk nothing.
    const byDoctor = await ok(await call('GET', `/invoices?patientId=${patient.id}`, doctor.token));
    expect(byDoctor.items.map((i: { id: string }) => i.id).sort()).toEqual([mineIssued.id, mineDraft.id].sort());
    await ok(await call('GET', `/invoices/${mineDraft.id}`, doctor.token));
    expect((await create({ patientId: patient.id, lines: [TYPED] }, doctor.token)).statusCode).toBe(403);
    expect((await call('GET', '/invoices', resultsDesk.token)).statusCode).toBe(403);
    const filtered = await ok(await call('GET', `/invoices?status=void&patientId=${patient.id}`, clerk.token));
    expect(filtered.items).toEqual([]);

    const audited = await t.database.db.query<{ action: string; outcome: string; actor_id: string }>(
      `select action, outcome, actor_id from audit_events where patient_id = $1 order by occurred_at, id`,
      [patient.id],
    );
    const byPortal = audited.rows.filter((r) => r.actor_id === portal.userId).map((r) => `${r.action}:${r.outcome}`);
    expect(byPortal).toEqual(
      expect.arrayContaining(['invoice.search:success', 'invoice.read:success', 'invoice.download:success']),
    );
    expect(audited.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['invoice.create', 'invoice.issue']));
    const denied = await t.database.db.query<{ n: number }>(
      `select count(*)::int as n from audit_events where patient_id = $1 and outcome = 'denied' and actor_id = $2`,
      [other.id, portal.userId],
    );
    expect(denied.rows[0]?.n).toBeGreaterThanOrEqual(3);
  });

  it("prints the invoice in Spanish and English, files its PDF in the patient's documents and e-mails the patient", async () => {
    const email = `factura-${randomUUID().slice(0, 8)}@example.org`;
    const patient = await t.createPatient({ firstName: 'Factura', lastName: 'Impresa', email });
    const staffDraft = await draft({ patientId: patient.id, lines: [TYPED] });
    const draftPdf = await call('GET', `/invoices/${staffDraft.id}/pdf`, clerk.token);
    expect(draftPdf.statusCode).toBe(409);
    const invoice = await issued({
      patientId: patient.id,
      lines: [
        { description: 'Limpieza dental', quantity: '2', unitPrice: '30.00', taxRate: '0' },
        { description: 'Cepillo interdental', quantity: '1', unitPrice: '4.50', taxRate: '21' },
      ],
    });
    const number = invoice.number as string;
    const filed = await eventually(async () => {
      const docs = await ok(await call('GET', `/patients/${patient.id}/documents`, doctor.token));
      return docs.items.find((d: { category: string }) => d.category === 'invoice');
    }, 'the invoice to be filed');
    expect(filed).toMatchObject({
      category: 'invoice',
      title: `Factura ${number}`,
      fileName: `${number.replace('/', '-')}.pdf`,
      contentType: 'application/pdf',
      source: { type: 'invoice', id: invoice.id },
    });
    const content = await call('GET', `/patients/${patient.id}/documents/${filed.id}/content`, doctor.token);
    const es = pdfText(content.rawPayload);
    for (const text of [
      `Factura ${number}`,
      'Factura Impresa',
      'Limpieza dental',
      'Desglose de impuestos',
      '21 %',
      '65,45 €',
      '0,95 €',
      'Pendiente de pago',
    ]) {
      expect(es).toContain(text);
    }

    await ok(await pay(invoice.id, { amount: '65.45', method: 'cash' }), 201);
    const en = pdfText((await call('GET', `/invoices/${invoice.id}/pdf?lang=en`, clerk.token)).rawPayload);
    for (const text of [`Invoice ${number}`, 'Tax breakdown', '€65.45', 'Paid', 'Cash', '21%']) {
      expect(en).toContain(text);
    }
    // The patient is told by e-mail: number, total and the portal link, never what was billed.
    const mail = await eventually(async () => {
      const folder = path.join(t.config.DATA_DIR, 'mail');
      for (const name of (await fs.readdir(folder).catch(() => [])).filter((n) => n.endsWith('.eml'))) {
        const parsed = await simpleParser(await fs.readFile(path.join(folder, name)));
        const to = parsed.to && !Array.isArray(parsed.to) ? parsed.to.value[0]?.address : undefined;
        if (to === email) return parsed;
      }
      return undefined;
    }, 'the invoice e-mail');
    expect(mail.subject).toBe(`Factura ${number} · ${t.config.CLINIC_NAME}`);
    expect(mail.text).toMatch(/Total: 65,45\s€/);
    expect(mail.text).toContain('http://clinica.test/portal/invoices');
    expect(mail.text).not.toContain('Limpieza');
    expect(mail.html).not.toContain('Cepillo');

    // Filed once.
    const count = await t.database.db.query<{ n: number }>(
      `select count(*)::int as n from documents where patient_id = $1 and category = 'invoice'`,
      [patient.id],
    );
    expect(count.rows[0]?.n).toBe(1);
  });

  it('moves invoices with their lines and payments when patients are merged', async () => {
    const survivor = await t.createPatient({ firstName: 'Superviviente' });
    const duplicate = await t.createPatient({ firstName: 'Duplicado' });
    const invoice = await issued({ patientId: duplicate.id, appointmentIds: [await appointment(duplicate.id)] });
    await ok(await pay(invoice.id, { amount: '10.00', method: 'cash' }), 201);
    await ok(await call('POST', `/patients/${survivor.id}/merge`, admin.token, { duplicateId: duplicate.id }));
    const moved = await ok(await call('GET', `/invoices/${invoice.id}`, clerk.token));
    expect(moved).toMatchObject({
      patientId: survivor.id,
      number: invoice.number,
      paid: '10.00',
      status: 'partially_paid',
    });
    expect(moved.lines).toHaveLength(1);
    const left = await t.database.db.query<{ n: number }>(
      `select (select count(*) from invoices where patient_id = $1) + (select count(*) from invoice_lines where patient_id = $1)
         + (select count(*) from invoice_payments where patient_id = $1) as n`,
      [duplicate.id],
    );
    expect(Number(left.rows[0]?.n)).toBe(0);
  });
});
