import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { fromCents, fromMilli, type LineAmounts, lineAmounts, MAX_CENTS, toMilli } from '../../platform/decimal.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, type FieldError, notFound, unauthorized } from '../../platform/http/errors.js';
import { findMoves } from './pharmacy.repository.js';
import type { PharmacyService } from './pharmacy.service.js';
import * as repo from './purchasing.repository.js';
import type {
  CancelInput,
  PurchaseOrder,
  PurchaseOrderInput,
  PurchaseOrderQuery,
  Receipt,
  ReceiveInput,
  Suggestion,
  Vendor,
  VendorInput,
  VendorQuery,
} from './purchasing.schemas.js';

const cursorProblem = () =>
  badRequest('The cursor is not valid; start again without it.', [
    { path: 'querystring.cursor', message: 'is not a cursor returned by this list', code: 'invalid_value' },
  ]);

/** A transition the order's status does not allow: 409, naming the status it is in. */
const refused = (order: repo.LockedOrder, allowed: string) =>
  conflict(`${order.number} is ${order.status}; ${allowed}.`, { code: 'invalid_status', currentStatus: order.status });

/**
 * Purchasing: vendors and purchase orders (P00001), from draft to confirmed (e-mailed to the
 * vendor through the outbox) to received (the goods go into stock through the pharmacy's
 * receipt, as moves naming the order and line), or cancelled. Every change of an order locks
 * its row first; amounts are exact (cents as bigint).
 */
export class PurchasingService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly pharmacy: PharmacyService,
  ) {}

  // Vendors ----------------------------------------------------------------------------------

  async createVendor(input: VendorInput, ctx: RequestContext): Promise<Vendor> {
    const id = randomUUID();
    await this.db.transaction(async (tx) => {
      await repo.insertVendor(tx, id, input);
      await this.audit.write(tx, ctx, { action: 'vendor.create', resourceType: 'Vendor', resourceId: id });
    });
    return this.getVendor(id);
  }

  async updateVendor(id: string, input: VendorInput, ctx: RequestContext): Promise<Vendor> {
    await this.db.transaction(async (tx) => {
      if (!(await repo.updateVendor(tx, id, input))) throw notFound('The vendor');
      await this.audit.write(tx, ctx, { action: 'vendor.update', resourceType: 'Vendor', resourceId: id });
    });
    return this.getVendor(id);
  }

  async getVendor(id: string): Promise<Vendor> {
    const row = await repo.findVendor(this.db, id);
    if (!row) throw notFound('The vendor');
    return repo.toVendor(row);
  }

  async listVendors(query: VendorQuery) {
    const result = await repo.searchVendors(this.db, query);
    if (!result) throw cursorProblem();
    return { items: result.rows.map(repo.toVendor), nextCursor: result.nextCursor };
  }

  // Orders -----------------------------------------------------------------------------------

  async createOrder(input: PurchaseOrderInput, ctx: RequestContext): Promise<PurchaseOrder> {
    const userId = this.userOf(ctx);
    const id = randomUUID();
    await this.db.transaction(async (tx) => {
      const priced = await this.price(tx, input);
      // Last: the number's lock is held to the end of the transaction.
      const number = await repo.nextOrderNumber(tx);
      await repo.insertOrder(tx, { id, number, createdBy: userId, ...orderValues(input) });
      await repo.replaceLines(tx, id, priced.lines, priced.totals);
      await this.audit.write(tx, ctx, {
        action: 'purchase_order.create',
        resourceType: 'PurchaseOrder',
        resourceId: id,
        details: { number },
      });
    });
    return this.getOrder(id);
  }

  /** Replaces a draft: its vendor, dates, notes and lines. */
  async updateOrder(id: string, input: PurchaseOrderInput, ctx: RequestContext): Promise<PurchaseOrder> {
    await this.db.transaction(async (tx) => {
      const order = await this.lockOrder(tx, id);
      if (order.status !== 'draft') throw refused(order, 'only a draft can be changed');
      const priced = await this.price(tx, input);
      await repo.updateOrder(tx, id, orderValues(input));
      await repo.replaceLines(tx, id, priced.lines, priced.totals);
      await this.audit.write(tx, ctx, {
        action: 'purchase_order.update',
        resourceType: 'PurchaseOrder',
        resourceId: id,
      });
    });
    return this.getOrder(id);
  }

  async getOrder(id: string): Promise<PurchaseOrder> {
    const order = await repo.findOrder(this.db, id);
    if (!order) throw notFound('The purchase order');
    return order;
  }

  async listOrders(query: PurchaseOrderQuery) {
    const result = await repo.searchOrders(this.db, query);
    if (!result) throw cursorProblem();
    return result;
  }

  /** Draft to confirmed: the order goes to the vendor (`purchase_order.confirmed` is e-mailed). */
  async confirm(id: string, ctx: RequestContext): Promise<PurchaseOrder> {
    await this.db.transaction(async (tx) => {
      const order = await this.lockOrder(tx, id);
      if (order.status !== 'draft') throw refused(order, 'only a draft can be confirmed');
      if ((await repo.orderLines(tx, id)).length === 0) {
        throw conflict(`${order.number} has no lines; add what to order before confirming it.`, { code: 'no_lines' });
      }
      if (!(await repo.lockVendor(tx, order.vendor_id))?.active) {
        throw conflict(`The vendor of ${order.number} is no longer active; choose another one before confirming.`, {
          code: 'vendor_inactive',
        });
      }
      await repo.setStatus(tx, id, 'confirmed');
      await this.audit.write(tx, ctx, {
        action: 'purchase_order.confirm',
        resourceType: 'PurchaseOrder',
        resourceId: id,
      });
      await appendEvent(tx, {
        type: 'purchase_order.confirmed',
        aggregateId: id,
        payload: { purchaseOrderId: id, vendorId: order.vendor_id },
      });
    });
    return this.getOrder(id);
  }

  /** A draft, or a confirmed order of which nothing was received yet. */
  async cancel(id: string, input: CancelInput, ctx: RequestContext): Promise<PurchaseOrder> {
    await this.db.transaction(async (tx) => {
      const order = await this.lockOrder(tx, id);
      const allowed = 'only a draft, or a confirmed order with nothing received, can be cancelled';
      if (order.status !== 'draft' && order.status !== 'confirmed') throw refused(order, allowed);
      const lines = await repo.orderLines(tx, id);
      if (lines.some((l) => toMilli(l.received) > 0n)) {
        throw conflict(`Goods of ${order.number} were received already; ${allowed}.`, {
          code: 'partly_received',
          currentStatus: order.status,
        });
      }
      await repo.setStatus(tx, id, 'cancelled', input.reason);
      await this.audit.write(tx, ctx, {
        action: 'purchase_order.cancel',
        resourceType: 'PurchaseOrder',
        resourceId: id,
      });
      await appendEvent(tx, {
        type: 'purchase_order.cancelled',
        aggregateId: id,
        payload: { purchaseOrderId: id, vendorId: order.vendor_id },
      });
    });
    return this.getOrder(id);
  }

  /**
   * Goods of a confirmed order arrive (all or part): each line into its lot through the
   * pharmacy's receipt, never more than ordered less what came in before. The order's row lock
   * makes concurrent receipts of one order run one after the other. Once every line is complete
   * the order is received.
   */
  async receive(id: string, input: ReceiveInput, ctx: RequestContext): Promise<Receipt> {
    const userId = this.userOf(ctx);
    const moveIds = await this.pharmacy.stockTransaction(async (tx) => {
      const order = await this.lockOrder(tx, id);
      if (order.status !== 'confirmed') throw refused(order, 'goods are received only on a confirmed order');
      const lines = new Map((await repo.orderLines(tx, id)).map((l) => [l.line_no, l]));
      const unknown: FieldError[] = input.lines.flatMap((l, i) =>
        lines.has(l.lineNo)
          ? []
          : [{ path: `body.lines.${i}.lineNo`, message: `is not a line of ${order.number}`, code: 'invalid_value' }],
      );
      if (unknown.length > 0) throw badRequest(`A line number is not one of ${order.number}.`, unknown);

      const incoming = new Map<number, bigint>();
      for (const [i, l] of input.lines.entries()) {
        const line = lines.get(l.lineNo);
        if (!line) continue;
        const now = (incoming.get(l.lineNo) ?? 0n) + toMilli(l.quantity);
        incoming.set(l.lineNo, now);
        const remaining = toMilli(line.quantity) - toMilli(line.received);
        if (now > remaining) {
          throw conflict(
            `Line ${l.lineNo} of ${order.number} orders ${line.quantity} and ${line.received} came in already; at most ${fromMilli(remaining)} more.`,
            {
              code: 'over_received',
              remaining: fromMilli(remaining),
              errors: [
                {
                  path: `body.lines.${i}.quantity`,
                  message: `is more than the ${fromMilli(remaining)} still to receive`,
                  code: 'too_big',
                },
              ],
            },
          );
        }
      }

      const ids = await this.pharmacy.receiveLines(
        tx,
        input.lines.map((l, i) => ({
          productId: lines.get(l.lineNo)?.product_id ?? '',
          lotNumber: l.lotNumber,
          expiresOn: l.expiresOn,
          quantity: l.quantity,
          path: `body.lines.${i}`,
          orderLine: l.lineNo,
        })),
        { userId, note: input.note, purchaseOrderId: id },
      );
      for (const [lineNo, quantity] of incoming) await repo.addReceived(tx, id, lineNo, fromMilli(quantity));
      const complete = [...lines.values()].every(
        (l) => toMilli(l.received) + (incoming.get(l.line_no) ?? 0n) === toMilli(l.quantity),
      );
      if (complete) await repo.setStatus(tx, id, 'received');
      await this.audit.write(tx, ctx, {
        action: 'purchase_order.receive',
        resourceType: 'PurchaseOrder',
        resourceId: id,
        details: { moveIds: ids, complete },
      });
      await appendEvent(tx, {
        type: 'purchase_order.received',
        aggregateId: id,
        payload: { purchaseOrderId: id, vendorId: order.vendor_id, complete },
      });
      return ids;
    });
    return { ...(await this.getOrder(id)), moves: await findMoves(this.db, moveIds) };
  }

  async suggestions(): Promise<{ items: Suggestion[] }> {
    return { items: await repo.reorderSuggestions(this.db) };
  }

  // ------------------------------------------------------------------------------------------

  private async lockOrder(tx: Queryable, id: string): Promise<repo.LockedOrder> {
    const order = await repo.lockOrder(tx, id);
    if (!order) throw notFound('The purchase order');
    return order;
  }

  /**
   * Checks the vendor (active, and share-locked so it stays so) and the products (active),
   * and prices the lines: the unit cost defaults to the product's, the tax rate is the
   * product's. Every refusal of the body is answered at once.
   */
  private async price(tx: Queryable, input: PurchaseOrderInput) {
    const errors: FieldError[] = [];
    const vendor = await repo.lockVendor(tx, input.vendorId);
    if (!vendor?.active) {
      errors.push({
        path: 'body.vendorId',
        message: vendor ? 'is a vendor no longer active' : 'is not a vendor',
        code: 'invalid_value',
      });
    }
    const products = await repo.productTerms(tx, [...new Set(input.lines.map((l) => l.productId))]);
    const lines: repo.LineValues[] = [];
    const sum: LineAmounts = { subtotal: 0n, tax: 0n, total: 0n };
    for (const [i, line] of input.lines.entries()) {
      const product = products.get(line.productId);
      if (!product?.active) {
        errors.push({
          path: `body.lines.${i}.productId`,
          message: product ? 'is a product no longer active' : 'is not a product',
          code: 'invalid_value',
        });
        continue;
      }
      const unitCost = line.unitCost ?? product.cost;
      if (unitCost === null) {
        errors.push({
          path: `body.lines.${i}.unitCost`,
          message: 'is required: the product has no cost',
          code: 'required',
        });
        continue;
      }
      const amounts = lineAmounts(line.quantity, unitCost, product.tax_rate);
      if (amounts.total > MAX_CENTS) {
        errors.push({
          path: `body.lines.${i}.quantity`,
          message: `makes the line's total more than ${fromCents(MAX_CENTS)}`,
          code: 'too_big',
        });
        continue;
      }
      sum.subtotal += amounts.subtotal;
      sum.tax += amounts.tax;
      sum.total += amounts.total;
      lines.push({
        lineNo: i + 1,
        productId: line.productId,
        quantity: line.quantity,
        unitCost,
        taxRate: product.tax_rate,
        subtotal: fromCents(amounts.subtotal),
        tax: fromCents(amounts.tax),
        total: fromCents(amounts.total),
      });
    }
    if (errors.length === 0 && sum.total > MAX_CENTS) {
      errors.push({
        path: 'body.lines',
        message: `make a total of more than ${fromCents(MAX_CENTS)}`,
        code: 'too_big',
      });
    }
    if (errors.length > 0) throw badRequest('The order cannot be written as sent.', errors);
    return {
      lines,
      totals: { subtotal: fromCents(sum.subtotal), taxTotal: fromCents(sum.tax), total: fromCents(sum.total) },
    };
  }

  private userOf(ctx: RequestContext): string {
    if (!ctx.actor) throw unauthorized();
    return ctx.actor.userId;
  }
}

const orderValues = (input: PurchaseOrderInput): repo.OrderValues => ({
  vendorId: input.vendorId,
  expectedOn: input.expectedOn ?? null,
  notes: input.notes ?? null,
});
