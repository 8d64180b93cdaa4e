import {
  ActionIcon,
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  Loader,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate, useParams } from 'react-router';
import { ApiError, api, unwrap } from '../api/client';
import type { ExceptionInput, Practitioner, PractitionerException, WorkingInterval } from '../api/types';
import { useFormFields } from '../components/useFormFields';
import { formatClinicInstant, formatDate, minutesOf, weekdayName, zonedInstant } from '../format';
import { notify } from '../notify';
import { useInfo } from '../scheduling/queries';

const WEEK = [1, 2, 3, 4, 5, 6, 7];

/** The server's reason for a refused form, or its field errors in the user's language. */
function refusal(err: unknown, t: (key: string) => string) {
  if (!(err instanceof ApiError)) return { message: t('errors.network'), fields: {} };
  if (err.status === 400 && err.problem.errors?.length)
    return { message: t('errors.fixFields'), fields: err.fieldErrors() };
  return { message: err.problem.detail ?? err.message, fields: {} };
}

/** Doctors' accounts, to link one to the practitioner: the diary then opens on their own column. */
function useDoctorAccounts() {
  return useQuery({
    queryKey: ['users', 'doctors'],
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/users', { params: { query: { limit: 100 } } }))).items.filter((u) =>
        u.roles.includes('doctor'),
      ),
  });
}

function DetailsCard({ practitioner }: { practitioner: Practitioner | null }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const doctors = useDoctorAccounts();
  const { values, setValues, errors, setErrors, field } = useFormFields({
    name: practitioner?.name ?? '',
    specialty: practitioner?.specialty ?? '',
    email: practitioner?.email ?? '',
    mobile: practitioner?.mobile ?? '',
    isDentist: practitioner?.isDentist ?? false,
    active: practitioner?.active ?? true,
    userId: practitioner?.userId ?? null,
  });
  const [error, setError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () => {
      // Empty optional fields are left out: the server refuses empty strings.
      const body = {
        name: values.name,
        isDentist: values.isDentist,
        active: values.active,
        userId: values.userId,
        ...(values.specialty.trim() ? { specialty: values.specialty } : {}),
        ...(values.email.trim() ? { email: values.email } : {}),
        ...(values.mobile.trim() ? { mobile: values.mobile } : {}),
      };
      return practitioner
        ? unwrap(api.PUT('/api/v1/practitioners/{id}', { params: { path: { id: practitioner.id } }, body }))
        : unwrap(api.POST('/api/v1/practitioners', { body }));
    },
    onMutate: () => {
      setError(null);
      setErrors({});
    },
    onSuccess: async (saved) => {
      notify(t('practitioners.saved', { name: saved.name }));
      queryClient.setQueryData(['practitioner', saved.id], saved);
      await queryClient.invalidateQueries({ queryKey: ['practitioners'] });
      if (!practitioner) navigate(`/admin/practitioners/${saved.id}`, { replace: true });
    },
    onError: (err) => {
      const r = refusal(err, t);
      setError(r.message);
      setErrors(r.fields);
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    save.mutate();
  };
  const accounts = (doctors.data ?? []).map((u) => ({ value: u.id, label: u.email }));
  return (
    <Card withBorder>
      <form onSubmit={submit} noValidate>
        <Stack>
          <Title order={3} size="h4">
            {t('practitioners.details')}
          </Title>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <TextInput
              label={t('practitioners.name')}
              description={t('practitioners.nameHelp')}
              required
              {...field('name')}
            />
            <TextInput label={t('practitioners.specialty')} {...field('specialty')} />
            <TextInput label={t('practitioners.email')} type="email" {...field('email')} />
            <TextInput label={t('practitioners.mobile')} type="tel" {...field('mobile')} />
            <Select
              label={t('practitioners.account')}
              description={t('practitioners.accountHelp')}
              clearable
              searchable
              data={accounts}
              value={values.userId}
              onChange={(userId) => setValues((v) => ({ ...v, userId }))}
              error={errors.userId}
            />
          </SimpleGrid>
          <Group>
            <Checkbox
              label={t('practitioners.dentist')}
              checked={values.isDentist}
              onChange={(e) => {
                const isDentist = e.currentTarget.checked;
                setValues((v) => ({ ...v, isDentist }));
              }}
            />
            <Checkbox
              label={t('practitioners.takesAppointments')}
              checked={values.active}
              onChange={(e) => {
                const active = e.currentTarget.checked;
                setValues((v) => ({ ...v, active }));
              }}
            />
          </Group>
          <Group>
            <Button type="submit" loading={save.isPending}>
              {t('common.save')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

/** The weekly hours, day by day; several intervals a day (a split shift), local times of the clinic. */
function HoursCard({ practitioner, timeZone }: { practitioner: Practitioner; timeZone: string }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [hours, setHours] = useState<WorkingInterval[]>(practitioner.workingHours);
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: () =>
      unwrap(
        api.PUT('/api/v1/practitioners/{id}/hours', {
          params: { path: { id: practitioner.id } },
          body: { workingHours: hours },
        }),
      ),
    onMutate: () => {
      setError(null);
      setFields({});
    },
    onSuccess: async (saved) => {
      notify(t('practitioners.hoursSaved'));
      queryClient.setQueryData(['practitioner', saved.id], saved);
      await queryClient.invalidateQueries({ queryKey: ['practitioners'] });
    },
    onError: (err) => {
      const r = refusal(err, t);
      setError(r.message);
      setFields(r.fields);
    },
  });
  const change = (index: number, patch: Partial<WorkingInterval>) =>
    setHours((hs) => hs.map((h, i) => (i === index ? { ...h, ...patch } : h)));
  return (
    <Card withBorder data-testid="hours-card">
      <Stack>
        <Title order={3} size="h4">
          {t('practitioners.hours')}
        </Title>
        <Text size="sm">{t('practitioners.hoursHelp', { timeZone })}</Text>
        {error && (
          <Alert color="red" role="alert">
            {error}
          </Alert>
        )}
        {WEEK.map((day) => {
          const day_ = weekdayName(day, i18n.language);
          const rows = hours.map((h, index) => ({ h, index })).filter((x) => x.h.dayOfWeek === day);
          return (
            <Group key={day} align="flex-start" wrap="wrap" gap="xs">
              <Text w={110} fw={600} size="sm" pt={6} tt="capitalize">
                {day_}
              </Text>
              <Stack gap={6} style={{ flex: 1 }}>
                {rows.length === 0 && (
                  <Text size="sm" c="dimmed" pt={6}>
                    {t('practitioners.notWorking')}
                  </Text>
                )}
                {rows.map(({ h, index }) => (
                  <Group key={index} gap="xs" align="flex-start">
                    <TextInput
                      type="time"
                      aria-label={t('practitioners.from', { day: day_ })}
                      value={h.start}
                      onChange={(e) => change(index, { start: e.currentTarget.value })}
                      error={fields[`workingHours.${index}.start`]}
                    />
                    <TextInput
                      type="time"
                      aria-label={t('practitioners.to', { day: day_ })}
                      value={h.end}
                      onChange={(e) => change(index, { end: e.currentTarget.value })}
                      error={fields[`workingHours.${index}.end`] ?? fields[`workingHours.${index}`]}
                    />
                    <ActionIcon
                      variant="default"
                      size="lg"
                      aria-label={t('practitioners.removeInterval', { day: day_ })}
                      onClick={() => setHours((hs) => hs.filter((_, i) => i !== index))}
                    >
                      ×
                    </ActionIcon>
                  </Group>
                ))}
                <Group>
                  <Button
                    size="xs"
                    variant="subtle"
                    aria-label={t('practitioners.addIntervalOn', { day: day_ })}
                    onClick={() => setHours((hs) => [...hs, { dayOfWeek: day, start: '09:00', end: '14:00' }])}
                  >
                    {t('practitioners.addInterval')}
                  </Button>
                </Group>
              </Stack>
            </Group>
          );
        })}
        <Group>
          <Button onClick={() => save.mutate()} loading={save.isPending}>
            {t('practitioners.saveHours')}
          </Button>
        </Group>
      </Stack>
    </Card>
  );
}

function describeException(x: PractitionerException, language: string, timeZone: string) {
  if (x.startDate && x.endDate)
    return x.startDate === x.endDate
      ? formatDate(x.startDate, language)
      : `${formatDate(x.startDate, language)} – ${formatDate(x.endDate, language)}`;
  return `${formatClinicInstant(x.start, language, timeZone)} – ${formatClinicInstant(x.end, language, timeZone)}`;
}

/** Absences (holidays, leave, a course): whole days or a span of hours; no slots are offered in them. */
function ExceptionsCard({ practitioner, timeZone }: { practitioner: Practitioner; timeZone: string }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const key = ['practitioner', practitioner.id, 'exceptions'];
  const list = useQuery({
    queryKey: key,
    queryFn: async () =>
      (await unwrap(api.GET('/api/v1/practitioners/{id}/exceptions', { params: { path: { id: practitioner.id } } })))
        .items,
  });
  const [kind, setKind] = useState<'days' | 'hours'>('days');
  const [form, setForm] = useState({ from: '', to: '', date: '', start: '', end: '', reason: '' });
  const [fields, setFields] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const set = (name: keyof typeof form) => (e: { currentTarget: { value: string } }) => {
    const value = e.currentTarget.value;
    setForm((f) => ({ ...f, [name]: value }));
  };
  const add = useMutation({
    mutationFn: () => {
      const body: ExceptionInput =
        kind === 'days'
          ? { startDate: form.from, endDate: form.to || form.from, reason: form.reason }
          : {
              start: zonedInstant(form.date, minutesOf(form.start), timeZone),
              end: zonedInstant(form.date, minutesOf(form.end), timeZone),
              reason: form.reason,
            };
      return unwrap(
        api.POST('/api/v1/practitioners/{id}/exceptions', { params: { path: { id: practitioner.id } }, body }),
      );
    },
    onMutate: () => {
      setError(null);
      setFields({});
    },
    onSuccess: async () => {
      notify(t('practitioners.absenceAdded'));
      setForm({ from: '', to: '', date: '', start: '', end: '', reason: '' });
      await queryClient.invalidateQueries({ queryKey: key });
    },
    onError: (err) => {
      const r = refusal(err, t);
      setError(r.message);
      setFields(r.fields);
    },
  });
  const remove = useMutation({
    mutationFn: (id: string) =>
      unwrap(
        api.DELETE('/api/v1/practitioners/{id}/exceptions/{exceptionId}', {
          params: { path: { id: practitioner.id, exceptionId: id } },
        }),
      ),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: key }),
    onError: (err) => notify(err.message, 'red'),
  });
  const complete = !!form.reason.trim() && (kind === 'days' ? !!form.from : !!(form.date && form.start && form.end));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (complete) add.mutate();
  };
  return (
    <Card withBorder data-testid="exceptions-card">
      <Stack>
        <Title order={3} size="h4">
          {t('practitioners.absences')}
        </Title>
        {list.isPending && <Loader size="sm" />}
        {list.data?.length === 0 && <Text c="dimmed">{t('practitioners.noAbsences')}</Text>}
        {!!list.data?.length && (
          <Table>
            <Table.Tbody>
              {list.data.map((x) => (
                <Table.Tr key={x.id}>
                  <Table.Td>{describeException(x, i18n.language, timeZone)}</Table.Td>
                  <Table.Td>{x.reason}</Table.Td>
                  <Table.Td ta="right">
                    <Button
                      size="xs"
                      color="red.9"
                      variant="outline"
                      loading={remove.isPending && remove.variables === x.id}
                      onClick={() => remove.mutate(x.id)}
                    >
                      {t('practitioners.removeAbsence')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
        <form onSubmit={submit} noValidate>
          <Stack gap="xs">
            <Text fw={600} size="sm">
              {t('practitioners.addAbsence')}
            </Text>
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <SegmentedControl
              aria-label={t('practitioners.absenceKind')}
              value={kind}
              onChange={(v) => setKind(v as 'days' | 'hours')}
              data={[
                { value: 'days', label: t('practitioners.wholeDays') },
                { value: 'hours', label: t('practitioners.someHours') },
              ]}
            />
            {kind === 'days' ? (
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <TextInput
                  label={t('practitioners.firstDay')}
                  type="date"
                  required
                  value={form.from}
                  onChange={set('from')}
                  error={fields.startDate}
                />
                <TextInput
                  label={t('practitioners.lastDay')}
                  type="date"
                  value={form.to}
                  onChange={set('to')}
                  error={fields.endDate}
                />
              </SimpleGrid>
            ) : (
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <TextInput label={t('booking.date')} type="date" required value={form.date} onChange={set('date')} />
                <TextInput
                  label={t('practitioners.fromTime')}
                  type="time"
                  required
                  value={form.start}
                  onChange={set('start')}
                  error={fields.start}
                />
                <TextInput
                  label={t('practitioners.toTime')}
                  type="time"
                  required
                  value={form.end}
                  onChange={set('end')}
                  error={fields.end}
                />
              </SimpleGrid>
            )}
            <TextInput
              label={t('practitioners.absenceReason')}
              required
              value={form.reason}
              onChange={set('reason')}
              error={fields.reason}
            />
            <Group>
              <Button type="submit" variant="default" loading={add.isPending} disabled={!complete}>
                {t('practitioners.addAbsence')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Stack>
    </Card>
  );
}

/** A practitioner (administrators): details, weekly working hours and absences; `new` creates one. */
export function PractitionerPage() {
  const { t } = useTranslation();
  const { id = 'new' } = useParams();
  const info = useInfo();
  const isNew = id === 'new';
  const practitioner = useQuery({
    queryKey: ['practitioner', id],
    enabled: !isNew,
    queryFn: () => unwrap(api.GET('/api/v1/practitioners/{id}', { params: { path: { id } } })),
  });
  if (practitioner.isError) return <Alert color="red">{practitioner.error.message}</Alert>;
  if ((!isNew && !practitioner.data) || !info.data) return <Loader />;
  const p = isNew ? null : (practitioner.data ?? null);
  return (
    <Stack maw={900}>
      <Group justify="space-between">
        <Title order={2}>{p ? p.name : t('practitioners.new')}</Title>
        <Button component={Link} to="/admin/practitioners" variant="default">
          {t('common.back')}
        </Button>
      </Group>
      <DetailsCard key={p?.id ?? 'new'} practitioner={p} />
      {p && <HoursCard key={`hours-${p.id}`} practitioner={p} timeZone={info.data.timeZone} />}
      {p && <ExceptionsCard practitioner={p} timeZone={info.data.timeZone} />}
    </Stack>
  );
}
