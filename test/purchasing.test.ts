import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EventDelivery, startServerDelivery } from '../src/events.js';
import { stockDiscrepancies } from '../src/modules/pharmacy/pharmacy.repository.js';
import { nextOrderNumber } from '../src/modules/pharmacy/purchasing.repository.js';
import { runHandler } from '../src/platform/events/handler.js';
import { findEvent } from '../src/platform/events/outbox.js';
import { countRows, createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';
import { startSmtpServer, type TestSmtpServer } from './support/smtp.js';
import { eventually } from './support/wait.js';

interface Line {
  lineNo: number;
  productId: string;
  productName: string;
  quantity: string;
  unitCost: string;
  taxRate: string;
  subtotal: string;
  tax: string;
  total: string;
  received: string;
}
interface Order {
  id: string;
  number: string;
  status: string;
  vendorId: string;
  vendorName: string;
  lines: Line[];
  subtotal: string;
  taxTotal: string;
  total: string;
  confirmedAt?: string;
  receivedAt?: string;
  cancelledAt?: string;
  cancelReason?: string;
}

const unique = () => randomUUID().slice(0, 8);

describe.each(DATABASES)('purchasing on %s', (kind) => {
  let smtp: TestSmtpServer;
  let t: TestApp;
  let delivery: EventDelivery;
  let pharmacist: SignedIn;
  let admin: SignedIn;
  let doctor: SignedIn;
  let portal: SignedIn;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await createTestApp(kind, { SMTP_URL: smtp.url, OUTBOX_POLL_MS: '20', EVENTS_RETRY_BASE_MS: '20' });
    delivery = await startServerDelivery(t.config, t.database.db, t.app.clinica.consumers, t.app.log);
    const { id: patientId } = await t.createPatient({ firstName: 'Compras' });
    [pharmacist, admin, doctor, portal] = await Promise.all([
      t.signIn(['pharmacist']),
      t.signIn(['admin']),
      t.signIn(['doctor']),
      t.signIn(['patient'], { patientId }),
    ]);
  });
  afterAll(async () => {
    await delivery?.stop();
    await t?.close();
    await smtp?.close();
  });

  const call = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object, token = pharmacist.token) =>
    t.call({ method, url: `/api/v1${url}`, token, ...(payload ? { payload } : {}) });

  const vendor = async (overrides: object = {}) => {
    const res = await call('POST', '/vendors', {
      name: `Distribuciones ${unique()}`,
      email: `pedidos-${unique()}@proveedor.test`,
      ...overrides,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; name: string; email: string };
  };
  const product = async (overrides: object = {}) => {
    const res = await call('POST', '/products', {
      kind: 'medicine',
      name: `Producto ${unique()}`,
      salePrice: '1.00',
      cost: '1.0000',
      ...overrides,
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; name: string };
  };
  const draft = async (vendorId: string, lines: object[], extra: object = {}) => {
    const res = await call('POST', '/purchase-orders', { vendorId, lines, ...extra });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as Order;
  };
  const confirmed = async (vendorId: string, lines: object[], extra: object = {}) => {
    const order = await draft(vendorId, lines, extra);
    const res = await call('POST', `/purchase-orders/${order.id}/confirm`);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Order;
  };
  const receive = (orderId: string, lines: object[], token = pharmacist.token) =>
    call('POST', `/purchase-orders/${orderId}/receive`, { lines }, token);
  const receipt = (lineNo: number, quantity: string, lotNumber = `L-${unique()}`, expiresOn = '2030-06-30') => ({
    lineNo,
    lotNumber,
    expiresOn,
    quantity,
  });
  const onHand = async (productId: string) =>
    (await call('GET', `/stock?productId=${productId}`)).json().items[0] as {
      onHand: string;
      lots: { lotNumber: string; quantity: string }[];
    };
  const events = async (aggregateId: string) =>
    (
      await t.database.db.query<{ type: string; payload: Record<string, unknown> }>(
        'select type, payload from outbox where aggregate_id = $1 order by occurred_at, id',
        [aggregateId],
      )
    ).rows;

  it('keeps vendors: add, read, find, replace and deactivate; refuses what is not a vendor', async () => {
    const created = await call('POST', '/vendors', {
      name: '  Laboratorios Norte  ',
      email: 'Pedidos@Norte.TEST',
      phone: '+34 911 222 333',
      taxId: 'B12345678',
      address: 'Calle Mayor 1, Madrid',
    });
    expect(created.statusCode, created.body).toBe(201);
    const v = created.json();
    expect(v).toMatchObject({
      name: 'Laboratorios Norte',
      email: 'pedidos@norte.test',
      phone: '+34 911 222 333',
      taxId: 'B12345678',
      language: 'es',
      active: true,
    });

    for (const [body, field] of [
      [{ name: 'Sin correo' }, 'body.email'],
      [{ name: 'Correo roto', email: 'not-an-address' }, 'body.email'],
      [{ name: '', email: 'a@b.test' }, 'body.name'],
      [{ name: 'Teléfono', email: 'a@b.test', phone: 'call me' }, 'body.phone'],
      [{ name: 'Idioma', email: 'a@b.test', language: 'fr' }, 'body.language'],
      [{ name: 'Extra', email: 'a@b.test', discount: 5 }, 'body.discount'],
    ] as const) {
      const res = await call('POST', '/vendors', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(res.json().errors.map((e: { path: string }) => e.path)).toContain(field);
    }

    expect((await call('GET', `/vendors/${v.id}`, undefined, admin.token)).json()).toEqual(v);
    const found = await call('GET', '/vendors?q=norte', undefined, admin.token);
    expect(found.json().items.map((i: { id: string }) => i.id)).toContain(v.id);
    expect((await call('GET', '/vendors?q=B12345678')).json().items).toEqual([v]);

    const replaced = await call('PUT', `/vendors/${v.id}`, {
      name: 'Laboratorios Norte SL',
      email: 'compras@norte.test',
      language: 'en',
      active: false,
    });
    expect(replaced.statusCode, replaced.body).toBe(200);
    expect(replaced.json()).toMatchObject({ name: 'Laboratorios Norte SL', language: 'en', active: false });
    expect(replaced.json().phone).toBeUndefined();
    expect((await call('GET', '/vendors?active=true')).json().items.map((i: { id: string }) => i.id)).not.toContain(
      v.id,
    );
    expect((await call('PUT', `/vendors/${randomUUID()}`, { name: 'X', email: 'x@y.test' })).statusCode).toBe(404);
    expect((await call('GET', `/vendors/${randomUUID()}`)).statusCode).toBe(404);

    // Pages by name: every vendor once.
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { items: { id: string }[]; nextCursor: string | null } = (
        await call('GET', `/vendors?limit=2${cursor ? `&cursor=${cursor}` : ''}`)
      ).json();
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toHaveLength(new Set(seen).size);
    expect(seen.length).toBe(await countRows(t, 'vendors'));
  });

  it('writes a draft with exact totals: each line rounded half up to cents, the order their sums', async () => {
    const v = await vendor();
    const a = await product({ cost: '2.3350', taxRate: '15.00' });
    const b = await product({ cost: undefined, taxRate: '4.00' });
    const c = await product({ cost: '0.1500', taxRate: '21.00' });
    const d = await product({ cost: '0.1000', taxRate: '15.00' });
    const order = await draft(
      v.id,
      [
        { productId: a.id, quantity: '3' },
        { productId: b.id, quantity: '2.5', unitCost: '1.111' },
        { productId: c.id, quantity: '0.333' },
        { productId: d.id, quantity: '1' },
      ],
      { expectedOn: '2030-01-15', notes: 'Entregar por la mañana' },
    );
    expect(order).toMatchObject({
      number: expect.stringMatching(/^P\d{5}$/),
      status: 'draft',
      vendorId: v.id,
      vendorName: v.name,
      expectedOn: '2030-01-15',
      notes: 'Entregar por la mañana',
      subtotal: '9.94',
      taxTotal: '1.19',
      total: '11.13',
    });
    expect(order.lines.map(({ productId, productName, ...l }) => l)).toEqual([
      // 3 x 2.3350 = 7.005 -> 7.01; 15 % = 1.0515 -> 1.05
      {
        lineNo: 1,
        unit: 'unit',
        quantity: '3.000',
        unitCost: '2.3350',
        taxRate: '15.00',
        subtotal: '7.01',
        tax: '1.05',
        total: '8.06',
        received: '0.000',
      },
      // 2.5 x 1.111 = 2.7775 -> 2.78; 4 % = 0.1112 -> 0.11
      {
        lineNo: 2,
        unit: 'unit',
        quantity: '2.500',
        unitCost: '1.1110',
        taxRate: '4.00',
        subtotal: '2.78',
        tax: '0.11',
        total: '2.89',
        received: '0.000',
      },
      // 0.333 x 0.15 = 0.04995 -> 0.05; 21 % = 0.0105 -> 0.01
      {
        lineNo: 3,
        unit: 'unit',
        quantity: '0.333',
        unitCost: '0.1500',
        taxRate: '21.00',
        subtotal: '0.05',
        tax: '0.01',
        total: '0.06',
        received: '0.000',
      },
      // 0.10 at 15 % = 0.015 -> 0.02 (half up, not to even)
      {
        lineNo: 4,
        unit: 'unit',
        quantity: '1.000',
        unitCost: '0.1000',
        taxRate: '15.00',
        subtotal: '0.10',
        tax: '0.02',
        total: '0.12',
        received: '0.000',
      },
    ]);
    expect(order.lines[0]?.productName).toBe(a.name);
    expect((await call('GET', `/purchase-orders/${order.id}`, undefined, admin.token)).json()).toEqual(order);

    // A draft is replaced whole: lines numbered again, totals again, the number kept.
    const edited = await call('PUT', `/purchase-orders/${order.id}`, {
      vendorId: v.id,
      lines: [{ productId: d.id, quantity: '12', unitCost: '0.9999' }],
    });
    expect(edited.statusCode, edited.body).toBe(200);
    expect(edited.json()).toMatchObject({ number: order.number, subtotal: '12.00', taxTotal: '1.80', total: '13.80' });
    expect(edited.json().lines).toHaveLength(1);
    expect(edited.json().expectedOn).toBeUndefined();

    const empty = await draft(v.id, []);
    expect(empty).toMatchObject({ lines: [], subtotal: '0.00', taxTotal: '0.00', total: '0.00' });

    // Refused bodies write nothing: no order, no number used.
    const inactive = await product();
    await call('PUT', `/products/${inactive.id}`, {
      kind: 'medicine',
      name: 'Retirado',
      salePrice: '1.00',
      active: false,
    });
    const old = await vendor();
    await call('PUT', `/vendors/${old.id}`, { name: old.name, email: old.email, active: false });
    const before = await countRows(t, 'purchase_orders');
    for (const [body, paths] of [
      [{ vendorId: v.id, lines: [{ productId: b.id, quantity: '1' }] }, ['body.lines.0.unitCost']],
      [{ vendorId: v.id, lines: [{ productId: inactive.id, quantity: '1' }] }, ['body.lines.0.productId']],
      [
        { vendorId: randomUUID(), lines: [{ productId: randomUUID(), quantity: '1' }] },
        ['body.vendorId', 'body.lines.0.productId'],
      ],
      [{ vendorId: old.id, lines: [] }, ['body.vendorId']],
      [{ vendorId: v.id, lines: [{ productId: a.id, quantity: '0' }] }, ['body.lines.0.quantity']],
      [{ vendorId: v.id, lines: [{ productId: a.id, quantity: 3 }] }, ['body.lines.0.quantity']],
      [{ vendorId: v.id, lines: [{ productId: a.id, quantity: '1', unitCost: '1.23456' }] }, ['body.lines.0.unitCost']],
      [
        { vendorId: v.id, lines: [{ productId: a.id, quantity: '999999999', unitCost: '99999999' }] },
        ['body.lines.0.quantity'],
      ],
      [{ vendorId: v.id, lines: [], expectedOn: '2030-02-30' }, ['body.expectedOn']],
    ] as const) {
      const res = await call('POST', '/purchase-orders', body);
      expect(res.statusCode, JSON.stringify(body)).toBe(400);
      expect(
        res
          .json()
          .errors.map((e: { path: string }) => e.path)
          .sort(),
        res.body,
      ).toEqual([...paths].sort());
    }
    expect(await countRows(t, 'purchase_orders')).toBe(before);

    const listed = await call('GET', `/purchase-orders?status=draft&vendorId=${v.id}`, undefined, admin.token);
    expect(listed.json().items.map((o: Order) => o.id)).toEqual([empty.id, order.id]);
    const firstPage = (await call('GET', `/purchase-orders?vendorId=${v.id}&limit=1`)).json();
    expect(firstPage.items.map((o: Order) => o.id)).toEqual([empty.id]);
    const secondPage = (
      await call('GET', `/purchase-orders?vendorId=${v.id}&limit=1&cursor=${firstPage.nextCursor}`)
    ).json();
    expect(secondPage).toMatchObject({ items: [{ id: order.id }], nextCursor: null });
  });

  it('numbers orders P00001, P00002, ... without gaps, also when created concurrently', async () => {
    const v = await vendor();
    const p = await product();
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        // Every third one is refused (an unknown product): it must not use up a number.
        call('POST', '/purchase-orders', {
          vendorId: v.id,
          lines: [{ productId: i % 3 === 2 ? randomUUID() : p.id, quantity: '1' }],
        }),
      ),
    );
    expect(results.map((r) => r.statusCode).sort()).toEqual([...Array(8).fill(201), ...Array(4).fill(400)]);
    // A creation that fails after taking its number gives it back.
    await expect(
      t.database.db.transaction(async (tx) => {
        await nextOrderNumber(tx);
        throw new Error('the order could not be written');
      }),
    ).rejects.toThrow('the order could not be written');
    expect((await draft(v.id, [])).number).toBe(`P${String(await countRows(t, 'purchase_orders')).padStart(5, '0')}`);
    const { rows } = await t.database.db.query<{ number: string }>(
      'select number from purchase_orders order by number',
    );
    expect(rows.map((r) => r.number)).toEqual(rows.map((_, i) => `P${String(i + 1).padStart(5, '0')}`));
  });

  it('confirms a draft and e-mails the order to the vendor, once, in its language; refused transitions answer 409', async () => {
    const v = await vendor({ name: 'Farmacéutica Ñandú', language: 'en' });
    const p = await product({ name: 'Ibuprofeno 600 mg', unit: 'box', cost: '2.3350', taxRate: '15.00' });
    const empty = await draft(v.id, []);
    const noLines = await call('POST', `/purchase-orders/${empty.id}/confirm`);
    expect(noLines.statusCode).toBe(409);
    expect(noLines.json().code).toBe('no_lines');

    const order = await draft(v.id, [{ productId: p.id, quantity: '3' }], { expectedOn: '2030-03-02' });
    const res = await call('POST', `/purchase-orders/${order.id}/confirm`);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ status: 'confirmed', confirmedAt: expect.any(String) });
    expect(await events(order.id)).toEqual([
      { type: 'purchase_order.confirmed', payload: { purchaseOrderId: order.id, vendorId: v.id } },
    ]);

    for (const [method, url, body] of [
      ['POST', `/purchase-orders/${order.id}/confirm`, undefined],
      ['PUT', `/purchase-orders/${order.id}`, { vendorId: v.id, lines: [] }],
    ] as const) {
      const again = await call(method, url, body);
      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({ code: 'invalid_status', currentStatus: 'confirmed' });
      expect(again.json().detail).toContain(`${order.number} is confirmed`);
    }

    const mail = await eventually(() => smtp.received.find((m) => m.to === v.email), `the order e-mail to ${v.email}`);
    expect(mail.subject).toBe(`Purchase order ${order.number} · ${t.config.CLINIC_NAME}`);
    expect(mail.language).toBe('en');
    expect(mail.text).toContain('Hello Farmacéutica Ñandú,');
    expect(mail.text).toContain('Expected delivery: 2 March 2030');
    expect(mail.text).toContain('1. Ibuprofeno 600 mg: 3 box × 2.3350 + tax 15.00 % = 8.06');
    expect(mail.text).toContain('Subtotal: 7.01\nTax: 1.05\nTotal: 8.06');
    expect(mail.html).toContain('Ibuprofeno 600 mg');

    // Delivered again (a broker redelivery, a crash before the consumer's record): no second e-mail.
    const row = await eventually(
      async () =>
        (
          await t.database.db.query<{ event_id: string; status: string }>(
            `select event_id, status from mail_deliveries where template = 'purchase-order-confirmed' and recipient = $1`,
            [v.email],
          )
        ).rows.find((r) => r.status === 'sent'),
      'the delivery row',
    );
    await eventually(
      async () => (await countRows(t, `processed_events where event_id = '${row.event_id}'`)) === 1,
      'the event recorded as handled',
    );
    const envelope = await findEvent(t.database.db, row.event_id);
    const mailer = t.app.clinica.consumers.handlers.find((h) => h.name === 'mailer');
    if (!envelope || !mailer) throw new Error('no event or no mailer');
    await t.database.db.query('delete from processed_events where event_id = $1', [envelope.id]);
    expect(await runHandler(t.database.db, mailer, envelope, { attempt: 2, final: false })).toBe('handled');
    expect(smtp.received.filter((m) => m.to === v.email)).toHaveLength(1);
    expect(await countRows(t, `mail_deliveries where event_id = '${envelope.id}'`)).toBe(1);

    // In Spanish by default; a vendor deactivated after the draft was written cannot be sent one.
    const es = await vendor();
    const spanish = await confirmed(es.id, [{ productId: p.id, quantity: '1.5', unitCost: '10' }]);
    const esMail = await eventually(() => smtp.received.find((m) => m.to === es.email), 'the Spanish e-mail');
    expect(esMail.language).toBe('es');
    expect(esMail.subject).toBe(`Pedido ${spanish.number} · ${t.config.CLINIC_NAME}`);
    expect(esMail.text).toContain('1. Ibuprofeno 600 mg: 1,5 box × 10,0000 + IVA 15,00 % = 17,25');
    expect(esMail.text).toContain('Entrega prevista: Sin fecha acordada');

    const gone = await vendor();
    const stale = await draft(gone.id, [{ productId: p.id, quantity: '1' }]);
    await call('PUT', `/vendors/${gone.id}`, { name: gone.name, email: gone.email, active: false });
    const refused = await call('POST', `/purchase-orders/${stale.id}/confirm`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json().code).toBe('vendor_inactive');
    expect((await call('GET', `/purchase-orders/${stale.id}`)).json().status).toBe('draft');
    expect((await call('POST', `/purchase-orders/${randomUUID()}/confirm`)).statusCode).toBe(404);
  });

  it('receives part, then the rest: lots and receipt moves name the order and line; then the order is received', async () => {
    const v = await vendor();
    const p = await product({ minStock: '8' });
    const q = await product();
    const order = await confirmed(v.id, [
      { productId: p.id, quantity: '10' },
      { productId: q.id, quantity: '2.5' },
    ]);

    const first = await receive(order.id, [receipt(1, '4', 'L-P-1', '2030-01-31')]);
    expect(first.statusCode, first.body).toBe(200);
    expect(first.json()).toMatchObject({ status: 'confirmed', lines: [{ received: '4.000' }, { received: '0.000' }] });
    expect(first.json().receivedAt).toBeUndefined();
    expect(first.json().moves).toEqual([
      expect.objectContaining({
        kind: 'receipt',
        productId: p.id,
        lotNumber: 'L-P-1',
        expiresOn: '2030-01-31',
        quantity: '4.000',
        referenceType: 'purchase_order',
        referenceId: order.id,
        referenceLine: 1,
      }),
    ]);
    expect(await onHand(p.id)).toMatchObject({ onHand: '4.000', lots: [{ lotNumber: 'L-P-1', quantity: '4.000' }] });

    // More than ordered less what came in: refused whole, nothing written.
    const moves = await countRows(t, 'stock_moves');
    const over = await receive(order.id, [receipt(2, '2.5'), receipt(1, '6.001')]);
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ code: 'over_received', remaining: '6.000' });
    expect(over.json().errors).toEqual([
      { path: 'body.lines.1.quantity', message: 'is more than the 6.000 still to receive', code: 'too_big' },
    ]);
    const split = await receive(order.id, [receipt(1, '3'), receipt(1, '3.5')]);
    expect(split.statusCode).toBe(409);
    const unknownLine = await receive(order.id, [receipt(3, '1')]);
    expect(unknownLine.statusCode).toBe(400);
    expect(unknownLine.json().errors[0].path).toBe('body.lines.0.lineNo');
    const mismatch = await receive(order.id, [receipt(1, '1', 'L-P-1', '2031-01-31')]);
    expect(mismatch.statusCode).toBe(409);
    expect(mismatch.json().code).toBe('lot_expiry_mismatch');
    expect(await countRows(t, 'stock_moves')).toBe(moves);

    const rest = await receive(order.id, [receipt(1, '6', 'L-P-1', '2030-01-31'), receipt(2, '2.5', 'L-Q-1')]);
    expect(rest.statusCode, rest.body).toBe(200);
    expect(rest.json()).toMatchObject({
      status: 'received',
      receivedAt: expect.any(String),
      lines: [{ received: '10.000' }, { received: '2.500' }],
    });
    expect(rest.json().moves.map((m: { referenceLine: number }) => m.referenceLine)).toEqual([1, 2]);
    expect(await onHand(p.id)).toMatchObject({ onHand: '10.000', lots: [{ lotNumber: 'L-P-1', quantity: '10.000' }] });
    expect((await onHand(q.id)).onHand).toBe('2.500');
    expect((await events(order.id)).map((e) => e.payload)).toEqual([
      { purchaseOrderId: order.id, vendorId: v.id },
      { purchaseOrderId: order.id, vendorId: v.id, complete: false },
      { purchaseOrderId: order.id, vendorId: v.id, complete: true },
    ]);
    const { rows: received } = await t.database.db.query<{ n: number }>(
      `select count(*)::int as n from outbox where type = 'stock.received' and payload->>'productId' = any($1)`,
      [[p.id, q.id]],
    );
    expect(received[0]?.n).toBe(3);

    const again = await receive(order.id, [receipt(1, '1')]);
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ code: 'invalid_status', currentStatus: 'received' });

    const notYet = await draft(v.id, [{ productId: p.id, quantity: '1' }]);
    const early = await receive(notYet.id, [receipt(1, '1')]);
    expect(early.statusCode).toBe(409);
    expect(early.json()).toMatchObject({ code: 'invalid_status', currentStatus: 'draft' });
    expect((await receive(randomUUID(), [receipt(1, '1')])).statusCode).toBe(404);
    expect(await stockDiscrepancies(t.database.db)).toEqual([]);
  });

  it('never receives more than ordered, whatever the concurrency', async () => {
    const v = await vendor();
    const p = await product();
    const order = await confirmed(v.id, [{ productId: p.id, quantity: '5' }]);
    const results = await Promise.all(Array.from({ length: 12 }, () => receive(order.id, [receipt(1, '1')])));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(7);
    const final = (await call('GET', `/purchase-orders/${order.id}`)).json();
    expect(final).toMatchObject({ status: 'received', lines: [{ received: '5.000' }] });
    expect((await onHand(p.id)).onHand).toBe('5.000');
    const { rows } = await t.database.db.query<{ n: number; total: string }>(
      `select count(*)::int as n, sum(quantity)::text as total from stock_moves
        where reference_type = 'purchase_order' and reference_id = $1`,
      [order.id],
    );
    expect(rows[0]).toEqual({ n: 5, total: '5.000' });
    expect(await stockDiscrepancies(t.database.db)).toEqual([]);
  });

  it('cancels a draft, or a confirmed order with nothing received, with a reason; nothing else', async () => {
    const v = await vendor();
    const p = await product();
    const d = await draft(v.id, [{ productId: p.id, quantity: '1' }]);
    const noReason = await call('POST', `/purchase-orders/${d.id}/cancel`, {});
    expect(noReason.statusCode).toBe(400);
    const cancelled = await call('POST', `/purchase-orders/${d.id}/cancel`, { reason: 'Pedido duplicado' });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(cancelled.json()).toMatchObject({
      status: 'cancelled',
      cancelReason: 'Pedido duplicado',
      cancelledAt: expect.any(String),
    });
    expect(await events(d.id)).toEqual([
      { type: 'purchase_order.cancelled', payload: { purchaseOrderId: d.id, vendorId: v.id } },
    ]);
    for (const url of [`/purchase-orders/${d.id}/cancel`, `/purchase-orders/${d.id}/confirm`]) {
      const res = await call('POST', url, url.endsWith('cancel') ? { reason: 'Otra vez' } : undefined);
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'invalid_status', currentStatus: 'cancelled' });
    }
    const late = await receive(d.id, [receipt(1, '1')]);
    expect(late.statusCode).toBe(409);
    expect(late.json().currentStatus).toBe('cancelled');

    const c = await confirmed(v.id, [{ productId: p.id, quantity: '2' }]);
    await eventually(() => smtp.received.some((m) => m.to === v.email), 'the confirmation e-mail');
    expect(
      (await call('POST', `/purchase-orders/${c.id}/cancel`, { reason: 'El proveedor no sirve' })).statusCode,
    ).toBe(200);

    const partly = await confirmed(v.id, [{ productId: p.id, quantity: '2' }]);
    expect((await receive(partly.id, [receipt(1, '1')])).statusCode).toBe(200);
    const refused = await call('POST', `/purchase-orders/${partly.id}/cancel`, { reason: 'Tarde' });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'partly_received', currentStatus: 'confirmed' });

    // Only the two confirmations were e-mailed; cancelling sends nothing.
    await eventually(() => smtp.received.filter((m) => m.to === v.email).length === 2, 'the two confirmations');
    await eventually(
      async () => (await countRows(t, `outbox where type = 'purchase_order.cancelled' and published_at is null`)) === 0,
      'the cancellations handled',
    );
    expect(smtp.received.filter((m) => m.to === v.email)).toHaveLength(2);
  });

  it('suggests reorders for active products below their minimum, counting what is on order', async () => {
    const v = await vendor();
    const stockIn = async (productId: string, quantity: string) => {
      const res = await call('POST', '/stock/receipts', {
        lines: [{ productId, lotNumber: `L-${unique()}`, expiresOn: '2030-12-31', quantity }],
      });
      expect(res.statusCode, res.body).toBe(201);
    };
    // 4 on hand, 2 on a draft: short of 10, ordered up to 25.5 -> 19.5, rounded up to 20.
    const s1 = await product({ minStock: '10', maxStock: '25.5' });
    await stockIn(s1.id, '4');
    await draft(v.id, [{ productId: s1.id, quantity: '2', unitCost: '3.25' }]);
    // 3 on hand, 8 confirmed of which 1 came in: 4 + 7 = 11, not below 10.
    const s2 = await product({ minStock: '10' });
    await stockIn(s2.id, '3');
    const o2 = await confirmed(v.id, [{ productId: s2.id, quantity: '8' }]);
    expect((await receive(o2.id, [receipt(1, '1')])).statusCode).toBe(200);
    // Nothing on hand, no order ever, a fractional minimum: up to the minimum, whole units.
    const s3 = await product({ minStock: '2.5' });
    // Only a cancelled order: it counts for nothing and names no vendor.
    const s4 = await product({ minStock: '5', maxStock: '6' });
    const o4 = await draft(v.id, [{ productId: s4.id, quantity: '6' }]);
    await call('POST', `/purchase-orders/${o4.id}/cancel`, { reason: 'Ya no' });
    // Inactive: never suggested.
    const s5 = await product({ minStock: '5' });
    await call('PUT', `/products/${s5.id}`, {
      kind: 'medicine',
      name: 'Retirado',
      salePrice: '1.00',
      minStock: '5',
      active: false,
    });

    const res = await call('GET', '/purchase-orders/suggestions', undefined, admin.token);
    expect(res.statusCode, res.body).toBe(200);
    const items = res.json().items as { productId: string }[];
    const of = (id: string) => items.find((i) => i.productId === id);
    expect(of(s1.id)).toEqual({
      productId: s1.id,
      name: s1.name,
      unit: 'unit',
      onHand: '4.000',
      onOrder: '2.000',
      minStock: '10.000',
      maxStock: '25.500',
      suggested: '20.000',
      unitCost: '3.2500',
      vendorId: v.id,
      vendorName: v.name,
    });
    expect(of(s2.id)).toBeUndefined();
    expect(of(s3.id)).toEqual({
      productId: s3.id,
      name: s3.name,
      unit: 'unit',
      onHand: '0.000',
      onOrder: '0.000',
      minStock: '2.500',
      suggested: '3.000',
    });
    expect(of(s4.id)).toMatchObject({ onOrder: '0.000', suggested: '6.000' });
    expect(of(s4.id)).not.toHaveProperty('vendorId');
    expect(of(s5.id)).toBeUndefined();
  });

  it('takes a receipt move naming an order (with or without its line); refuses a line without its reference', async () => {
    const lot = (
      await t.database.db.query<{ id: string; product_id: string }>('select id, product_id from lots limit 1')
    ).rows[0];
    const move = (referenceType: string | null, referenceLine: number | null) =>
      t.database.db.query(
        `insert into stock_moves (id, kind, product_id, lot_id, quantity, reference_type, reference_id, reference_line, user_id)
         values ($1, 'receipt', $2, $3, 1, $4, $5, $6, $7)`,
        [
          randomUUID(),
          lot?.product_id,
          lot?.id,
          referenceType,
          referenceType ? randomUUID() : null,
          referenceLine,
          pharmacist.userId,
        ],
      );
    await expect(move(null, 1)).rejects.toThrow(/stock_moves_reference_line_check/);
    await expect(move('prescription_line', null)).rejects.toThrow(/stock_moves_reference_line_check/);
    // An order's receipt may name its line, or only the order.
    await expect(move('purchase_order', 2)).resolves.toBeDefined();
    await expect(move('purchase_order', null)).resolves.toBeDefined();
  });

  it('refuses patients, doctors and the signed out; administrators only read', async () => {
    const v = await vendor();
    for (const token of [portal.token, doctor.token]) {
      expect((await call('GET', '/purchase-orders', undefined, token)).statusCode).toBe(403);
      expect((await call('GET', '/vendors', undefined, token)).statusCode).toBe(403);
      expect((await call('GET', '/purchase-orders/suggestions', undefined, token)).statusCode).toBe(403);
      expect((await call('POST', '/purchase-orders', { vendorId: v.id, lines: [] }, token)).statusCode).toBe(403);
    }
    expect((await call('POST', '/vendors', { name: 'A', email: 'a@b.test' }, admin.token)).statusCode).toBe(403);
    expect((await call('POST', '/purchase-orders', { vendorId: v.id, lines: [] }, admin.token)).statusCode).toBe(403);
    expect((await t.call({ method: 'GET', url: '/api/v1/purchase-orders' })).statusCode).toBe(401);
  });
});
