import type { Queryable } from '../../platform/db/database.js';

// Provider identities ---------------------------------------------------------------------

export async function findLinkedUserId(q: Queryable, issuer: string, subject: string): Promise<string | undefined> {
  const { rows } = await q.query<{ user_id: string }>(
    'select user_id from oidc_identities where issuer = $1 and subject = $2',
    [issuer, subject],
  );
  return rows[0]?.user_id;
}

/** The subject an account is linked to at this issuer, if any. */
export async function findSubjectOfUser(q: Queryable, issuer: string, userId: string): Promise<string | undefined> {
  const { rows } = await q.query<{ subject: string }>(
    'select subject from oidc_identities where issuer = $1 and user_id = $2',
    [issuer, userId],
  );
  return rows[0]?.subject;
}

/** Links an account to a provider subject; false when either side is already linked. */
export async function insertIdentity(q: Queryable, issuer: string, subject: string, userId: string): Promise<boolean> {
  const r = await q.query(
    'insert into oidc_identities (issuer, subject, user_id) values ($1, $2, $3) on conflict do nothing',
    [issuer, subject, userId],
  );
  return r.rowCount === 1;
}

export async function touchIdentity(q: Queryable, issuer: string, subject: string) {
  await q.query('update oidc_identities set last_login_at = now() where issuer = $1 and subject = $2', [
    issuer,
    subject,
  ]);
}

/** What a provider access token's subject needs of its account (bearer tokens). */
export interface LinkedAccount {
  user_id: string;
  email: string;
  roles: string[];
  patient_id: string | null;
  active: boolean;
}

export async function findLinkedAccount(
  q: Queryable,
  issuer: string,
  subject: string,
): Promise<LinkedAccount | undefined> {
  const { rows } = await q.query<LinkedAccount>(
    `select u.id as user_id, u.email, u.roles, u.patient_id, u.active
       from oidc_identities i join users u on u.id = i.user_id
      where i.issuer = $1 and i.subject = $2`,
    [issuer, subject],
  );
  return rows[0];
}

// Sign-ins on their way through the provider -------------------------------------------------

export interface PendingLogin {
  nonce: string;
  code_verifier: string;
  return_to: string | null;
}

export async function insertPendingLogin(
  q: Queryable,
  p: { stateHash: string; nonce: string; codeVerifier: string; returnTo: string | null; expiresAt: Date },
) {
  // Abandoned sign-ins are cleared as new ones start; the expiry index keeps this cheap.
  await q.query('delete from oidc_logins where expires_at < now()');
  await q.query(
    `insert into oidc_logins (state_hash, nonce, code_verifier, return_to, expires_at) values ($1, $2, $3, $4, $5)`,
    [p.stateHash, p.nonce, p.codeVerifier, p.returnTo, p.expiresAt],
  );
}

/** Takes a pending sign-in: once, and only before it expires. */
export async function takePendingLogin(q: Queryable, stateHash: string): Promise<PendingLogin | undefined> {
  const { rows } = await q.query<PendingLogin & { expired: boolean }>(
    `delete from oidc_logins where state_hash = $1
     returning nonce, code_verifier, return_to, expires_at < now() as expired`,
    [stateHash],
  );
  const row = rows[0];
  return row && !row.expired ? row : undefined;
}

// Provider side of Clinica sessions ---------------------------------------------------------

export interface ProviderSession {
  session_id: string;
  issuer: string;
  subject: string;
  provider_sid: string | null;
  id_token: string | null;
  refresh_token: string | null;
  mfa: boolean;
}

const PROVIDER_SESSION = 'session_id, issuer, subject, provider_sid, id_token, refresh_token, mfa';

export async function insertProviderSession(q: Queryable, s: ProviderSession) {
  await q.query(
    `insert into oidc_sessions (session_id, issuer, subject, provider_sid, id_token, refresh_token, mfa)
     values ($1, $2, $3, $4, $5, $6, $7)`,
    [s.session_id, s.issuer, s.subject, s.provider_sid, s.id_token, s.refresh_token, s.mfa],
  );
}

/** The provider side of the live session a Clinica refresh token belongs to. */
export async function findProviderSessionByToken(
  q: Queryable,
  tokenHash: string,
): Promise<ProviderSession | undefined> {
  const { rows } = await q.query<ProviderSession>(
    `select o.session_id, o.issuer, o.subject, o.provider_sid, o.id_token, o.refresh_token, o.mfa
       from sessions s join oidc_sessions o on o.session_id = s.id
      where s.token_hash = $1 and s.revoked_at is null and s.expires_at > now()`,
    [tokenHash],
  );
  return rows[0];
}

export async function findProviderSession(
  q: Queryable,
  sessionId: string,
  forUpdate = false,
): Promise<ProviderSession | undefined> {
  const { rows } = await q.query<ProviderSession>(
    `select ${PROVIDER_SESSION} from oidc_sessions where session_id = $1${forUpdate ? ' for update' : ''}`,
    [sessionId],
  );
  return rows[0];
}

export async function updateProviderTokens(
  q: Queryable,
  sessionId: string,
  tokens: { refreshToken: string | null; idToken: string | null },
) {
  await q.query(
    `update oidc_sessions set refresh_token = coalesce($2, refresh_token), id_token = coalesce($3, id_token),
       refreshed_at = now() where session_id = $1`,
    [sessionId, tokens.refreshToken, tokens.idToken],
  );
}

/** An ended session's provider refresh token is of no more use: it is not kept. */
export async function forgetProviderRefreshTokens(q: Queryable, sessionIds: string[]) {
  if (sessionIds.length === 0) return;
  await q.query('update oidc_sessions set refresh_token = null where session_id = any($1::uuid[])', [sessionIds]);
}

/** Live Clinica sessions of a provider session (`sid`) or of a provider account (`sub`). */
export async function findSessionsForLogout(
  q: Queryable,
  issuer: string,
  sid: string | null,
  sub: string | null,
): Promise<{ session_id: string; user_id: string }[]> {
  const { rows } = await q.query<{ session_id: string; user_id: string }>(
    `select s.id as session_id, s.user_id from oidc_sessions o join sessions s on s.id = o.session_id
      where o.issuer = $1 and s.revoked_at is null
        and ($2::text is null or o.provider_sid = $2) and ($3::text is null or o.subject = $3)
      order by s.id for update of s`,
    [issuer, sid, sub],
  );
  return rows;
}

/** Remembers a logout token's id; false when it was already used. */
export async function rememberLogoutToken(q: Queryable, issuer: string, jti: string, expiresAt: Date) {
  await q.query('delete from oidc_logout_tokens where expires_at < now()');
  const r = await q.query(
    'insert into oidc_logout_tokens (issuer, jti, expires_at) values ($1, $2, $3) on conflict do nothing',
    [issuer, jti, expiresAt],
  );
  return r.rowCount === 1;
}

// One-time codes handing a sign-in to the web app ----------------------------------------------

export async function insertExchangeCode(q: Queryable, codeHash: string, sessionId: string, expiresAt: Date) {
  await q.query('delete from oidc_exchange_codes where expires_at < now()');
  await q.query('insert into oidc_exchange_codes (code_hash, session_id, expires_at) values ($1, $2, $3)', [
    codeHash,
    sessionId,
    expiresAt,
  ]);
}

/** Spends a code: the session it hands over, once, and only before it expires. */
export async function useExchangeCode(q: Queryable, codeHash: string): Promise<string | undefined> {
  const { rows } = await q.query<{ session_id: string }>(
    `update oidc_exchange_codes set used_at = now()
      where code_hash = $1 and used_at is null and expires_at > now() returning session_id`,
    [codeHash],
  );
  return rows[0]?.session_id;
}

export async function findLiveSession(
  q: Queryable,
  sessionId: string,
): Promise<{ id: string; user_id: string } | undefined> {
  const { rows } = await q.query<{ id: string; user_id: string }>(
    `select id, user_id from sessions where id = $1 and revoked_at is null and expires_at > now() for update`,
    [sessionId],
  );
  return rows[0];
}
