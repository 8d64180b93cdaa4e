import {
  Alert,
  Badge,
  Button,
  Card,
  Code,
  Group,
  Image,
  Loader,
  PasswordInput,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import QRCode from 'qrcode';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../api/client';
import { LANGUAGES, type Language, setLanguage } from '../i18n';
import { notify } from '../notify';

type Step =
  | { kind: 'idle' }
  | { kind: 'enrol'; secret: string; qr: string }
  | { kind: 'codes'; codes: string[] }
  | { kind: 'disable' };

function MfaCard() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useQuery({ queryKey: ['me'], queryFn: () => unwrap(api.GET('/api/v1/auth/me')) });
  const [step, setStep] = useState<Step>({ kind: 'idle' });
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  function reset(next: Step) {
    setStep(next);
    setCode('');
    setPassword('');
    setError(null);
  }

  const failed = (err: unknown) =>
    setError(err instanceof ApiError ? (err.problem.detail ?? err.message) : t('errors.network'));

  async function start() {
    setBusy(true);
    setError(null);
    try {
      const setup = await unwrap(api.POST('/api/v1/auth/mfa/setup'));
      // Drawn in the browser: the secret never leaves it for a QR service, and a data: image passes the CSP.
      const qr = await QRCode.toDataURL(setup.otpauthUrl, { margin: 1, width: 200 });
      reset({ kind: 'enrol', secret: setup.secret, qr });
    } catch (err) {
      failed(err);
    } finally {
      setBusy(false);
    }
  }

  async function enable(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const { recoveryCodes } = await unwrap(api.POST('/api/v1/auth/mfa/enable', { body: { code: code.trim() } }));
      reset({ kind: 'codes', codes: recoveryCodes });
      await queryClient.invalidateQueries({ queryKey: ['me'] });
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) setError(t('account.wrongCode'));
      else failed(err);
    } finally {
      setBusy(false);
    }
  }

  async function disable(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await unwrap(api.POST('/api/v1/auth/mfa/disable', { body: { password, code: code.trim() } }));
      reset({ kind: 'idle' });
      notify(t('account.mfaDisabled'));
      await queryClient.invalidateQueries({ queryKey: ['me'] });
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) setError(t('account.wrongPasswordOrCode'));
      else if (err instanceof ApiError && err.status === 429) setError(t('auth.locked'));
      else failed(err);
    } finally {
      setBusy(false);
    }
  }

  const on = me.data?.mfaEnabled;
  return (
    <Card withBorder data-testid="mfa-card">
      <Stack>
        <Group justify="space-between">
          <Title order={3} size="h4">
            {t('account.mfaTitle')}
          </Title>
          {me.data && (
            <Badge color={on ? 'teal.9' : 'gray.7'} data-testid="mfa-status">
              {on ? t('account.mfaOn') : t('account.mfaOff')}
            </Badge>
          )}
        </Group>
        <Text size="sm">{t('account.mfaHelp')}</Text>
        {me.isPending && <Loader size="sm" />}
        {error && (
          <Alert color="red" role="alert" data-testid="mfa-error">
            {error}
          </Alert>
        )}
        {step.kind === 'idle' && me.data && !on && (
          <Group>
            <Button onClick={start} loading={busy}>
              {t('account.turnOn')}
            </Button>
          </Group>
        )}
        {step.kind === 'idle' && me.data && on && (
          <Group>
            <Button color="red.9" variant="outline" onClick={() => reset({ kind: 'disable' })}>
              {t('account.turnOff')}
            </Button>
          </Group>
        )}
        {step.kind === 'enrol' && (
          <form onSubmit={enable} noValidate>
            <Stack>
              <Text size="sm">{t('account.scan')}</Text>
              <Image src={step.qr} alt={t('account.qrAlt')} w={200} h={200} data-testid="mfa-qr" />
              <Text size="sm">{t('account.orType')}</Text>
              <Code data-testid="mfa-secret" style={{ wordBreak: 'break-all' }}>
                {step.secret}
              </Code>
              <TextInput
                label={t('account.code')}
                description={t('account.codeHelp')}
                autoComplete="one-time-code"
                inputMode="numeric"
                required
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
              />
              <Group>
                <Button type="submit" loading={busy}>
                  {t('account.confirm')}
                </Button>
                <Button variant="default" onClick={() => reset({ kind: 'idle' })}>
                  {t('common.cancel')}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
        {step.kind === 'codes' && (
          <Stack>
            <Alert
              color="yellow"
              variant="outline"
              title={t('account.saveCodesTitle')}
              data-testid="recovery-codes-warning"
              styles={{
                root: { borderWidth: 2, background: 'var(--mantine-color-yellow-0)' },
                title: { color: 'var(--mantine-color-black)' },
              }}
            >
              {t('account.saveCodes')}
            </Alert>
            <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs" data-testid="recovery-codes">
              {step.codes.map((c) => (
                <Code key={c}>{c}</Code>
              ))}
            </SimpleGrid>
            <Group>
              <Button onClick={() => reset({ kind: 'idle' })}>{t('account.savedCodes')}</Button>
            </Group>
          </Stack>
        )}
        {step.kind === 'disable' && (
          <form onSubmit={disable} noValidate>
            <Stack>
              <PasswordInput
                label={t('auth.password')}
                autoComplete="current-password"
                required
                value={password}
                onChange={(e) => setPassword(e.currentTarget.value)}
              />
              <TextInput
                label={t('account.code')}
                description={t('auth.codeHelp')}
                autoComplete="one-time-code"
                required
                value={code}
                onChange={(e) => setCode(e.currentTarget.value)}
              />
              <Group>
                <Button type="submit" color="red.9" loading={busy}>
                  {t('account.turnOff')}
                </Button>
                <Button variant="default" onClick={() => reset({ kind: 'idle' })}>
                  {t('common.cancel')}
                </Button>
              </Group>
            </Stack>
          </form>
        )}
      </Stack>
    </Card>
  );
}

type Preferences = { language?: Language; emailNotifications?: boolean };

/** Each language in its own words, as language pickers name them. */
const LANGUAGE_NAMES: Record<Language, string> = { es: 'Español', en: 'English' };

/** What the user wants by e-mail, and in which language; each change is saved at once. */
function NotificationsCard() {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const me = useQuery({ queryKey: ['me'], queryFn: () => unwrap(api.GET('/api/v1/auth/me')) });
  const save = useMutation({
    mutationFn: (body: Preferences) => unwrap(api.PATCH('/api/v1/auth/me', { body })),
    onSuccess: (user, body) => {
      queryClient.setQueryData(['me'], user);
      // The e-mail language is the app's too: choosing it here should not leave the screen in the other.
      if (body.language) setLanguage(body.language);
      notify(t('account.preferencesSaved'));
    },
    onError: (err) => notify(err.message, 'red'),
  });
  // While saving, show the choice just made rather than flick back to the stored one.
  const shown = { ...me.data, ...(save.isPending ? save.variables : {}) };
  return (
    <Card withBorder data-testid="notifications-card">
      <Stack>
        <Title order={3} size="h4">
          {t('account.notificationsTitle')}
        </Title>
        {me.isPending && <Loader size="sm" />}
        {me.data && (
          <>
            <Switch
              label={t('account.emailNotifications')}
              description={t('account.securityAlways')}
              checked={shown.emailNotifications ?? false}
              disabled={save.isPending}
              onChange={(e) => save.mutate({ emailNotifications: e.currentTarget.checked })}
            />
            <Select
              label={t('language.label')}
              description={t('account.languageHelp')}
              allowDeselect={false}
              value={shown.language ?? null}
              disabled={save.isPending}
              onChange={(v) => v && save.mutate({ language: v as Language })}
              data={LANGUAGES.map((l) => ({ value: l, label: LANGUAGE_NAMES[l] }))}
            />
          </>
        )}
      </Stack>
    </Card>
  );
}

function PasswordCard() {
  const { t } = useTranslation();
  const [currentPassword, setCurrent] = useState('');
  const [newPassword, setNew] = useState('');
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setFields({});
    try {
      await unwrap(api.POST('/api/v1/auth/password', { body: { currentPassword, newPassword } }));
      setCurrent('');
      setNew('');
      notify(t('account.passwordChanged'));
    } catch (err) {
      if (err instanceof ApiError && err.status === 400) {
        setFields(err.fieldErrors());
        setError(err.problem.errors?.length ? t('errors.fixFields') : (err.problem.detail ?? err.message));
      } else if (err instanceof ApiError && err.status === 429) setError(t('auth.locked'));
      else setError(err instanceof ApiError ? err.message : t('errors.network'));
    } finally {
      setBusy(false);
    }
  }

  return (
    <Card withBorder>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={3} size="h4">
            {t('account.passwordTitle')}
          </Title>
          {error && (
            <Alert color="red" role="alert" data-testid="password-error">
              {error}
            </Alert>
          )}
          <PasswordInput
            label={t('account.currentPassword')}
            autoComplete="current-password"
            required
            value={currentPassword}
            error={fields.currentPassword}
            onChange={(e) => setCurrent(e.currentTarget.value)}
          />
          <PasswordInput
            label={t('account.newPassword')}
            autoComplete="new-password"
            required
            value={newPassword}
            error={fields.newPassword}
            onChange={(e) => setNew(e.currentTarget.value)}
          />
          <Group>
            <Button type="submit" loading={busy}>
              {t('account.changePassword')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

export function AccountPage() {
  const { t } = useTranslation();
  return (
    <Stack maw={640}>
      <Title order={2}>{t('account.title')}</Title>
      <MfaCard />
      <PasswordCard />
      <NotificationsCard />
    </Stack>
  );
}
