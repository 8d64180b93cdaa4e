import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type SignedIn, type TestApp } from './support/app.js';
import { DATABASES } from './support/databases.js';

interface Dashboard {
  period: { from: string; to: string };
  expiringWithinDays: number;
  lowStock: { productId: string; name: string; unit: string; onHand: string; minStock: string }[];
  expiring: {
    lotId: string;
    productId: string;
    name: string;
    lotNumber: string;
    expiresOn: string;
    expired: boolean;
    quantity: string;
  }[];
  consumption: { date: string; quantity: string }[];
  topProducts: { productId: string; name: string; unit: string; quantity: string }[];
  openPurchaseOrders: {
    id: string;
    number: string;
    status: string;
    vendorName: string;
    total: string;
    expectedOn?: string;
  }[];
  totals: { products: number; stockValue: string };
}

const addDays = (date: string, days: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

/** The dashboard's figures against a catalogue, a ledger and purchase orders built for it. */
describe.each(DATABASES)('pharmacy dashboard on %s', (kind) => {
  let t: TestApp;
  let pharmacist: SignedIn;
  let doctor: SignedIn;
  let admin: SignedIn;
  let patientId: string;
  /** Today in the clinic's time zone, as the server counts days. */
  let today: string;
  const tag = randomUUID().slice(0, 4);
  const ids: Record<string, string> = {};
  const lots: Record<string, string> = {};

  const call = (method: 'GET' | 'POST', url: string, payload?: object, token = pharmacist.token) =>
    t.call({ method, url, token, ...(payload ? { payload } : {}) });
  const ok = async (method: 'GET' | 'POST', url: string, payload?: object) => {
    const res = await call(method, url, payload);
    expect(res.statusCode, `${method} ${url}: ${res.body}`).toBeLessThan(300);
    return res.json();
  };
  const dashboard = async (query = '', token = pharmacist.token) => {
    const res = await call('GET', `/api/v1/pharmacy/dashboard${query}`, undefined, token);
    expect(res.statusCode, res.body).toBe(200);
    return res.json() as Dashboard;
  };
  const product = async (key: string, body: object) => {
    ids[key] = (await ok('POST', '/api/v1/products', { kind: 'medicine', salePrice: '1.00', ...body })).id;
  };
  const receive = async (key: string, productKey: string, quantity: string, expiresOn: string) => {
    const { moves } = await ok('POST', '/api/v1/stock/receipts', {
      lines: [{ productId: ids[productKey], lotNumber: `${key}-${tag}`, expiresOn, quantity }],
    });
    lots[key] = moves[0].lotId;
  };
  const dispense = async (productKey: string, quantity: number) => {
    const created = await call(
      'POST',
      '/api/v1/prescriptions',
      { patientId, lines: [{ medicament: 'X', form: 'tablet', quantity, foodTiming: 'any', morning: true, days: 1 }] },
      doctor.token,
    );
    expect(created.statusCode, created.body).toBe(201);
    const id = created.json().id;
    expect((await call('POST', `/api/v1/prescriptions/${id}/sign`, undefined, doctor.token)).statusCode).toBe(200);
    await ok('POST', `/api/v1/prescriptions/${id}/lines/1/dispense`, {
      productId: ids[productKey],
      quantity: String(quantity),
    });
  };
  /**
   * A dispense recorded on an earlier day, at a local time of the clinic: the service writes
   * moves only now, so the ledger row is written as the service would have written it then.
   */
  const pastDispense = async (lotKey: string, productKey: string, quantity: string, date: string, time: string) => {
    await t.database.db.query(
      `insert into stock_moves (id, kind, product_id, lot_id, quantity, reference_type, reference_id, reference_line,
         user_id, created_at)
       values ($1, 'dispense', $2, $3, -$4::numeric, 'prescription_line', $5, 1, $6,
         ($7::date + $8::time) at time zone $9)`,
      [
        randomUUID(),
        ids[productKey],
        lots[lotKey],
        quantity,
        randomUUID(),
        pharmacist.userId,
        date,
        time,
        t.config.CLINIC_TIMEZONE,
      ],
    );
  };

  beforeAll(async () => {
    t = await createTestApp(kind);
    today = new Intl.DateTimeFormat('en-CA', { timeZone: t.config.CLINIC_TIMEZONE }).format(new Date());
    ({ id: patientId } = await t.createPatient({ firstName: 'Tablero' }));
    [pharmacist, doctor, admin] = await Promise.all([
      t.signIn(['pharmacist']),
      t.signIn(['doctor']),
      t.signIn(['admin']),
    ]);
    // A: falls below its minimum by dispensing. B: much dispensed on earlier days, never low.
    // C: inactive, below its minimum (not on the list). D: dispensed a little, above its minimum.
    // E: dispensed only 40 days ago. F: active, a minimum, no stock at all.
    await product('A', { name: `Amoxicilina ${tag}`, unit: 'capsule', minStock: '10', cost: '1.2500' });
    await product('B', { name: `Betametasona ${tag}`, unit: 'tube', cost: '0.1000' });
    await product('C', { name: `Cetirizina ${tag}`, minStock: '5', active: false });
    await product('D', { name: `Diclofenaco ${tag}`, minStock: '2' });
    await product('E', { name: `Ebastina ${tag}`, cost: '2.0000' });
    await product('F', { name: `Fluconazol ${tag}`, minStock: '5' });
    await receive('A1', 'A', '20', addDays(today, 400));
    await receive('B-soon', 'B', '5', addDays(today, 10));
    await receive('B-later', 'B', '30', addDays(today, 100));
    await receive('B-gone', 'B', '2', addDays(today, 20));
    await receive('B-expired', 'B', '1.5', addDays(today, -3));
    await receive('D1', 'D', '5', addDays(today, 400));
    await receive('E1', 'E', '10', addDays(today, 400));
    await dispense('A', 12);
    await dispense('D', 1);
    await dispense('B', 3);
    // B-gone emptied: no longer expiring stock.
    await ok('POST', '/api/v1/stock/moves', {
      kind: 'adjustment',
      lotId: lots['B-gone'],
      quantity: '-2',
      note: 'Rotura',
    });
    // Either side of local midnight: two different days in the clinic, whatever UTC says.
    await pastDispense('B-later', 'B', '2.5', addDays(today, -2), '23:30');
    await pastDispense('B-later', 'B', '1', addDays(today, -1), '00:30');
    await pastDispense('B-later', 'B', '4', addDays(today, -5), '12:00');
    await pastDispense('E1', 'E', '6', addDays(today, -40), '12:00');
  });
  afterAll(() => t.close());

  it('counts what went out per day in the clinic’s time zone, every day of the period present', async () => {
    const d = await dashboard('?days=7');
    expect(d.period).toEqual({ from: addDays(today, -6), to: today });
    expect(d.consumption).toEqual([
      { date: addDays(today, -6), quantity: '0.000' },
      { date: addDays(today, -5), quantity: '4.000' },
      { date: addDays(today, -4), quantity: '0.000' },
      { date: addDays(today, -3), quantity: '0.000' },
      { date: addDays(today, -2), quantity: '2.500' },
      { date: addDays(today, -1), quantity: '1.000' },
      // A 12, D 1, B 3 today.
      { date: today, quantity: '16.000' },
    ]);
    const month = await dashboard();
    expect(month.consumption).toHaveLength(30);
    expect(month.consumption[0]?.date).toBe(addDays(today, -29));
    expect(month.consumption.filter((c) => c.quantity !== '0.000')).toHaveLength(4);
    // Forty days back, Ebastina's dispense comes into the period.
    const longer = await dashboard('?days=45');
    expect(longer.consumption).toHaveLength(45);
    expect(longer.consumption.find((c) => c.date === addDays(today, -40))?.quantity).toBe('6.000');
  });

  it('ranks the most dispensed products of the period, most first', async () => {
    const d = await dashboard();
    expect(d.topProducts).toEqual([
      { productId: ids.A, name: `Amoxicilina ${tag}`, unit: 'capsule', quantity: '12.000' },
      { productId: ids.B, name: `Betametasona ${tag}`, unit: 'tube', quantity: '10.500' },
      { productId: ids.D, name: `Diclofenaco ${tag}`, unit: 'unit', quantity: '1.000' },
    ]);
    // Only the last two days: B's earlier days drop out and it falls behind A.
    const twoDays = await dashboard('?days=2');
    expect(twoDays.topProducts.map((p) => [p.productId, p.quantity])).toEqual([
      [ids.A, '12.000'],
      [ids.B, '4.000'],
      [ids.D, '1.000'],
    ]);
    const longer = await dashboard('?days=60');
    expect(longer.topProducts.map((p) => p.productId)).toEqual([ids.A, ids.B, ids.E, ids.D]);
  });

  it('lists the active products below their minimum, by name', async () => {
    const d = await dashboard();
    expect(d.lowStock).toEqual([
      { productId: ids.A, name: `Amoxicilina ${tag}`, unit: 'capsule', onHand: '8.000', minStock: '10.000' },
      { productId: ids.F, name: `Fluconazol ${tag}`, unit: 'unit', onHand: '0.000', minStock: '5.000' },
    ]);
  });

  it('lists the lots holding stock that expire within the window, expired ones first', async () => {
    const d = await dashboard();
    expect(d.expiringWithinDays).toBe(t.config.STOCK_EXPIRY_ALERT_DAYS);
    expect(d.expiring).toEqual([
      {
        lotId: lots['B-expired'],
        productId: ids.B,
        name: `Betametasona ${tag}`,
        unit: 'tube',
        lotNumber: `B-expired-${tag}`,
        expiresOn: addDays(today, -3),
        expired: true,
        quantity: '1.500',
      },
      {
        lotId: lots['B-soon'],
        productId: ids.B,
        name: `Betametasona ${tag}`,
        unit: 'tube',
        lotNumber: `B-soon-${tag}`,
        expiresOn: addDays(today, 10),
        expired: false,
        // B's dispense took from the first lot to expire that had not expired.
        quantity: '2.000',
      },
    ]);
    const wider = await dashboard('?expiringWithinDays=120');
    expect(wider.expiringWithinDays).toBe(120);
    expect(wider.expiring.map((l) => l.lotId)).toEqual([lots['B-expired'], lots['B-soon'], lots['B-later']]);
  });

  it('shows the draft and confirmed purchase orders, not the received or cancelled ones', async () => {
    const vendor = await ok('POST', '/api/v1/vendors', {
      name: `Distribuciones ${tag}`,
      email: `pedidos-${tag}@proveedor.test`,
    });
    const order = async (quantity: string, unitCost: string, expectedOn?: string) =>
      ok('POST', '/api/v1/purchase-orders', {
        vendorId: vendor.id,
        ...(expectedOn ? { expectedOn } : {}),
        lines: [{ productId: ids.A, quantity, unitCost }],
      });
    const draft = await order('10', '1.2500');
    const confirmed = await order('4', '2.0000', addDays(today, 7));
    await ok('POST', `/api/v1/purchase-orders/${confirmed.id}/confirm`);
    const cancelled = await order('1', '1.0000');
    await ok('POST', `/api/v1/purchase-orders/${cancelled.id}/cancel`, { reason: 'Duplicado' });
    const d = await dashboard();
    expect(d.openPurchaseOrders).toEqual([
      {
        id: draft.id,
        number: draft.number,
        status: 'draft',
        vendorName: `Distribuciones ${tag}`,
        total: draft.total,
      },
      {
        id: confirmed.id,
        number: confirmed.number,
        status: 'confirmed',
        vendorName: `Distribuciones ${tag}`,
        total: confirmed.total,
        expectedOn: addDays(today, 7),
      },
    ]);
    expect(draft.total).toMatch(/^\d+\.\d{2}$/);
  });

  it('totals the active catalogue and what the stock cost; administrators read it too', async () => {
    const d = await dashboard('', admin.token);
    // Six products, one inactive.
    expect(d.totals.products).toBe(5);
    // A 8 x 1.25 + B (2 + 22.5 + 1.5) x 0.10 + E 4 x 2 (D and F have no cost).
    expect(d.totals.stockValue).toBe('20.60');
  });

  it('refuses a period or window it cannot show, naming the parameter', async () => {
    for (const [query, field] of [
      ['?days=0', 'querystring.days'],
      ['?days=367', 'querystring.days'],
      ['?days=1.5', 'querystring.days'],
      ['?days=abc', 'querystring.days'],
      ['?expiringWithinDays=-1', 'querystring.expiringWithinDays'],
      ['?verbose=1', 'querystring.verbose'],
    ] as const) {
      const res = await call('GET', `/api/v1/pharmacy/dashboard${query}`);
      expect(res.statusCode, query).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(
        res.json().errors.map((e: { path: string }) => e.path),
        query,
      ).toContain(field);
    }
  });
});
