import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../../platform/audit/audit.js';
import { type Database, pgErrorCode, type Queryable } from '../../platform/db/database.js';
import { fromMilli, toMilli } from '../../platform/decimal.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, DomainError, notFound, unauthorized } from '../../platform/http/errors.js';
import * as repo from './pharmacy.repository.js';
import type {
  DispenseInput,
  Dispensing,
  MoveInput,
  Product,
  ProductInput,
  ProductQuery,
  ReceiptInput,
  StockMove,
  StockQuery,
} from './pharmacy.schemas.js';

const UNIQUE_VIOLATION = '23505';
const CHECK_VIOLATION = '23514';
const OUT_OF_RANGE = '22003';

export interface PharmacyOptions {
  timeZone: string;
}

const insufficientStock = (available: string, unit: string) =>
  new DomainError(
    'INSUFFICIENT_STOCK',
    409,
    `Only ${available} ${unit} can be dispensed from unexpired lots; receive stock or dispense less.`,
    { code: 'insufficient_stock', available },
  );

/** One line of goods coming in. */
export interface IncomingLine {
  productId: string;
  lotNumber: string;
  expiresOn: string;
  quantity: string;
  /** The request field of this line, e.g. `body.lines.0`: a refusal names it. */
  path: string;
  /** The line of the purchase order it was ordered on. */
  orderLine?: number | undefined;
}

export interface IncomingGoods {
  userId: string;
  note?: string | undefined;
  /** The purchase order the goods were ordered on: each move names it and its line. */
  purchaseOrderId?: string | undefined;
}

const cursorProblem = () =>
  badRequest('The cursor is not valid; start again without it.', [
    { path: 'querystring.cursor', message: 'is not a cursor returned by this list', code: 'invalid_value' },
  ]);

/**
 * The pharmacy: the product catalogue, lots and the stock ledger. Every change of stock is a
 * move, written with its audit entry and event in one transaction that first locks the
 * product row (and then the lots' balances, first to expire first): moves of one product run
 * one after the other, so balances cannot go negative and alerts fire once per crossing.
 */
export class PharmacyService {
  private readonly day: Intl.DateTimeFormat;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    options: PharmacyOptions,
  ) {
    this.day = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone });
  }

  /** Today in the clinic's time zone: a lot expiring today can still be dispensed. */
  private today(): string {
    return this.day.format(new Date());
  }

  // Products -------------------------------------------------------------------------------

  async createProduct(input: ProductInput, ctx: RequestContext): Promise<Product> {
    const id = randomUUID();
    await this.guardBarcode(input.barcode, () =>
      this.db.transaction(async (tx) => {
        await repo.insertProduct(tx, id, input);
        await this.audit.write(tx, ctx, { action: 'product.create', resourceType: 'Product', resourceId: id });
        await this.checkLow(tx, id);
      }),
    );
    return this.loadProduct(id);
  }

  async updateProduct(id: string, input: ProductInput, ctx: RequestContext): Promise<Product> {
    await this.guardBarcode(input.barcode, () =>
      this.db.transaction(async (tx) => {
        if (!(await repo.lockProduct(tx, id))) throw notFound('The product');
        await repo.updateProduct(tx, id, input);
        await this.audit.write(tx, ctx, { action: 'product.update', resourceType: 'Product', resourceId: id });
        // A new minimum can put the product below it (or above) without any move.
        await this.checkLow(tx, id);
      }),
    );
    return this.loadProduct(id);
  }

  async getProduct(id: string): Promise<Product> {
    return this.loadProduct(id);
  }

  async listProducts(query: ProductQuery) {
    const result = await repo.searchProducts(this.db, query);
    if (!result) throw cursorProblem();
    return { items: result.rows.map(repo.toProduct), nextCursor: result.nextCursor };
  }

  private async loadProduct(id: string): Promise<Product> {
    const row = await repo.findProduct(this.db, id);
    if (!row) throw notFound('The product');
    return repo.toProduct(row);
  }

  private async guardBarcode<T>(barcode: string | undefined, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      if (pgErrorCode(err) === UNIQUE_VIOLATION && barcode) {
        throw conflict(`Another product already has the barcode ${barcode}.`, { code: 'barcode_in_use' });
      }
      throw err;
    }
  }

  // Stock ------------------------------------------------------------------------------------

  async stock(query: StockQuery) {
    const result = await repo.stockLevels(this.db, { ...query, today: this.today() });
    if (!result) throw cursorProblem();
    return result;
  }

  /** Goods received: each line into its lot (created when new), one receipt move each. */
  async receive(input: ReceiptInput, ctx: RequestContext): Promise<{ moves: StockMove[] }> {
    const userId = this.userOf(ctx);
    const moveIds = await this.stockTransaction(async (tx) => {
      const lines = input.lines.map((line, index) => ({ ...line, path: `body.lines.${index}` }));
      const ids = await this.receiveLines(tx, lines, { userId, note: input.note });
      await this.audit.write(tx, ctx, {
        action: 'stock.receive',
        resourceType: 'StockMove',
        details: { moveIds: ids },
      });
      return ids;
    });
    return { moves: await repo.findMoves(this.db, moveIds) };
  }

  /**
   * The stock side of a receipt, inside the caller's transaction (run through
   * {@link stockTransaction}): locks the lines' products in id order, puts each line into its lot
   * (created when new; a known lot must keep its expiry date), writes one receipt move per line
   * with `stock.received`, then keeps the products' low-stock flags. Answers the move ids.
   */
  async receiveLines(tx: Queryable, lines: IncomingLine[], goods: IncomingGoods): Promise<string[]> {
    const productIds = [...new Set(lines.map((l) => l.productId))].sort();
    for (const productId of productIds) {
      const product = await repo.lockProduct(tx, productId);
      if (!product) {
        const line = lines.find((l) => l.productId === productId);
        throw badRequest('A line names a product that does not exist.', [
          { path: `${line?.path}.productId`, message: 'is not a product', code: 'invalid_value' },
        ]);
      }
    }
    const ids: string[] = [];
    for (const line of lines) {
      const lot = await repo.ensureLot(tx, randomUUID(), line.productId, line.lotNumber, line.expiresOn);
      if (lot.expires_on !== line.expiresOn) {
        throw conflict(
          `Lot ${line.lotNumber} of this product was received before with the expiry date ${lot.expires_on}, not ${line.expiresOn}.`,
          {
            code: 'lot_expiry_mismatch',
            errors: [{ path: `${line.path}.expiresOn`, message: 'differs from the lot', code: 'incorrect' }],
          },
        );
      }
      const id = randomUUID();
      await repo.insertMove(tx, {
        id,
        kind: 'receipt',
        productId: line.productId,
        lotId: lot.id,
        quantity: line.quantity,
        ...(goods.purchaseOrderId
          ? { referenceType: 'purchase_order', referenceId: goods.purchaseOrderId, referenceLine: line.orderLine }
          : {}),
        userId: goods.userId,
        note: goods.note,
      });
      await appendEvent(tx, {
        type: 'stock.received',
        aggregateId: line.productId,
        payload: { productId: line.productId, lotId: lot.id, moveId: id },
      });
      ids.push(id);
    }
    for (const productId of productIds) await this.checkLow(tx, productId);
    return ids;
  }

  /** An adjustment, a return or an expiry write-off of one lot. */
  async move(input: MoveInput, ctx: RequestContext): Promise<StockMove> {
    const userId = this.userOf(ctx);
    const lot = await repo.findLot(this.db, input.lotId);
    if (!lot) {
      throw badRequest('The lot does not exist.', [
        { path: 'body.lotId', message: 'is not a lot', code: 'invalid_value' },
      ]);
    }
    const quantity = input.kind === 'expiry_write_off' ? `-${input.quantity}` : input.quantity;
    const id = randomUUID();
    let patientId: string | null = null;
    await this.stockTransaction(async (tx) => {
      if (input.prescriptionId && input.lineNo) {
        const line = await repo.lockPrescriptionLine(tx, input.prescriptionId, input.lineNo);
        if (!line) throw notFound('The prescription line');
        const dispensed = await repo.dispensedForLine(tx, input.prescriptionId, input.lineNo);
        if (toMilli(input.quantity) > toMilli(dispensed)) {
          throw conflict(`Only ${dispensed} of this line was dispensed; no more can come back.`, {
            code: 'return_exceeds_dispensed',
            dispensed,
          });
        }
        patientId = line.patient_id;
      }
      await repo.lockProduct(tx, lot.product_id);
      const balance = await repo.lockLotBalance(tx, lot.id);
      if (toMilli(balance) + toMilli(quantity) < 0n) {
        throw conflict(`Lot ${lot.lot_number} holds ${balance}; it cannot give out more.`, {
          code: 'insufficient_stock',
          available: balance,
        });
      }
      await repo.insertMove(tx, {
        id,
        kind: input.kind,
        productId: lot.product_id,
        lotId: lot.id,
        quantity,
        ...(input.prescriptionId && input.lineNo
          ? { referenceType: 'prescription_line', referenceId: input.prescriptionId, referenceLine: input.lineNo }
          : {}),
        userId,
        note: input.note,
      });
      await this.checkLow(tx, lot.product_id);
      await this.audit.write(tx, ctx, {
        action: `stock.${input.kind}`,
        resourceType: 'StockMove',
        resourceId: id,
        patientId,
      });
      await appendEvent(tx, {
        type: 'stock.adjusted',
        aggregateId: lot.product_id,
        payload: { productId: lot.product_id, lotId: lot.id, moveId: id, kind: input.kind },
      });
    });
    const [move] = await repo.findMoves(this.db, [id]);
    if (!move) throw new Error('stock move vanished after insert');
    return move;
  }

  /**
   * Dispenses part or all of a signed prescription line: first expiry first out, expired lots
   * skipped, never more than prescribed less what was already dispensed.
   */
  async dispense(
    prescriptionId: string,
    lineNo: number,
    input: DispenseInput,
    ctx: RequestContext,
  ): Promise<Dispensing> {
    const userId = this.userOf(ctx);
    const today = this.today();
    const wanted = toMilli(input.quantity);
    const result = await this.stockTransaction(async (tx) => {
      const line = await repo.lockPrescriptionLine(tx, prescriptionId, lineNo);
      if (!line) throw notFound('The prescription line');
      if (line.status !== 'signed') {
        throw new DomainError(
          'PRESCRIPTION_NOT_SIGNED',
          409,
          `${line.number} is a draft; only a signed one is dispensed.`,
          {
            code: 'prescription_not_signed',
          },
        );
      }
      const prescribed = toMilli(String(line.quantity));
      const dispensed = toMilli(await repo.dispensedForLine(tx, prescriptionId, lineNo));
      if (dispensed + wanted > prescribed) {
        throw conflict(
          `Line ${lineNo} of ${line.number} prescribes ${line.quantity} and ${fromMilli(dispensed)} went out already; at most ${fromMilli(prescribed - dispensed)} more.`,
          { code: 'over_prescribed', remaining: fromMilli(prescribed - dispensed) },
        );
      }
      const product = await repo.lockProduct(tx, input.productId);
      if (!product?.active) {
        throw badRequest('The product does not exist or is no longer active.', [
          { path: 'body.productId', message: 'is not an active product', code: 'invalid_value' },
        ]);
      }
      const lots = await repo.lockAvailableLots(tx, input.productId, today);
      const available = lots.reduce((sum, l) => sum + toMilli(l.quantity), 0n);
      if (available < wanted) throw insufficientStock(fromMilli(available), product.unit);
      const ids: string[] = [];
      let left = wanted;
      for (const lot of lots) {
        if (left === 0n) break;
        const held = toMilli(lot.quantity);
        // bigint: no Math.min.
        let take = left;
        if (held < take) take = held;
        const id = randomUUID();
        await repo.insertMove(tx, {
          id,
          kind: 'dispense',
          productId: input.productId,
          lotId: lot.lot_id,
          quantity: fromMilli(-take),
          referenceType: 'prescription_line',
          referenceId: prescriptionId,
          referenceLine: lineNo,
          userId,
          note: input.note,
        });
        ids.push(id);
        left -= take;
      }
      await this.checkLow(tx, input.productId);
      await this.audit.write(tx, ctx, {
        action: 'prescription.dispense',
        resourceType: 'Prescription',
        resourceId: prescriptionId,
        patientId: line.patient_id,
        details: { lineNo, productId: input.productId, moveIds: ids },
      });
      await appendEvent(tx, {
        type: 'stock.dispensed',
        aggregateId: prescriptionId,
        patientId: line.patient_id,
        payload: { prescriptionId, patientId: line.patient_id, lineNo, productId: input.productId },
      });
      return { ids, prescribed, dispensed: dispensed + wanted };
    });
    return {
      prescriptionId,
      lineNo,
      productId: input.productId,
      quantity: fromMilli(wanted),
      prescribed: fromMilli(result.prescribed),
      dispensed: fromMilli(result.dispensed),
      remaining: fromMilli(result.prescribed - result.dispensed),
      moves: await repo.findMoves(this.db, result.ids),
    };
  }

  /** Keeps the low-stock flag in step; emits `stock.low` when this change crossed below the minimum. */
  private async checkLow(tx: Queryable, productId: string) {
    if ((await repo.updateLowFlag(tx, productId)) === 'crossed_below') {
      await appendEvent(tx, { type: 'stock.low', aggregateId: productId, payload: { productId } });
    }
  }

  /** A balance the ledger's trigger refused to take below zero answers 409, not 500. */
  async stockTransaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    try {
      return await this.db.transaction(fn);
    } catch (err) {
      if (pgErrorCode(err) === CHECK_VIOLATION) {
        throw conflict('The stock of a lot cannot go below zero.', { code: 'insufficient_stock' });
      }
      if (pgErrorCode(err) === OUT_OF_RANGE) {
        throw conflict('A lot cannot hold more than 999999999.999; receive the goods into another lot.', {
          code: 'lot_full',
        });
      }
      throw err;
    }
  }

  private userOf(ctx: RequestContext): string {
    if (!ctx.actor) throw unauthorized();
    return ctx.actor.userId;
  }
}
