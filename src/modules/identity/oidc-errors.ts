import { errors as joseErrors } from 'jose';
import * as client from 'openid-client';
import type { UserRow } from './identity.repository.js';

/**
 * Why a single sign-on attempt ended without a session. The web app receives the code (to
 * choose its own wording) and the message (in English, a person can act on it).
 */
export type SsoErrorCode =
  | 'not_configured'
  | 'invalid_request'
  | 'login_expired'
  | 'provider_error'
  | 'provider_unavailable'
  | 'token_invalid'
  | 'email_missing'
  | 'account_exists'
  | 'account_disabled'
  | 'no_role'
  | 'mfa_required';

export class SsoRefusal extends Error {
  override name = 'SsoRefusal';
  constructor(
    readonly code: SsoErrorCode,
    message: string,
    /** A short reason for the audit trail. */
    readonly reason: string,
    /** The account concerned, when there is one (the audit entry names it). */
    readonly user: UserRow | null = null,
    options: { cause?: unknown } = {},
  ) {
    super(message, options);
  }
}

/** OAuth errors a provider answers when it is the one in trouble, not the request. */
const PROVIDER_TROUBLE = new Set(['server_error', 'temporarily_unavailable']);

/**
 * What went wrong talking to the provider: it refused (an OAuth error: the grant is no longer
 * valid, the account is disabled, ...), it could not be reached or answered nonsense, or what
 * it sent failed validation (signature, issuer, audience, nonce, expiry).
 */
export function failureKind(err: unknown): 'refused' | 'unavailable' | 'invalid' {
  if (err instanceof client.ResponseBodyError) return PROVIDER_TROUBLE.has(err.error) ? 'unavailable' : 'refused';
  if (err instanceof client.AuthorizationResponseError || err instanceof client.WWWAuthenticateChallengeError) {
    return 'refused';
  }
  if (err instanceof TypeError || err instanceof joseErrors.JWKSTimeout) return 'unavailable';
  if (err instanceof Error && (err.name === 'AbortError' || err.name === 'TimeoutError')) return 'unavailable';
  if (err instanceof client.ClientError && err.code === 'OAUTH_RESPONSE_IS_NOT_CONFORM') return 'unavailable';
  return 'invalid';
}

/** An OAuth error's code and description, for messages and the audit trail (never a token). */
export function oauthError(err: unknown): string {
  if (err instanceof client.ResponseBodyError || err instanceof client.AuthorizationResponseError) {
    return err.error_description ? `${err.error}: ${err.error_description}` : err.error;
  }
  return err instanceof Error ? err.message : String(err);
}
