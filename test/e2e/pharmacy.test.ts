/// <reference lib="dom" />
// Functions passed to page.evaluate run in the browser.
import { randomUUID } from 'node:crypto';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { CHROMIUM, screenshot } from './browser.js';
import { useBrowserSession } from './session.js';

/** A date `days` from today, YYYY-MM-DD. */
const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

/**
 * The medication loop in a real Chromium: a doctor prescribes, the pharmacist dispenses until the
 * product falls below its minimum, the dashboard says so, and a purchase order from the reorder
 * suggestion brings the stock back.
 */
describe.skipIf(!CHROMIUM)('pharmacy in Chromium', () => {
  const session = useBrowserSession();
  const { user, signedIn, nav, accessible } = session;

  const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);

  const lowEvents = async (t: TestApp, productId: string) =>
    (
      await t.database.db.query<{ n: number }>(
        `select count(*)::int as n from outbox where type = 'stock.low' and aggregate_id = $1`,
        [productId],
      )
    ).rows[0]?.n;

  /** Picks an option of a searchable select by typing part of it. */
  async function pick(page: Page, scope: ReturnType<Page['locator']>, label: string, search: string, option: RegExp) {
    const box = scope.getByRole('combobox', { name: label });
    await box.click();
    await box.fill(search);
    await page.getByRole('option', { name: option }).click();
  }

  it('prescribe, dispense below the minimum, see it on the dashboard, order from the suggestion, receive it', async () => {
    const { t } = session;
    const tag = randomUUID().slice(0, 4);
    const name = `Amoxicilina E2E ${tag}`;
    const patient = await t.createPatient({ firstName: 'Rosa', lastName: `Dispensación ${tag}` });
    const doctor = await t.signIn(['doctor']);
    const pharmacist = await user(['pharmacist']);
    const { page, errors } = await signedIn(pharmacist.email);

    // The pharmacist's menu: the dashboard, then each desk of the pharmacy.
    const menu = page.getByRole('navigation', { name: 'Navegación principal' });
    for (const item of ['Farmacia', 'Dispensación', 'Existencias', 'Productos', 'Pedidos de compra', 'Proveedores']) {
      await menu.getByRole('link', { name: item, exact: true }).waitFor();
    }

    // A product with a minimum of 10 and a maximum of 40, its prices as exact decimals.
    await nav(page, 'Productos');
    await page.getByRole('heading', { name: 'Productos', level: 2 }).waitFor();
    await page.getByRole('button', { name: 'Nuevo producto' }).click();
    const form = page.getByTestId('product-form');
    await form.getByRole('textbox', { name: 'Nombre' }).fill(name);
    await form.getByRole('textbox', { name: 'Unidad' }).fill('cápsula');
    await form.getByRole('textbox', { name: 'Precio de venta' }).fill('0,35');
    await form.getByRole('textbox', { name: 'Impuesto (%)' }).fill('4');
    await form.getByRole('textbox', { name: 'Coste' }).fill('0.2500');
    await form.getByRole('textbox', { name: 'Mínimo' }).fill('10');
    await form.getByRole('textbox', { name: 'Máximo' }).fill('40');
    await form.getByRole('button', { name: 'Guardar' }).click();
    await form.waitFor({ state: 'hidden' });
    const product = (
      await t.database.db.query<{ id: string; sale_price: string; cost: string }>(
        'select id, sale_price::text, cost::text from products where name = $1',
        [name],
      )
    ).rows[0];
    expect(product).toMatchObject({ sale_price: '0.35', cost: '0.2500' });
    const productId = product?.id ?? '';
    const listed = page.getByTestId('product-list').locator(`tr[data-product="${productId}"]`);
    await listed.getByText('Bajo mínimo').waitFor();
    // Created with a minimum and no stock: low from the start.
    expect(await lowEvents(t, productId)).toBe(1);

    // Twelve capsules come in, into lot L1: no longer low.
    await nav(page, 'Existencias');
    await page.getByRole('button', { name: 'Recibir mercancía' }).click();
    const receipt = page.getByTestId('receive-form');
    await pick(page, receipt, 'Producto', name, new RegExp(`^${name}`));
    await receipt.getByRole('textbox', { name: 'Número de lote' }).fill(`L1-${tag}`);
    await receipt.getByLabel('Caducidad').fill(inDays(365));
    await receipt.getByRole('textbox', { name: 'Cantidad' }).fill('12');
    await receipt.getByRole('button', { name: 'Registrar la entrada' }).click();
    await receipt.waitFor({ state: 'hidden' });
    await page.getByRole('searchbox', { name: 'Buscar' }).fill(name);
    await page.getByRole('button', { name: 'Buscar', exact: true }).click();
    const level = page.getByTestId('stock-list').locator(`tr[data-product="${productId}"]`);
    await level.locator(`[data-lot="L1-${tag}"]`).waitFor();
    expect(await level.getAttribute('data-low')).toBe('false');

    // The doctor prescribes twenty capsules and signs.
    const created = await t.call({
      method: 'POST',
      url: '/api/v1/prescriptions',
      token: doctor.token,
      payload: {
        patientId: patient.id,
        lines: [{ medicament: name, form: 'capsule', quantity: 20, foodTiming: 'after', morning: true, days: 10 }],
      },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { id: prescriptionId, number } = created.json() as { id: string; number: string };
    const signed = await t.call({
      method: 'POST',
      url: `/api/v1/prescriptions/${prescriptionId}/sign`,
      token: doctor.token,
    });
    expect(signed.statusCode, signed.body).toBe(200);

    // The pharmacist finds it by the patient and its number.
    await nav(page, 'Dispensación');
    await page.getByRole('heading', { name: 'Dispensación', level: 2 }).waitFor();
    await pick(page, page.locator('main'), 'Paciente', `Dispensación ${tag}`, new RegExp(patient.patientNumber));
    await page.getByRole('searchbox', { name: 'Número de receta' }).fill(number.toLowerCase());
    const row = page.getByTestId('prescriptions-to-dispense').locator(`tr[data-prescription="${number}"]`);
    await row.waitFor();
    await row.getByRole('button', { name: `Dispensar la receta ${number}` }).click();
    const toDispense = page.getByTestId('prescription-to-dispense');
    await toDispense.getByText(`${patient.patientNumber} · Rosa Dispensación ${tag}`).waitFor();
    const line = toDispense.locator('[data-line="1"]');
    await expect.poll(() => line.getByTestId('line-status').textContent()).toBe('Dispensado 0 de 20');
    await pick(page, line, 'Producto', name, new RegExp(`^${name}`));

    // All twenty: there are only twelve. Sixteen... then five, and what the line allows is said.
    await line.getByRole('textbox', { name: 'Cantidad' }).fill('20');
    await line.getByRole('button', { name: `Dispensar ${name}` }).click();
    const problem = line.getByTestId('dispense-error');
    await expect
      .poll(() => problem.textContent())
      .toBe(
        'No hay existencias suficientes: solo se pueden dispensar 12 de los lotes sin caducar. Reciba mercancía o dispense menos.',
      );
    await line.getByRole('textbox', { name: 'Cantidad' }).fill('5');
    await line.getByRole('button', { name: `Dispensar ${name}` }).click();
    await expect.poll(() => line.getByTestId('line-status').textContent()).toBe('Dispensado 5 de 20');
    await expect.poll(() => line.getByRole('textbox', { name: 'Cantidad' }).inputValue()).toBe('15');
    await line.getByRole('textbox', { name: 'Cantidad' }).fill('16');
    await line.getByRole('button', { name: `Dispensar ${name}` }).click();
    await expect
      .poll(() => problem.textContent())
      .toBe('No se puede dispensar más de lo prescrito: en esta línea quedan 15 por dispensar.');
    await accessible(page, 'dispensing with a refusal');
    await screenshot(page, 'pharmacy-dispense');
    // Seven left, below the minimum of ten: stock.low once more, in the transaction of the dispense.
    expect(await lowEvents(t, productId)).toBe(2);

    // The dashboard: low, dispensed today, the top product; as a chart and as a table.
    await nav(page, 'Farmacia');
    await page.getByRole('heading', { name: 'Farmacia', level: 2 }).waitFor();
    const low = page.getByTestId('low-stock').locator(`tr[data-product="${productId}"]`);
    await low.waitFor();
    expect((await low.textContent())?.replace(/\s+/g, ' ')).toBe(`${name}7 cápsula10`);
    const consumption = page.getByTestId('consumption-chart');
    await consumption.locator('svg[role="img"]').waitFor();
    expect(await consumption.locator('svg title').first().textContent()).toBe('Consumo diario');
    const top = page.getByTestId('top-products-chart');
    await top.getByText('Ver los datos en una tabla').click();
    await top.getByRole('row', { name: new RegExp(`${name}.*5 cápsula`) }).waitFor();
    await accessible(page, 'pharmacy dashboard');
    await screenshot(page, 'pharmacy-dashboard');

    // On a phone: nothing sticks out sideways, and it still passes axe.
    const phone = await signedIn(pharmacist.email, { width: 375, height: 740 });
    await phone.page.getByRole('button', { name: 'Abrir o cerrar el menú' }).click();
    await nav(phone.page, 'Farmacia');
    await phone.page.getByRole('heading', { name: 'Farmacia', level: 2 }).waitFor();
    await phone.page.getByTestId('low-stock').locator(`tr[data-product="${productId}"]`).waitFor();
    await phone.page.getByTestId('consumption-chart').locator('svg[role="img"]').waitFor();
    expect(await overflow(phone.page)).toBeLessThanOrEqual(0);
    await accessible(phone.page, 'pharmacy dashboard on a phone');
    await screenshot(phone.page, 'pharmacy-dashboard-phone');
    expect(phone.errors).toEqual([]);

    // A vendor to order from.
    await nav(page, 'Proveedores');
    await page.getByRole('button', { name: 'Nuevo proveedor' }).click();
    const vendorForm = page.getByTestId('vendor-form');
    await vendorForm.getByRole('textbox', { name: 'Nombre' }).fill(`Distribuciones ${tag}`);
    await vendorForm.getByRole('textbox', { name: 'Correo electrónico' }).fill(`pedidos-${tag}@proveedor.test`);
    await vendorForm.getByRole('button', { name: 'Guardar' }).click();
    await vendorForm.waitFor({ state: 'hidden' });
    await page.getByTestId('vendor-list').getByText(`Distribuciones ${tag}`).waitFor();

    // The order, from the reorder suggestion: up to the maximum, 40 - 7 = 33 capsules.
    await nav(page, 'Pedidos de compra');
    await page.getByRole('link', { name: 'Nuevo pedido' }).click();
    const suggestion = page.getByTestId('suggestions').locator(`tr[data-product="${productId}"]`);
    await suggestion.waitFor();
    expect((await suggestion.textContent())?.replace(/\s+/g, ' ')).toContain('33 cápsula');
    await suggestion.getByRole('checkbox', { name: `Pedir ${name}` }).check();
    await page.getByRole('button', { name: 'Añadir las elegidas al pedido' }).click();
    const orderForm = page.getByTestId('purchase-order-form');
    const orderLine = orderForm.getByTestId('order-line');
    await expect.poll(() => orderLine.getByRole('textbox', { name: 'Cantidad' }).inputValue()).toBe('33');
    expect(await orderLine.getByRole('combobox', { name: 'Producto' }).inputValue()).toBe(name);
    await pick(page, orderForm, 'Proveedor', `Distribuciones ${tag}`, new RegExp(`Distribuciones ${tag}`));
    await orderForm.getByLabel('Entrega prevista').fill(inDays(7));
    await orderForm.getByRole('button', { name: 'Guardar borrador' }).click();

    // A draft: 33 x 0.25 = 8.25, 4 % tax 0.33, total 8.58.
    const title = page.getByRole('heading', { level: 2, name: /^Pedido P\d{5}$/ });
    await title.waitFor();
    const orderNumber = ((await title.textContent()) ?? '').replace('Pedido ', '');
    await expect.poll(() => page.getByTestId('order-status').textContent()).toBe('Borrador');
    await expect.poll(() => page.getByTestId('order-total').textContent()).toBe('8,58');
    await page.getByRole('button', { name: 'Confirmar y enviar' }).click();
    const confirm = page.getByRole('dialog', { name: `¿Confirmar el pedido ${orderNumber}?` });
    await confirm.getByText(`Se enviará por correo a Distribuciones ${tag}`).waitFor();
    await confirm.getByRole('button', { name: 'Confirmar y enviar' }).click();
    await expect.poll(() => page.getByTestId('order-status').textContent()).toBe('Confirmado');
    await accessible(page, 'confirmed purchase order');
    await screenshot(page, 'pharmacy-purchase-order');

    // The goods arrive in lot L2: the order is received.
    const receive = page.getByTestId('receive-order-form');
    await expect.poll(() => receive.getByRole('textbox', { name: 'Cantidad' }).inputValue()).toBe('33');
    await receive.getByRole('textbox', { name: 'Número de lote' }).fill(`L2-${tag}`);
    await receive.getByLabel('Caducidad').fill(inDays(500));
    await receive.getByRole('button', { name: 'Registrar la recepción' }).click();
    await expect.poll(() => page.getByTestId('order-status').textContent()).toBe('Recibido');
    await expect.poll(() => receive.count()).toBe(0);

    // The list of orders: received now.
    await nav(page, 'Pedidos de compra');
    const listedOrder = page.getByTestId('purchase-order-list').locator(`tr[data-order="${orderNumber}"]`);
    await listedOrder.getByText('Recibido').waitFor();
    await accessible(page, 'purchase orders');

    // The stock: both lots, first to expire first, 40 in all, not low any more.
    await nav(page, 'Existencias');
    await page.getByRole('searchbox', { name: 'Buscar' }).fill(name);
    await page.getByRole('button', { name: 'Buscar', exact: true }).click();
    await level.locator(`[data-lot="L2-${tag}"]`).waitFor();
    expect(await level.locator('[data-lot]').evaluateAll((els) => els.map((e) => e.getAttribute('data-lot')))).toEqual([
      `L1-${tag}`,
      `L2-${tag}`,
    ]);
    expect((await level.textContent())?.replace(/\s+/g, ' ')).toContain('40 cápsula');
    expect(await level.getAttribute('data-low')).toBe('false');

    // A capsule of the new lot is found broken: an adjustment, which must say why.
    await level.getByRole('button', { name: `Ajustar el lote L2-${tag}` }).click();
    const adjustment = page.getByTestId('move-form');
    await adjustment.getByRole('textbox', { name: 'Cantidad' }).fill('-1');
    await adjustment.getByRole('button', { name: 'Registrar' }).click();
    await adjustment.getByText('Es obligatorio.').waitFor();
    await adjustment.getByRole('textbox', { name: 'Nota' }).fill('Cápsula rota');
    await adjustment.getByRole('button', { name: 'Registrar' }).click();
    await adjustment.waitFor({ state: 'hidden' });
    await expect
      .poll(async () => (await level.locator(`[data-lot="L2-${tag}"]`).textContent())?.replace(/\s+/g, ' '))
      .toContain('· 32');
    expect((await level.textContent())?.replace(/\s+/g, ' ')).toContain('39 cápsula');
    const adjusted = await t.database.db.query<{ quantity: string; note: string }>(
      `select quantity::text, note from stock_moves where product_id = $1 and kind = 'adjustment'`,
      [productId],
    );
    expect(adjusted.rows).toEqual([{ quantity: '-1.000', note: 'Cápsula rota' }]);

    // And the dashboard no longer lists it as low.
    await nav(page, 'Farmacia');
    await page.getByTestId('consumption-chart').waitFor();
    await expect.poll(() => page.getByTestId('low-stock').locator(`tr[data-product="${productId}"]`).count()).toBe(0);
    // The refused dispenses (409) are the expected failed requests.
    expect(errors.filter((e) => !/status of 409/.test(e))).toEqual([]);
  }, 120_000);
});
