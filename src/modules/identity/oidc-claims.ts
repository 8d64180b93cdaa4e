import type { Role } from '../../platform/http/access.js';

/**
 * Reading a provider's claims: roles from a configurable (possibly nested) claim through the
 * role map, and whether the sign-in used a second factor. Pure functions.
 */

export interface RolePolicy {
  /** Dotted path of the roles claim: `roles`, `groups`, `realm_access.roles`, `public_metadata.roles`. */
  claim: string;
  /** Provider role -> Clinica roles; without a map, a provider role named like a Clinica role is that role. */
  map: Readonly<Record<string, readonly Role[]>> | undefined;
  known: readonly Role[];
}

export interface MfaPolicy {
  /** Roles that need a second factor asserted by the provider. */
  roles: readonly Role[];
  /** `acr` values that count as multi-factor (e.g. Keycloak's level of assurance "2"). */
  acrValues: readonly string[];
}

/** `amr` values (RFC 8176) that only a sign-in with a second factor (or a key) carries. */
const MFA_AMR = new Set(['mfa', 'otp', 'hwk', 'swk', 'sms', 'tel', 'sc']);

/** The value at a dotted path (`realm_access.roles`); a claim whose own name has dots is found too. */
export function claimAt(claims: Record<string, unknown>, path: string): unknown {
  if (path in claims) return claims[path];
  let value: unknown = claims;
  for (const key of path.split('.')) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}

/** The provider's role names in a claim: a list, or one string of names separated by spaces or commas. */
export function providerRoles(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Whether the claim is there at all (an absent claim is not the same as an empty list). */
export function hasRolesClaim(claims: Record<string, unknown>, policy: RolePolicy): boolean {
  return claimAt(claims, policy.claim) !== undefined;
}

/** Clinica roles the claims give, in Clinica's order. */
export function mapRoles(claims: Record<string, unknown>, policy: RolePolicy): Role[] {
  const granted = new Set<Role>();
  for (const name of providerRoles(claimAt(claims, policy.claim))) {
    const mapped = policy.map ? (policy.map[name] ?? []) : policy.known.filter((r) => r === name);
    for (const r of mapped) granted.add(r);
  }
  return policy.known.filter((r) => granted.has(r));
}

/** Whether the provider asserts a second factor: an `amr` that implies one, or an accepted `acr`. */
export function assertsMfa(claims: Record<string, unknown>, policy: MfaPolicy): boolean {
  const amr = Array.isArray(claims.amr) ? claims.amr : [];
  if (amr.some((m) => typeof m === 'string' && MFA_AMR.has(m.toLowerCase()))) return true;
  return typeof claims.acr === 'string' && policy.acrValues.includes(claims.acr);
}

/** The roles among these that the MFA policy requires a second factor for. */
export function rolesNeedingMfa(roles: readonly Role[], policy: MfaPolicy): Role[] {
  return roles.filter((r) => policy.roles.includes(r));
}

/**
 * Where the web app may go after sign-in: a path on this site only. Anything that a browser
 * could read as another origin (`//host`, `/\host`, `http:`), or control characters, is dropped.
 */
export function safeReturnTo(value: unknown): string | null {
  if (typeof value !== 'string' || value.length > 1000) return null;
  if (!value.startsWith('/') || value.startsWith('//') || value.includes('\\')) return null;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: refusing control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(value)) return null;
  try {
    const url = new URL(value, 'http://clinica.invalid');
    if (url.origin !== 'http://clinica.invalid') return null;
    return `${url.pathname}${url.search}${url.hash}`;
  } catch {
    return null;
  }
}
