import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stockDiscrepancies } from '../src/modules/pharmacy/pharmacy.repository.js';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';

const line = (quantity: number) => ({
  medicament: 'Amoxicilina',
  form: 'capsule',
  quantity,
  foodTiming: 'any',
  morning: true,
  days: 7,
});

/** A date `days` from today, YYYY-MM-DD (UTC; tests keep a margin of days around the clinic's today). */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

describe.each(DATABASES)('pharmacy on %s', (kind) => {
  let t: TestApp;
  let pharmacist: SignedIn;
  let doctor: SignedIn;
  let admin: SignedIn;
  let portal: SignedIn;
  let patientId: string;

  beforeAll(async () => {
    t = await createTestApp(kind);
    ({ id: patientId } = await t.createPatient({ firstName: 'Farmacia' }));
    [pharmacist, doctor, admin, portal] = await Promise.all([
      t.signIn(['pharmacist']),
      t.signIn(['doctor']),
      t.signIn(['admin']),
      t.signIn(['patient'], { patientId }),
    ]);
  });
  afterAll(() => t.close());

  const product = async (overrides: object = {}) => {
    const res = await t.call({
      method: 'POST',
      url: '/api/v1/products',
      token: pharmacist.token,
      payload: { kind: 'medicine', name: `Amoxicilina ${randomUUID().slice(0, 6)}`, salePrice: '0.35', ...overrides },
    });
    expect(res.statusCode, res.body).toBe(201);
    return res.json() as { id: string; onHand: string; low: boolean };
  };
  const receive = (lines: object[]) =>
    t.call({ method: 'POST', url: '/api/v1/stock/receipts', token: pharmacist.token, payload: { lines } });
  const received = async (productId: string, quantity: string, expiresOn = inDays(365), lotNumber?: string) => {
    const res = await receive([
      { productId, lotNumber: lotNumber ?? `L-${randomUUID().slice(0, 8)}`, expiresOn, quantity },
    ]);
    expect(res.statusCode, res.body).toBe(201);
    return res.json().moves[0] as { lotId: string };
  };
  const signedPrescription = async (...quantities: number[]) => {
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/prescriptions',
      token: doctor.token,
      payload: { patientId, lines: quantities.map(line) },
    });
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id as string;
    const signed = await t.call({ method: 'POST', url: `/api/v1/prescriptions/${id}/sign`, token: doctor.token });
    expect(signed.statusCode, signed.body).toBe(200);
    return id;
  };
  const dispense = (
    prescriptionId: string,
    lineNo: number,
    productId: string,
    quantity: string,
    token = pharmacist.token,
  ) =>
    t.call({
      method: 'POST',
      url: `/api/v1/prescriptions/${prescriptionId}/lines/${lineNo}/dispense`,
      token,
      payload: { productId, quantity },
    });
  const move = (payload: object) =>
    t.call({ method: 'POST', url: '/api/v1/stock/moves', token: pharmacist.token, payload });
  const level = async (productId: string) => {
    const res = await t.call({ method: 'GET', url: `/api/v1/stock?productId=${productId}`, token: pharmacist.token });
    expect(res.statusCode, res.body).toBe(200);
    return res.json().items[0];
  };
  const events = async (type: string, aggregateId: string) =>
    (
      await t.database.db.query<{ payload: Record<string, unknown> }>(
        'select payload from outbox where type = $1 and aggregate_id = $2 order by occurred_at, id',
        [type, aggregateId],
      )
    ).rows.map((r) => r.payload);

  it('keeps prices, tax, cost and stock levels as exact decimals', async () => {
    const p = await product({
      salePrice: '12.30',
      taxRate: '15',
      cost: '7.1234',
      minStock: '2.5',
      maxStock: '100',
      barcode: `84${Date.now()}`,
    });
    const read = await t.call({ method: 'GET', url: `/api/v1/products/${p.id}`, token: doctor.token });
    expect(read.statusCode, read.body).toBe(200);
    expect(read.json()).toMatchObject({
      salePrice: '12.30',
      taxRate: '15.00',
      cost: '7.1234',
      minStock: '2.500',
      maxStock: '100.000',
      onHand: '0.000',
      low: true,
    });
    const lot = await received(p.id, '0.1');
    await received(p.id, '0.2');
    expect(await level(p.id)).toMatchObject({ onHand: '0.300' });
    const out = await move({ kind: 'adjustment', lotId: lot.lotId, quantity: '-0.1', note: 'Recuento' });
    expect(out.statusCode, out.body).toBe(201);
    expect(out.json()).toMatchObject({ kind: 'adjustment', quantity: '-0.100' });
    expect((await level(p.id)).onHand).toBe('0.200');

    const floats = await t.call({
      method: 'POST',
      url: '/api/v1/products',
      token: pharmacist.token,
      payload: { kind: 'supply', name: 'Gasas', salePrice: 1.5 },
    });
    expect(floats.statusCode).toBe(400);
    expect(floats.json().errors[0].path).toBe('body.salePrice');
  });

  it('refuses a barcode another product has, and finds products by name, generic name or barcode', async () => {
    const barcode = `77${Date.now()}`;
    const first = await product({ name: 'Paracetamol Kern 1 g', genericName: 'Paracetamol', barcode });
    const again = await t.call({
      method: 'POST',
      url: '/api/v1/products',
      token: pharmacist.token,
      payload: { kind: 'medicine', name: 'Otro', salePrice: '1.00', barcode },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json().code).toBe('barcode_in_use');
    await product({ name: 'Paracetamol Cinfa 650 mg', genericName: 'Paracetamol' });

    const byBarcode = await t.call({ method: 'GET', url: `/api/v1/products?q=${barcode}`, token: doctor.token });
    expect(byBarcode.json().items.map((p: { id: string }) => p.id)).toEqual([first.id]);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await t.call({
        method: 'GET',
        url: `/api/v1/products?q=paracetamol&limit=1${cursor ? `&cursor=${cursor}` : ''}`,
        token: admin.token,
      });
      expect(res.statusCode, res.body).toBe(200);
      seen.push(...res.json().items.map((p: { name: string }) => p.name));
      cursor = res.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(['Paracetamol Cinfa 650 mg', 'Paracetamol Kern 1 g']);
  });

  it('dispenses first expiry first out, skipping expired lots, and links the moves to the prescription line', async () => {
    const p = await product();
    await received(p.id, '10', inDays(-3), 'EXPIRED');
    await received(p.id, '10', inDays(400), 'LATER');
    await received(p.id, '10', inDays(100), 'SOONER');
    const rx = await signedPrescription(20);
    const res = await dispense(rx, 1, p.id, '15');
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ quantity: '15.000', prescribed: '20.000', dispensed: '15.000', remaining: '5.000' });
    expect(body.moves.map((m: { lotNumber: string; quantity: string }) => [m.lotNumber, m.quantity])).toEqual([
      ['SOONER', '-10.000'],
      ['LATER', '-5.000'],
    ]);
    for (const m of body.moves) {
      expect(m).toMatchObject({
        kind: 'dispense',
        referenceType: 'prescription_line',
        referenceId: rx,
        referenceLine: 1,
      });
    }
    const stock = await level(p.id);
    expect(stock.onHand).toBe('15.000');
    expect(
      stock.lots.map((l: { lotNumber: string; quantity: string; expired: boolean }) => [
        l.lotNumber,
        l.quantity,
        l.expired,
      ]),
    ).toEqual([
      ['EXPIRED', '10.000', true],
      ['LATER', '5.000', false],
    ]);
    // Only expired stock is left for the rest: it is not dispensed.
    const more = await dispense(rx, 1, p.id, '5.5');
    expect(more.statusCode).toBe(409);
    expect(more.json().code).toBe('over_prescribed');
    const rx2 = await signedPrescription(10);
    const short = await dispense(rx2, 1, p.id, '6');
    expect(short.statusCode).toBe(409);
    expect(short.json()).toMatchObject({ code: 'insufficient_stock', available: '5.000' });
    expect(await events('stock.dispensed', rx)).toEqual([
      { prescriptionId: rx, patientId, lineNo: 1, productId: p.id },
    ]);
  });

  it('dispenses a line in parts, never more than prescribed less what went out, and takes returns back', async () => {
    const p = await product();
    const lot = await received(p.id, '100');
    const rx = await signedPrescription(20, 5);
    expect((await dispense(rx, 1, p.id, '8')).json()).toMatchObject({ dispensed: '8.000', remaining: '12.000' });
    const over = await dispense(rx, 1, p.id, '12.001');
    expect(over.statusCode).toBe(409);
    expect(over.json()).toMatchObject({ code: 'over_prescribed', remaining: '12.000' });
    expect((await dispense(rx, 1, p.id, '12')).json()).toMatchObject({ dispensed: '20.000', remaining: '0.000' });
    expect((await dispense(rx, 1, p.id, '1')).statusCode).toBe(409);
    // The second line is its own.
    expect((await dispense(rx, 2, p.id, '5')).statusCode).toBe(201);
    expect((await dispense(rx, 3, p.id, '1')).statusCode).toBe(404);
    expect((await dispense(randomUUID(), 1, p.id, '1')).statusCode).toBe(404);

    const tooMuchBack = await move({ kind: 'return', lotId: lot.lotId, quantity: '21', prescriptionId: rx, lineNo: 1 });
    expect(tooMuchBack.statusCode).toBe(409);
    const back = await move({ kind: 'return', lotId: lot.lotId, quantity: '2', prescriptionId: rx, lineNo: 1 });
    expect(back.statusCode, back.body).toBe(201);
    expect((await dispense(rx, 1, p.id, '2')).json()).toMatchObject({ dispensed: '20.000', remaining: '0.000' });
    expect((await level(p.id)).onHand).toBe('75.000');
  });

  it('dispenses only signed prescriptions, and only to pharmacists', async () => {
    const p = await product();
    await received(p.id, '10');
    const draft = await t.call({
      method: 'POST',
      url: '/api/v1/prescriptions',
      token: doctor.token,
      payload: { patientId, lines: [line(2)] },
    });
    const res = await dispense(draft.json().id, 1, p.id, '1');
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('prescription_not_signed');
    const rx = await signedPrescription(2);
    for (const who of [doctor, admin, portal])
      expect((await dispense(rx, 1, p.id, '1', who.token)).statusCode).toBe(403);
    for (const who of [doctor, portal]) {
      const stock = await t.call({ method: 'GET', url: '/api/v1/stock', token: who.token });
      expect(stock.statusCode).toBe(403);
    }
    expect((await t.call({ method: 'GET', url: '/api/v1/products', token: portal.token })).statusCode).toBe(403);
    const write = await t.call({
      method: 'POST',
      url: '/api/v1/products',
      token: doctor.token,
      payload: { kind: 'medicine', name: 'X', salePrice: '1.00' },
    });
    expect(write.statusCode).toBe(403);
    expect((await level(p.id)).onHand).toBe('10.000');
  });

  it('never lets a lot go negative, whatever writes to the database', async () => {
    const p = await product();
    const lot = await received(p.id, '3');
    const res = await move({ kind: 'expiry_write_off', lotId: lot.lotId, quantity: '3.001' });
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('insufficient_stock');
    expect((await move({ kind: 'adjustment', lotId: lot.lotId, quantity: '-4', note: 'Rotura' })).statusCode).toBe(409);
    expect((await move({ kind: 'expiry_write_off', lotId: lot.lotId, quantity: '3' })).statusCode).toBe(201);

    const db = t.database.db;
    await expect(
      db.query(
        `insert into stock_moves (id, kind, product_id, lot_id, quantity, user_id)
         values ($1, 'adjustment', $2, $3, -1, $4)`,
        [randomUUID(), p.id, lot.lotId, pharmacist.userId],
      ),
    ).rejects.toThrow(/lot_stock_quantity_check|check constraint/);
    await expect(db.query('update lot_stock set quantity = 50 where lot_id = $1', [lot.lotId])).rejects.toThrow(
      /record a move/,
    );
    await expect(db.query('update stock_moves set quantity = 50 where lot_id = $1', [lot.lotId])).rejects.toThrow(
      /never changed/,
    );
    await expect(db.query('delete from stock_moves where lot_id = $1', [lot.lotId])).rejects.toThrow(/never changed/);
    expect((await level(p.id)).onHand).toBe('0.000');
  });

  it('dispenses exactly the last 5 units among 20 concurrent dispenses: the rest get 409', async () => {
    const p = await product();
    await received(p.id, '2', inDays(50));
    await received(p.id, '3', inDays(60));
    const rx = await signedPrescription(20);
    const results = await Promise.all(Array.from({ length: 20 }, () => dispense(rx, 1, p.id, '1')));
    const statuses = results.map((r) => r.statusCode).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 409)).toHaveLength(15);
    for (const r of results.filter((r) => r.statusCode === 409)) expect(r.json().code).toBe('insufficient_stock');
    expect((await level(p.id)).onHand).toBe('0.000');
    const { rows } = await t.database.db.query<{ out: string }>(
      `select (-sum(quantity))::text as out from stock_moves where product_id = $1 and kind = 'dispense'`,
      [p.id],
    );
    expect(rows[0]?.out).toBe('5.000');
  });

  it('emits stock.low once per crossing below the minimum, not on every move', async () => {
    const p = await product({ minStock: '10' });
    // Created empty with a minimum: low from the start.
    expect(await events('stock.low', p.id)).toHaveLength(1);
    const lot = await received(p.id, '15');
    const rx = await signedPrescription(30);
    await dispense(rx, 1, p.id, '3'); // 12: still above
    expect(await events('stock.low', p.id)).toHaveLength(1);
    await dispense(rx, 1, p.id, '3'); // 9: crossed below
    await dispense(rx, 1, p.id, '1'); // 8: still below
    await move({ kind: 'adjustment', lotId: lot.lotId, quantity: '-1', note: 'Rotura' }); // 7
    expect(await events('stock.low', p.id)).toHaveLength(2);
    await received(p.id, '3'); // 10: at the minimum, no longer low
    expect((await level(p.id)).low).toBe(false);
    await dispense(rx, 1, p.id, '0.5'); // 9.5: crossed below again
    expect(await events('stock.low', p.id)).toEqual([{ productId: p.id }, { productId: p.id }, { productId: p.id }]);
    const lowOnly = await t.call({ method: 'GET', url: '/api/v1/stock?low=true&limit=100', token: pharmacist.token });
    expect(lowOnly.json().items.map((i: { productId: string }) => i.productId)).toContain(p.id);
    expect(await events('stock.received', p.id)).toHaveLength(2);
    expect(await events('stock.adjusted', p.id)).toEqual([
      { productId: p.id, lotId: lot.lotId, moveId: expect.any(String), kind: 'adjustment' },
    ]);
  });

  it('refuses a lot number received again with another expiry date', async () => {
    const p = await product();
    await received(p.id, '1', inDays(200), 'DUP-1');
    const res = await receive([{ productId: p.id, lotNumber: 'DUP-1', expiresOn: inDays(201), quantity: '1' }]);
    expect(res.statusCode).toBe(409);
    expect(res.json().code).toBe('lot_expiry_mismatch');
    const unknown = await receive([
      { productId: randomUUID(), lotNumber: 'X-1', expiresOn: inDays(10), quantity: '1' },
    ]);
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors[0].path).toBe('body.lines.0.productId');
    expect((await level(p.id)).onHand).toBe('1.000');
  });

  it('keeps every lot balance equal to the sum of its moves', async () => {
    expect(await stockDiscrepancies(t.database.db)).toEqual([]);
    const { rows } = await t.database.db.query<{ lots: number }>('select count(*)::int as lots from lot_stock');
    expect(rows[0]?.lots).toBeGreaterThan(10);
  });
});
