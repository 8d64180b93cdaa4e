import { z } from 'zod';
import { toMilli } from '../../platform/decimal.js';
import { cursorOf, IsoDate, Limit, Text, Uuid } from '../../platform/http/schemas.js';
import { Money } from '../scheduling/practitioners.schemas.js';

const text = (max: number) => Text.trim().min(1, { message: 'must not be empty' }).max(max);

/** A quantity of stock as an exact decimal string (up to 3 decimals), never a float. */
export const Quantity = z
  .string()
  .regex(/^\d{1,9}(\.\d{1,3})?$/, { message: 'must be a quantity such as 10 or 2.5 (a string, up to 3 decimals)' });

export const PositiveQuantity = Quantity.refine((q) => /[1-9]/.test(q), { message: 'must be more than 0' });

/** A signed quantity for adjustments: "-2" takes out, "3.5" brings in; never zero. */
export const SignedQuantity = z
  .string()
  .regex(/^-?\d{1,9}(\.\d{1,3})?$/, {
    message: 'must be a quantity such as 3 or -2.5 (a string, up to 3 decimals, negative to take out)',
  })
  .refine((q) => /[1-9]/.test(q), { message: 'must not be 0' });

export const TaxRate = z.string().regex(/^(100(\.0{1,2})?|\d{1,2}(\.\d{1,2})?)$/, {
  message: 'must be a percentage from 0 to 100 such as 15 or 15.00 (a string)',
});

export const Cost = z
  .string()
  .regex(/^\d{1,8}(\.\d{1,4})?$/, { message: 'must be an amount such as 2.3500 (a string, up to 4 decimals)' });

export const ProductKind = z.enum(['medicine', 'supply']);

const Barcode = z
  .string()
  .trim()
  .regex(/^[A-Za-z0-9-]{4,64}$/, { message: 'must be 4 to 64 letters, digits or dashes' });

export const ProductInput = z
  .strictObject({
    kind: ProductKind,
    name: text(200),
    genericName: text(200).optional(),
    dosageStrength: text(100).optional().describe('e.g. "500 mg"'),
    form: text(50).optional().describe('tablet, liquid, ... for medicines'),
    category: text(100).optional(),
    barcode: Barcode.optional().describe('Unique among products'),
    unit: text(30).default('unit').describe('What one unit of stock is: tablet, box, ml ...'),
    salePrice: Money.describe('Price of one unit before tax, exact decimal'),
    taxRate: TaxRate.default('0').describe('Percentage, e.g. "15.00"'),
    cost: Cost.optional().describe('Purchase cost of one unit'),
    minStock: Quantity.default('0').describe('Below this on-hand quantity the product is low on stock'),
    maxStock: Quantity.optional().describe('Reorder up to this quantity'),
    active: z.boolean().default(true),
  })
  .superRefine((p, ctx) => {
    // Refinements run even when a field failed its own check: compare only well-formed values.
    const valid = (q: string | undefined): q is string => q !== undefined && Quantity.safeParse(q).success;
    if (valid(p.maxStock) && valid(p.minStock) && compareQuantities(p.maxStock, p.minStock) < 0) {
      ctx.addIssue({ code: 'custom', path: ['maxStock'], message: 'must not be less than minStock' });
    }
  });
export type ProductInput = z.output<typeof ProductInput>;

export const Product = z.object({
  id: Uuid,
  kind: ProductKind,
  name: z.string(),
  genericName: z.string().optional(),
  dosageStrength: z.string().optional(),
  form: z.string().optional(),
  category: z.string().optional(),
  barcode: z.string().optional(),
  unit: z.string(),
  salePrice: z.string().describe('Exact decimal'),
  taxRate: z.string().describe('Percentage, exact decimal'),
  cost: z.string().optional().describe('Exact decimal'),
  minStock: z.string(),
  maxStock: z.string().optional(),
  active: z.boolean(),
  onHand: z.string().describe('Sum of the lots, exact decimal'),
  low: z.boolean().describe('On hand below minStock'),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Product = z.output<typeof Product>;

const BoolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

export const ProductQuery = z.strictObject({
  q: Text.trim().max(100).optional().describe('Part of the name, generic name or the barcode'),
  kind: ProductKind.optional(),
  active: BoolQuery.optional(),
  cursor: cursorOf(z.string(), Uuid),
  limit: Limit,
});
export type ProductQuery = z.output<typeof ProductQuery>;

/** Printable: letters and digits, with spaces, dots, dashes, slashes or _ between. */
export const LotNumber = z
  .string()
  .trim()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._/-]{0,63}$/u, {
    message: 'must be 1 to 64 letters or digits (spaces, dots, dashes, slashes and _ allowed after the first)',
  });

export const ReceiptLine = z.strictObject({
  productId: Uuid,
  lotNumber: LotNumber,
  expiresOn: IsoDate.refine((d) => d >= '2000-01-01' && d <= '2199-12-31', {
    message: 'must be between the years 2000 and 2199',
  }),
  quantity: PositiveQuantity,
});

export const ReceiptInput = z.strictObject({
  lines: z
    .array(ReceiptLine)
    .min(1, { message: 'must have at least one line' })
    .max(100, { message: 'must have at most 100 lines' }),
  note: text(500).optional(),
});
export type ReceiptInput = z.output<typeof ReceiptInput>;

export const StockMove = z.object({
  id: Uuid,
  kind: z.enum(['receipt', 'dispense', 'adjustment', 'return', 'expiry_write_off']),
  productId: Uuid,
  lotId: Uuid,
  lotNumber: z.string(),
  expiresOn: z.string(),
  quantity: z.string().describe('Signed exact decimal: negative takes stock out'),
  referenceType: z.enum(['prescription_line', 'purchase_order']).optional(),
  referenceId: Uuid.optional(),
  referenceLine: z.number().int().optional(),
  userId: Uuid,
  note: z.string().optional(),
  createdAt: z.string(),
});
export type StockMove = z.output<typeof StockMove>;

export const MoveInput = z
  .strictObject({
    kind: z.enum(['adjustment', 'return', 'expiry_write_off']),
    lotId: Uuid,
    quantity: SignedQuantity.describe(
      'Adjustment: signed ("-2" takes out). Return and expiry write-off: the amount, positive.',
    ),
    note: text(500).optional().describe('Required for an adjustment: why'),
    prescriptionId: Uuid.optional().describe('Return: the prescription whose dispensed line comes back'),
    lineNo: z.number().int().min(1).max(30).optional(),
  })
  .superRefine((m, ctx) => {
    if (m.kind !== 'adjustment' && typeof m.quantity === 'string' && m.quantity.startsWith('-')) {
      ctx.addIssue({ code: 'custom', path: ['quantity'], message: 'must be positive (the amount)' });
    }
    if (m.kind === 'adjustment' && !m.note) {
      ctx.addIssue({ code: 'custom', path: ['note'], message: 'is required for an adjustment (why)' });
    }
    if ((m.prescriptionId === undefined) !== (m.lineNo === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['lineNo'], message: 'prescriptionId and lineNo go together' });
    }
    if (m.prescriptionId && m.kind !== 'return') {
      ctx.addIssue({ code: 'custom', path: ['prescriptionId'], message: 'only a return names a prescription' });
    }
  });
export type MoveInput = z.output<typeof MoveInput>;

export const StockLot = z.object({
  lotId: Uuid,
  lotNumber: z.string(),
  expiresOn: z.string(),
  expired: z.boolean(),
  quantity: z.string(),
});

export const StockLevel = z.object({
  productId: Uuid,
  name: z.string(),
  unit: z.string(),
  onHand: z.string(),
  minStock: z.string(),
  maxStock: z.string().optional(),
  low: z.boolean(),
  lots: z.array(StockLot).describe('Lots holding stock, first to expire first'),
});
export type StockLevel = z.output<typeof StockLevel>;

export const StockQuery = z.strictObject({
  productId: Uuid.optional(),
  low: BoolQuery.optional().describe('Only products below their minimum'),
  q: Text.trim().max(100).optional(),
  cursor: cursorOf(z.string(), Uuid),
  limit: Limit,
});
export type StockQuery = z.output<typeof StockQuery>;

export const DispenseParams = z.strictObject({
  id: Uuid,
  lineNo: z.coerce
    .number({ message: 'must be a line number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be at least 1' })
    .max(30, { message: 'must be at most 30' }),
});

export const DispenseInput = z.strictObject({
  productId: Uuid,
  quantity: PositiveQuantity,
  note: text(500).optional(),
});
export type DispenseInput = z.output<typeof DispenseInput>;

export const Dispensing = z.object({
  prescriptionId: Uuid,
  lineNo: z.number().int(),
  productId: Uuid,
  quantity: z.string().describe('Dispensed now'),
  prescribed: z.string(),
  dispensed: z.string().describe('Dispensed for this line so far, this time included'),
  remaining: z.string(),
  moves: z.array(StockMove),
});
export type Dispensing = z.output<typeof Dispensing>;

export function compareQuantities(a: string, b: string): number {
  const d = toMilli(a) - toMilli(b);
  return d < 0n ? -1 : d > 0n ? 1 : 0;
}
