import { Alert, Anchor, Button, Center, Divider, Loader, PasswordInput, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { ApiError, api, unwrap } from '../api/client';
import { setSession } from '../api/session';
import { SIGNED_OUT_KEY } from '../auth/IdleWatch';
import { providerLoginHref } from '../auth/sso';
import { AuthCard } from '../components/AuthCard';

export function LoginPage() {
  const { t } = useTranslation();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [otp, setOtp] = useState('');
  const [mfa, setMfa] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  // Signed out for inactivity: say so once.
  const [idle] = useState(() => sessionStorage.getItem(SIGNED_OUT_KEY) === 'idle');
  useEffect(() => sessionStorage.removeItem(SIGNED_OUT_KEY), []);
  // Where the user was going: the provider's round trip brings them back there.
  const [params] = useSearchParams();
  const next = params.get('next');
  const sso = useQuery({
    queryKey: ['auth-providers'],
    queryFn: () => unwrap(api.GET('/api/v1/auth/providers')),
    staleTime: Number.POSITIVE_INFINITY,
    retry: false,
  });
  // An older or unreachable server lists nothing: the password form still works.
  const localLogin = sso.data?.localLogin ?? true;
  const providers = sso.data?.providers ?? [];

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { email, password, ...(mfa ? { otp: otp.trim() } : {}) };
      const tokens = await unwrap(api.POST('/api/v1/auth/login', { body }));
      // The app re-renders signed in and takes the user on (see AfterSignIn).
      setSession(tokens);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401 && err.problem.mfaRequired) {
        if (mfa) setError(t('auth.wrongCode'));
        setMfa(true);
      } else if (err instanceof ApiError && err.status === 401) {
        setError(mfa ? t('auth.wrongCode') : t('auth.wrongCredentials'));
      } else if (err instanceof ApiError && err.status === 429) {
        const seconds = Number(err.headers.get('retry-after'));
        const minutes = Number.isFinite(seconds) && seconds > 0 ? Math.ceil(seconds / 60) : null;
        setError(minutes ? t('auth.lockedFor', { minutes }) : t('auth.locked'));
      } else if (err instanceof ApiError && err.status === 400) {
        setError(t('auth.checkFields'));
      } else {
        setError(t('errors.network'));
      }
    } finally {
      setBusy(false);
    }
  }

  if (sso.isPending)
    return (
      <AuthCard heading={t('auth.title')} width={400}>
        <Center h={120}>
          <Loader />
        </Center>
      </AuthCard>
    );

  const providerButtons = providers.map((p) => (
    <Button key={p.id} component="a" href={providerLoginHref(p.loginUrl, next)} variant="default" fullWidth>
      {t('auth.ssoSignIn', { name: p.name })}
    </Button>
  ));

  if (!localLogin)
    return (
      <AuthCard heading={t('auth.title')} width={400}>
        {idle && (
          <Alert color="blue" role="status" data-testid="signed-out-idle">
            {t('idle.signedOut')}
          </Alert>
        )}
        {providerButtons}
      </AuthCard>
    );

  return (
    <AuthCard heading={mfa ? t('auth.mfaTitle') : t('auth.title')} width={400} onSubmit={submit}>
      {idle && !error && (
        <Alert color="blue" role="status" data-testid="signed-out-idle">
          {t('idle.signedOut')}
        </Alert>
      )}
      {error && (
        <Alert color="red" role="alert" data-testid="login-error">
          {error}
        </Alert>
      )}
      {!mfa ? (
        <>
          <TextInput
            label={t('auth.email')}
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <PasswordInput
            label={t('auth.password')}
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
        </>
      ) : (
        <TextInput
          label={t('auth.code')}
          description={t('auth.codeHelp')}
          autoComplete="one-time-code"
          inputMode="text"
          required
          autoFocus
          value={otp}
          onChange={(e) => setOtp(e.currentTarget.value)}
        />
      )}
      <Button type="submit" loading={busy} fullWidth>
        {mfa ? t('auth.verify') : t('auth.signIn')}
      </Button>
      {!mfa && providerButtons.length > 0 && (
        <>
          <Divider label={t('auth.or')} labelPosition="center" />
          {providerButtons}
        </>
      )}
      {!mfa && (
        <>
          <Anchor component={Link} to="/forgot-password" state={{ email }} ta="center">
            {t('auth.forgotPassword')}
          </Anchor>
          <Anchor component={Link} to="/register" ta="center">
            {t('register.link')}
          </Anchor>
        </>
      )}
      {mfa && (
        <Button
          variant="default"
          onClick={() => {
            setMfa(false);
            setOtp('');
            setError(null);
          }}
        >
          {t('common.back')}
        </Button>
      )}
    </AuthCard>
  );
}
