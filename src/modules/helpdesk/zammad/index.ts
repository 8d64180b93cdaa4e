import type { Config } from '../../../config.js';
import type { Database } from '../../../platform/db/database.js';
import { ZammadClient } from './client.js';
import { type HelpdeskForSync, ZammadSync } from './sync.js';

export type { HelpdeskForSync } from './sync.js';
export { ZammadSync } from './sync.js';
export { zammadRoutes } from './zammad.routes.js';

/** The Zammad sync when ZAMMAD_URL is set; null otherwise. */
export function createZammadSync(config: Config, db: Database, helpdesk: HelpdeskForSync): ZammadSync | null {
  if (!config.ZAMMAD_URL || !config.ZAMMAD_TOKEN) return null;
  const client = new ZammadClient({ url: config.ZAMMAD_URL, token: config.ZAMMAD_TOKEN });
  return new ZammadSync(db, client, helpdesk, { group: config.ZAMMAD_GROUP });
}
