import { Alert, Anchor, Center, Loader, Text } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { ApiError, api, unwrap } from '../api/client';
import { setSession } from '../api/session';
import { type CallbackResult, readCallbackFragment } from '../auth/sso';
import { AuthCard } from '../components/AuthCard';

/** The backend's reasons for refusing a single sign-on, in the user's language; others show the server's words. */
function useRefusalWording(): (code: string | undefined, message: string | null | undefined) => string {
  const { t } = useTranslation();
  const known: Record<string, string> = {
    missing_code: t('sso.linkUsed'),
    not_configured: t('sso.errors.notConfigured'),
    invalid_request: t('sso.errors.invalidRequest'),
    login_expired: t('sso.errors.loginExpired'),
    provider_error: t('sso.errors.providerError'),
    provider_unavailable: t('sso.errors.providerUnavailable'),
    token_invalid: t('sso.errors.tokenInvalid'),
    email_missing: t('sso.errors.emailMissing'),
    account_exists: t('sso.errors.accountExists'),
    account_disabled: t('sso.errors.accountDisabled'),
    no_role: t('sso.errors.noRole'),
    mfa_required: t('sso.errors.mfaRequired'),
    network: t('errors.network'),
  };
  return (code, message) => (code && known[code]) || message || t('sso.failed');
}

/**
 * Where the backend sends the browser back from the identity provider: `#code=...` (a
 * one-time code for Clinica's tokens) or `#error=...&message=...`. The code is exchanged for
 * the same tokens a password sign-in gives, stored the same way, and the user goes on as
 * after any sign-in (see AfterSignIn): to where they were going, or their first workspace.
 */
export function AuthCallbackPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const wording = useRefusalWording();
  const [result] = useState<CallbackResult>(() => readCallbackFragment(window.location.hash));
  // Kept as code and message, so that switching the language rewords it.
  const [failure, setFailure] = useState<{ code?: string; message?: string | null } | null>(() =>
    result.kind === 'error' ? { code: result.error, message: result.message } : null,
  );
  // The code works once: never send it twice (StrictMode runs effects twice in development).
  const exchanged = useRef(false);

  useEffect(() => {
    // The code must not linger in the address bar, the history or a bookmark.
    if (window.location.hash) window.history.replaceState(window.history.state, '', window.location.pathname);
    if (result.kind !== 'code' || exchanged.current) return;
    exchanged.current = true;
    unwrap(api.POST('/api/v1/auth/oidc/exchange', { body: { code: result.code } }))
      .then((tokens) => {
        setSession(tokens);
        navigate(result.returnTo ? `/login?next=${encodeURIComponent(result.returnTo)}` : '/login', { replace: true });
      })
      .catch((err: unknown) => {
        if (!(err instanceof ApiError)) setFailure({ code: 'network' });
        // 400: the code is unknown, expired (it lasts seconds) or already used.
        else setFailure({ code: err.status === 400 ? 'login_expired' : undefined, message: err.problem.detail });
      });
  }, [result, navigate]);

  if (failure === null)
    return (
      <AuthCard heading={t('sso.title')} width={400}>
        <Center h={120}>
          <Loader />
        </Center>
        <Text ta="center" role="status">
          {t('sso.working')}
        </Text>
      </AuthCard>
    );

  return (
    <AuthCard heading={t('sso.title')} width={400}>
      <Alert color="red" role="alert" title={t('sso.failed')} data-testid="sso-error">
        {wording(failure.code, failure.message)}
      </Alert>
      <Anchor component={Link} to="/login" ta="center">
        {t('sso.backToLogin')}
      </Anchor>
    </AuthCard>
  );
}
