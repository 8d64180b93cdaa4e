import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { RequestContext, Role } from '../../platform/http/access.js';
import * as users from './identity.repository.js';
import { actorOf } from './identity.service.js';
import * as repo from './oidc.repository.js';
import { SsoRefusal } from './oidc-errors.js';

export interface ProvisionInput {
  issuer: string;
  subject: string;
  claims: Record<string, unknown>;
  /** The Clinica roles the provider's claims give (already checked: at least one). */
  roles: Role[];
  providerName: string;
}

export interface Provisioned {
  user: users.UserRow;
  provisioned: boolean;
  linked: boolean;
}

const EmailClaim = z.email().max(254);

export const sameRoles = (a: readonly Role[], b: readonly Role[]) =>
  a.length === b.length && a.every((r) => b.includes(r));

/**
 * The Clinica account of a person signing in through the provider: the one linked to their
 * provider subject; else an existing account with the same e-mail, linked now, but only when
 * the provider has verified that address; else a new account (just-in-time). Its roles become
 * the ones the provider gives: the provider is the source of truth for its people.
 */
export async function provisionUser(
  tx: Queryable,
  audit: AuditTrail,
  ctx: RequestContext,
  input: ProvisionInput,
): Promise<Provisioned> {
  const linkedId = await repo.findLinkedUserId(tx, input.issuer, input.subject);
  let user = linkedId ? await users.findUser(tx, linkedId, true) : undefined;
  let provisioned = false;
  let linked = false;
  if (!user) {
    const email = EmailClaim.safeParse(input.claims.email);
    if (!email.success) {
      throw new SsoRefusal(
        'email_missing',
        `Your account at ${input.providerName} has no usable e-mail address, which Clinica needs; add one there (and allow the "email" scope).`,
        'email-missing',
      );
    }
    const address = email.data.toLowerCase();
    const existing = await users.findUserByEmail(tx, address);
    if (existing) {
      user = await linkByEmail(tx, audit, ctx, input, existing, address);
      linked = true;
    } else {
      user = await createUser(tx, audit, ctx, input, address);
      provisioned = true;
    }
  }
  if (!user.active) {
    throw new SsoRefusal(
      'account_disabled',
      'This account is deactivated in Clinica; ask an administrator.',
      'deactivated',
      user,
    );
  }
  if (!sameRoles(user.roles, input.roles))
    user = await syncRoles(tx, audit, { ...ctx, actor: actorOf(user) }, user, input.roles);
  await repo.touchIdentity(tx, input.issuer, input.subject);
  await users.recordLoginSuccess(tx, user.id);
  return { user, provisioned, linked };
}

async function linkByEmail(
  tx: Queryable,
  audit: AuditTrail,
  ctx: RequestContext,
  input: ProvisionInput,
  existing: users.UserRow,
  email: string,
): Promise<users.UserRow> {
  const verified = input.claims.email_verified === true || input.claims.email_verified === 'true';
  if (!verified) {
    throw new SsoRefusal(
      'account_exists',
      `A Clinica account with the e-mail ${email} already exists, and ${input.providerName} has not verified that address: verify it there, or ask an administrator.`,
      'email-not-verified',
      existing,
    );
  }
  const other = await repo.findSubjectOfUser(tx, input.issuer, existing.id);
  if (other !== undefined || !(await repo.insertIdentity(tx, input.issuer, input.subject, existing.id))) {
    throw new SsoRefusal(
      'account_exists',
      `The Clinica account with the e-mail ${email} is already linked to another ${input.providerName} account; ask an administrator.`,
      'linked-elsewhere',
      existing,
    );
  }
  await audit.write(
    tx,
    { ...ctx, actor: actorOf(existing) },
    {
      action: 'user.sso_link',
      resourceType: 'User',
      resourceId: existing.id,
      patientId: existing.patient_id,
      details: { issuer: input.issuer, subject: input.subject },
    },
  );
  await appendEvent(tx, { type: 'user.sso_linked', aggregateId: existing.id, payload: { userId: existing.id } });
  return existing;
}

async function createUser(
  tx: Queryable,
  audit: AuditTrail,
  ctx: RequestContext,
  input: ProvisionInput,
  email: string,
): Promise<users.UserRow> {
  const id = randomUUID();
  const locale = typeof input.claims.locale === 'string' ? input.claims.locale.toLowerCase() : '';
  // No password: the account signs in through the provider. A patient role links no patient
  // record; an administrator links one later, as for accounts an administrator creates.
  const inserted = await users.insertUser(tx, {
    id,
    email,
    passwordHash: null,
    roles: input.roles,
    patientId: null,
    language: locale.startsWith('en') ? 'en' : 'es',
  });
  const user = inserted ? await users.findUser(tx, id) : undefined;
  if (!user) {
    throw new SsoRefusal(
      'account_exists',
      `A Clinica account with the e-mail ${email} already exists; sign in again.`,
      'email-taken',
    );
  }
  await repo.insertIdentity(tx, input.issuer, input.subject, id);
  await audit.write(
    tx,
    { ...ctx, actor: actorOf(user) },
    {
      action: 'user.provision',
      resourceType: 'User',
      resourceId: id,
      details: { roles: input.roles, issuer: input.issuer, subject: input.subject },
    },
  );
  await appendEvent(tx, { type: 'user.provisioned', aggregateId: id, payload: { userId: id } });
  return user;
}

/** Gives an account the roles its provider now grants (at sign-in and at each refresh). */
export async function syncRoles(
  tx: Queryable,
  audit: AuditTrail,
  ctx: RequestContext,
  user: users.UserRow,
  roles: Role[],
): Promise<users.UserRow> {
  const updated = (await users.updateUser(tx, user.id, { roles })) ?? user;
  await audit.write(tx, ctx, {
    action: 'user.roles_sync',
    resourceType: 'User',
    resourceId: user.id,
    patientId: user.patient_id,
    details: { roles, previous: user.roles },
  });
  await appendEvent(tx, { type: 'user.updated', aggregateId: user.id, payload: { userId: user.id } });
  return updated;
}
