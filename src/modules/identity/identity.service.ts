import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { z } from 'zod';
import type { Config } from '../../config.js';
import type { AuditTrail } from '../../platform/audit/audit.js';
import { decoyHash, hashPassword, verifyPassword } from '../../platform/auth/passwords.js';
import type { TokenService } from '../../platform/auth/tokens.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { Actor, RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, DomainError, forbidden, unauthorized } from '../../platform/http/errors.js';
import type { PatientsService } from '../patients/patients.service.js';
import * as repo from './identity.repository.js';
import type { LoginBody, RegisterBody, SessionUser, TokenResponse } from './identity.schemas.js';
import { acceptTotp, hashRecoveryCode, newRecoveryCodes, newTotpSecret, totpUri } from './mfa.js';
import type { SessionLiveness } from './session-liveness.js';

type Tokens = z.output<typeof TokenResponse>;

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const wrongCredentials = () => unauthorized('The e-mail or password is wrong.');
const sessionEnded = () => unauthorized('Your session has ended; sign in again.');

function locked(until: Date) {
  const seconds = Math.max(1, Math.ceil((until.getTime() - Date.now()) / 1000));
  return new DomainError(
    'ACCOUNT_LOCKED',
    429,
    `Too many failed sign-in attempts: this account is locked until ${until.toISOString()}.`,
    { lockedUntil: until.toISOString() },
    { 'retry-after': String(seconds) },
  );
}

export function actorOf(user: repo.UserRow, sessionId: string | null = null): Actor {
  return { userId: user.id, email: user.email, roles: user.roles, patientId: user.patient_id, sessionId };
}

export function sessionUser(user: repo.UserRow): z.output<typeof SessionUser> {
  return {
    id: user.id,
    email: user.email,
    roles: user.roles,
    ...(user.patient_id ? { patientId: user.patient_id } : {}),
    language: user.language,
    emailNotifications: user.email_notifications,
    mfaEnabled: user.mfa_enabled,
  };
}

type IdentityConfig = Pick<
  Config,
  | 'CLINIC_NAME'
  | 'SELF_REGISTRATION'
  | 'LOCAL_LOGIN'
  | 'OIDC_PROVIDER_NAME'
  | 'SESSION_MAX_HOURS'
  | 'IDLE_TIMEOUT_MINUTES'
  | 'LOGIN_MAX_FAILURES'
  | 'LOGIN_LOCKOUT_MINUTES'
>;

/**
 * Single sign-on's part in the refresh and logout of the sessions it started
 * (`oidc-sessions.ts`). `beforeRefresh` may call the provider, so it runs outside the
 * refresh transaction; `duringRefresh` applies its answer inside it.
 */
export interface SessionHooks {
  beforeRefresh(tokenHash: string): Promise<unknown>;
  duringRefresh(
    tx: Queryable,
    sessionId: string,
    user: repo.UserRow,
    check: unknown,
    ctx: RequestContext,
  ): Promise<repo.UserRow | DomainError>;
  /** After a logout: forgets the provider's tokens; answers where to end the provider session. */
  afterLogout(sessionIds: string[]): Promise<string | null>;
}

/** Sign-in, sessions, self-registration, password and multi-factor changes of one's own account. */
export class IdentityService {
  private sessionHooks: SessionHooks | null = null;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly tokens: TokenService,
    private readonly patients: PatientsService,
    private readonly liveness: SessionLiveness,
    private readonly config: IdentityConfig,
  ) {}

  useSessionHooks(hooks: SessionHooks) {
    this.sessionHooks = hooks;
  }

  private assertLocalLogin() {
    if (!this.config.LOCAL_LOGIN) {
      throw forbidden(`Password sign-in is switched off; sign in with ${this.config.OIDC_PROVIDER_NAME}.`);
    }
  }

  async login(body: z.output<typeof LoginBody>, ctx: RequestContext): Promise<Tokens> {
    this.assertLocalLogin();
    const user = await repo.findUserByEmail(this.db, body.email);
    if (!user?.password_hash) {
      await verifyPassword(body.password, await decoyHash());
      await this.audit.record(ctx, {
        action: 'auth.login',
        outcome: 'failure',
        details: { reason: 'unknown-account' },
      });
      throw wrongCredentials();
    }
    const as = { ...ctx, actor: actorOf(user) };
    if (user.locked_until && user.locked_until > new Date()) {
      await this.audit.record(as, { action: 'auth.login', outcome: 'denied', details: { reason: 'locked' } });
      throw locked(user.locked_until);
    }
    if (!(await verifyPassword(body.password, user.password_hash))) return this.failLogin(user, as, 'wrong-password');
    if (!user.active) {
      await this.audit.record(as, { action: 'auth.login', outcome: 'denied', details: { reason: 'deactivated' } });
      throw unauthorized('This account is deactivated; ask an administrator.');
    }
    if (user.mfa_enabled && !body.otp) {
      throw unauthorized('Enter the code from your authenticator app.', { mfaRequired: true });
    }
    const tokens = await this.db.transaction(async (tx) => {
      if (user.mfa_enabled && !(await this.secondFactor(tx, user, body.otp ?? ''))) return null;
      await repo.recordLoginSuccess(tx, user.id);
      const issued = await this.startSession(tx, user, ctx);
      await this.audit.write(tx, as, { action: 'auth.login', details: { mfa: user.mfa_enabled } });
      return issued;
    });
    return tokens ?? this.failLogin(user, as, 'wrong-code');
  }

  private async failLogin(user: repo.UserRow, as: RequestContext, reason: string): Promise<never> {
    const after = await this.db.transaction(async (tx) => {
      const r = await repo.recordLoginFailure(
        tx,
        user.id,
        this.config.LOGIN_MAX_FAILURES,
        this.config.LOGIN_LOCKOUT_MINUTES,
      );
      await this.audit.write(tx, as, {
        action: 'auth.login',
        outcome: 'failure',
        details: { reason, failures: r?.failed_logins ?? 0 },
      });
      return r;
    });
    if (after?.locked_until && after.locked_until > new Date()) throw locked(after.locked_until);
    if (reason === 'wrong-code') throw unauthorized('The code is wrong or was already used.', { mfaRequired: true });
    throw wrongCredentials();
  }

  /** A TOTP code (each time step accepted once) or an unused recovery code. */
  private async secondFactor(tx: Queryable, user: repo.UserRow, code: string): Promise<boolean> {
    if (!user.mfa_secret) return false;
    if (/^\d{6}$/.test(code)) {
      const step = await acceptTotp(user.mfa_secret, code, user.mfa_last_step);
      return step !== null && (await repo.claimTotpStep(tx, user.id, step));
    }
    return repo.useRecoveryCode(tx, user.id, hashRecoveryCode(code));
  }

  private async startSession(tx: Queryable, user: repo.UserRow, ctx: RequestContext): Promise<Tokens> {
    const refreshToken = randomBytes(32).toString('base64url');
    const sessionId = randomUUID();
    await repo.insertSession(tx, {
      id: sessionId,
      userId: user.id,
      tokenHash: sha256(refreshToken),
      expiresAt: new Date(Date.now() + this.config.SESSION_MAX_HOURS * 3_600_000),
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    });
    return this.issue(user, sessionId, refreshToken);
  }

  async issue(user: repo.UserRow, sessionId: string, refreshToken: string): Promise<Tokens> {
    const accessToken = await this.tokens.sign({
      userId: user.id,
      email: user.email,
      roles: user.roles,
      patientId: user.patient_id,
      sessionId,
    });
    return { accessToken, refreshToken, expiresIn: this.tokens.accessTokenTtl, user: sessionUser(user) };
  }

  /**
   * Rotates a refresh token. The account is read again, so a deactivation or a role change
   * takes effect here. A token that was already rotated means it leaked: the whole session ends.
   */
  async refresh(refreshToken: string, ctx: RequestContext): Promise<Tokens> {
    const hash = sha256(refreshToken);
    const checked = await this.sessionHooks?.beforeRefresh(hash);
    const outcome = await this.db.transaction(async (tx): Promise<Tokens | DomainError> => {
      const session = await repo.findSessionByToken(tx, hash);
      if (!session) {
        const reused = await repo.findSessionByPreviousToken(tx, hash);
        if (reused && !reused.revoked_at) {
          await repo.revokeSession(tx, reused.id);
          await this.audit.write(tx, ctx, {
            action: 'auth.refresh',
            outcome: 'denied',
            resourceType: 'Session',
            resourceId: reused.id,
            details: { reason: 'token-reuse', userId: reused.user_id },
          });
        }
        return sessionEnded();
      }
      const idleSince = Date.now() - this.config.IDLE_TIMEOUT_MINUTES * 60_000;
      if (
        session.revoked_at ||
        session.expires_at.getTime() < Date.now() ||
        session.last_used_at.getTime() < idleSince
      ) {
        await repo.revokeSession(tx, session.id);
        return sessionEnded();
      }
      let user = await repo.findUser(tx, session.user_id);
      if (!user?.active) {
        await repo.revokeSession(tx, session.id);
        return unauthorized('This account is deactivated; ask an administrator.');
      }
      if (this.sessionHooks && checked) {
        const applied = await this.sessionHooks.duringRefresh(tx, session.id, user, checked, ctx);
        if (applied instanceof DomainError) return applied;
        user = applied;
      }
      const next = randomBytes(32).toString('base64url');
      await repo.rotateSession(tx, session.id, sha256(next));
      return this.issue(user, session.id, next);
    });
    if (outcome instanceof DomainError) {
      this.liveness.forgetAll();
      throw outcome;
    }
    return outcome;
  }

  /** Ends the session; for a single sign-on session, answers where to end it at the provider too. */
  async logout(refreshToken: string | undefined, ctx: RequestContext): Promise<string | null> {
    const ended = await this.db.transaction(async (tx) => {
      const session = refreshToken ? await repo.findSessionByToken(tx, sha256(refreshToken)) : undefined;
      const ids = new Set([session?.id, ctx.actor?.sessionId].filter((id): id is string => !!id));
      for (const id of ids) {
        await repo.revokeSession(tx, id);
        await this.audit.write(tx, ctx, { action: 'auth.logout', resourceType: 'Session', resourceId: id });
      }
      return [...ids];
    });
    this.liveness.forgetAll();
    return this.sessionHooks ? this.sessionHooks.afterLogout(ended) : null;
  }

  /** Patient self-registration: an account with its own new patient record. */
  async register(body: z.output<typeof RegisterBody>, ctx: RequestContext): Promise<Tokens> {
    if (!this.config.SELF_REGISTRATION) {
      throw forbidden('Self-registration is switched off; ask the admissions desk for an account.');
    }
    this.assertLocalLogin();
    const passwordHash = await hashPassword(body.password);
    return this.db.transaction(async (tx) => {
      const userId = randomUUID();
      const user: repo.UserRow = {
        id: userId,
        email: body.email,
        password_hash: passwordHash,
        roles: ['patient'],
        patient_id: null,
        active: true,
        language: body.language ?? 'es',
        email_notifications: true,
        mfa_secret: null,
        mfa_enabled: false,
        mfa_last_step: null,
        failed_logins: 0,
        locked_until: null,
        last_login_at: null,
        created_at: new Date(),
      };
      const as = { ...ctx, actor: actorOf(user) };
      const patient = await this.patients
        .createIn(
          tx,
          {
            documentNumber: body.documentNumber,
            firstName: body.firstName,
            lastName: body.lastName,
            birthDate: body.birthDate,
            sex: body.sex ?? 'unknown',
            email: body.email,
            allergies: [],
            category: 'new',
          },
          as,
        )
        .catch((err: unknown) => {
          // Never tell an anonymous caller whose record a document number belongs to.
          if (err instanceof DomainError && err.status === 409) {
            throw conflict(
              'A patient record with this document number already exists; ask the admissions desk to link your account.',
            );
          }
          throw err;
        });
      user.patient_id = patient.id;
      const inserted = await repo.insertUser(tx, {
        id: userId,
        email: body.email,
        passwordHash,
        roles: ['patient'],
        patientId: patient.id,
        language: user.language,
      });
      if (!inserted) throw conflict('An account with this e-mail already exists; sign in or reset the password.');
      await this.audit.write(tx, as, {
        action: 'user.register',
        resourceType: 'User',
        resourceId: userId,
        patientId: patient.id,
      });
      await appendEvent(tx, {
        type: 'user.registered',
        aggregateId: userId,
        patientId: patient.id,
        payload: { userId, patientId: patient.id },
      });
      return this.startSession(tx, user, ctx);
    });
  }

  async me(actor: Actor): Promise<z.output<typeof SessionUser>> {
    return sessionUser(await this.requireUser(this.db, actor.userId));
  }

  async updatePreferences(
    actor: Actor,
    changes: { language?: 'es' | 'en' | undefined; emailNotifications?: boolean | undefined },
    ctx: RequestContext,
  ): Promise<z.output<typeof SessionUser>> {
    const user = await this.requireUser(this.db, actor.userId);
    return this.db.transaction(async (tx) => {
      const updated = await repo.updateUser(tx, user.id, {
        ...(changes.language ? { language: changes.language } : {}),
        ...(changes.emailNotifications !== undefined ? { emailNotifications: changes.emailNotifications } : {}),
      });
      await this.audit.write(tx, ctx, {
        action: 'user.preferences_update',
        resourceType: 'User',
        resourceId: user.id,
        details: { changedFields: Object.keys(changes) },
      });
      await appendEvent(tx, { type: 'user.updated', aggregateId: user.id, payload: { userId: user.id } });
      return sessionUser(updated ?? user);
    });
  }

  private async requireUser(q: Queryable, id: string) {
    const user = await repo.findUser(q, id);
    if (!user?.active) throw unauthorized('This account is deactivated; ask an administrator.');
    return user;
  }

  async changePassword(actor: Actor, currentPassword: string, newPassword: string, ctx: RequestContext) {
    const user = await this.requireUser(this.db, actor.userId);
    if (!user.password_hash) throw badRequest('This account signs in through single sign-on and has no password.');
    if (!(await verifyPassword(currentPassword, user.password_hash))) {
      throw badRequest('The current password is wrong.', [
        { path: 'body.currentPassword', message: 'is wrong', code: 'incorrect' },
      ]);
    }
    const passwordHash = await hashPassword(newPassword);
    await this.db.transaction(async (tx) => {
      await repo.updateUser(tx, user.id, { passwordHash });
      await repo.revokeUserSessions(tx, user.id, actor.sessionId);
      await this.audit.write(tx, ctx, { action: 'user.password_change', resourceType: 'User', resourceId: user.id });
      await appendEvent(tx, {
        type: 'user.password_changed',
        aggregateId: user.id,
        payload: { userId: user.id },
      });
    });
    this.liveness.forgetAll();
  }

  async setupMfa(actor: Actor, ctx: RequestContext) {
    const user = await this.requireUser(this.db, actor.userId);
    if (user.mfa_enabled)
      throw conflict('Multi-factor sign-in is already on; turn it off first to enrol a new device.');
    const secret = newTotpSecret();
    await this.db.transaction(async (tx) => {
      await repo.setMfa(tx, user.id, secret, false);
      await this.audit.write(tx, ctx, { action: 'user.mfa_setup', resourceType: 'User', resourceId: user.id });
    });
    return { secret, otpauthUrl: totpUri(this.config.CLINIC_NAME, user.email, secret) };
  }

  async enableMfa(actor: Actor, code: string, ctx: RequestContext) {
    const user = await this.requireUser(this.db, actor.userId);
    if (user.mfa_enabled || !user.mfa_secret) throw conflict('Start multi-factor set-up first.');
    const step = await acceptTotp(user.mfa_secret, code, null);
    if (step === null) {
      throw badRequest('The code is wrong; check the time on your phone and try again.', [
        { path: 'body.code', message: 'does not match the authenticator app', code: 'incorrect' },
      ]);
    }
    const recoveryCodes = newRecoveryCodes();
    await this.db.transaction(async (tx) => {
      await repo.setMfa(tx, user.id, user.mfa_secret, true, step);
      await repo.insertRecoveryCodes(tx, user.id, recoveryCodes.map(hashRecoveryCode));
      await this.mfaChanged(tx, ctx, user.id, true);
    });
    return { recoveryCodes };
  }

  async disableMfa(actor: Actor, password: string, code: string, ctx: RequestContext) {
    const user = await this.requireUser(this.db, actor.userId);
    if (!user.mfa_enabled) throw conflict('Multi-factor sign-in is not on.');
    const passwordOk = user.password_hash ? await verifyPassword(password, user.password_hash) : false;
    const done = await this.db.transaction(async (tx) => {
      if (!passwordOk || !(await this.secondFactor(tx, user, code))) return false;
      await repo.setMfa(tx, user.id, null, false);
      await this.mfaChanged(tx, ctx, user.id, false);
      return true;
    });
    if (!done) throw badRequest('The password or the code is wrong.');
  }

  /** After an administrator revoked sessions (deactivation, new password). */
  sessionsRevoked(): void {
    this.liveness.forgetAll();
  }

  /** Also used by administrators resetting someone's multi-factor sign-in. */
  async mfaChanged(tx: Queryable, ctx: RequestContext, userId: string, enabled: boolean) {
    await this.audit.write(tx, ctx, {
      action: enabled ? 'user.mfa_enable' : 'user.mfa_disable',
      resourceType: 'User',
      resourceId: userId,
    });
    await appendEvent(tx, {
      type: 'user.mfa_changed',
      aggregateId: userId,
      payload: { userId, enabled },
    });
  }
}
