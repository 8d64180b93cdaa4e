import type { BaseLogger } from 'pino';

/** The logging background processes need: a pino logger, or Fastify's `app.log`. */
export type Log = Pick<BaseLogger, 'debug' | 'info' | 'warn' | 'error'>;
