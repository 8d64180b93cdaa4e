import { Alert, Anchor, Button, PasswordInput, Select, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { ApiError, api, unwrap } from '../api/client';
import { setSession } from '../api/session';
import { AuthCard } from '../components/AuthCard';
import { useFormFields } from '../components/useFormFields';

const FIELDS = ['email', 'password', 'firstName', 'lastName', 'documentNumber', 'birthDate', 'sex'] as const;
type Field = (typeof FIELDS)[number];

/** Patient self-registration: an account with its own patient record, signed in at once. */
export function RegisterPage() {
  const { t, i18n } = useTranslation();
  const { values, setValues, errors, setErrors, field } = useFormFields<Record<Field, string>>({
    email: '',
    password: '',
    firstName: '',
    lastName: '',
    documentNumber: '',
    birthDate: '',
    sex: '',
  });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setError(null);
    try {
      const { sex, ...rest } = values;
      const language: 'es' | 'en' = i18n.language === 'en' ? 'en' : 'es';
      const body = { ...rest, language, ...(sex ? { sex: sex as 'female' | 'male' | 'other' | 'unknown' } : {}) };
      // Signed in at once: the app re-renders and opens the portal.
      setSession(await unwrap(api.POST('/api/v1/auth/register', { body })));
    } catch (err) {
      if (err instanceof ApiError) {
        const byField = err.fieldErrors();
        setErrors(
          Object.fromEntries(Object.entries(byField).filter(([k]) => (FIELDS as readonly string[]).includes(k))),
        );
        if (err.status === 403) setError(t('register.disabled'));
        else if (err.status === 429) setError(t('auth.locked'));
        else setError(Object.keys(byField).length > 0 ? t('errors.fixFields') : err.message);
      } else setError(t('errors.network'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <AuthCard heading={t('register.title')} width={480} onSubmit={submit}>
      {error && (
        <Alert color="red" role="alert" data-testid="register-error">
          {error}
        </Alert>
      )}
      <TextInput label={t('patient.firstName')} required autoComplete="given-name" {...field('firstName')} />
      <TextInput label={t('patient.lastName')} required autoComplete="family-name" {...field('lastName')} />
      <TextInput label={t('patient.documentNumber')} required {...field('documentNumber')} />
      <TextInput label={t('patient.birthDate')} type="date" required autoComplete="bday" {...field('birthDate')} />
      <Select
        label={t('patient.sex')}
        clearable
        value={values.sex || null}
        error={errors.sex}
        onChange={(v) => setValues((s) => ({ ...s, sex: v ?? '' }))}
        data={[
          { value: 'female', label: t('sex.female') },
          { value: 'male', label: t('sex.male') },
          { value: 'other', label: t('sex.other') },
          { value: 'unknown', label: t('sex.unknown') },
        ]}
      />
      <TextInput label={t('auth.email')} type="email" required autoComplete="email" {...field('email')} />
      <PasswordInput
        label={t('auth.password')}
        description={t('register.passwordHelp')}
        required
        autoComplete="new-password"
        {...field('password')}
      />
      <Button type="submit" loading={busy} fullWidth>
        {t('register.submit')}
      </Button>
      <Anchor component={Link} to="/login" ta="center">
        {t('register.haveAccount')}
      </Anchor>
    </AuthCard>
  );
}
