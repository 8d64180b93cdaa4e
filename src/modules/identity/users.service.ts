import { randomBytes, randomUUID } from 'node:crypto';
import type { AuditTrail } from '../../platform/audit/audit.js';
import { hashPassword } from '../../platform/auth/passwords.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, DomainError, notFound } from '../../platform/http/errors.js';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.js';
import { findPatient } from '../patients/patients.repository.js';
import * as repo from './identity.repository.js';
import type { CreateUserBody, UpdateUserBody, User } from './identity.schemas.js';
import type { IdentityService } from './identity.service.js';

export function toUser(u: repo.UserRow): User {
  return {
    id: u.id,
    email: u.email,
    roles: u.roles,
    ...(u.patient_id ? { patientId: u.patient_id } : {}),
    active: u.active,
    language: u.language,
    mfaEnabled: u.mfa_enabled,
    ...(u.locked_until && u.locked_until > new Date() ? { lockedUntil: u.locked_until.toISOString() } : {}),
    ...(u.last_login_at ? { lastLoginAt: u.last_login_at.toISOString() } : {}),
    createdAt: u.created_at.toISOString(),
  };
}

/** Administration of accounts (also behind `clinica user`). */
export class UsersService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly identity: IdentityService,
  ) {}

  private async assertPatientExists(q: Queryable, patientId: string) {
    const patient = await findPatient(q, patientId);
    if (!patient || patient.merged_into) {
      throw badRequest('The patient to link does not exist.', [
        { path: 'body.patientId', message: 'is not a patient', code: 'invalid_value' },
      ]);
    }
  }

  async create(body: CreateUserBody, ctx: RequestContext): Promise<User> {
    const passwordHash = body.password ? await hashPassword(body.password) : null;
    return this.db.transaction(async (tx) => {
      if (body.patientId) await this.assertPatientExists(tx, body.patientId);
      const id = randomUUID();
      const inserted = await repo.insertUser(tx, {
        id,
        email: body.email,
        passwordHash,
        roles: body.roles,
        patientId: body.patientId ?? null,
        language: body.language ?? 'es',
      });
      if (!inserted) throw conflict(`An account with the e-mail ${body.email} already exists.`);
      await this.audit.write(tx, ctx, {
        action: 'user.create',
        resourceType: 'User',
        resourceId: id,
        patientId: body.patientId ?? null,
        details: { roles: body.roles },
      });
      await appendEvent(tx, { type: 'user.created', aggregateId: id, payload: { userId: id } });
      return toUser((await repo.findUser(tx, id)) as repo.UserRow);
    });
  }

  async list(query: { q?: string | undefined; cursor?: string | undefined; limit: number }) {
    const after = query.cursor ? decodeCursor(query.cursor, 1) : null;
    if (query.cursor && !after) throw badRequest('The cursor is not valid; start again without it.');
    const rows = await repo.listUsers(this.db, after?.[0] ?? null, query.limit, query.q);
    const more = rows.length > query.limit;
    const items = (more ? rows.slice(0, query.limit) : rows).map(toUser);
    const last = items[items.length - 1];
    return { items, nextCursor: more && last ? encodeCursor([last.email.toLowerCase()]) : null };
  }

  async get(id: string): Promise<User> {
    const user = await repo.findUser(this.db, id);
    if (!user) throw notFound('The user');
    return toUser(user);
  }

  async update(id: string, body: UpdateUserBody, ctx: RequestContext): Promise<User> {
    const passwordHash = body.password ? await hashPassword(body.password) : undefined;
    const user = await this.db.transaction(async (tx) => {
      const mayRemoveAdmin = body.active === false || (body.roles !== undefined && !body.roles.includes('admin'));
      // Before the account's own row: two administrators demoting each other must queue, not both pass.
      const admins = mayRemoveAdmin ? await repo.lockActiveAdmins(tx) : 0;
      const current = await repo.findUser(tx, id, true);
      if (!current) throw notFound('The user');
      if (body.patientId) await this.assertPatientExists(tx, body.patientId);
      // An inactive administrator is not one of the active ones the clinic could run out of.
      const losesAdmin = mayRemoveAdmin && current.active && current.roles.includes('admin');
      if (losesAdmin && admins <= 1) {
        throw conflict('This is the last active administrator; make another one first.');
      }
      const updated = (await repo.updateUser(tx, id, {
        ...body,
        ...(passwordHash ? { passwordHash } : {}),
      })) as repo.UserRow;
      if (body.active === false || passwordHash) await repo.revokeUserSessions(tx, id);
      const { password, ...changes } = body;
      await this.audit.write(tx, ctx, {
        action: 'user.update',
        resourceType: 'User',
        resourceId: id,
        patientId: updated.patient_id,
        details: { ...changes, passwordReset: password !== undefined },
      });
      await appendEvent(tx, { type: 'user.updated', aggregateId: id, payload: { userId: id } });
      return toUser(updated);
    });
    if (body.active === false || passwordHash) this.identity.sessionsRevoked();
    return user;
  }

  async resetMfa(id: string, ctx: RequestContext): Promise<User> {
    return this.db.transaction(async (tx) => {
      const user = await repo.findUser(tx, id, true);
      if (!user) throw notFound('The user');
      await repo.setMfa(tx, id, null, false);
      await this.identity.mfaChanged(tx, ctx, id, false);
      return toUser({ ...user, mfa_enabled: false, mfa_secret: null });
    });
  }

  /**
   * A fresh data directory gets its first administrator: from ADMIN_EMAIL/ADMIN_PASSWORD,
   * or generated. Answers the credentials when it created one, so start can print them once.
   */
  async ensureFirstAdmin(email: string | undefined, password: string | undefined, ctx: RequestContext) {
    if ((await repo.countAdmins(this.db)) > 0) return null;
    const credentials = {
      email: email ?? 'admin@clinica.local',
      password: password ?? randomBytes(12).toString('base64url'),
      generated: password === undefined,
    };
    try {
      await this.create({ email: credentials.email, roles: ['admin'], password: credentials.password }, ctx);
    } catch (err) {
      // Another replica starting at the same moment created it.
      if (err instanceof DomainError && err.status === 409) return null;
      throw err;
    }
    return credentials;
  }
}
