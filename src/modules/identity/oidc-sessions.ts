import type { JWTPayload } from 'jose';
import * as client from 'openid-client';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest, DomainError, unauthorized } from '../../platform/http/errors.js';
import type { UserRow } from './identity.repository.js';
import * as users from './identity.repository.js';
import { actorOf, type SessionHooks } from './identity.service.js';
import { providerClaims, type SsoSettings } from './oidc.js';
import * as repo from './oidc.repository.js';
import { mapRoles, rolesNeedingMfa } from './oidc-claims.js';
import { failureKind } from './oidc-errors.js';
import type { OidcIssuer } from './oidc-issuer.js';
import { sameRoles, syncRoles } from './oidc-provisioning.js';
import type { SessionLiveness } from './session-liveness.js';

/** What the provider said when asked again about a session's account. */
export type ProviderCheck =
  | {
      kind: 'refreshed';
      sessionId: string;
      /** Fresh claims (ID token, completed from UserInfo), or null when the provider gave none. */
      claims: Record<string, unknown> | null;
      refreshToken: string | null;
      idToken: string | null;
    }
  | { kind: 'refused'; sessionId: string; reason: string }
  | { kind: 'unavailable'; sessionId: string };

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** Logout tokens older than this are refused; their ids are remembered this long (plus skew). */
const LOGOUT_TOKEN_MAX_AGE_SECONDS = 600;

/**
 * The provider's part in the life of a session it started: every Clinica refresh refreshes at
 * the provider too (so a disabled account, or removed roles, lose access at the next refresh),
 * logout answers the provider's end-session address, and the provider's back-channel logout
 * ends the matching sessions.
 */
export class ProviderSessions implements SessionHooks {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly liveness: SessionLiveness,
    private readonly issuer: OidcIssuer | null,
    private readonly settings: SsoSettings,
  ) {}

  private get name() {
    return this.settings.providerName;
  }

  async beforeRefresh(tokenHash: string): Promise<ProviderCheck | null> {
    if (!this.issuer) return null;
    const session = await repo.findProviderSessionByToken(this.db, tokenHash);
    // Without a provider refresh token there is nothing to ask; the session keeps its roles.
    if (!session?.refresh_token) return null;
    const sessionId = session.session_id;
    try {
      const config = await this.issuer.configuration();
      const tokens = await client.refreshTokenGrant(config, session.refresh_token);
      let idClaims: JWTPayload | null = null;
      if (tokens.id_token) {
        idClaims = await this.issuer.verify(tokens.id_token, this.settings.clientId, ['sub']);
        if (idClaims.sub !== session.subject) return { kind: 'refused', sessionId, reason: 'subject-changed' };
      }
      const claims = await providerClaims(config, this.settings, idClaims, tokens.access_token, session.subject);
      return {
        kind: 'refreshed',
        sessionId,
        claims,
        refreshToken: tokens.refresh_token ?? null,
        idToken: tokens.id_token ?? null,
      };
    } catch (err) {
      const kind = failureKind(err);
      if (kind === 'unavailable') return { kind, sessionId };
      return { kind: 'refused', sessionId, reason: kind === 'refused' ? 'provider-refused' : 'token-invalid' };
    }
  }

  async duringRefresh(
    tx: Queryable,
    sessionId: string,
    user: UserRow,
    check: ProviderCheck,
    ctx: RequestContext,
  ): Promise<UserRow | DomainError> {
    // The token was for another session than the one checked (a race): nothing to apply.
    if (check.sessionId !== sessionId) return user;
    const as = { ...ctx, actor: actorOf(user, sessionId) };
    if (check.kind === 'unavailable') {
      return new DomainError(
        'SSO_UNAVAILABLE',
        503,
        `${this.name} cannot be reached to confirm your account; try again in a moment.`,
      );
    }
    const end = async (reason: string, message: string) => {
      await users.revokeSession(tx, sessionId);
      await repo.forgetProviderRefreshTokens(tx, [sessionId]);
      await this.audit.write(tx, as, {
        action: 'auth.refresh',
        outcome: 'denied',
        resourceType: 'Session',
        resourceId: sessionId,
        details: { method: 'sso', reason },
      });
      return unauthorized(message);
    };
    if (check.kind === 'refused') {
      return end(
        check.reason,
        `Your session at ${this.name} has ended or your account there is disabled; sign in again.`,
      );
    }
    const session = await repo.findProviderSession(tx, sessionId, true);
    await repo.updateProviderTokens(tx, sessionId, { refreshToken: check.refreshToken, idToken: check.idToken });
    if (!check.claims || !session) return user;
    const roles = mapRoles(check.claims, this.settings.roles);
    if (roles.length === 0) {
      return end('no-role', `Your account at ${this.name} no longer has a Clinica role; ask an administrator.`);
    }
    const needing = rolesNeedingMfa(roles, this.settings.mfa);
    if (needing.length > 0 && !session.mfa) {
      return end(
        'mfa-required',
        `The role ${needing.join(', ')} needs multi-factor authentication: sign in again at ${this.name} with a second factor.`,
      );
    }
    return sameRoles(user.roles, roles) ? user : syncRoles(tx, this.audit, as, user, roles);
  }

  /**
   * After a logout: the provider's refresh tokens of these sessions are of no more use and
   * are dropped; answers the provider's end-session address (RP-initiated logout) for the
   * first of them it started.
   */
  async afterLogout(sessionIds: string[]): Promise<string | null> {
    await repo.forgetProviderRefreshTokens(this.db, sessionIds);
    if (!this.issuer) return null;
    for (const id of sessionIds) {
      const session = await repo.findProviderSession(this.db, id);
      if (!session?.id_token) continue;
      try {
        const config = await this.issuer.configuration();
        if (!config.serverMetadata().end_session_endpoint) return null;
        return client.buildEndSessionUrl(config, {
          id_token_hint: session.id_token,
          post_logout_redirect_uri: `${this.settings.publicUrl}/login`,
        }).href;
      } catch {
        return null;
      }
    }
    return null;
  }

  /**
   * OpenID Connect Back-Channel Logout: the provider says a session (`sid`) or every session of
   * an account (`sub`) ended there. The token is checked like an ID token (signature, issuer,
   * audience), plus the logout event, no nonce, recent `iat`, and used once (`jti`).
   */
  async backchannelLogout(logoutToken: string, ctx: RequestContext): Promise<number> {
    if (!this.issuer) throw new DomainError('NOT_FOUND', 404, 'Single sign-on is not configured on this server.');
    let payload: JWTPayload;
    try {
      payload = await this.issuer.verify(logoutToken, this.settings.clientId, ['iat', 'jti']);
    } catch (err) {
      if (failureKind(err) === 'unavailable') {
        throw new DomainError('SSO_UNAVAILABLE', 503, `${this.name} cannot be reached to check the logout token.`);
      }
      throw badRequest(`The logout token is not valid: ${err instanceof Error ? err.message : 'unreadable'}.`);
    }
    const events = payload.events as Record<string, unknown> | undefined;
    const event = events?.[BACKCHANNEL_EVENT];
    if (!event || typeof event !== 'object') throw badRequest('The logout token lacks the back-channel logout event.');
    if (payload.nonce !== undefined) throw badRequest('A logout token must not carry a nonce.');
    const sid = typeof payload.sid === 'string' ? payload.sid : null;
    const sub = typeof payload.sub === 'string' ? payload.sub : null;
    if (!sid && !sub) throw badRequest('The logout token names neither a session (sid) nor an account (sub).');
    const issuedAt = payload.iat ?? 0;
    if (issuedAt < Date.now() / 1000 - LOGOUT_TOKEN_MAX_AGE_SECONDS) throw badRequest('The logout token is too old.');
    const issuer = payload.iss as string;
    const ended = await this.db.transaction(async (tx) => {
      const keepUntil = new Date((issuedAt + LOGOUT_TOKEN_MAX_AGE_SECONDS + 120) * 1000);
      if (!(await repo.rememberLogoutToken(tx, issuer, String(payload.jti), keepUntil))) {
        throw badRequest('This logout token was already used.');
      }
      const sessions = await repo.findSessionsForLogout(tx, issuer, sid, sub);
      const ids = sessions.map((s) => s.session_id);
      await repo.forgetProviderRefreshTokens(tx, ids);
      for (const s of sessions) {
        await users.revokeSession(tx, s.session_id);
        await this.audit.write(tx, ctx, {
          action: 'auth.logout',
          resourceType: 'Session',
          resourceId: s.session_id,
          details: { method: 'sso', via: 'backchannel', userId: s.user_id },
        });
      }
      return sessions.length;
    });
    this.liveness.forgetAll();
    return ended;
  }
}
