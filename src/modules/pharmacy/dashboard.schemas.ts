import { z } from 'zod';
import { Uuid } from '../../platform/http/schemas.js';

const Days = (max: number) =>
  z.coerce
    .number({ message: 'must be a number of days' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be at least 1' })
    .max(max, { message: `must be at most ${max}` });

export const DashboardQuery = z.strictObject({
  days: Days(366).default(30).describe('The period of the consumption chart and top products: the last N days'),
  expiringWithinDays: Days(3650)
    .optional()
    .describe('Lots expiring within this many days (default: STOCK_EXPIRY_ALERT_DAYS)'),
});
export type DashboardQuery = z.output<typeof DashboardQuery>;

/** How many rows a dashboard list shows at most; the stock and purchase-order pages list them all. */
export const LIST_LIMIT = 100;

export const LowStockItem = z.object({
  productId: Uuid,
  name: z.string(),
  unit: z.string(),
  onHand: z.string().describe('Exact decimal'),
  minStock: z.string().describe('Exact decimal'),
});

export const ExpiringLot = z.object({
  lotId: Uuid,
  productId: Uuid,
  name: z.string(),
  unit: z.string(),
  lotNumber: z.string(),
  expiresOn: z.string().describe('YYYY-MM-DD'),
  expired: z.boolean().describe('Already past its expiry date: to be written off'),
  quantity: z.string().describe('What the lot still holds, exact decimal'),
});

export const ConsumptionDay = z.object({
  date: z.string().describe("YYYY-MM-DD, in the clinic's time zone"),
  quantity: z.string().describe('Dispensed that day, all products, exact decimal'),
});

export const TopProduct = z.object({
  productId: Uuid,
  name: z.string(),
  unit: z.string(),
  quantity: z.string().describe('Dispensed in the period, exact decimal'),
});

export const OpenPurchaseOrder = z.object({
  id: Uuid,
  number: z.string().describe('P00001'),
  status: z.enum(['draft', 'confirmed']),
  vendorName: z.string(),
  total: z.string().describe('Exact decimal, taxes included'),
  expectedOn: z.string().optional().describe('YYYY-MM-DD'),
});

export const Dashboard = z.object({
  period: z.object({
    from: z.string().describe('First day of the period, YYYY-MM-DD'),
    to: z.string().describe("Today in the clinic's time zone, YYYY-MM-DD"),
  }),
  expiringWithinDays: z.number().int(),
  lowStock: z
    .array(LowStockItem)
    .describe(`Active products below their minimum, by name (at most ${LIST_LIMIT}; GET /stock?low=true has all)`),
  expiring: z
    .array(ExpiringLot)
    .describe(
      `Lots holding stock that expire within the window or already expired, first to expire first (at most ${LIST_LIMIT})`,
    ),
  consumption: z.array(ConsumptionDay).describe('Dispensed per day over the period, every day present (zero-filled)'),
  topProducts: z.array(TopProduct).describe('The 10 products most dispensed in the period, most first'),
  openPurchaseOrders: z
    .array(OpenPurchaseOrder)
    .describe(`Draft and confirmed purchase orders, oldest first (at most ${LIST_LIMIT})`),
  totals: z.object({
    products: z.number().int().describe('Active products in the catalogue'),
    stockValue: z.string().describe('What the stock on hand cost (quantity x product cost), exact decimal'),
  }),
});
export type Dashboard = z.output<typeof Dashboard>;
