import { Alert, Anchor, Button, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useLocation } from 'react-router';
import { ApiError, api, unwrap } from '../api/client';
import { AuthCard } from '../components/AuthCard';

/** Asks for a password reset link. The answer never says whether the address has an account. */
export function ForgotPasswordPage() {
  const { t } = useTranslation();
  // The sign-in page passes on what the user had typed there.
  const typed = (useLocation().state as { email?: string } | null)?.email ?? '';
  const [email, setEmail] = useState(typed);
  const [fieldError, setFieldError] = useState<string | undefined>();
  const [error, setError] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setFieldError(undefined);
    setError(null);
    try {
      await unwrap(api.POST('/api/v1/auth/password-reset', { body: { email: email.trim() } }));
      setSent(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) setFieldError(err.fieldErrors().email ?? err.message);
      else if (err instanceof ApiError && err.status === 429) setError(t('forgot.tooMany'));
      else setError(t('errors.network'));
    } finally {
      setBusy(false);
    }
  }

  if (sent)
    return (
      <AuthCard heading={t('forgot.title')} width={400}>
        <Alert color="teal" role="status" data-testid="forgot-sent">
          {t('forgot.sent')}
        </Alert>
        <Button component={Link} to="/login" fullWidth>
          {t('forgot.backToSignIn')}
        </Button>
      </AuthCard>
    );

  return (
    <AuthCard heading={t('forgot.title')} width={400} onSubmit={submit}>
      <Text size="sm">{t('forgot.help')}</Text>
      {error && (
        <Alert color="red" role="alert" data-testid="forgot-error">
          {error}
        </Alert>
      )}
      <TextInput
        label={t('auth.email')}
        type="email"
        autoComplete="email"
        required
        value={email}
        error={fieldError}
        onChange={(e) => setEmail(e.currentTarget.value)}
      />
      <Button type="submit" loading={busy} fullWidth>
        {t('forgot.submit')}
      </Button>
      <Anchor component={Link} to="/login" ta="center">
        {t('forgot.backToSignIn')}
      </Anchor>
    </AuthCard>
  );
}
