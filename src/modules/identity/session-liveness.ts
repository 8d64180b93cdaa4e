import type { Database } from '../../platform/db/database.js';

const MAX_ENTRIES = 50_000;

/**
 * Whether the session behind an access token is still live: not logged out, not revoked,
 * not expired, and its account still active. Access tokens are short-lived, but a logout
 * or a deactivation must not wait for them to expire. Answers are remembered for
 * `ttlSeconds`, so a busy client costs one query per session every few seconds; this
 * process forgets them at once when it revokes a session, other replicas within the TTL.
 */
export class SessionLiveness {
  private readonly known = new Map<string, { live: boolean; until: number }>();

  constructor(
    private readonly db: Database,
    private readonly ttlSeconds: number,
  ) {}

  async isLive(sessionId: string): Promise<boolean> {
    const cached = this.known.get(sessionId);
    if (cached && cached.until > Date.now()) return cached.live;
    const { rows } = await this.db.query<{ live: boolean }>(
      `select s.revoked_at is null and s.expires_at > now() and u.active as live
       from sessions s join users u on u.id = s.user_id where s.id = $1`,
      [sessionId],
    );
    const live = rows[0]?.live === true;
    if (this.ttlSeconds > 0) {
      if (this.known.size >= MAX_ENTRIES) this.known.clear();
      this.known.set(sessionId, { live, until: Date.now() + this.ttlSeconds * 1000 });
    }
    return live;
  }

  /** After a revocation has committed: nothing remembered may outlive it. */
  forgetAll(): void {
    this.known.clear();
  }
}
