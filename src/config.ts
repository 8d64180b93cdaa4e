import path from 'node:path';
import { Cron } from 'croner';
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

/** Where documents or backups live: a folder, a WebDAV server (http/https) or S3-compatible storage. */
const storageUrl = z.string().regex(/^(file:\/\/\/|\/|\.{1,2}\/|https?:\/\/|s3:\/\/|s3\+https?:\/\/)/, {
  message:
    'must be a folder (/path or file:///path), a WebDAV URL (https://user:password@host/path) or S3 (s3://bucket/prefix, s3+https://key:secret@host/bucket/prefix)',
});

/** A cron expression (5 fields, or 6 with seconds first), read in CLINIC_TIMEZONE. */
const cronSchedule = z.string().refine(
  (value) => {
    try {
      new Cron(value, { paused: true });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'must be a cron expression, e.g. "0 2 * * *" for every day at 02:00 (CLINIC_TIMEZONE)' },
);

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

/** Clinica's roles, as configuration may name them (the same list as the access rules). */
const CLINICA_ROLES = ['patient', 'admissions', 'doctor', 'results', 'pharmacist', 'agent', 'admin'] as const;
type ClinicaRole = (typeof CLINICA_ROLES)[number];
const isClinicaRole = (r: string): r is ClinicaRole => (CLINICA_ROLES as readonly string[]).includes(r);
const roleNames = CLINICA_ROLES.join(', ');

/** `a,b,c` as a list of non-empty, trimmed items. */
const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** Roles joined with `+` (`doctor+results`), each a Clinica role. */
function parseRoles(value: string, where: string, ctx: z.RefinementCtx): ClinicaRole[] {
  const roles = value
    .split('+')
    .map((r) => r.trim())
    .filter(Boolean);
  if (roles.length === 0) ctx.addIssue({ code: 'custom', message: `${where} names no role` });
  for (const r of roles) {
    if (!isClinicaRole(r))
      ctx.addIssue({ code: 'custom', message: `${where}: "${r}" is not a Clinica role (${roleNames})` });
  }
  return roles.filter(isClinicaRole);
}

/** An issuer is reached over https; plain http only on this machine (development and tests). */
const issuerUrl = httpUrl.refine(
  (value) => {
    if (!URL.canParse(value)) return true; // already refused as not a URL
    const url = new URL(value);
    return url.protocol === 'https:' || ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  },
  { message: 'must be an https:// URL (http:// only for localhost or 127.0.0.1)' },
);

/** `provider-role=clinica-role[+clinica-role],...`: which Clinica roles each provider role gives. */
const roleMap = z.string().transform((value, ctx) => {
  const map: Record<string, ClinicaRole[]> = {};
  for (const entry of list(value)) {
    const at = entry.lastIndexOf('=');
    const from = entry.slice(0, at).trim();
    if (at < 1 || !from) {
      ctx.addIssue({ code: 'custom', message: `entry "${entry}" must be provider-role=clinica-role` });
      continue;
    }
    map[from] = [...new Set([...(map[from] ?? []), ...parseRoles(entry.slice(at + 1), `entry "${entry}"`, ctx)])];
  }
  if (Object.keys(map).length === 0) ctx.addIssue({ code: 'custom', message: 'must map at least one role' });
  return map;
});

/**
 * `client-id=role[+role],client-id,...`: service accounts (client credentials) and their roles;
 * an entry without roles takes them from the token's roles claim. Never `patient`.
 */
const serviceAccounts = z.string().transform((value, ctx) => {
  const accounts: Record<string, ClinicaRole[] | null> = {};
  for (const entry of list(value)) {
    const at = entry.indexOf('=');
    const clientId = (at < 0 ? entry : entry.slice(0, at)).trim();
    if (!clientId) {
      ctx.addIssue({ code: 'custom', message: `entry "${entry}" must be client-id=role or client-id` });
      continue;
    }
    const roles = at < 0 ? null : parseRoles(entry.slice(at + 1), `entry "${entry}"`, ctx);
    if (roles?.includes('patient')) {
      ctx.addIssue({ code: 'custom', message: `entry "${entry}": a service account cannot have the patient role` });
    }
    accounts[clientId] = roles;
  }
  return accounts;
});

const roleList = z.string().transform((value, ctx) => {
  const roles = list(value);
  for (const r of roles) {
    if (!isClinicaRole(r)) ctx.addIssue({ code: 'custom', message: `"${r}" is not a Clinica role (${roleNames})` });
  }
  return roles.filter(isClinicaRole);
});

/** `1h`, `30m`, `2d` as minutes. */
const durationMinutes = (value: string): number | null => {
  const m = /^(\d{1,6})([mhd])$/.exec(value.trim());
  if (!m) return null;
  return Number(m[1]) * { m: 1, h: 60, d: 1440 }[m[2] as 'm' | 'h' | 'd'];
};

const INCIDENT_PRIORITIES = ['urgent', 'high', 'normal', 'low'] as const;

/**
 * `urgent=1h/8h,high=4h/24h,...`: the first-response and resolution targets of each incident
 * priority. Every priority must be given.
 */
const incidentSla = z.string().transform((value, ctx) => {
  const sla: Partial<
    Record<(typeof INCIDENT_PRIORITIES)[number], { firstResponseMinutes: number; resolutionMinutes: number }>
  > = {};
  for (const entry of list(value)) {
    const [name = '', targets = ''] = entry.split('=').map((s) => s.trim());
    const [first, resolution] = targets.split('/').map((s) => durationMinutes(s));
    if (!(INCIDENT_PRIORITIES as readonly string[]).includes(name) || !first || !resolution) {
      ctx.addIssue({
        code: 'custom',
        message: `entry "${entry}" must be priority=first-response/resolution, e.g. urgent=1h/8h (m, h or d)`,
      });
      continue;
    }
    sla[name as (typeof INCIDENT_PRIORITIES)[number]] = { firstResponseMinutes: first, resolutionMinutes: resolution };
  }
  const missing = INCIDENT_PRIORITIES.filter((p) => !sla[p]);
  if (missing.length > 0)
    ctx.addIssue({ code: 'custom', message: `must give every priority; missing ${missing.join(', ')}` });
  return sla as Record<
    (typeof INCIDENT_PRIORITIES)[number],
    { firstResponseMinutes: number; resolutionMinutes: number }
  >;
});

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
  STOCK_EXPIRY_ALERT_DAYS: int(1, 365).default(60),
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
  // Documents and backups
  STORAGE_URL: storageUrl.optional(),
  DOCUMENT_MAX_BYTES: int(1024, 1024 * 1024 * 1024).default(25 * 1024 * 1024),
  BACKUP_URL: storageUrl.optional(),
  BACKUP_KEY: z
    .string()
    .min(16, { message: 'must be at least 16 characters (a passphrase or a random key)' })
    .optional(),
  BACKUP_SCHEDULE: cronSchedule.optional(),
  BACKUP_KEEP_DAILY: int(0, 3650).default(7),
  BACKUP_KEEP_WEEKLY: int(0, 520).default(4),
  // Helpdesk
  INCIDENT_SLA: incidentSla.default(incidentSla.parse('urgent=1h/8h,high=4h/24h,normal=8h/72h,low=24h/168h')),
  INBOUND_MAIL_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }).max(512).optional(),
  INBOUND_MAIL_ADDRESS: z.email({ message: 'must be an e-mail address, e.g. support@clinic.example' }).optional(),
  // Billing: exact decimals as strings, never floats
  BILLING_TREATMENT_TAX_RATE: z
    .string()
    .regex(/^(100(\.0{1,2})?|\d{1,2}(\.\d{1,2})?)$/, { message: 'must be a percentage from 0 to 100, e.g. 0 or 21' })
    .default('0'),
  BILLING_APPOINTMENT_PRICE: z
    .string()
    .regex(/^\d{1,8}(\.\d{1,2})?$/, { message: 'must be an amount such as 40 or 40.00' })
    .default('0'),
  // Zammad sync (optional): tickets for incidents, articles both ways
  ZAMMAD_URL: httpUrl.optional(),
  ZAMMAD_TOKEN: z.string().min(1).max(512).optional(),
  ZAMMAD_GROUP: z.string().min(1, { message: 'must not be empty' }).max(160).default('Users'),
  ZAMMAD_WEBHOOK_SECRET: z.string().min(16, { message: 'must be at least 16 characters' }).max(512).optional(),
  ZAMMAD_POLL_SECONDS: int(0, 86_400).default(0),
  // Single sign-on (OpenID Connect) and password sign-in
  LOCAL_LOGIN: bool.default(true),
  OIDC_ISSUER: issuerUrl.optional(),
  OIDC_CLIENT_ID: z.string().min(1).max(255).optional(),
  OIDC_CLIENT_SECRET: z.string().max(1024).optional(),
  OIDC_SCOPES: z
    .string()
    .transform((s) => s.split(/\s+/).filter(Boolean).join(' '))
    .refine((s) => s.split(' ').includes('openid'), { message: 'must include openid, e.g. "openid email profile"' })
    .default('openid email profile'),
  OIDC_PROVIDER_NAME: z.string().max(60, { message: 'must be at most 60 characters' }).default('SSO'),
  OIDC_ROLES_CLAIM: z
    .string()
    .regex(/^[^.\s]+(\.[^.\s]+)*$/, {
      message: 'must be a claim name or a dotted path, e.g. roles, groups or realm_access.roles',
    })
    .default('roles'),
  OIDC_ROLE_MAP: roleMap.optional(),
  OIDC_AUDIENCE: z.string().min(1).max(255).optional(),
  OIDC_REQUIRE_MFA_ROLES: roleList.default([]),
  OIDC_MFA_ACR_VALUES: z.string().transform(list).default([]),
  OIDC_SERVICE_ACCOUNTS: serviceAccounts.default({}),
  OIDC_JWKS_CACHE_SECONDS: int(0, 86_400).default(600),
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
const SECRET = new Set([
  'ADMIN_PASSWORD',
  'MAIL_API_KEY',
  'BACKUP_KEY',
  'OIDC_CLIENT_SECRET',
  'INBOUND_MAIL_SECRET',
  'ZAMMAD_TOKEN',
  'ZAMMAD_WEBHOOK_SECRET',
]);

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
  if (c.BACKUP_SCHEDULE && !c.BACKUP_KEY) {
    throw new ConfigError(
      'Invalid configuration: BACKUP_KEY is required with BACKUP_SCHEDULE (backups are encrypted with it; keep a copy somewhere safe)',
    );
  }
  if (c.MAIL_API_URL && c.SMTP_URL) {
    throw new ConfigError('Invalid configuration: set either SMTP_URL or MAIL_API_URL, not both');
  }
  if (c.ZAMMAD_URL && !c.ZAMMAD_TOKEN) {
    throw new ConfigError(
      'Invalid configuration: ZAMMAD_TOKEN is required with ZAMMAD_URL (an access token of a Zammad agent, Profile > Token Access)',
    );
  }
  if (!c.ZAMMAD_URL && (c.ZAMMAD_TOKEN || c.ZAMMAD_WEBHOOK_SECRET || c.ZAMMAD_POLL_SECONDS > 0)) {
    throw new ConfigError('Invalid configuration: the ZAMMAD_ variables need ZAMMAD_URL (the Zammad sync is off)');
  }
  if (c.OIDC_ISSUER && !c.OIDC_CLIENT_ID) {
    throw new ConfigError('Invalid configuration: OIDC_CLIENT_ID is required with OIDC_ISSUER');
  }
  for (const name of Object.keys(input).filter((k) => k.startsWith('OIDC_'))) {
    if (!c.OIDC_ISSUER)
      throw new ConfigError(`Invalid configuration: ${name} needs OIDC_ISSUER (single sign-on is off)`);
  }
  if (!c.LOCAL_LOGIN && !c.OIDC_ISSUER) {
    throw new ConfigError('Invalid configuration: LOCAL_LOGIN=false needs OIDC_ISSUER, or nobody could sign in');
  }
  const publicUrl = (c.PUBLIC_URL ?? `http://localhost:${c.PORT}`).replace(/\/$/, '');
  return Object.freeze({
    ...c,
    MAIL_FROM: c.MAIL_FROM ?? `${c.CLINIC_NAME} <no-reply@${new URL(publicUrl).hostname}>`,
    DATA_DIR: path.resolve(c.DATA_DIR),
    PUBLIC_URL: publicUrl,
  });
}
