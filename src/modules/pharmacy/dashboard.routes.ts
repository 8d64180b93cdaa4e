import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Database } from '../../platform/db/database.js';
import { problems } from '../../platform/http/schemas.js';
import * as repo from './dashboard.repository.js';
import { Dashboard, DashboardQuery } from './dashboard.schemas.js';

export interface DashboardOptions {
  timeZone: string;
  /** Lots expiring within this many days are listed (STOCK_EXPIRY_ALERT_DAYS). */
  expiryAlertDays: number;
}

const addDays = (date: string, days: number) => {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
};

/** The pharmacy dashboard: reads only (stock, ledger, purchase orders), no patient data, nothing audited. */
export function dashboardRoutes(db: Database, options: DashboardOptions) {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone });
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();

    app.get('/pharmacy/dashboard', {
      config: { access: ['pharmacist', 'admin'] },
      schema: {
        tags: ['Pharmacy'],
        summary: 'The pharmacy at a glance: low stock, expiring lots, consumption, top products, open orders',
        description:
          "Consumption counts dispensed quantities (all products, every unit together) per day in the clinic's time zone over the last `days` days, today included.",
        querystring: DashboardQuery,
        response: { 200: Dashboard, ...problems(400, 401, 403) },
      },
      handler: async (req) => {
        const to = day.format(new Date());
        const expiringWithinDays = req.query.expiringWithinDays ?? options.expiryAlertDays;
        const window: repo.DashboardWindow = {
          from: addDays(to, 1 - req.query.days),
          to,
          expiringBy: addDays(to, expiringWithinDays),
          timeZone: options.timeZone,
        };
        const [lowStock, expiring, consumption, topProducts, openPurchaseOrders, totals] = await Promise.all([
          repo.lowStock(db),
          repo.expiringLots(db, window),
          repo.consumption(db, window),
          repo.topProducts(db, window),
          repo.openPurchaseOrders(db),
          repo.totals(db),
        ]);
        return {
          period: { from: window.from, to },
          expiringWithinDays,
          lowStock,
          expiring,
          consumption,
          topProducts,
          openPurchaseOrders,
          totals,
        };
      },
    });
  };
}
