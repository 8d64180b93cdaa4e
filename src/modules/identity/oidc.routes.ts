import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { contextOf } from '../../platform/http/access.js';
import { NoContent, problems } from '../../platform/http/schemas.js';
import { TokenResponse } from './identity.schemas.js';
import type { SingleSignOn, SsoRedirect } from './oidc.js';
import { EXCHANGE_SECONDS, LOGIN_MINUTES } from './oidc.js';
import { BackchannelLogoutBody, CallbackQuery, ExchangeBody, LoginQuery, Providers, Redirect } from './oidc.schemas.js';
import type { ProviderSessions } from './oidc-sessions.js';

const tags = ['Authentication'];

/** Says why a sign-in failed, for operators: the reason and the library's message, never a token. */
function logFailure(req: FastifyRequest, result: SsoRedirect) {
  const failure = result.failure;
  if (!failure) return;
  const cause = failure.cause instanceof Error ? failure.cause.message : undefined;
  const entry = { sso: failure.code, reason: failure.reason, ...(cause ? { cause } : {}) };
  if (failure.code === 'provider_unavailable') req.log.warn(entry, 'single sign-on provider unreachable');
  else req.log.info(entry, 'single sign-on refused');
}

export function oidcRoutes(sso: SingleSignOn, sessions: ProviderSessions, loginRateLimit: number) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    const rateLimit = { max: loginRateLimit, timeWindow: '1 minute' };
    // Back-channel logout tokens arrive as a form post (OpenID Connect Back-Channel Logout 1.0).
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
      done(null, Object.fromEntries(new URLSearchParams(String(body))));
    });

    app.get('/auth/providers', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'How one can sign in',
        description: 'Whether password sign-in is on, and the single sign-on provider, if one is configured.',
        response: { 200: Providers },
      },
      handler: async () => sso.providers(),
    });

    app.get('/auth/oidc/login', {
      config: { access: 'public', rateLimit },
      schema: {
        tags,
        summary: 'Sign in through the single sign-on provider',
        description: `Redirects to the provider (authorization code flow with PKCE). The sign-in must finish within ${LOGIN_MINUTES} minutes. Problems redirect to the web app's /auth/callback with \`#error=...&message=...\`.`,
        querystring: LoginQuery,
        response: { 302: Redirect, ...problems(400, 429) },
      },
      handler: async (req, reply) => {
        const result = await sso.startLogin(req.query.returnTo);
        logFailure(req, result);
        return reply.header('cache-control', 'no-store').redirect(result.location, 302);
      },
    });

    app.get('/auth/oidc/callback', {
      config: { access: 'public', rateLimit },
      schema: {
        tags,
        summary: "The provider's answer",
        description: `Where the provider sends the browser back. Redirects to the web app's /auth/callback with \`#code=...&returnTo=...\` (a one-time code, valid ${EXCHANGE_SECONDS} seconds, for POST /auth/oidc/exchange), or with \`#error=<code>&message=<text>\`: not_configured, invalid_request, login_expired, provider_error, provider_unavailable, token_invalid, email_missing, account_exists, account_disabled, no_role, mfa_required.`,
        querystring: CallbackQuery,
        response: { 302: Redirect, ...problems(400, 429) },
      },
      handler: async (req, reply) => {
        const at = req.url.indexOf('?');
        const query = at < 0 ? '' : req.url.slice(at + 1);
        const result = await sso.finishLogin(query, contextOf(req));
        logFailure(req, result);
        return reply.header('cache-control', 'no-store').redirect(result.location, 302);
      },
    });

    app.post('/auth/oidc/exchange', {
      config: { access: 'public', rateLimit },
      schema: {
        tags,
        summary: 'Trade the one-time sign-in code for tokens',
        description: 'Answers exactly what POST /auth/login answers. Each code works once.',
        body: ExchangeBody,
        response: { 200: TokenResponse, ...problems(400, 429) },
      },
      handler: async (req) => sso.exchange(req.body.code),
    });

    app.post('/auth/oidc/backchannel-logout', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'Back-channel logout from the provider',
        description:
          'The provider posts a logout token (`application/x-www-form-urlencoded`, `logout_token`); the Clinica sessions of that provider session, or of that account, end.',
        body: BackchannelLogoutBody,
        response: { 200: NoContent, ...problems(400, 404, 503) },
      },
      handler: async (req, reply) => {
        await sessions.backchannelLogout(req.body.logout_token, contextOf(req));
        return reply.header('cache-control', 'no-store').code(200).send();
      },
    });
  };
}
