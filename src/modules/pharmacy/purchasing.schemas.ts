import { z } from 'zod';
import { cursorOf, Email, IsoDate, Limit, Text, Uuid } from '../../platform/http/schemas.js';
import { Cost, LotNumber, PositiveQuantity, StockMove } from './pharmacy.schemas.js';

const text = (max: number) => Text.trim().min(1, { message: 'must not be empty' }).max(max);

const Phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,24}$/, { message: 'must be a phone number: digits, spaces, + ( ) -' });

const BoolQuery = z.enum(['true', 'false']).transform((v) => v === 'true');

const OrderDate = IsoDate.refine((d) => d >= '2000-01-01' && d <= '2199-12-31', {
  message: 'must be between the years 2000 and 2199',
});

// Vendors ------------------------------------------------------------------------------------

export const Language = z.enum(['es', 'en']);

export const VendorInput = z.strictObject({
  name: text(200),
  email: Email.describe('Confirmed purchase orders are e-mailed here'),
  phone: Phone.optional(),
  taxId: text(50).optional().describe('Tax identification number (CIF/NIF, VAT number)'),
  address: text(500).optional(),
  language: Language.default('es').describe('The language of the e-mail the vendor receives'),
  active: z.boolean().default(true).describe('Only an active vendor can be sent an order'),
});
export type VendorInput = z.output<typeof VendorInput>;

export const Vendor = z.object({
  id: Uuid,
  name: z.string(),
  email: z.string(),
  phone: z.string().optional(),
  taxId: z.string().optional(),
  address: z.string().optional(),
  language: Language,
  active: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Vendor = z.output<typeof Vendor>;

export const VendorQuery = z.strictObject({
  q: Text.trim().max(100).optional().describe('Part of the name, the e-mail address or the tax id'),
  active: BoolQuery.optional(),
  cursor: cursorOf(z.string(), Uuid),
  limit: Limit,
});
export type VendorQuery = z.output<typeof VendorQuery>;

// Purchase orders ----------------------------------------------------------------------------

export const PO_STATUSES = ['draft', 'confirmed', 'received', 'cancelled'] as const;
export const PurchaseOrderStatus = z.enum(PO_STATUSES, { message: `must be one of ${PO_STATUSES.join(', ')}` });
export type PurchaseOrderStatus = z.output<typeof PurchaseOrderStatus>;

/** At most this many lines on an order, and in one receipt. */
export const MAX_LINES = 100;

export const PurchaseOrderLineInput = z.strictObject({
  productId: Uuid,
  quantity: PositiveQuantity.describe('How much to order, in units of the product'),
  unitCost: Cost.optional().describe("Cost of one unit before tax; the product's cost when omitted"),
});

export const PurchaseOrderInput = z.strictObject({
  vendorId: Uuid.describe('An active vendor'),
  expectedOn: OrderDate.optional().describe('When the goods are expected'),
  notes: text(2000).optional(),
  lines: z
    .array(PurchaseOrderLineInput)
    .max(MAX_LINES, { message: `must have at most ${MAX_LINES} lines` })
    .describe("Numbered 1, 2, ... in this order; the tax rate is the product's. A draft may have none yet."),
});
export type PurchaseOrderInput = z.output<typeof PurchaseOrderInput>;

export const PurchaseOrderLine = z.object({
  lineNo: z.number().int(),
  productId: Uuid,
  productName: z.string(),
  unit: z.string(),
  quantity: z.string().describe('Exact decimal'),
  unitCost: z.string().describe('Exact decimal, 4 places'),
  taxRate: z.string().describe('Percentage, exact decimal'),
  subtotal: z.string().describe('quantity x unitCost, rounded half up to cents'),
  tax: z.string().describe('subtotal x taxRate / 100, rounded half up to cents'),
  total: z.string().describe('subtotal + tax'),
  received: z.string().describe('Received so far, exact decimal'),
});

export const PurchaseOrder = z.object({
  id: Uuid,
  number: z.string().describe('P00001'),
  status: PurchaseOrderStatus,
  vendorId: Uuid,
  vendorName: z.string(),
  expectedOn: z.string().optional().describe('YYYY-MM-DD'),
  notes: z.string().optional(),
  lines: z.array(PurchaseOrderLine),
  subtotal: z.string().describe('Sum of the lines, exact decimal'),
  taxTotal: z.string().describe('Sum of the lines, exact decimal'),
  total: z.string().describe('Sum of the lines, exact decimal'),
  createdAt: z.string(),
  confirmedAt: z.string().optional(),
  receivedAt: z.string().optional(),
  cancelledAt: z.string().optional(),
  cancelReason: z.string().optional(),
});
export type PurchaseOrder = z.output<typeof PurchaseOrder>;

export const PurchaseOrderQuery = z.strictObject({
  status: PurchaseOrderStatus.optional(),
  vendorId: Uuid.optional(),
  cursor: cursorOf(z.iso.datetime(), Uuid),
  limit: Limit,
});
export type PurchaseOrderQuery = z.output<typeof PurchaseOrderQuery>;

export const ReceiveInput = z.strictObject({
  lines: z
    .array(
      z.strictObject({
        lineNo: z
          .number({ message: 'must be a line number of the order' })
          .int({ message: 'must be a whole number' })
          .min(1, { message: 'must be at least 1' })
          .max(MAX_LINES, { message: `must be at most ${MAX_LINES}` }),
        lotNumber: LotNumber,
        expiresOn: OrderDate,
        quantity: PositiveQuantity,
      }),
    )
    .min(1, { message: 'must have at least one line' })
    .max(MAX_LINES, { message: `must have at most ${MAX_LINES} lines` }),
  note: text(500).optional(),
});
export type ReceiveInput = z.output<typeof ReceiveInput>;

export const Receipt = PurchaseOrder.extend({
  moves: z.array(StockMove).describe('The receipt moves this call wrote, one per line received'),
});
export type Receipt = z.output<typeof Receipt>;

export const CancelInput = z.strictObject({
  reason: text(500).describe('Why the order is cancelled'),
});
export type CancelInput = z.output<typeof CancelInput>;

export const Suggestion = z.object({
  productId: Uuid,
  name: z.string(),
  unit: z.string(),
  onHand: z.string().describe('Exact decimal'),
  onOrder: z.string().describe('Ordered and not yet received, on draft and confirmed orders'),
  minStock: z.string(),
  maxStock: z.string().optional(),
  suggested: z.string().describe('(maxStock, else minStock) - onHand - onOrder, rounded up to a whole unit'),
  unitCost: z.string().optional().describe('Of the most recent order line of this product'),
  vendorId: Uuid.optional().describe('Of the most recent order line of this product, if the vendor is active'),
  vendorName: z.string().optional(),
});
export type Suggestion = z.output<typeof Suggestion>;
