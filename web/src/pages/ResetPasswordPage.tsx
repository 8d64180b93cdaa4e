import { Alert, Anchor, Button, PasswordInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useSearchParams } from 'react-router';
import { ApiError, api, unwrap } from '../api/client';
import { AuthCard } from '../components/AuthCard';
import { useFormFields } from '../components/useFormFields';

type Outcome = 'form' | 'done' | 'invalid';

/** Sets a new password from the link in the reset e-mail (`/reset-password?token=...`). */
export function ResetPasswordPage() {
  const { t } = useTranslation();
  const token = useSearchParams()[0].get('token') ?? '';
  const { values, setErrors, field } = useFormFields({ password: '', confirm: '' });
  const [outcome, setOutcome] = useState<Outcome>(token ? 'form' : 'invalid');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setErrors({});
    setError(null);
    if (values.password !== values.confirm) {
      setErrors({ confirm: t('reset.mismatch') });
      return;
    }
    setBusy(true);
    try {
      await unwrap(api.POST('/api/v1/auth/password-reset/confirm', { body: { token, password: values.password } }));
      setOutcome('done');
    } catch (err) {
      if (err instanceof ApiError && err.problem.errors?.some((f) => f.code === 'invalid_token')) setOutcome('invalid');
      else if (err instanceof ApiError && err.status === 400) {
        const { password } = err.fieldErrors();
        setErrors({ password });
        setError(password ? t('errors.fixFields') : err.message);
      } else if (err instanceof ApiError && err.status === 429) setError(t('forgot.tooMany'));
      else setError(t('errors.network'));
    } finally {
      setBusy(false);
    }
  }

  if (outcome === 'done')
    return (
      <AuthCard heading={t('reset.title')} width={400}>
        <Alert color="teal" role="status" data-testid="reset-done">
          {t('reset.done')}
        </Alert>
        <Button component={Link} to="/login" fullWidth>
          {t('auth.signIn')}
        </Button>
      </AuthCard>
    );

  if (outcome === 'invalid')
    return (
      <AuthCard heading={t('reset.title')} width={400}>
        <Alert color="red" role="alert" data-testid="reset-invalid">
          {t('reset.invalid')}
        </Alert>
        <Button component={Link} to="/forgot-password" fullWidth>
          {t('reset.askNew')}
        </Button>
      </AuthCard>
    );

  return (
    <AuthCard heading={t('reset.title')} width={400} onSubmit={submit}>
      {error && (
        <Alert color="red" role="alert" data-testid="reset-error">
          {error}
        </Alert>
      )}
      <PasswordInput
        label={t('account.newPassword')}
        description={t('register.passwordHelp')}
        autoComplete="new-password"
        required
        {...field('password')}
      />
      <PasswordInput label={t('reset.confirm')} autoComplete="new-password" required {...field('confirm')} />
      <Button type="submit" loading={busy} fullWidth>
        {t('reset.submit')}
      </Button>
      <Anchor component={Link} to="/login" ta="center">
        {t('forgot.backToSignIn')}
      </Anchor>
    </AuthCard>
  );
}
