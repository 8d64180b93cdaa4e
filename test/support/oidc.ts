import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider, { type Configuration, errors, type KoaContextWithOIDC } from 'oidc-provider';
import { expect } from 'vitest';
import type { TestApp } from './app.js';

/**
 * A real OpenID Connect provider (the certified `oidc-provider` package) on 127.0.0.1, with
 * the clients and people Clinica's single sign-on tests need. Sign-in goes through the real
 * authorization endpoint: a small login form of our own stands in for the provider's pages,
 * so a test chooses who signs in and how (with or without a second factor).
 */

/** The audience (resource indicator) of the JWT access tokens the provider issues for Clinica's API. */
export const API_AUDIENCE = 'urn:clinica:api';
export const WEB_CLIENT = { id: 'clinica-web', secret: 'clinica-web-secret-0123456789abcdef' };
export const PUBLIC_CLIENT = { id: 'clinica-public' };
export const SERVICE_CLIENT = { id: 'clinica-integrations', secret: 'clinica-integrations-secret-0123456789' };
/** A second service account: its roles come from the token's claim, not from Clinica's configuration. */
export const CLAIM_SERVICE_CLIENT = { id: 'clinica-helpdesk', secret: 'clinica-helpdesk-secret-0123456789ab' };

export interface TestAccount {
  sub: string;
  email?: string;
  emailVerified?: boolean;
  /** Extra claims, e.g. `{ realm_access: { roles: ['clinica-doctor'] } }` or `{ roles: ['doctor'] }`. */
  claims?: Record<string, unknown>;
  /** A disabled account cannot sign in, and its refresh tokens stop working. */
  disabled?: boolean;
}

export interface TestProviderOptions {
  /** Clinica's PUBLIC_URL: the redirect, post-logout and back-channel logout addresses derive from it. */
  clinicaUrl: string;
  /** Roles the provider puts into service accounts' access tokens (`roles` claim), by client id. */
  serviceRoles?: Record<string, unknown>;
  /** Lifetime of access and ID tokens in seconds. */
  tokenTtl?: number;
}

export interface SignInOptions {
  /** Authentication methods the provider asserts (`amr`), e.g. ['pwd', 'otp']. */
  amr?: string[];
  acr?: string;
  /** The browser that signs in; a fresh one by default. Keep one to sign out at the provider later. */
  browser?: Browser;
}

/** A cookie-keeping client for the provider's pages, as a browser would be. */
export class Browser {
  private readonly cookies = new Map<string, string>();

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) {
      headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    }
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair?.indexOf('=') ?? -1;
      if (!pair || at < 1) continue;
      const name = pair.slice(0, at).trim();
      const value = pair.slice(at + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }
}

export class TestProvider {
  readonly accounts = new Map<string, TestAccount>();
  /** Every signing key the provider has published, newest first, private parts included (for forging). */
  keys: JWK[] = [];
  private provider!: Provider;
  /** Back-channel logout calls the provider made and how Clinica answered them. */
  readonly backchannelResults: { clientId: string; error?: string }[] = [];

  private constructor(
    private readonly server: http.Server,
    readonly issuer: string,
    private readonly options: TestProviderOptions,
  ) {}

  static async start(options: TestProviderOptions): Promise<TestProvider> {
    let instance: TestProvider | undefined;
    const server = http.createServer((req, res) => {
      if (!instance) {
        res.statusCode = 503;
        res.end();
        return;
      }
      instance.handle(req, res).catch((err: unknown) => {
        res.statusCode = 500;
        res.end(String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    instance = new TestProvider(server, `http://127.0.0.1:${port}`, options);
    await instance.rotateKeys();
    return instance;
  }

  addAccount(account: TestAccount): TestAccount {
    this.accounts.set(account.sub, account);
    return account;
  }

  /** Changes an account's claims from now on (its next token, refresh or sign-in shows them). */
  setClaims(sub: string, claims: Record<string, unknown>) {
    const account = this.accounts.get(sub);
    if (!account) throw new Error(`no account ${sub}`);
    account.claims = claims;
  }

  setDisabled(sub: string, disabled: boolean) {
    const account = this.accounts.get(sub);
    if (!account) throw new Error(`no account ${sub}`);
    account.disabled = disabled;
  }

  /** Publishes a new signing key and signs with it from now on; older keys stay published. */
  async rotateKeys(): Promise<JWK> {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk: JWK = { ...(await exportJWK(privateKey)), kid: `key-${this.keys.length + 1}`, alg: 'RS256', use: 'sig' };
    this.keys = [jwk, ...this.keys];
    this.provider = this.build();
    return jwk;
  }

  /** Stops publishing every key but the newest. */
  dropOldKeys() {
    this.keys = this.keys.slice(0, 1);
    this.provider = this.build();
  }

  /**
   * Follows an authorization URL like a browser: the provider's redirects, our login form
   * (signing in as `sub`), until the provider sends the browser back to its client.
   * Answers that last address (the client's redirect URI with `code`, `state` or `error`).
   */
  async signIn(authorizationUrl: string, sub: string, options: SignInOptions = {}): Promise<URL> {
    const browser = options.browser ?? new Browser();
    let url = new URL(authorizationUrl);
    for (let hop = 0; hop < 20; hop++) {
      if (url.origin !== this.issuer) return url;
      let res = await browser.fetch(url);
      if (url.pathname.startsWith('/interaction/') && res.status === 200) {
        const form = new URLSearchParams({ login: sub });
        if (options.amr) form.set('amr', options.amr.join(' '));
        if (options.acr) form.set('acr', options.acr);
        res = await browser.fetch(url, {
          method: 'POST',
          body: form,
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
      }
      const location = res.headers.get('location');
      if (!location) throw new Error(`the provider answered ${res.status} at ${url}: ${await res.text()}`);
      url = new URL(location, url);
    }
    throw new Error('too many redirects at the provider');
  }

  /**
   * Signs out at the provider through an end-session URL (RP-initiated logout): confirms the
   * provider's logout page, which also sends back-channel logout tokens to the clients.
   * Answers where the provider sends the browser afterwards.
   */
  async endSession(endSessionUrl: string, browser: Browser): Promise<URL> {
    const page = await browser.fetch(endSessionUrl);
    const html = await page.text();
    if (page.status !== 200) throw new Error(`end-session answered ${page.status}: ${html}`);
    const action = /action="([^"]+)"/.exec(html)?.[1];
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(html)?.[1];
    if (!action || !xsrf) throw new Error(`no logout form in ${html}`);
    const done = await browser.fetch(new URL(action, this.issuer), {
      method: 'POST',
      body: new URLSearchParams({ xsrf, logout: 'yes' }),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    const location = done.headers.get('location');
    if (!location) throw new Error(`logout confirmation answered ${done.status}: ${await done.text()}`);
    return new URL(location, this.issuer);
  }

  async close() {
    await new Promise<void>((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const match = /^\/interaction\/([\w-]+)$/.exec(req.url?.split('?')[0] ?? '');
    if (!match) {
      this.provider.callback()(req, res);
      return;
    }
    const details = await this.provider.interactionDetails(req, res);
    if (req.method === 'GET') {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      res.end(
        `<!doctype html><form method="post" action="/interaction/${details.uid}">` +
          '<input name="login"><input name="amr"><input name="acr"><button>Sign in</button></form>',
      );
      return;
    }
    const form = new URLSearchParams(await readBody(req));
    const account = this.accounts.get(form.get('login') ?? '');
    if (!account || account.disabled) {
      await this.provider.interactionFinished(
        req,
        res,
        { error: 'access_denied', error_description: 'unknown or disabled account' },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const params = details.params as { client_id: string };
    const grant = new this.provider.Grant({ accountId: account.sub, clientId: params.client_id });
    const missing = details.prompt.details as {
      missingOIDCScope?: string[];
      missingOIDCClaims?: string[];
      missingResourceScopes?: Record<string, string[]>;
    };
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(missing.missingResourceScopes ?? {})) {
      grant.addResourceScope(resource, scopes.join(' '));
    }
    // Sign-in and consent in one step: the test clients are first-party applications.
    const amr = form.get('amr')?.split(' ').filter(Boolean);
    const acr = form.get('acr') || undefined;
    await this.provider.interactionFinished(
      req,
      res,
      {
        login: { accountId: account.sub, ...(amr?.length ? { amr } : {}), ...(acr ? { acr } : {}) },
        consent: { grantId: await grant.save() },
      },
      { mergeWithLastSubmission: false },
    );
  }

  private build(): Provider {
    const clinica = this.options.clinicaUrl;
    const accounts = this.accounts;
    const serviceRoles = this.options.serviceRoles ?? {};
    const ttl = this.options.tokenTtl ?? 300;
    const redirect = {
      redirect_uris: [`${clinica}/api/v1/auth/oidc/callback`, 'http://127.0.0.1/api-client/callback'],
      post_logout_redirect_uris: [`${clinica}/login`],
    };
    const roleClaims = (sub: string) => {
      const { realm_access, roles, groups, public_metadata } = accounts.get(sub)?.claims ?? {};
      return { realm_access, roles, groups, public_metadata };
    };
    const configuration: Configuration = {
      clients: [
        {
          client_id: WEB_CLIENT.id,
          client_secret: WEB_CLIENT.secret,
          grant_types: ['authorization_code', 'refresh_token'],
          ...redirect,
          backchannel_logout_uri: `${clinica}/api/v1/auth/oidc/backchannel-logout`,
          backchannel_logout_session_required: true,
        },
        {
          client_id: PUBLIC_CLIENT.id,
          token_endpoint_auth_method: 'none',
          grant_types: ['authorization_code', 'refresh_token'],
          ...redirect,
        },
        ...[SERVICE_CLIENT, CLAIM_SERVICE_CLIENT].map((c) => ({
          client_id: c.id,
          client_secret: c.secret,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
        })),
      ],
      jwks: { keys: this.keys },
      cookies: { keys: ['test-provider-cookie-key'] },
      // The provider refuses to call private addresses (SSRF protection); Clinica runs on 127.0.0.1 here.
      fetch: (url, options) => {
        const { dispatcher: _, ...rest } = options as RequestInit & { dispatcher?: unknown };
        return globalThis.fetch(url, rest);
      },
      // Scope claims go into the ID token too, as Keycloak and Clerk do.
      conformIdTokenClaims: false,
      claims: {
        openid: ['sub', 'acr', 'amr', 'auth_time', 'roles', 'realm_access', 'groups', 'public_metadata'],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name', 'locale'],
      },
      scopes: ['openid', 'email', 'profile', 'offline_access', 'api'],
      async findAccount(_ctx: KoaContextWithOIDC, sub: string) {
        const account = accounts.get(sub);
        if (!account || account.disabled) return undefined;
        return {
          accountId: sub,
          async claims(use: string) {
            const a = accounts.get(sub) ?? account;
            // Like Clerk: public metadata only from the UserInfo endpoint, never in the ID token.
            const { public_metadata, ...rest } = a.claims ?? {};
            return {
              sub,
              ...(a.email ? { email: a.email, email_verified: a.emailVerified ?? false } : {}),
              ...rest,
              ...(use === 'userinfo' && public_metadata !== undefined ? { public_metadata } : {}),
            };
          },
        };
      },
      interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
      // Refresh tokens for every code grant of a client allowed to refresh, as Keycloak does.
      issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
      rotateRefreshToken: true,
      pkce: { required: () => true },
      ttl: { AccessToken: ttl, IdToken: ttl, ClientCredentials: ttl, Session: 3600, Interaction: 600, Grant: 3600 },
      extraTokenClaims: async (_ctx, token) => {
        if (token.kind === 'ClientCredentials') {
          const roles = serviceRoles[String(token.clientId)];
          return roles === undefined ? undefined : { roles };
        }
        return 'accountId' in token && token.accountId ? roleClaims(String(token.accountId)) : undefined;
      },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        backchannelLogout: { enabled: true },
        rpInitiatedLogout: { enabled: true },
        revocation: { enabled: true },
        resourceIndicators: {
          enabled: true,
          // Service accounts get a JWT for Clinica's API without asking; people only when they ask for it.
          defaultResource: async (ctx, _client, oneOf) =>
            oneOf ?? (ctx.oidc.params?.grant_type === 'client_credentials' ? API_AUDIENCE : undefined),
          useGrantedResource: async () => true,
          getResourceServerInfo: async (_ctx, resource) => {
            if (resource !== API_AUDIENCE) throw new errors.InvalidTarget();
            return {
              scope: 'api',
              audience: API_AUDIENCE,
              accessTokenTTL: ttl,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
    };
    const provider = new Provider(this.issuer, configuration);
    provider.on('backchannel.success', (_ctx, client) => this.backchannelResults.push({ clientId: client.clientId }));
    provider.on('backchannel.error', (_ctx, err, client) =>
      this.backchannelResults.push({ clientId: client.clientId, error: String(err) }),
    );
    return provider;
  }
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => resolve(body));
    req.on('error', reject);
  });
}

/** A port nobody listens on right now (Clinica's address must be known before the provider starts). */
/**
 * A real provider for a Clinica about to start on a free port: the provider, that port, and
 * the settings every app pointed at it shares (its address, the issuer, and keys and sessions
 * checked afresh each time, so rotations and revocations show at once).
 */
export async function startProviderFor(options: Omit<TestProviderOptions, 'clinicaUrl'> = {}) {
  const port = await freePort();
  const publicUrl = `http://127.0.0.1:${port}`;
  const provider = await TestProvider.start({ ...options, clinicaUrl: publicUrl });
  const env = {
    PUBLIC_URL: publicUrl,
    OIDC_ISSUER: provider.issuer,
    OIDC_JWKS_CACHE_SECONDS: '0',
    SESSION_CHECK_SECONDS: '0',
  };
  return { provider, port, env };
}

export async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Where Clinica's callback sent the browser, and what the fragment says. */
export interface SsoOutcome {
  location: string;
  /** `code` and `returnTo`, or `error` and `message`. */
  fragment: URLSearchParams;
}

/** Clinica's callback, called with the address the provider sent the browser to. */
export async function callback(t: TestApp, back: URL): Promise<SsoOutcome> {
  const res = await t.call({ method: 'GET', url: `${back.pathname}${back.search}` });
  expect(res.statusCode, res.body).toBe(302);
  const location = String(res.headers.location);
  expect(location.startsWith('/auth/callback#'), location).toBe(true);
  return { location, fragment: new URLSearchParams(location.slice(location.indexOf('#') + 1)) };
}

/** Starts a sign-in at Clinica; answers the provider's authorization URL it redirects to. */
export async function startLogin(t: TestApp, returnTo?: string): Promise<string> {
  const query = returnTo === undefined ? '' : `?returnTo=${encodeURIComponent(returnTo)}`;
  const res = await t.call({ method: 'GET', url: `/api/v1/auth/oidc/login${query}` });
  expect(res.statusCode, res.body).toBe(302);
  return String(res.headers.location);
}

/** The whole browser round trip: Clinica -> provider (sign in as `sub`) -> Clinica's callback. */
export async function ssoLogin(
  t: TestApp,
  provider: TestProvider,
  sub: string,
  options: SignInOptions & { returnTo?: string } = {},
): Promise<SsoOutcome> {
  const back = await provider.signIn(await startLogin(t, options.returnTo), sub, options);
  return callback(t, back);
}

/** Trades the one-time code of a successful sign-in for Clinica's tokens. */
export async function exchange(t: TestApp, outcome: SsoOutcome) {
  const code = outcome.fragment.get('code');
  expect(code, outcome.location).toBeTruthy();
  const res = await t.call({ method: 'POST', url: '/api/v1/auth/oidc/exchange', payload: { code } });
  expect(res.statusCode, res.body).toBe(200);
  return res.json() as {
    accessToken: string;
    refreshToken: string;
    expiresIn: number;
    user: { id: string; email: string; roles: string[]; patientId?: string };
  };
}
