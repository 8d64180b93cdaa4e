import type { Queryable } from '../../platform/db/database.js';
import type { Role } from '../../platform/http/access.js';

export interface UserRow {
  id: string;
  email: string;
  password_hash: string | null;
  roles: Role[];
  patient_id: string | null;
  active: boolean;
  language: 'es' | 'en';
  email_notifications: boolean;
  mfa_secret: string | null;
  mfa_enabled: boolean;
  mfa_last_step: number | null;
  failed_logins: number;
  locked_until: Date | null;
  last_login_at: Date | null;
  created_at: Date;
}

const USER_COLUMNS = `id, email, password_hash, roles, patient_id, active, language, email_notifications, mfa_secret, mfa_enabled,
  mfa_last_step, failed_logins, locked_until, last_login_at, created_at`;

export async function findUserByEmail(q: Queryable, email: string): Promise<UserRow | undefined> {
  const { rows } = await q.query<UserRow>(`select ${USER_COLUMNS} from users where lower(email) = lower($1)`, [email]);
  return rows[0];
}

export async function findUser(q: Queryable, id: string, forUpdate = false): Promise<UserRow | undefined> {
  const { rows } = await q.query<UserRow>(
    `select ${USER_COLUMNS} from users where id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return rows[0];
}

export interface NewUser {
  id: string;
  email: string;
  passwordHash: string | null;
  roles: Role[];
  patientId: string | null;
  language: 'es' | 'en';
}

/** Inserts a user; false when the e-mail is taken. */
export async function insertUser(q: Queryable, u: NewUser): Promise<boolean> {
  const r = await q.query(
    `insert into users (id, email, password_hash, roles, patient_id, language) values ($1, $2, $3, $4, $5, $6)
     on conflict do nothing`,
    [u.id, u.email, u.passwordHash, u.roles, u.patientId, u.language],
  );
  return r.rowCount === 1;
}

export interface UserChanges {
  roles?: Role[];
  active?: boolean;
  patientId?: string | null;
  passwordHash?: string;
  language?: 'es' | 'en';
  emailNotifications?: boolean;
}

export async function updateUser(q: Queryable, id: string, c: UserChanges): Promise<UserRow | undefined> {
  const { rows } = await q.query<UserRow>(
    `update users set
       roles = coalesce($2, roles),
       active = coalesce($3, active),
       patient_id = case when $4::boolean then $5::uuid else patient_id end,
       password_hash = coalesce($6, password_hash),
       language = coalesce($7, language),
       email_notifications = coalesce($8, email_notifications),
       failed_logins = case when $3 then 0 else failed_logins end,
       locked_until = case when $3 then null else locked_until end,
       updated_at = now()
     where id = $1 returning ${USER_COLUMNS}`,
    [
      id,
      c.roles ?? null,
      c.active ?? null,
      c.patientId !== undefined,
      c.patientId ?? null,
      c.passwordHash ?? null,
      c.language ?? null,
      c.emailNotifications ?? null,
    ],
  );
  return rows[0];
}

export async function listUsers(q: Queryable, after: string | null, limit: number, search?: string) {
  const { rows } = await q.query<UserRow>(
    `select ${USER_COLUMNS} from users
     where ($1::text is null or lower(email) > $1) and ($2::text is null or strpos(lower(email), lower($2)) > 0)
     order by lower(email) limit $3`,
    [after, search ?? null, limit + 1],
  );
  return rows;
}

export async function countAdmins(q: Queryable): Promise<number> {
  const { rows } = await q.query<{ n: number }>(
    `select count(*)::int as n from users where 'admin' = any(roles) and active`,
  );
  return rows[0]?.n ?? 0;
}

/**
 * Locks the active administrators' rows and counts them, so changes that could remove the
 * last one run one after another. Locked in id order: concurrent callers queue, never deadlock.
 */
export async function lockActiveAdmins(q: Queryable): Promise<number> {
  const { rows } = await q.query(`select id from users where 'admin' = any(roles) and active order by id for update`);
  return rows.length;
}

/** A wrong password or code: counts the failure and locks the account after `max` in a row. */
export async function recordLoginFailure(q: Queryable, id: string, max: number, lockMinutes: number) {
  const { rows } = await q.query<{ failed_logins: number; locked_until: Date | null }>(
    // After a lock-out has expired the count starts again, so one more mistake does not re-lock.
    `with counted as (
       select id, case when locked_until <= now() then 1 else failed_logins + 1 end as failures
       from users where id = $1
     )
     update users u set failed_logins = c.failures,
       locked_until = case when c.failures >= $2 then now() + make_interval(mins => $3)
                           when u.locked_until <= now() then null else u.locked_until end
     from counted c where u.id = c.id returning u.failed_logins, u.locked_until`,
    [id, max, lockMinutes],
  );
  return rows[0];
}

export async function recordLoginSuccess(q: Queryable, id: string) {
  await q.query(`update users set failed_logins = 0, locked_until = null, last_login_at = now() where id = $1`, [id]);
}

/** Accepts a TOTP time step once: false when it (or a later one) was already used. */
export async function claimTotpStep(q: Queryable, id: string, step: number): Promise<boolean> {
  const r = await q.query(
    `update users set mfa_last_step = $2 where id = $1 and (mfa_last_step is null or mfa_last_step < $2)`,
    [id, step],
  );
  return r.rowCount === 1;
}

export async function setMfa(
  q: Queryable,
  id: string,
  secret: string | null,
  enabled: boolean,
  step: number | null = null,
) {
  await q.query(
    `update users set mfa_secret = $2, mfa_enabled = $3, mfa_last_step = $4, updated_at = now() where id = $1`,
    [id, secret, enabled, step],
  );
  await q.query('delete from mfa_recovery_codes where user_id = $1', [id]);
}

export async function insertRecoveryCodes(q: Queryable, userId: string, hashes: string[]) {
  await q.query(`insert into mfa_recovery_codes (user_id, code_hash) select $1, unnest($2::text[])`, [userId, hashes]);
}

/** Spends a recovery code; true when it existed and was unused. */
export async function useRecoveryCode(q: Queryable, userId: string, hash: string): Promise<boolean> {
  const r = await q.query(
    `update mfa_recovery_codes set used_at = now() where user_id = $1 and code_hash = $2 and used_at is null`,
    [userId, hash],
  );
  return r.rowCount === 1;
}

/** The merge step of this module: portal accounts follow their patient record. */
export async function relinkPatient(q: Queryable, fromPatientId: string, toPatientId: string) {
  await q.query('update users set patient_id = $2, updated_at = now() where patient_id = $1', [
    fromPatientId,
    toPatientId,
  ]);
}

// Sessions ------------------------------------------------------------------------------

export interface SessionRow {
  id: string;
  user_id: string;
  token_hash: string;
  last_used_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
}

export async function insertSession(
  q: Queryable,
  s: { id: string; userId: string; tokenHash: string; expiresAt: Date; ip: string; userAgent: string | null },
) {
  await q.query(
    `insert into sessions (id, user_id, token_hash, expires_at, ip, user_agent) values ($1, $2, $3, $4, $5, $6)`,
    [s.id, s.userId, s.tokenHash, s.expiresAt, s.ip, s.userAgent],
  );
}

export async function findSessionByToken(q: Queryable, tokenHash: string): Promise<SessionRow | undefined> {
  const { rows } = await q.query<SessionRow>(
    `select id, user_id, token_hash, last_used_at, expires_at, revoked_at from sessions where token_hash = $1 for update`,
    [tokenHash],
  );
  return rows[0];
}

/** The session whose previous token this is: a rotated token presented again. */
export async function findSessionByPreviousToken(q: Queryable, tokenHash: string): Promise<SessionRow | undefined> {
  const { rows } = await q.query<SessionRow>(
    `select id, user_id, token_hash, last_used_at, expires_at, revoked_at from sessions where previous_token_hash = $1`,
    [tokenHash],
  );
  return rows[0];
}

export async function rotateSession(q: Queryable, id: string, newTokenHash: string) {
  await q.query(
    `update sessions set previous_token_hash = token_hash, token_hash = $2, last_used_at = now() where id = $1`,
    [id, newTokenHash],
  );
}

export async function revokeSession(q: Queryable, id: string) {
  await q.query('update sessions set revoked_at = coalesce(revoked_at, now()) where id = $1', [id]);
}

/** Ends every session of a user except `keep` (after a password change or deactivation). */
export async function revokeUserSessions(q: Queryable, userId: string, keep: string | null = null) {
  await q.query(
    `update sessions set revoked_at = now() where user_id = $1 and revoked_at is null and ($2::uuid is null or id <> $2)`,
    [userId, keep],
  );
}
