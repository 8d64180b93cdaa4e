import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { AuditTrail } from '../../platform/audit/audit.js';
import { hashPassword } from '../../platform/auth/passwords.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest } from '../../platform/http/errors.js';
import * as repo from './identity.repository.js';
import type { SessionLiveness } from './session-liveness.js';

/** How long a reset link works. */
export const RESET_LINK_MINUTES = 60;

/**
 * The link's token is `<reset id>.<HMAC of the id>` under a key kept in the database. The
 * event carries only the id, so the outbox, the broker and their logs never hold a usable
 * link; the mailer, which can read the key, rebuilds the token when it writes the e-mail.
 */
async function resetKey(db: Queryable): Promise<Buffer> {
  await db.query(
    `insert into server_secrets (name, value) values ('password-reset', $1) on conflict (name) do nothing`,
    [randomBytes(32).toString('base64url')],
  );
  const { rows } = await db.query<{ value: string }>(`select value from server_secrets where name = 'password-reset'`);
  return Buffer.from(rows[0]?.value ?? '', 'base64url');
}

const sign = (key: Buffer, resetId: string) => createHmac('sha256', key).update(resetId).digest('base64url');

/** The link for an unused, unexpired reset, or null. */
export async function passwordResetLink(
  db: Queryable,
  resetId: string,
  publicUrl: string,
): Promise<{ url: string; minutesLeft: number } | null> {
  const { rows } = await db.query<{ seconds_left: number }>(
    `select extract(epoch from expires_at - now())::float8 as seconds_left
       from password_resets where id = $1 and used_at is null and expires_at > now()`,
    [resetId],
  );
  const left = rows[0]?.seconds_left;
  if (left === undefined) return null;
  const token = `${resetId}.${sign(await resetKey(db), resetId)}`;
  return { url: `${publicUrl}/reset-password?token=${encodeURIComponent(token)}`, minutesLeft: Math.ceil(left / 60) };
}

const invalidLink = () =>
  badRequest('This reset link is invalid, used or expired; ask for a new one.', [
    { path: 'body.token', message: 'is invalid, used or expired', code: 'invalid_token' },
  ]);

export class PasswordResetService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly liveness: SessionLiveness,
  ) {}

  /**
   * Answers the same whether or not the address has an account, so the form cannot be
   * used to find out who is a patient here. Only active accounts with a password get a link.
   */
  async request(email: string, ctx: RequestContext): Promise<void> {
    await this.db.transaction(async (tx) => {
      const user = await repo.findUserByEmail(tx, email);
      if (!user?.active || !user.password_hash) return;
      const resetId = randomUUID();
      await tx.query(
        `insert into password_resets (id, user_id, expires_at) values ($1, $2, now() + make_interval(mins => $3))`,
        [resetId, user.id, RESET_LINK_MINUTES],
      );
      await this.audit.write(tx, ctx, {
        action: 'user.password_reset_request',
        resourceType: 'User',
        resourceId: user.id,
      });
      await appendEvent(tx, {
        type: 'user.password_reset_requested',
        aggregateId: user.id,
        payload: { userId: user.id, resetId },
      });
    });
  }

  /** Sets the new password, spends the link (and any other open one) and ends every session. */
  async confirm(token: string, newPassword: string, ctx: RequestContext): Promise<void> {
    const [resetId = '', mac = ''] = token.split('.');
    if (!/^[0-9a-f-]{36}$/.test(resetId)) throw invalidLink();
    const expected = Buffer.from(sign(await resetKey(this.db), resetId));
    const given = Buffer.from(mac);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw invalidLink();
    const passwordHash = await hashPassword(newPassword);
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ user_id: string }>(
        `update password_resets set used_at = now()
          where id = $1 and used_at is null and expires_at > now() returning user_id`,
        [resetId],
      );
      const userId = rows[0]?.user_id;
      const user = userId ? await repo.findUser(tx, userId, true) : undefined;
      if (!user?.active) throw invalidLink();
      await tx.query('update password_resets set used_at = now() where user_id = $1 and used_at is null', [user.id]);
      await repo.updateUser(tx, user.id, { passwordHash });
      // Whoever asked for the link controls the mailbox: a lock-out from guessing ends too.
      await tx.query('update users set failed_logins = 0, locked_until = null where id = $1', [user.id]);
      await repo.revokeUserSessions(tx, user.id);
      await this.audit.write(tx, ctx, {
        action: 'user.password_reset',
        resourceType: 'User',
        resourceId: user.id,
      });
      await appendEvent(tx, { type: 'user.password_changed', aggregateId: user.id, payload: { userId: user.id } });
    });
    this.liveness.forgetAll();
  }
}
