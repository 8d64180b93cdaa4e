import { randomUUID } from 'node:crypto';
import {
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  importJWK,
  type JSONWebKeySet,
  type JWK,
  jwtVerify,
  SignJWT,
} from 'jose';
import type { Database } from '../db/database.js';
import { type Actor, ROLES, type Role } from '../http/access.js';

const ALGORITHM = 'EdDSA';
type SigningKey = Awaited<ReturnType<typeof importJWK>>;
export const TOKEN_AUDIENCE = 'clinica';

export interface AccessClaims {
  userId: string;
  email: string;
  roles: Role[];
  patientId: string | null;
  sessionId: string;
}

/**
 * Signs and verifies Clinica's own access tokens. The Ed25519 key lives in the database so
 * every replica signs with the same key; its public half is published as a JWKS.
 */
/** Verified tokens remembered, so a busy client does not pay a signature check per request. */
const VERIFIED_CACHE_SIZE = 10_000;

export class TokenService {
  private readonly keySet: ReturnType<typeof createLocalJWKSet>;
  private readonly verified = new Map<string, { actor: Actor; expiresAt: number }>();

  private constructor(
    private readonly kid: string,
    private readonly privateKey: SigningKey,
    private readonly publicJwks: JSONWebKeySet,
    private readonly issuer: string,
    private readonly ttlSeconds: number,
  ) {
    this.keySet = createLocalJWKSet(publicJwks);
  }

  static async open(db: Database, issuer: string, ttlSeconds: number): Promise<TokenService> {
    let { rows } = await db.query<{ kid: string; private_jwk: JWK }>(
      `select kid, private_jwk from signing_keys where algorithm = $1 order by created_at desc limit 1`,
      [ALGORITHM],
    );
    if (rows.length === 0) {
      const { privateKey, publicKey } = await generateKeyPair(ALGORITHM, { extractable: true });
      const kid = randomUUID();
      await db.query(`insert into signing_keys (kid, algorithm, private_jwk, public_jwk) values ($1, $2, $3, $4)`, [
        kid,
        ALGORITHM,
        await exportJWK(privateKey),
        await exportJWK(publicKey),
      ]);
      // Another replica may have created one at the same moment: everyone takes the newest.
      ({ rows } = await db.query(
        `select kid, private_jwk from signing_keys where algorithm = $1 order by created_at desc, kid limit 1`,
        [ALGORITHM],
      ));
    }
    const current = rows[0] as { kid: string; private_jwk: JWK };
    const all = await db.query<{ kid: string; public_jwk: JWK }>(`select kid, public_jwk from signing_keys`);
    const keys = all.rows.map((r) => ({ ...r.public_jwk, kid: r.kid, alg: ALGORITHM, use: 'sig' }));
    const privateKey = await importJWK(current.private_jwk, ALGORITHM);
    return new TokenService(current.kid, privateKey, { keys }, issuer, ttlSeconds);
  }

  get jwks(): JSONWebKeySet {
    return this.publicJwks;
  }

  get accessTokenTtl(): number {
    return this.ttlSeconds;
  }

  sign(claims: AccessClaims): Promise<string> {
    return new SignJWT({
      email: claims.email,
      roles: claims.roles,
      pid: claims.patientId ?? undefined,
      sid: claims.sessionId,
    })
      .setProtectedHeader({ alg: ALGORITHM, kid: this.kid, typ: 'at+jwt' })
      .setSubject(claims.userId)
      .setIssuer(this.issuer)
      .setAudience(TOKEN_AUDIENCE)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.privateKey);
  }

  /** The actor of a valid token, or null for anything else (expired, forged, wrong audience). */
  verify = async (token: string): Promise<Actor | null> => {
    const known = this.verified.get(token);
    if (known) {
      if (known.expiresAt > Date.now()) return known.actor;
      this.verified.delete(token);
    }
    const actor = await this.verifySignature(token);
    if (actor) {
      if (this.verified.size >= VERIFIED_CACHE_SIZE) this.verified.delete(this.verified.keys().next().value as string);
      this.verified.set(token, actor);
    }
    return actor?.actor ?? null;
  };

  private async verifySignature(token: string): Promise<{ actor: Actor; expiresAt: number } | null> {
    try {
      const { payload } = await jwtVerify(token, this.keySet, {
        issuer: this.issuer,
        audience: TOKEN_AUDIENCE,
        algorithms: [ALGORITHM],
        typ: 'at+jwt',
      });
      const roles = Array.isArray(payload.roles)
        ? payload.roles.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r))
        : [];
      if (!payload.sub || roles.length === 0 || payload.exp === undefined) return null;
      const actor: Actor = {
        userId: payload.sub,
        email: String(payload.email ?? ''),
        roles,
        patientId: typeof payload.pid === 'string' ? payload.pid : null,
        sessionId: typeof payload.sid === 'string' ? payload.sid : null,
      };
      return { actor, expiresAt: payload.exp * 1000 };
    } catch {
      return null;
    }
  }
}
