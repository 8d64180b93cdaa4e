import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from 'jose';
import type { Database } from '../../platform/db/database.js';
import { type Actor, ROLES, type Role } from '../../platform/http/access.js';
import { findLinkedAccount } from './oidc.repository.js';
import { assertsMfa, hasRolesClaim, type MfaPolicy, mapRoles, type RolePolicy } from './oidc-claims.js';
import type { OidcIssuer } from './oidc-issuer.js';

export interface BearerSettings {
  /** OIDC_ISSUER as configured; tokens are checked against the identifier its metadata names. */
  issuer: string;
  /** Expected `aud` of access tokens (OIDC_AUDIENCE, by default the client id). */
  audience: string;
  roles: RolePolicy;
  mfa: MfaPolicy;
  /** Client id -> fixed roles, or null for "roles from the token's claim". */
  serviceAccounts: Readonly<Record<string, readonly Role[] | null>>;
  /** How long a verified token (and its account's state) is remembered. */
  cacheSeconds: number;
}

const CACHE_SIZE = 10_000;

/** Header `typ` values an access token may carry (RFC 9068, or a plain JWT as Keycloak writes). */
const ACCESS_TOKEN_TYPES = new Set(['at+jwt', 'application/at+jwt', 'jwt']);

/** Whether two issuer identifiers name the same URL (`https://idp` and `https://idp/` do). */
function sameIssuer(a: unknown, b: string): boolean {
  if (typeof a !== 'string') return false;
  try {
    return new URL(a).href === new URL(b).href;
  } catch {
    return false;
  }
}

/**
 * A stable id for a service account, derived from the issuer and its client id (a UUID in
 * the form of version 5), so the audit trail names the same caller every time.
 */
export function serviceAccountId(issuer: string, clientId: string): string {
  const hash = createHash('sha1').update(`${issuer}#${clientId}`).digest();
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Accepts access tokens that the provider issued for Clinica's API: API clients acting for a
 * person who has signed in to Clinica before (their account's activity and patient link
 * apply), and service accounts (client credentials), which never act as a patient.
 */
export class OidcBearer {
  private readonly verified = new Map<string, { actor: Actor; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly issuer: OidcIssuer,
    private readonly settings: BearerSettings,
  ) {}

  /** The caller of a valid provider access token, or null for anything else. */
  verify = async (token: string): Promise<Actor | null> => {
    const known = this.verified.get(token);
    if (known) {
      if (known.until > Date.now()) return known.actor;
      this.verified.delete(token);
    }
    let unverified: JWTPayload;
    try {
      unverified = decodeJwt(token);
    } catch {
      return null;
    }
    // Not this provider's: leave it alone (and do not fetch its keys for nothing).
    if (!sameIssuer(unverified.iss, this.settings.issuer)) return null;
    const payload = await this.verifySignature(token);
    if (!payload?.iss) return null;
    const actor = await this.actorOf(payload, payload.iss);
    if (actor && this.settings.cacheSeconds > 0 && payload.exp) {
      if (this.verified.size >= CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
      const until = Math.min(payload.exp * 1000, Date.now() + this.settings.cacheSeconds * 1000);
      this.verified.set(token, { actor, until });
    }
    return actor;
  };

  private async verifySignature(token: string): Promise<JWTPayload | null> {
    try {
      const header = decodeProtectedHeader(token);
      if (header.typ !== undefined && !ACCESS_TOKEN_TYPES.has(header.typ.toLowerCase())) return null;
      const payload = await this.issuer.verify(token, this.settings.audience, ['exp', 'sub']);
      // An ID token is not an access token, even when its audience matches (same client id).
      if (payload.nonce !== undefined || payload.at_hash !== undefined || payload.c_hash !== undefined) return null;
      if (typeof payload.typ === 'string' && payload.typ.toLowerCase() === 'id') return null;
      return payload;
    } catch {
      return null;
    }
  }

  private async actorOf(payload: JWTPayload, issuer: string): Promise<Actor | null> {
    const claims = payload as Record<string, unknown>;
    const sub = String(payload.sub);
    const account = await findLinkedAccount(this.db, issuer, sub);
    if (account) {
      if (!account.active) return null;
      const stored = account.roles.filter((r): r is Role => (ROLES as readonly string[]).includes(r));
      let roles = hasRolesClaim(claims, this.settings.roles) ? mapRoles(claims, this.settings.roles) : stored;
      // Roles that need a second factor stay out unless the token shows one.
      if (!assertsMfa(claims, this.settings.mfa)) roles = roles.filter((r) => !this.settings.mfa.roles.includes(r));
      if (roles.length === 0) return null;
      return { userId: account.user_id, email: account.email, roles, patientId: account.patient_id, sessionId: null };
    }
    const clientId =
      typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : null;
    if (!clientId) return null;
    const configured = this.settings.serviceAccounts[clientId];
    // A person who never signed in to Clinica is not a service account: only listed clients,
    // or tokens of the client itself (RFC 9068: `sub` is the client id), are.
    if (configured === undefined && sub !== clientId) return null;
    const roles = (configured ?? mapRoles(claims, this.settings.roles)).filter((r) => r !== 'patient');
    if (roles.length === 0) return null;
    return {
      userId: serviceAccountId(issuer, clientId),
      email: `${clientId} (service account)`,
      roles: [...roles],
      patientId: null,
      sessionId: null,
    };
  }
}
