import path from 'node:path';
import { z } from 'zod';

/** The one place that reads configuration. Everything else receives a `Config`. */

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

// Digits only: Number() alone would also take "0x10", "1e3" or "3000.0" as whole numbers.
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^-?\d+$/, { message: 'must be a whole number' })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { message: `must be at least ${min}` })
        .max(max, { message: `must be at most ${max}` }),
    );

const postgresUrl = z
  .string()
  .regex(/^postgres(ql)?:\/\/.+/, { message: 'must be a postgres:// or postgresql:// URL' });

const amqpUrl = z.string().regex(/^amqps?:\/\/.+/, { message: 'must be an amqp:// or amqps:// URL' });
const smtpUrl = z.string().regex(/^smtps?:\/\/.+/, { message: 'must be an smtp:// or smtps:// URL' });

const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http:// or https:// URL' });

/** An IANA time zone name the runtime knows (PostgreSQL ships the same database). */
const timeZone = z.string().refine(
  (name) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: name });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be an IANA time zone name, e.g. Europe/Madrid' },
);

const schema = z.object({
  PORT: int(1, 65535).default(3000),
  HOST: z.string().min(1, { message: 'must not be empty' }).default('127.0.0.1'),
  DATA_DIR: z.string().min(1, { message: 'must not be empty' }).default('./data'),
  DATABASE_URL: postgresUrl.optional(),
  PUBLIC_URL: httpUrl.optional(),
  LOG_LEVEL: z
    .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], {
      message: 'must be one of fatal, error, warn, info, debug, trace, silent',
    })
    .default('info'),
  CLINIC_NAME: z.string().min(1).default('Clínica Universitaria'),
  CLINIC_TIMEZONE: timeZone.default('Europe/Madrid'),
  APPOINTMENT_CANCEL_CUTOFF_HOURS: int(0, 24 * 30).default(24),
  APPOINTMENT_REMINDER_HOURS: int(1, 24 * 14).default(24),
  ADMIN_EMAIL: z.email({ message: 'must be an e-mail address' }).optional(),
  ADMIN_PASSWORD: z.string().min(12, { message: 'must be at least 12 characters' }).optional(),
  SELF_REGISTRATION: bool.default(true),
  ACCESS_TOKEN_TTL_SECONDS: int(30, 86_400).default(900),
  SESSION_MAX_HOURS: int(1, 24 * 90).default(12),
  IDLE_TIMEOUT_MINUTES: int(1, 24 * 60).default(30),
  SESSION_CHECK_SECONDS: int(0, 300).default(5),
  LOGIN_MAX_FAILURES: int(1, 100).default(5),
  LOGIN_LOCKOUT_MINUTES: int(1, 24 * 60).default(15),
  LOGIN_RATE_LIMIT_PER_MINUTE: int(1, 100_000).default(30),
  AUDIT_SEAL_INTERVAL_SECONDS: int(1, 3600).default(10),
  BODY_LIMIT_BYTES: int(1024, 100 * 1024 * 1024).default(1024 * 1024),
  TRUST_PROXY: bool.default(false),
  // Events and e-mail
  AMQP_URL: amqpUrl.optional(),
  AMQP_PREFIX: z
    .string()
    .regex(/^[a-z][a-z0-9_-]{0,40}$/, { message: 'must be lower-case letters, digits, - or _ (e.g. clinica)' })
    .default('clinica'),
  SMTP_URL: smtpUrl.optional(),
  MAIL_FROM: z.string().regex(/@/, { message: 'must be an address, e.g. Clinic <no-reply@clinic.example>' }).optional(),
  MAIL_API_URL: httpUrl.optional(),
  MAIL_API_KEY: z.string().optional(),
  EVENTS_MAX_ATTEMPTS: int(1, 20).default(8),
  EVENTS_RETRY_BASE_MS: int(10, 3_600_000).default(2000),
  OUTBOX_BATCH_SIZE: int(1, 1000).default(100),
  OUTBOX_POLL_MS: int(10, 60_000).default(1000),
  OUTBOX_RETENTION_DAYS: int(0, 3650).default(7),
  WORKER_PREFETCH: int(1, 1000).default(16),
  WORKER_PORT: int(0, 65535).default(3001),
});

export type Config = Readonly<
  Omit<z.output<typeof schema>, 'PUBLIC_URL' | 'DATA_DIR' | 'MAIL_FROM'> & {
    PUBLIC_URL: string;
    DATA_DIR: string;
    MAIL_FROM: string;
  }
>;

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Variables whose value must never be echoed back (terminals, logs, CI output). */
const SECRET = new Set(['ADMIN_PASSWORD', 'MAIL_API_KEY']);

/** A URL fit to print: any password in it replaced by `***`. Other text comes back as it is. */
export function withoutPassword(value: string): string {
  try {
    const url = new URL(value);
    if (!url.password) return value;
    url.password = '***';
    return url.toString();
  } catch {
    return value;
  }
}

/** The bad value as shown in the message: quoted on one line, secrets left out. */
const shown = (name: string, value: string) =>
  SECRET.has(name) ? '' : ` (got ${JSON.stringify(withoutPassword(value))})`;

/**
 * Validates the environment once. The first bad variable stops start with one line
 * naming it and what is wrong. Empty values count as unset, as in most `.env` files.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const input: Record<string, string> = {};
  for (const key of Object.keys(schema.shape)) {
    const value = env[key];
    if (value !== undefined && value.trim() !== '') input[key] = value.trim();
  }
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const name = String(issue?.path[0] ?? 'configuration');
    const value = input[name];
    const got = value === undefined ? '' : shown(name, value);
    throw new ConfigError(`Invalid configuration: ${name} ${issue?.message ?? 'is invalid'}${got}`);
  }
  const c = parsed.data;
  if (c.MAIL_API_URL && !c.MAIL_API_KEY) {
    throw new ConfigError('Invalid configuration: MAIL_API_KEY is required with MAIL_API_URL');
  }
  if (c.MAIL_API_URL && c.SMTP_URL) {
    throw new ConfigError('Invalid configuration: set either SMTP_URL or MAIL_API_URL, not both');
  }
  const publicUrl = (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, '');
  return Object.freeze({
    ...c,
    MAIL_FROM: c.MAIL_FROM ?? `${c.CLINIC_NAME} <no-reply@${new URL(publicUrl).hostname}>`,
    DATA_DIR: path.resolve(c.DATA_DIR),
    PUBLIC_URL: publicUrl,
  });
}
