import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';
import * as client from 'openid-client';

/** Signature algorithms accepted from the provider: public-key ones only (never `none`, never HMAC). */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
  'Ed25519',
];

export interface IssuerSettings {
  issuer: string;
  clientId: string;
  clientSecret: string | undefined;
  /** How long the provider's published keys are trusted before they are fetched again. */
  jwksCacheSeconds: number;
}

/**
 * A confidential client's authentication at the token endpoint: `client_secret_basic` (the
 * default of the standard, and all Clerk accepts), or `client_secret_post` for a provider that
 * lists only that one.
 */
function secretAuth(secret: string): client.ClientAuth {
  const basic = client.ClientSecretBasic(secret);
  const post = client.ClientSecretPost(secret);
  return (as, c, body, headers) => {
    const methods = as.token_endpoint_auth_methods_supported;
    const onlyPost = !!methods && methods.includes('client_secret_post') && !methods.includes('client_secret_basic');
    return (onlyPost ? post : basic)(as, c, body, headers);
  };
}

/**
 * The configured OpenID Connect provider: its metadata (discovered from the issuer on first
 * use, so Clinica starts while the provider is down) and its signing keys. Keys are fetched
 * again when they are older than the cache time, and at once when a token names a key not
 * seen yet (key rotation).
 */
export class OidcIssuer {
  private discovered: Promise<client.Configuration> | null = null;
  private keySet: ReturnType<typeof createRemoteJWKSet> | null = null;

  constructor(readonly settings: IssuerSettings) {}

  configuration(): Promise<client.Configuration> {
    if (!this.discovered) {
      const url = new URL(this.settings.issuer);
      const { clientId, clientSecret } = this.settings;
      this.discovered = client
        .discovery(url, clientId, undefined, clientSecret ? secretAuth(clientSecret) : client.None(), {
          // Configuration accepts http:// only for this machine (development and tests).
          execute: url.protocol === 'http:' ? [client.allowInsecureRequests] : [],
          timeout: 10,
        })
        .catch((err: unknown) => {
          this.discovered = null;
          throw err;
        });
    }
    return this.discovered;
  }

  /** The issuer identifier exactly as the provider writes it in its tokens. */
  async issuerId(): Promise<string> {
    return (await this.configuration()).serverMetadata().issuer;
  }

  private async keys() {
    if (!this.keySet) {
      const uri = (await this.configuration()).serverMetadata().jwks_uri;
      if (!uri) throw new Error('The provider publishes no jwks_uri; Clinica cannot check its signatures.');
      const maxAge = this.settings.jwksCacheSeconds * 1000;
      this.keySet = createRemoteJWKSet(new URL(uri), {
        cacheMaxAge: maxAge,
        cooldownDuration: Math.min(30_000, maxAge),
        timeoutDuration: 5000,
      });
    }
    return this.keySet;
  }

  /** Verifies a JWT the provider signed: signature against its published keys, issuer, audience, expiry. */
  async verify(token: string, audience: string, requiredClaims: string[] = []): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, await this.keys(), {
      issuer: await this.issuerId(),
      audience,
      algorithms: ASYMMETRIC_ALGORITHMS,
      requiredClaims,
      clockTolerance: 30,
    });
    return payload;
  }
}
