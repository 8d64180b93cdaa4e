import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { actorOf, contextOf } from '../../platform/http/access.js';
import { NoContent, problems } from '../../platform/http/schemas.js';
import {
  ChangePasswordBody,
  LoginBody,
  LogoutBody,
  MfaDisableBody,
  MfaEnableBody,
  MfaSetup,
  PasswordResetConfirmBody,
  PasswordResetRequestBody,
  PreferencesBody,
  RecoveryCodes,
  RefreshBody,
  RegisterBody,
  SessionUser,
  TokenResponse,
} from './identity.schemas.js';
import type { IdentityService } from './identity.service.js';
import { LogoutResponse } from './oidc.schemas.js';
import { type PasswordResetService, RESET_LINK_MINUTES } from './password-reset.js';

const tags = ['Authentication'];

export function identityRoutes(service: IdentityService, resets: PasswordResetService, loginRateLimit: number) {
  return async (fastify: FastifyInstance) => {
    const app = fastify.withTypeProvider<ZodTypeProvider>();
    // Per client address, on top of the per-account lock-out.
    const rateLimit = { max: loginRateLimit, timeWindow: '1 minute' };

    app.post('/auth/login', {
      config: { access: 'public', rateLimit },
      schema: {
        tags,
        summary: 'Sign in with e-mail and password',
        description:
          'Answers 401 with `mfaRequired: true` when the account needs a code (`otp`: the 6-digit code or a recovery code). Repeated failures lock the account for a while (429).',
        body: LoginBody,
        response: { 200: TokenResponse, ...problems(400, 401, 429) },
      },
      handler: async (req) => service.login(req.body, contextOf(req)),
    });

    app.post('/auth/refresh', {
      config: { access: 'public', rateLimit },
      schema: {
        tags,
        summary: 'Exchange a refresh token for new tokens',
        description:
          'Each refresh token works once; the answer carries its successor. A single sign-on session is refreshed at the provider too: a disabled account or removed roles end it (401); 503 when the provider cannot be reached.',
        body: RefreshBody,
        response: { 200: TokenResponse, ...problems(400, 401, 429, 503) },
      },
      handler: async (req) => service.refresh(req.body.refreshToken, contextOf(req)),
    });

    app.post('/auth/logout', {
      config: { access: 'public' },
      schema: {
        tags,
        summary: 'End the session',
        description:
          'Answers 204; for a session started through single sign-on, 200 with the address that ends the session at the provider too (RP-initiated logout), for the browser to visit.',
        body: LogoutBody.nullish(),
        response: { 200: LogoutResponse, 204: NoContent, ...problems(400) },
      },
      handler: async (req, reply) => {
        const endSessionUrl = await service.logout(req.body?.refreshToken, contextOf(req));
        if (endSessionUrl) return reply.code(200).send({ endSessionUrl });
        return reply.code(204).send();
      },
    });

    app.post('/auth/register', {
      config: { access: 'public', rateLimit },
      schema: {
        tags,
        summary: 'Register as a patient',
        description:
          'Creates a patient account with its own patient record and signs it in. Can be switched off (SELF_REGISTRATION).',
        body: RegisterBody,
        response: { 201: TokenResponse, ...problems(400, 403, 409, 429) },
      },
      handler: async (req, reply) => reply.code(201).send(await service.register(req.body, contextOf(req))),
    });

    app.get('/auth/me', {
      config: { access: 'authenticated' },
      schema: { tags, summary: 'The signed-in user', response: { 200: SessionUser, ...problems(401) } },
      handler: async (req) => service.me(actorOf(req)),
    });

    app.patch('/auth/me', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Change your preferences',
        description: 'Language of the app and e-mail, and whether to receive reminders and updates by e-mail.',
        body: PreferencesBody,
        response: { 200: SessionUser, ...problems(400, 401) },
      },
      handler: async (req) => service.updatePreferences(actorOf(req), req.body, contextOf(req)),
    });

    app.post('/auth/password-reset', {
      config: { access: 'public', rateLimit },
      schema: {
        tags,
        summary: 'Ask for a password reset link',
        description: `Answers 202 whether or not the address has an account. An active account with a password gets an e-mail with a link valid for ${RESET_LINK_MINUTES} minutes.`,
        body: PasswordResetRequestBody,
        response: { 202: NoContent, ...problems(400, 429) },
      },
      handler: async (req, reply) => {
        await resets.request(req.body.email, contextOf(req));
        return reply.code(202).send();
      },
    });

    app.post('/auth/password-reset/confirm', {
      config: { access: 'public', rateLimit },
      schema: {
        tags,
        summary: 'Set a new password with a reset link',
        description: 'Spends the link and ends every session of the account.',
        body: PasswordResetConfirmBody,
        response: { 204: NoContent, ...problems(400, 429) },
      },
      handler: async (req, reply) => {
        await resets.confirm(req.body.token, req.body.password, contextOf(req));
        return reply.code(204).send();
      },
    });

    app.post('/auth/password', {
      // Checks the current password: throttled like sign-in, or a stolen token could guess it.
      config: { access: 'authenticated', rateLimit },
      schema: {
        tags,
        summary: 'Change your password',
        description: 'Ends your other sessions.',
        body: ChangePasswordBody,
        response: { 204: NoContent, ...problems(400, 401, 429) },
      },
      handler: async (req, reply) => {
        await service.changePassword(actorOf(req), req.body.currentPassword, req.body.newPassword, contextOf(req));
        return reply.code(204).send();
      },
    });

    app.post('/auth/mfa/setup', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Start multi-factor enrolment',
        description: 'Returns a TOTP secret for any authenticator app; confirm with /auth/mfa/enable.',
        response: { 200: MfaSetup, ...problems(401, 409) },
      },
      handler: async (req) => service.setupMfa(actorOf(req), contextOf(req)),
    });

    app.post('/auth/mfa/enable', {
      config: { access: 'authenticated' },
      schema: {
        tags,
        summary: 'Confirm enrolment with a code',
        description: 'Turns multi-factor sign-in on and returns ten one-time recovery codes, shown only now.',
        body: MfaEnableBody,
        response: { 200: RecoveryCodes, ...problems(400, 401, 409) },
      },
      handler: async (req) => service.enableMfa(actorOf(req), req.body.code, contextOf(req)),
    });

    app.post('/auth/mfa/disable', {
      config: { access: 'authenticated', rateLimit },
      schema: {
        tags,
        summary: 'Turn multi-factor sign-in off',
        body: MfaDisableBody,
        response: { 204: NoContent, ...problems(400, 401, 409, 429) },
      },
      handler: async (req, reply) => {
        await service.disableMfa(actorOf(req), req.body.password, req.body.code, contextOf(req));
        return reply.code(204).send();
      },
    });
  };
}
