import { z } from 'zod';

export const Providers = z.object({
  localLogin: z.boolean().describe('Whether e-mail and password sign-in is on (LOCAL_LOGIN)'),
  providers: z.array(
    z.object({
      id: z.literal('oidc'),
      name: z.string().describe('Shown on the button, e.g. "Sign in with Keycloak" (OIDC_PROVIDER_NAME)'),
      loginUrl: z.string().describe('Where the browser goes to sign in; `?returnTo=/path` comes back to that page'),
    }),
  ),
});

// Browser navigations: unknown parameters (a provider's `session_state`, `iss`, ...) are
// expected and ignored; repeated ones are refused like anywhere else.
export const LoginQuery = z.looseObject({
  returnTo: z
    .string()
    .optional()
    .describe('A path on this site to open after sign-in, e.g. /patients; anything else is ignored'),
});

export const CallbackQuery = z.looseObject({
  code: z.string().optional(),
  state: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

export const Redirect = z.void().describe('Redirect (see Location)');

export const ExchangeBody = z.strictObject({
  code: z.string().min(1).max(200).describe('The one-time code from the callback page'),
});

export const BackchannelLogoutBody = z.looseObject({
  logout_token: z.string().min(1).max(16_384),
});

export const LogoutResponse = z.object({
  endSessionUrl: z.string().describe("The provider's end-session address, for the browser to visit"),
});
