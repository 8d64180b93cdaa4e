import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as client from 'openid-client';
import type { z } from 'zod';
import type { Config } from '../../config.js';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { type RequestContext, ROLES } from '../../platform/http/access.js';
import { DomainError } from '../../platform/http/errors.js';
import * as users from './identity.repository.js';
import type { TokenResponse } from './identity.schemas.js';
import { actorOf, type IdentityService } from './identity.service.js';
import * as repo from './oidc.repository.js';
import {
  assertsMfa,
  hasRolesClaim,
  type MfaPolicy,
  mapRoles,
  type RolePolicy,
  rolesNeedingMfa,
  safeReturnTo,
} from './oidc-claims.js';
import { failureKind, oauthError, SsoRefusal } from './oidc-errors.js';
import type { OidcIssuer } from './oidc-issuer.js';
import { provisionUser } from './oidc-provisioning.js';

type Tokens = z.output<typeof TokenResponse>;

/** A sign-in may take this long at the provider. */
export const LOGIN_MINUTES = 10;
/** The web app has this long to exchange the one-time code for its tokens. */
export const EXCHANGE_SECONDS = 60;
export const CALLBACK_PATH = '/api/v1/auth/oidc/callback';
export const LOGIN_PATH = '/api/v1/auth/oidc/login';
/** The web app's page that finishes a sign-in (the code or the error travel in the fragment). */
const WEB_CALLBACK = '/auth/callback';

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export interface SsoSettings {
  providerName: string;
  publicUrl: string;
  clientId: string;
  scopes: string;
  localLogin: boolean;
  roles: RolePolicy;
  mfa: MfaPolicy;
  sessionMaxHours: number;
}

export function ssoSettings(config: Config): SsoSettings {
  return {
    providerName: config.OIDC_PROVIDER_NAME,
    publicUrl: config.PUBLIC_URL,
    clientId: config.OIDC_CLIENT_ID ?? '',
    scopes: config.OIDC_SCOPES,
    localLogin: config.LOCAL_LOGIN,
    roles: { claim: config.OIDC_ROLES_CLAIM, map: config.OIDC_ROLE_MAP, known: ROLES },
    mfa: { roles: config.OIDC_REQUIRE_MFA_ROLES, acrValues: config.OIDC_MFA_ACR_VALUES },
    sessionMaxHours: config.SESSION_MAX_HOURS,
  };
}

/** Where the browser goes next; a failure is there for the log (its message is in the location). */
export interface SsoRedirect {
  location: string;
  failure?: SsoRefusal;
}

const failed = (failure: SsoRefusal): SsoRedirect => ({
  location: `${WEB_CALLBACK}#error=${failure.code}&message=${encodeURIComponent(failure.message)}`,
  failure,
});

/**
 * The claims about the person: the verified ID token's, completed from the UserInfo endpoint
 * when the token lacks the e-mail or the roles claim (Clerk, for one, puts public metadata
 * only there).
 */
export async function providerClaims(
  config: client.Configuration,
  settings: SsoSettings,
  idToken: Record<string, unknown> | null,
  accessToken: string,
  subject: string,
): Promise<Record<string, unknown> | null> {
  const complete = idToken && 'email' in idToken && hasRolesClaim(idToken, settings.roles);
  if (complete || !config.serverMetadata().userinfo_endpoint) return idToken;
  const userinfo = await client.fetchUserInfo(config, accessToken, subject);
  return { ...userinfo, ...idToken };
}

/**
 * Sign-in through the configured OpenID Connect provider: authorization code flow with PKCE,
 * `state` and `nonce` (openid-client), the ID token's signature checked against the provider's
 * published keys, then an ordinary Clinica session handed to the web app by a one-time code.
 */
export class SingleSignOn {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly identity: IdentityService,
    private readonly issuer: OidcIssuer | null,
    private readonly settings: SsoSettings,
  ) {}

  providers() {
    const name = this.settings.providerName;
    return {
      localLogin: this.settings.localLogin,
      providers: this.issuer ? [{ id: 'oidc' as const, name, loginUrl: LOGIN_PATH }] : [],
    };
  }

  private get name() {
    return this.settings.providerName;
  }

  private unavailable(err: unknown) {
    return new SsoRefusal(
      'provider_unavailable',
      `${this.name} cannot be reached right now; try again in a moment.`,
      'provider-unavailable',
      null,
      { cause: err },
    );
  }

  /** Sends the browser to the provider, remembering the sign-in (state, nonce, PKCE verifier) for any replica. */
  async startLogin(returnTo: unknown): Promise<SsoRedirect> {
    if (!this.issuer) return failed(notConfigured());
    let config: client.Configuration;
    try {
      config = await this.issuer.configuration();
    } catch (err) {
      return failed(this.unavailable(err));
    }
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    await repo.insertPendingLogin(this.db, {
      stateHash: sha256(state),
      nonce,
      codeVerifier,
      returnTo: safeReturnTo(returnTo),
      expiresAt: new Date(Date.now() + LOGIN_MINUTES * 60_000),
    });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: `${this.settings.publicUrl}${CALLBACK_PATH}`,
      scope: this.settings.scopes,
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { location: url.href };
  }

  /** The provider's answer: validates it, finds or creates the account, opens a session. */
  async finishLogin(query: string, ctx: RequestContext): Promise<SsoRedirect> {
    try {
      const { code, returnTo } = await this.completeLogin(query, ctx);
      const back = returnTo ? `&returnTo=${encodeURIComponent(returnTo)}` : '';
      return { location: `${WEB_CALLBACK}#code=${encodeURIComponent(code)}${back}` };
    } catch (err) {
      if (!(err instanceof SsoRefusal)) throw err;
      await this.audit.record(err.user ? { ...ctx, actor: actorOf(err.user) } : ctx, {
        action: 'auth.login',
        outcome: err.code === 'provider_unavailable' ? 'failure' : 'denied',
        details: { method: 'sso', reason: err.reason },
      });
      return failed(err);
    }
  }

  private async completeLogin(query: string, ctx: RequestContext) {
    if (!this.issuer) throw notConfigured();
    const params = new URLSearchParams(query);
    const state = params.get('state');
    if (!state) {
      throw new SsoRefusal(
        'invalid_request',
        'The answer from the sign-in page is incomplete; start again.',
        'no-state',
      );
    }
    // Taken before anything else: a state works once, whatever happens next.
    const pending = await repo.takePendingLogin(this.db, sha256(state));
    if (!pending) {
      throw new SsoRefusal(
        'login_expired',
        'This sign-in has expired or was already used; start again.',
        'unknown-or-used-state',
      );
    }
    const providerError = params.get('error');
    if (providerError) {
      const description = (params.get('error_description') ?? providerError).slice(0, 300);
      throw new SsoRefusal(
        'provider_error',
        `${this.name} did not sign you in: ${description}`,
        `provider:${providerError}`,
      );
    }
    const config = await this.issuer.configuration().catch((err: unknown) => {
      throw this.unavailable(err);
    });
    const currentUrl = new URL(`${this.settings.publicUrl}${CALLBACK_PATH}?${query}`);
    const tokens = await client
      .authorizationCodeGrant(config, currentUrl, {
        pkceCodeVerifier: pending.code_verifier,
        expectedState: state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      })
      .catch((err: unknown) => {
        throw this.providerFailure(err);
      });
    const idToken = tokens.id_token ?? '';
    // openid-client checked issuer, audience, expiry and nonce; the signature is checked here,
    // against the provider's published keys (fetched again when it rotates them).
    const verified = await this.issuer
      .verify(idToken, this.settings.clientId, ['sub', 'iat', 'exp'])
      .catch((err: unknown) => {
        throw this.providerFailure(err);
      });
    const subject = String(verified.sub);
    const claims =
      (await providerClaims(config, this.settings, verified, tokens.access_token, subject).catch((err: unknown) => {
        throw this.providerFailure(err);
      })) ?? verified;
    const roles = mapRoles(claims, this.settings.roles);
    if (roles.length === 0) {
      throw new SsoRefusal(
        'no_role',
        `Your account at ${this.name} has no Clinica role; ask an administrator to give you one.`,
        'no-role',
      );
    }
    const mfa = assertsMfa(claims, this.settings.mfa);
    const needing = rolesNeedingMfa(roles, this.settings.mfa);
    if (needing.length > 0 && !mfa) {
      throw new SsoRefusal(
        'mfa_required',
        `The role ${needing.join(', ')} needs multi-factor authentication: sign in at ${this.name} with a second factor.`,
        'mfa-required',
      );
    }
    const issuer = verified.iss as string;
    return this.db.transaction(async (tx) => {
      const found = await provisionUser(tx, this.audit, ctx, {
        issuer,
        subject,
        claims,
        roles,
        providerName: this.name,
      });
      const sessionId = await this.openSession(tx, found.user, ctx);
      await repo.insertProviderSession(tx, {
        session_id: sessionId,
        issuer,
        subject,
        provider_sid: typeof claims.sid === 'string' ? claims.sid : null,
        id_token: idToken,
        refresh_token: tokens.refresh_token ?? null,
        mfa,
      });
      const code = await newExchangeCode(tx, sessionId);
      await this.audit.write(
        tx,
        { ...ctx, actor: actorOf(found.user, sessionId) },
        {
          action: 'auth.login',
          details: { method: 'sso', mfa, provisioned: found.provisioned, linked: found.linked },
        },
      );
      return { code, returnTo: pending.return_to };
    });
  }

  private providerFailure(err: unknown): SsoRefusal {
    if (err instanceof SsoRefusal) return err;
    const kind = failureKind(err);
    if (kind === 'unavailable') return this.unavailable(err);
    if (kind === 'refused') {
      return new SsoRefusal(
        'provider_error',
        `${this.name} refused to complete the sign-in (${oauthError(err)}); start again.`,
        'provider-refused',
        null,
        { cause: err },
      );
    }
    return new SsoRefusal(
      'token_invalid',
      `The answer from ${this.name} could not be verified; start the sign-in again.`,
      'token-invalid',
      null,
      { cause: err },
    );
  }

  /** A session like a password sign-in's; its refresh token is issued at the code exchange. */
  private async openSession(tx: Queryable, user: users.UserRow, ctx: RequestContext): Promise<string> {
    const sessionId = randomUUID();
    await users.insertSession(tx, {
      id: sessionId,
      userId: user.id,
      tokenHash: sha256(randomBytes(32).toString('base64url')),
      expiresAt: new Date(Date.now() + this.settings.sessionMaxHours * 3_600_000),
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    });
    return sessionId;
  }

  /** The web app trades the one-time code for the session's tokens: once, within a minute. */
  async exchange(code: string): Promise<Tokens> {
    const tokens = await this.db.transaction(async (tx) => {
      const sessionId = await repo.useExchangeCode(tx, sha256(code));
      const session = sessionId ? await repo.findLiveSession(tx, sessionId) : undefined;
      const user = session ? await users.findUser(tx, session.user_id) : undefined;
      if (!session || !user?.active) return null;
      const refreshToken = randomBytes(32).toString('base64url');
      await users.rotateSession(tx, session.id, sha256(refreshToken));
      return this.identity.issue(user, session.id, refreshToken);
    });
    if (!tokens) {
      throw new DomainError(
        'SSO_CODE_INVALID',
        400,
        'This sign-in code is unknown, has expired or was already used; sign in again.',
      );
    }
    return tokens;
  }
}

/** A one-time code that hands a session to the web app; only its hash is stored. */
export async function newExchangeCode(q: Queryable, sessionId: string): Promise<string> {
  const code = randomBytes(32).toString('base64url');
  await repo.insertExchangeCode(q, sha256(code), sessionId, new Date(Date.now() + EXCHANGE_SECONDS * 1000));
  return code;
}

function notConfigured() {
  return new SsoRefusal('not_configured', 'Single sign-on is not configured on this server.', 'not-configured');
}
