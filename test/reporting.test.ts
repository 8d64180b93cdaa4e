import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Queryable } from '../src/platform/db/database.js';
import { SYSTEM_CONTEXT } from '../src/server.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { type CliRun, clinica, freshDataDir, linesOf } from './support/cli.js';
import { DATABASES } from './support/databases.js';
import { createPractitioner, slot } from './support/scheduling.js';

/**
 * The reporting schema: what each view answers after real activity through the API, that no
 * view shows who (patients, staff) was involved, and that the role `clinica_reporting` reads
 * those views and nothing else. On PostgreSQL, a login made by `clinica reporting grant`
 * connects like a BI tool would and is refused everything but reading the views.
 */

/** The columns of every view, in order: docs/reporting.md describes exactly these. */
const VIEWS: Record<string, string[]> = {
  stock_levels: [
    'product_id',
    'product',
    'generic_name',
    'kind',
    'category',
    'unit',
    'active',
    'on_hand',
    'on_hand_expired',
    'on_order',
    'next_expected_on',
    'in_draft_orders',
    'min_stock',
    'max_stock',
    'low',
    'unit_cost',
    'sale_price',
    'tax_rate',
    'value_at_cost',
    'value_at_sale_price',
  ],
  low_stock: [
    'product_id',
    'product',
    'generic_name',
    'kind',
    'category',
    'unit',
    'active',
    'on_hand',
    'min_stock',
    'max_stock',
    'shortfall',
    'on_order',
    'next_expected_on',
    'in_draft_orders',
    'uncovered',
  ],
  lots: [
    'lot_id',
    'lot_number',
    'product_id',
    'product',
    'kind',
    'category',
    'unit',
    'expires_on',
    'quantity',
    'days_to_expiry',
    'expired',
    'value_at_cost',
  ],
  stock_moves: [
    'move_id',
    'moved_at',
    'day',
    'kind',
    'product_id',
    'product',
    'product_kind',
    'category',
    'unit',
    'lot_id',
    'lot_number',
    'quantity',
    'reference_type',
    'reference_number',
  ],
  daily_dispensing: [
    'day',
    'product_id',
    'product',
    'kind',
    'category',
    'unit',
    'dispensings',
    'dispensed',
    'returned',
    'net_out',
  ],
  purchase_orders: [
    'purchase_order_id',
    'number',
    'status',
    'vendor_id',
    'vendor',
    'expected_on',
    'lines',
    'subtotal',
    'tax_total',
    'total',
    'created_at',
    'confirmed_at',
    'received_at',
    'cancelled_at',
  ],
  purchase_order_lines: [
    'purchase_order_id',
    'number',
    'status',
    'vendor_id',
    'vendor',
    'line_no',
    'product_id',
    'product',
    'kind',
    'category',
    'unit',
    'quantity',
    'received',
    'outstanding',
    'unit_cost',
    'tax_rate',
    'subtotal',
    'tax',
    'total',
  ],
  sales: [
    'issued_on',
    'invoice_number',
    'invoice_status',
    'line_no',
    'kind',
    'product_id',
    'product',
    'treatment_id',
    'treatment',
    'quantity',
    'unit_price',
    'tax_rate',
    'subtotal',
    'tax',
    'total',
  ],
  daily_sales: ['issued_on', 'kind', 'invoices', 'lines', 'subtotal', 'tax', 'total'],
};

type Row = Record<string, string | null>;

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

async function columnsOf(q: Queryable, view: string): Promise<string[]> {
  const { rows } = await q.query<{ name: string }>(
    `select column_name as name from information_schema.columns
      where table_schema = 'reporting' and table_name = $1 order by ordinal_position`,
    [view],
  );
  return rows.map((r) => r.name);
}

/** A view's rows with every value as PostgreSQL writes it as text: exact decimals, ISO dates. */
async function read(q: Queryable, view: string, where = '', params: unknown[] = []): Promise<Row[]> {
  const columns = await columnsOf(q, view);
  const { rows } = await q.query<Row>(
    `select ${columns.map((c) => `${quote(c)}::text as ${quote(c)}`).join(', ')} from reporting.${view} v ${where}`,
    params,
  );
  return rows;
}

/** A date `days` from today, YYYY-MM-DD (UTC; tests keep a margin of days around the clinic's today). */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/** The calendar day of an instant in a time zone, YYYY-MM-DD. */
const dayIn = (at: string | Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(at),
  );

const daysBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

describe.each(DATABASES)('reporting views on %s', (kind) => {
  let t: TestApp;
  let pharmacist: SignedIn;
  let doctor: SignedIn;
  let clerk: SignedIn;
  let patient: { id: string; patientNumber: string };
  const db = () => t.database.db;

  // What the activity below leaves behind, for the assertions.
  const made = {
    amoxicillin: '',
    gloves: '',
    gauze: '',
    lots: {} as Record<string, string>,
    prescription: { id: '', number: '' },
    moves: [] as { id: string; createdAt: string }[],
    vendor: '',
    confirmedOrder: { id: '', number: '' },
    draftOrder: { id: '', number: '' },
    cancelledOrder: { id: '', number: '' },
    invoice: { id: '', number: '', issuedOn: '' },
    voidInvoice: { id: '', number: '' },
    treatment: '',
  };

  const call = async (method: 'GET' | 'POST', url: string, token: string, payload?: object, status = 201) => {
    const res = await t.call({ method, url: `/api/v1${url}`, token, ...(payload ? { payload } : {}) });
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBe(status);
    return res.json();
  };
  const receive = async (productId: string, lotNumber: string, expiresOn: string, quantity: string) => {
    const res = await call('POST', '/stock/receipts', pharmacist.token, {
      lines: [{ productId, lotNumber, expiresOn, quantity }],
    });
    made.lots[lotNumber] = res.moves[0].lotId;
    made.moves.push(res.moves[0]);
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
    patient = await t.createPatient({ firstName: 'Reportada', lastName: 'Sinnombre Visible' });
    [pharmacist, doctor, clerk] = await Promise.all([
      t.signIn(['pharmacist']),
      t.signIn(['doctor']),
      t.signIn(['admissions']),
    ]);

    // Stock: three products, receipts (one of an expired lot), a dispense, an adjustment, a return.
    made.amoxicillin = (
      await call('POST', '/products', pharmacist.token, {
        kind: 'medicine',
        name: 'Amoxicilina 500 mg',
        genericName: 'Amoxicilina',
        category: 'Antibióticos',
        unit: 'box',
        salePrice: '12.30',
        taxRate: '10',
        cost: '7.1234',
        minStock: '10',
        maxStock: '50',
      })
    ).id;
    made.gloves = (
      await call('POST', '/products', pharmacist.token, {
        kind: 'supply',
        name: 'Guantes de nitrilo',
        category: 'Material',
        unit: 'pair',
        salePrice: '0.20',
        taxRate: '21',
        cost: '0.05',
        minStock: '100',
        maxStock: '500',
      })
    ).id;
    made.gauze = (
      await call('POST', '/products', pharmacist.token, { kind: 'supply', name: 'Gasas', salePrice: '1.50' })
    ).id;
    await receive(made.amoxicillin, 'AMX-LATE', inDays(365), '8');
    await receive(made.amoxicillin, 'AMX-SOON', inDays(30), '5');
    await receive(made.amoxicillin, 'AMX-OLD', inDays(-10), '2');
    await receive(made.gloves, 'GL-1', inDays(700), '40');

    const rx = await call('POST', '/prescriptions', doctor.token, {
      patientId: patient.id,
      lines: [{ medicament: 'Amoxicilina', form: 'capsule', quantity: 3, foodTiming: 'any', morning: true, days: 7 }],
    });
    await call('POST', `/prescriptions/${rx.id}/sign`, doctor.token, undefined, 200);
    made.prescription = { id: rx.id, number: rx.number };
    const dispensed = await call('POST', `/prescriptions/${rx.id}/lines/1/dispense`, pharmacist.token, {
      productId: made.amoxicillin,
      quantity: '3',
    });
    made.moves.push(...dispensed.moves);
    made.moves.push(
      await call('POST', '/stock/moves', pharmacist.token, {
        kind: 'adjustment',
        lotId: made.lots['AMX-LATE'],
        quantity: '-1',
        note: 'Caja rota por Reportada',
      }),
    );
    made.moves.push(
      await call('POST', '/stock/moves', pharmacist.token, {
        kind: 'return',
        lotId: made.lots['AMX-SOON'],
        quantity: '1',
        prescriptionId: rx.id,
        lineNo: 1,
      }),
    );

    // Purchasing: a confirmed order partly received, a draft, a cancelled one.
    made.vendor = (
      await call('POST', '/vendors', pharmacist.token, {
        name: 'Suministros Médicos SL',
        email: 'pedidos@proveedor.test',
      })
    ).id;
    const order = await call('POST', '/purchase-orders', pharmacist.token, {
      vendorId: made.vendor,
      expectedOn: inDays(7),
      notes: 'Entregar a Reportada',
      lines: [{ productId: made.gloves, quantity: '200', unitCost: '0.045' }],
    });
    await call('POST', `/purchase-orders/${order.id}/confirm`, pharmacist.token, undefined, 200);
    const received = await call(
      'POST',
      `/purchase-orders/${order.id}/receive`,
      pharmacist.token,
      { lines: [{ lineNo: 1, lotNumber: 'GL-2', expiresOn: inDays(800), quantity: '50' }] },
      200,
    );
    made.moves.push(...received.moves);
    made.confirmedOrder = { id: order.id, number: order.number };
    const draft = await call('POST', '/purchase-orders', pharmacist.token, {
      vendorId: made.vendor,
      lines: [{ productId: made.gloves, quantity: '30' }],
    });
    made.draftOrder = { id: draft.id, number: draft.number };
    const cancelled = await call('POST', '/purchase-orders', pharmacist.token, {
      vendorId: made.vendor,
      lines: [{ productId: made.amoxicillin, quantity: '10' }],
    });
    await call('POST', `/purchase-orders/${cancelled.id}/cancel`, pharmacist.token, { reason: 'Duplicado' }, 200);
    made.cancelledOrder = { id: cancelled.id, number: cancelled.number };

    // Billing: an issued invoice (a treatment, the dispensed product, a typed line) partly paid,
    // an issued invoice made void, and a draft.
    const treatment = await t.app.clinica.practitioners.createTreatment(
      { code: 'LIMP', name: 'Limpieza dental', durationMinutes: 30, cost: '45.00', isDental: true, active: true },
      SYSTEM_CONTEXT,
    );
    made.treatment = treatment.id;
    const practitioner = await createPractitioner(t);
    const appointment = await t.app.clinica.scheduling.book(
      {
        patientId: patient.id,
        practitionerId: practitioner.id,
        ...slot(2, 4),
        treatmentIds: [treatment.id],
        type: 'consultation',
      },
      SYSTEM_CONTEXT,
    );
    const invoice = await call('POST', '/invoices', clerk.token, {
      patientId: patient.id,
      appointmentIds: [appointment.id],
      prescriptionIds: [rx.id],
      lines: [{ description: 'Informe para Reportada Sinnombre', quantity: '1', unitPrice: '10.00', taxRate: '21' }],
    });
    const issued = await call('POST', `/invoices/${invoice.id}/issue`, clerk.token, undefined, 200);
    await call('POST', `/invoices/${invoice.id}/payments`, clerk.token, { amount: '10.00', method: 'cash' });
    made.invoice = { id: issued.id, number: issued.number, issuedOn: issued.issuedOn };
    const wrong = await call('POST', '/invoices', clerk.token, {
      patientId: patient.id,
      lines: [{ description: 'Certificado', quantity: '1', unitPrice: '5.00', taxRate: '21' }],
    });
    const wrongIssued = await call('POST', `/invoices/${wrong.id}/issue`, clerk.token, undefined, 200);
    await call('POST', `/invoices/${wrong.id}/void`, clerk.token, { reason: 'Emitida por error' }, 200);
    made.voidInvoice = { id: wrong.id, number: wrongIssued.number };
    await call('POST', '/invoices', clerk.token, {
      patientId: patient.id,
      lines: [{ description: 'Borrador', quantity: '1', unitPrice: '7.00', taxRate: '21' }],
    });
  });
  afterAll(() => t?.close());

  it('has exactly the documented views and columns', async () => {
    const { rows } = await db().query<{ name: string; kind: string }>(
      `select c.relname as name, c.relkind::text as kind from pg_class c
         join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'reporting' order by 1`,
    );
    expect(rows).toEqual(
      Object.keys(VIEWS)
        .sort()
        .map((name) => ({ name, kind: 'v' })),
    );
    for (const [view, columns] of Object.entries(VIEWS)) expect(await columnsOf(db(), view), view).toEqual(columns);
  });

  it('answers stock levels with value at cost and sale price, expired stock and what is on order', async () => {
    const levels = await read(db(), 'stock_levels', 'order by product');
    expect(levels).toEqual([
      {
        product_id: made.amoxicillin,
        product: 'Amoxicilina 500 mg',
        generic_name: 'Amoxicilina',
        kind: 'medicine',
        category: 'Antibióticos',
        unit: 'box',
        active: 'true',
        // 8 - 1 (broken box) + 5 - 3 (dispensed) + 1 (returned) + 2 (expired lot)
        on_hand: '12.000',
        on_hand_expired: '2.000',
        // The cancelled order brings nothing.
        on_order: '0.000',
        next_expected_on: null,
        in_draft_orders: '0.000',
        min_stock: '10.000',
        max_stock: '50.000',
        low: 'false',
        unit_cost: '7.1234',
        sale_price: '12.30',
        tax_rate: '10.00',
        // 12 x 7.1234 = 85.4808
        value_at_cost: '85.48',
        value_at_sale_price: '147.60',
      },
      {
        product_id: made.gauze,
        product: 'Gasas',
        generic_name: null,
        kind: 'supply',
        category: null,
        unit: 'unit',
        active: 'true',
        on_hand: '0.000',
        on_hand_expired: '0.000',
        on_order: '0.000',
        next_expected_on: null,
        in_draft_orders: '0.000',
        min_stock: '0.000',
        max_stock: null,
        low: 'false',
        // No cost recorded: no value at cost.
        unit_cost: null,
        sale_price: '1.50',
        tax_rate: '0.00',
        value_at_cost: null,
        value_at_sale_price: '0.00',
      },
      {
        product_id: made.gloves,
        product: 'Guantes de nitrilo',
        generic_name: null,
        kind: 'supply',
        category: 'Material',
        unit: 'pair',
        active: 'true',
        on_hand: '90.000',
        on_hand_expired: '0.000',
        // 200 ordered, 50 received; the draft's 30 are counted apart.
        on_order: '150.000',
        next_expected_on: inDays(7),
        in_draft_orders: '30.000',
        min_stock: '100.000',
        max_stock: '500.000',
        low: 'true',
        unit_cost: '0.0500',
        sale_price: '0.20',
        tax_rate: '21.00',
        value_at_cost: '4.50',
        value_at_sale_price: '18.00',
      },
    ]);
    // The same on-hand figures and low flags as the pharmacy's own API.
    const api = await call('GET', '/stock?limit=100', pharmacist.token, undefined, 200);
    for (const item of api.items as { productId: string; onHand: string; low: boolean }[]) {
      const row = levels.find((r) => r.product_id === item.productId);
      expect([row?.on_hand, row?.low]).toEqual([item.onHand, String(item.low)]);
    }

    expect(await read(db(), 'low_stock')).toEqual([
      {
        product_id: made.gloves,
        product: 'Guantes de nitrilo',
        generic_name: null,
        kind: 'supply',
        category: 'Material',
        unit: 'pair',
        active: 'true',
        on_hand: '90.000',
        min_stock: '100.000',
        max_stock: '500.000',
        shortfall: '10.000',
        on_order: '150.000',
        next_expected_on: inDays(7),
        in_draft_orders: '30.000',
        uncovered: '0.000',
      },
    ]);
  });

  it('answers every lot with its quantity, days to expiry and whether it expired', async () => {
    const today = (await db().query<{ today: string }>('select current_date::text as today')).rows[0]?.today as string;
    const lots = await read(db(), 'lots', 'order by expires_on');
    expect(lots.map((l) => [l.lot_number, l.product, l.quantity, l.expired, l.value_at_cost])).toEqual([
      ['AMX-OLD', 'Amoxicilina 500 mg', '2.000', 'true', '14.25'],
      ['AMX-SOON', 'Amoxicilina 500 mg', '3.000', 'false', '21.37'],
      ['AMX-LATE', 'Amoxicilina 500 mg', '7.000', 'false', '49.86'],
      ['GL-1', 'Guantes de nitrilo', '40.000', 'false', '2.00'],
      ['GL-2', 'Guantes de nitrilo', '50.000', 'false', '2.50'],
    ]);
    for (const l of lots) {
      expect(l.lot_id).toBe(made.lots[l.lot_number as string] ?? l.lot_id);
      expect(Number(l.days_to_expiry)).toBe(daysBetween(today, l.expires_on as string));
    }
    expect(lots[0]?.expires_on).toBe(inDays(-10));
  });

  it('answers the ledger without who moved stock, why, or for which prescription', async () => {
    const timeZone = (await db().query<{ tz: string }>('select current_setting($1) as tz', ['timezone'])).rows[0]
      ?.tz as string;
    const moves = await read(db(), 'stock_moves', 'order by moved_at, move_id');
    expect(moves).toHaveLength(made.moves.length);
    const byId = new Map(moves.map((m) => [m.move_id, m]));
    for (const m of made.moves) {
      const row = byId.get(m.id);
      expect(row?.day).toBe(dayIn(m.createdAt, timeZone));
    }
    const summary = moves
      .map((m) => [m.kind, m.product, m.lot_number, m.quantity, m.reference_type, m.reference_number])
      .sort((a, b) => String(a).localeCompare(String(b)));
    expect(summary).toEqual(
      [
        ['receipt', 'Amoxicilina 500 mg', 'AMX-LATE', '8.000', null, null],
        ['receipt', 'Amoxicilina 500 mg', 'AMX-SOON', '5.000', null, null],
        ['receipt', 'Amoxicilina 500 mg', 'AMX-OLD', '2.000', null, null],
        ['receipt', 'Guantes de nitrilo', 'GL-1', '40.000', null, null],
        // First expiry first out, skipping the expired lot.
        ['dispense', 'Amoxicilina 500 mg', 'AMX-SOON', '-3.000', 'prescription_line', null],
        ['adjustment', 'Amoxicilina 500 mg', 'AMX-LATE', '-1.000', null, null],
        ['return', 'Amoxicilina 500 mg', 'AMX-SOON', '1.000', 'prescription_line', null],
        ['receipt', 'Guantes de nitrilo', 'GL-2', '50.000', 'purchase_order', made.confirmedOrder.number],
      ].sort((a, b) => String(a).localeCompare(String(b))),
    );

    const day = dayIn(made.moves[0]?.createdAt as string, timeZone);
    expect(await read(db(), 'daily_dispensing')).toEqual([
      {
        day,
        product_id: made.amoxicillin,
        product: 'Amoxicilina 500 mg',
        kind: 'medicine',
        category: 'Antibióticos',
        unit: 'box',
        dispensings: '1',
        dispensed: '3.000',
        returned: '1.000',
        net_out: '2.000',
      },
    ]);
  });

  it('answers purchase orders and their lines, with what is still to come', async () => {
    const orders = await read(db(), 'purchase_orders', 'order by number');
    expect(orders.map((o) => [o.number, o.status, o.vendor, o.lines, o.subtotal, o.tax_total, o.total])).toEqual([
      // 200 x 0.045 = 9.00; 21 % = 1.89
      [made.confirmedOrder.number, 'confirmed', 'Suministros Médicos SL', '1', '9.00', '1.89', '10.89'],
      // 30 x 0.05 = 1.50; 21 % = 0.315 -> 0.32
      [made.draftOrder.number, 'draft', 'Suministros Médicos SL', '1', '1.50', '0.32', '1.82'],
      // 10 x 7.1234 = 71.234 -> 71.23; 10 % = 7.123 -> 7.12
      [made.cancelledOrder.number, 'cancelled', 'Suministros Médicos SL', '1', '71.23', '7.12', '78.35'],
    ]);
    const confirmed = orders[0] as Row;
    expect(confirmed).toMatchObject({
      purchase_order_id: made.confirmedOrder.id,
      vendor_id: made.vendor,
      expected_on: inDays(7),
      received_at: null,
      cancelled_at: null,
    });
    expect(confirmed.confirmed_at).not.toBeNull();
    expect(orders[2]?.cancelled_at).not.toBeNull();

    const lines = await read(db(), 'purchase_order_lines', 'order by number, line_no');
    expect(
      lines.map((l) => [l.number, l.line_no, l.product, l.quantity, l.received, l.outstanding, l.unit_cost, l.total]),
    ).toEqual([
      [made.confirmedOrder.number, '1', 'Guantes de nitrilo', '200.000', '50.000', '150.000', '0.0450', '10.89'],
      [made.draftOrder.number, '1', 'Guantes de nitrilo', '30.000', '0.000', '0.000', '0.0500', '1.82'],
      [made.cancelledOrder.number, '1', 'Amoxicilina 500 mg', '10.000', '0.000', '0.000', '7.1234', '78.35'],
    ]);
  });

  it('answers the lines of issued invoices that are not void, and daily totals, without the patient', async () => {
    const sales = await read(db(), 'sales', 'order by invoice_number, line_no');
    expect(sales).toEqual([
      {
        issued_on: made.invoice.issuedOn,
        invoice_number: made.invoice.number,
        invoice_status: 'partially_paid',
        line_no: '1',
        kind: 'treatment',
        product_id: null,
        product: null,
        treatment_id: made.treatment,
        treatment: 'Limpieza dental',
        quantity: '1.000',
        unit_price: '45.00',
        tax_rate: '0.00',
        subtotal: '45.00',
        tax: '0.00',
        total: '45.00',
      },
      {
        issued_on: made.invoice.issuedOn,
        invoice_number: made.invoice.number,
        invoice_status: 'partially_paid',
        line_no: '2',
        kind: 'product',
        product_id: made.amoxicillin,
        product: 'Amoxicilina 500 mg',
        treatment_id: null,
        treatment: null,
        // 3 dispensed, 1 returned.
        quantity: '2.000',
        unit_price: '12.30',
        tax_rate: '10.00',
        subtotal: '24.60',
        tax: '2.46',
        total: '27.06',
      },
      {
        issued_on: made.invoice.issuedOn,
        invoice_number: made.invoice.number,
        invoice_status: 'partially_paid',
        line_no: '3',
        kind: 'other',
        product_id: null,
        product: null,
        treatment_id: null,
        treatment: null,
        quantity: '1.000',
        unit_price: '10.00',
        tax_rate: '21.00',
        subtotal: '10.00',
        tax: '2.10',
        total: '12.10',
      },
    ]);
    expect(await read(db(), 'daily_sales', 'order by kind')).toEqual([
      {
        issued_on: made.invoice.issuedOn,
        kind: 'other',
        invoices: '1',
        lines: '1',
        subtotal: '10.00',
        tax: '2.10',
        total: '12.10',
      },
      {
        issued_on: made.invoice.issuedOn,
        kind: 'product',
        invoices: '1',
        lines: '1',
        subtotal: '24.60',
        tax: '2.46',
        total: '27.06',
      },
      {
        issued_on: made.invoice.issuedOn,
        kind: 'treatment',
        invoices: '1',
        lines: '1',
        subtotal: '45.00',
        tax: '0.00',
        total: '45.00',
      },
    ]);
    // The void invoice had been issued and numbered: it is left out all the same.
    expect(made.voidInvoice.number).toMatch(/^F\d{4}\/\d{5}$/);
    expect(sales.some((s) => s.invoice_number === made.voidInvoice.number)).toBe(false);
  });

  it('shows no patient, staff member, prescription or free text anywhere', async () => {
    const everything = [];
    for (const view of Object.keys(VIEWS)) everything.push(...(await read(db(), view)));
    const text = JSON.stringify(everything);
    const users = [pharmacist, doctor, clerk].map((u) => u.userId);
    for (const secret of [
      patient.id,
      patient.patientNumber,
      'Reportada',
      'Sinnombre',
      made.prescription.id,
      made.prescription.number,
      made.invoice.id,
      'Caja rota',
      'Entregar a',
      'Duplicado',
      ...users,
    ]) {
      expect(text, secret).not.toContain(secret);
    }
    // Nor any column that could name someone.
    const { rows } = await db().query<{ column: string }>(
      `select table_name || '.' || column_name as column from information_schema.columns
        where table_schema = 'reporting'
          and column_name ~ '(patient|user|created_by|email|phone|address|tax_id|note|description|reason|reference_id)'`,
    );
    expect(rows).toEqual([]);
  });

  it('lets clinica_reporting read every view and no table, sequence or other schema', async () => {
    const { rows: reader } = await db().query<{ rolcanlogin: boolean }>(
      `select rolcanlogin from pg_roles where rolname = 'clinica_reporting'`,
    );
    expect(reader).toEqual([{ rolcanlogin: false }]);
    const { rows } = await db().query<{ name: string; kind: string; privileges: string[] }>(
      `select n.nspname || '.' || c.relname as name, c.relkind::text as kind,
              array(select p from unnest(array['select', 'insert', 'update', 'delete', 'truncate', 'references', 'trigger']) p
                     where has_table_privilege('clinica_reporting', c.oid, p)) as privileges
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname in ('public', 'reporting') and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
        order by 1`,
    );
    const views = rows.filter((r) => r.name.startsWith('reporting.'));
    const others = rows.filter((r) => !r.name.startsWith('reporting.'));
    expect(views.map((v) => v.name)).toEqual(
      Object.keys(VIEWS)
        .sort()
        .map((v) => `reporting.${v}`),
    );
    for (const v of views) expect(v.privileges, v.name).toEqual(['select']);
    expect(others.length).toBeGreaterThan(40);
    for (const o of others) expect(o.privileges, o.name).toEqual([]);
    const { rows: schemas } = await db().query<{ reporting: boolean; create: boolean; public_create: boolean }>(
      `select has_schema_privilege('clinica_reporting', 'reporting', 'usage') as reporting,
              has_schema_privilege('clinica_reporting', 'reporting', 'create') as create,
              has_schema_privilege('clinica_reporting', 'public', 'create') as public_create`,
    );
    expect(schemas).toEqual([{ reporting: true, create: false, public_create: false }]);
  });
});

describe('clinica reporting grant on the embedded database', () => {
  it('explains that BI tools need PostgreSQL, and touches nothing', async () => {
    const dataDir = freshDataDir('reporting');
    const run = await clinica(['reporting', 'grant', 'metabase', '--password-stdin'], {
      env: { DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      input: 'a long enough password\n',
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(linesOf(run.stderr)).toEqual([
      'clinica: BI tools read the reporting views over a PostgreSQL connection, and the embedded database (DATA_DIR) accepts none from other programs: run Clinica on PostgreSQL (DATABASE_URL; a backup restores into it) and run this command again (docs/reporting.md)',
    ]);
    expect(fs.readdirSync(dataDir)).toEqual([]);
  });
});

const postgresUrl = process.env.TEST_DATABASE_URL;

/** The SQLSTATE a statement fails with, or 'ok'. */
async function outcome(client: pg.Client, sql: string): Promise<string> {
  try {
    await client.query(sql);
    return 'ok';
  } catch (err) {
    return (err as { code?: string }).code ?? String(err);
  }
}

describe.skipIf(!postgresUrl)('a BI login made by clinica reporting grant (postgresql)', () => {
  let t: TestApp;
  let admin: pg.Client;
  const suffix = randomBytes(4).toString('hex');
  const login = `clinica_bi_${suffix}`;
  const memberOfOther = `clinica_bi_other_${suffix}`;
  const otherGroup = `clinica_bi_group_${suffix}`;
  const password = `Bi-${randomBytes(12).toString('base64url')}`;
  let tables: string[] = [];

  const grant = (name: string, input?: string, extra: Record<string, string> = {}): Promise<CliRun> =>
    clinica(['reporting', 'grant', name, ...(input === undefined ? [] : ['--password-stdin'])], {
      env: { DATABASE_URL: t.database.url as string, LOG_LEVEL: 'warn', CLINIC_TIMEZONE: 'Atlantic/Canary', ...extra },
      ...(input === undefined ? {} : { input }),
    });
  const connectAs = async (user: string) => {
    const url = new URL(t.database.url as string);
    url.username = user;
    url.password = password;
    const client = new pg.Client({ connectionString: url.toString() });
    await client.connect();
    return client;
  };

  beforeAll(async () => {
    t = await createTestApp('postgresql');
    const pharmacist = await t.signIn(['pharmacist']);
    const product = await t.call({
      method: 'POST',
      url: '/api/v1/products',
      token: pharmacist.token,
      payload: { kind: 'medicine', name: 'Ibuprofeno 600 mg', salePrice: '3.10', cost: '1.20', minStock: '5' },
    });
    expect(product.statusCode, product.body).toBe(201);
    const receipt = await t.call({
      method: 'POST',
      url: '/api/v1/stock/receipts',
      token: pharmacist.token,
      payload: { lines: [{ productId: product.json().id, lotNumber: 'IB-1', expiresOn: inDays(300), quantity: '12' }] },
    });
    expect(receipt.statusCode, receipt.body).toBe(201);
    const { rows } = await t.database.db.query<{ name: string }>(
      `select quote_ident(c.relname) as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p', 'v', 'm', 'S') order by 1`,
    );
    tables = rows.map((r) => r.name);
    admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
  });
  afterAll(async () => {
    await t?.close();
    if (admin) {
      for (const role of [login, memberOfOther, otherGroup]) await admin.query(`drop role if exists ${role}`);
      await admin.end();
    }
  });

  it('creates a login that is a member of clinica_reporting only, with a SCRAM password', async () => {
    const run = await grant(login, `${password}\n`);
    expect(run.code, run.stderr).toBe(0);
    const database = new URL(t.database.url as string).pathname.slice(1);
    expect(linesOf(run.stdout)).toEqual([
      `Created role ${login}: it reads the views of schema reporting in database ${database} and nothing else.`,
      `Connect the BI tool to host 127.0.0.1, port 5432, database ${database}, user ${login}.`,
    ]);
    const { rows } = await admin.query(
      `select r.rolcanlogin, r.rolsuper, r.rolcreaterole, r.rolcreatedb, r.rolinherit, a.rolpassword,
              array(select g.rolname::text from pg_auth_members m join pg_roles g on g.oid = m.roleid
                     where m.member = r.oid) as member_of
         from pg_roles r join pg_authid a on a.oid = r.oid where r.rolname = $1`,
      [login],
    );
    const role = rows[0];
    expect(role).toMatchObject({
      rolcanlogin: true,
      rolsuper: false,
      rolcreaterole: false,
      rolcreatedb: false,
      rolinherit: true,
      member_of: ['clinica_reporting'],
    });
    // The stored verifier is the password's: the same keys derived from it with the stored salt.
    const match = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(role.rolpassword);
    expect(match, role.rolpassword).not.toBeNull();
    const [, iterations, salt, storedKey, serverKey] = match as unknown as string[];
    const salted = pbkdf2Sync(password, Buffer.from(salt as string, 'base64'), Number(iterations), 32, 'sha256');
    const clientKey = createHmac('sha256', salted).update('Client Key').digest();
    expect(createHash('sha256').update(clientKey).digest('base64')).toBe(storedKey);
    expect(createHmac('sha256', salted).update('Server Key').digest('base64')).toBe(serverKey);
    // The grant is in the audit trail.
    const { rows: audit } = await t.database.db.query(
      `select action, resource_type, resource_id, details from audit_events where action = 'reporting.grant'`,
    );
    expect(audit).toEqual([
      {
        action: 'reporting.grant',
        resource_type: 'DatabaseRole',
        resource_id: login,
        details: { created: true, passwordSet: true },
      },
    ]);
  });

  it('connects as the BI login and reads every view, in the clinic time zone and read-only by default', async () => {
    const client = await connectAs(login);
    try {
      const settings = await client.query(
        `select current_setting('timezone') as tz, current_setting('default_transaction_read_only') as ro`,
      );
      expect(settings.rows).toEqual([{ tz: 'Atlantic/Canary', ro: 'on' }]);
      for (const view of Object.keys(VIEWS)) {
        const res = await client.query(`select * from reporting.${view}`);
        expect(
          res.fields.map((f) => f.name),
          view,
        ).toEqual(VIEWS[view]);
      }
      const levels = await client.query(`select product, on_hand::text, low from reporting.stock_levels`);
      expect(levels.rows).toEqual([{ product: 'Ibuprofeno 600 mg', on_hand: '12.000', low: false }]);
      const days = await client.query(
        `select day::text, (moved_at at time zone 'Atlantic/Canary')::date::text as canary from reporting.stock_moves`,
      );
      expect(days.rows[0]?.day).toBe(days.rows[0]?.canary);
    } finally {
      await client.end();
    }
  });

  it('is refused every table and sequence of the public schema, every write and every new object', async () => {
    const client = await connectAs(login);
    try {
      expect(tables.length).toBeGreaterThan(40);
      for (const table of tables) {
        expect(await outcome(client, `select * from public.${table} limit 1`), table).toBe('42501');
      }
      // Read-only by default, so even a write that would be allowed is refused ...
      expect(await outcome(client, `insert into public.products (id) values (gen_random_uuid())`)).toBe('25006');
      expect(await outcome(client, `create table public.bi_scratch (a int)`)).toBe('25006');
      // ... and once the session turns that off, the missing privileges refuse it.
      await client.query('set default_transaction_read_only = off');
      expect(await outcome(client, `insert into public.products (id) values (gen_random_uuid())`)).toBe('42501');
      expect(await outcome(client, `update public.lot_stock set quantity = 0`)).toBe('42501');
      expect(await outcome(client, `delete from public.audit_events`)).toBe('42501');
      expect(await outcome(client, `truncate public.stock_moves`)).toBe('42501');
      expect(await outcome(client, `select * from reporting.lots for update`)).toBe('42501');
      for (const view of Object.keys(VIEWS)) {
        // The views join tables, so PostgreSQL cannot write through them (55000) before even
        // asking for privileges; the role has none to write with either.
        expect(await outcome(client, `delete from reporting.${view}`), view).toMatch(/^(55000|42501)$/);
        const column = VIEWS[view]?.[0] as string;
        expect(await outcome(client, `update reporting.${view} set ${column} = null`), view).toMatch(/^(55000|42501)$/);
        const privileges = await client.query(
          `select has_table_privilege($1, 'insert, update, delete, truncate, references, trigger') as any`,
          [`reporting.${view}`],
        );
        expect(privileges.rows, view).toEqual([{ any: false }]);
      }
      for (const ddl of [
        'create table public.bi_scratch (a int)',
        'create table reporting.bi_scratch (a int)',
        'create view reporting.bi_scratch as select 1 as a',
        `create function reporting.bi_scratch() returns int language sql as 'select 1'`,
        'create schema bi_scratch',
        'alter view reporting.sales rename to ventas',
        'drop view reporting.sales',
        `create role bi_scratch_role`,
      ]) {
        expect(await outcome(client, ddl), ddl).toBe('42501');
      }
    } finally {
      await client.end();
    }
  });

  it('updates an existing login (password kept without --password-stdin) and refuses roles that can do more', async () => {
    const again = await grant(login);
    expect(again.code, again.stderr).toBe(0);
    expect(linesOf(again.stdout)[0]).toBe(
      `Updated role ${login}: it reads the views of schema reporting in database ${new URL(t.database.url as string).pathname.slice(1)} and nothing else.`,
    );
    expect(linesOf(again.stdout)[1]).toMatch(/\(password unchanged\)\.$/);

    const refused = async (run: CliRun) => {
      expect(run.code, run.stdout).toBe(1);
      expect(run.stdout).toBe('');
      const lines = linesOf(run.stderr);
      expect(lines).toHaveLength(1);
      return lines[0] as string;
    };
    expect(await refused(await grant('postgres'))).toMatch(
      /^clinica: role postgres already exists and it is the role Clinica connects with/,
    );
    await admin.query(`create role ${otherGroup} nologin`);
    await admin.query(`create role ${memberOfOther} login in role ${otherGroup}`);
    expect(await refused(await grant(memberOfOther, `${password}\n`))).toBe(
      `clinica: role ${memberOfOther} already exists and it is a member of ${otherGroup}: a BI login must be able to read the reporting views and nothing else. Choose a new name`,
    );
    const newName = `clinica_bi_new_${suffix}`;
    expect(await refused(await grant(newName))).toMatch(
      new RegExp(`^clinica: role ${newName} does not exist yet: give it a password with --password-stdin`),
    );
    expect(await refused(await grant(newName, 'too short\n'))).toBe(
      'clinica: the password must be at least 16 characters (for example: openssl rand -base64 24)',
    );
    expect(await refused(await grant('Metabase'))).toMatch(/^clinica: "Metabase" cannot be used: /);
    expect(await refused(await grant('clinica_reporting'))).toMatch(/^clinica: "clinica_reporting" cannot be used: /);
    const { rows } = await admin.query('select rolname from pg_roles where rolname = $1', [newName]);
    expect(rows).toEqual([]);
    const { rows: other } = await admin.query(
      `select array(select g.rolname::text from pg_auth_members m join pg_roles g on g.oid = m.roleid
                     where m.member = r.oid order by 1) as member_of
         from pg_roles r where r.rolname = $1`,
      [memberOfOther],
    );
    expect(other).toEqual([{ member_of: [otherGroup] }]);
  });

  it('migrates as a database owner that may not create roles, and then says who must grant', async () => {
    const owner = `clinica_owner_${suffix}`;
    const database = `clinica_test_owned_${suffix}`;
    await admin.query(`create role ${owner} login nocreaterole`);
    await admin.query(`create database ${database} owner ${owner}`);
    try {
      const url = new URL(postgresUrl as string);
      url.username = owner;
      url.pathname = `/${database}`;
      const migrated = await clinica(['migrate'], { env: { DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' } });
      expect(migrated.code, migrated.stderr).toBe(0);
      const run = await clinica(['reporting', 'grant', `clinica_bi_owned_${suffix}`, '--password-stdin'], {
        env: { DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' },
        input: password,
      });
      expect(run.code).toBe(1);
      expect(linesOf(run.stderr)).toEqual([
        'clinica: the database user of DATABASE_URL may not manage roles (permission denied to create role): run this command with a DATABASE_URL of a user with CREATEROLE, or have an administrator run the SQL in docs/reporting.md',
      ]);
      // Given CREATEROLE (no superuser), the same user makes the login, and updates it.
      await admin.query(`alter role ${owner} createrole`);
      const made = await clinica(['reporting', 'grant', `clinica_bi_owned_${suffix}`, '--password-stdin'], {
        env: { DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' },
        input: password,
      });
      expect(made.code, made.stderr).toBe(0);
      const again = await clinica(['reporting', 'grant', `clinica_bi_owned_${suffix}`, '--password-stdin'], {
        env: { DATABASE_URL: url.toString(), LOG_LEVEL: 'warn' },
        input: `${password}x`,
      });
      expect(again.code, again.stderr).toBe(0);
      expect(linesOf(again.stdout)[0]).toMatch(/^Updated role clinica_bi_owned_/);
      // The views are there and readable by the reporting role all the same.
      const client = new pg.Client({ connectionString: url.toString() });
      await client.connect();
      try {
        const { rows } = await client.query(
          `select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'reporting' and has_table_privilege('clinica_reporting', c.oid, 'select')`,
        );
        expect(rows).toEqual([{ n: Object.keys(VIEWS).length }]);
      } finally {
        await client.end();
      }
    } finally {
      await admin.query(`drop database if exists ${database} with (force)`);
      await admin.query(`drop role if exists clinica_bi_owned_${suffix}`);
      await admin.query(`drop role if exists ${owner}`);
    }
  });
});
