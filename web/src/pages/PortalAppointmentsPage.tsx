import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../api/client';
import type { Appointment, Info, Practitioner, Slot, Treatment } from '../api/types';
import { useSession } from '../auth/useSession';
import { formatClinicInstant, formatDay, formatTime, zonedParts } from '../format';
import { notify } from '../notify';
import { useSlots } from '../scheduling/BookingModal';
import { scheduleMessage } from '../scheduling/problems';
import { practitionerName, useAppointments, useInfo, usePractitioners, useTreatments } from '../scheduling/queries';
import { isLive, STATUS_BADGE } from '../scheduling/status';

interface Shared {
  info: Info;
  practitioners: Practitioner[];
  treatments: Treatment[];
}

/** One of the patient's appointments; an upcoming one can be confirmed or cancelled (up to the cut-off). */
function AppointmentCard({ appointment, info, practitioners, treatments }: Shared & { appointment: Appointment }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [cancelling, setCancelling] = useState(false);
  const [reason, setReason] = useState('');
  const a = appointment;
  const context = { practitioners, timeZone: info.timeZone, cutoffHours: info.appointmentCancelCutoffHours };
  const changed = async (message: string) => {
    notify(message);
    setCancelling(false);
    await queryClient.invalidateQueries({ queryKey: ['appointments'] });
  };
  const cancel = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/v1/appointments/{id}/cancel', { params: { path: { id: a.id } }, body: { reason } })),
    onSuccess: (x) => changed(t('appointment.cancelled', { number: x.number })),
  });
  const confirm = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/appointments/{id}/confirm', { params: { path: { id: a.id } } })),
    onSuccess: () => changed(t('portal.confirmed')),
  });
  const failure = cancel.error ?? confirm.error;
  const upcoming = Date.parse(a.start) > Date.now() && isLive(a.status);
  const names = a.treatmentIds.map((id) => treatments.find((x) => x.id === id)?.name).filter(Boolean);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (reason.trim()) cancel.mutate();
  };
  return (
    <Card withBorder data-testid="my-appointment" data-appointment={a.id}>
      <Stack gap="xs">
        <Group justify="space-between">
          <Text fw={700}>
            {formatClinicInstant(a.start, i18n.language, info.timeZone)}–{formatTime(a.end, info.timeZone)}
          </Text>
          <Badge color={STATUS_BADGE[a.status]}>{t(`appointmentStatus.${a.status}`)}</Badge>
        </Group>
        <Text size="sm">
          {practitionerName(practitioners, a.practitionerId)}
          {names.length > 0 && ` · ${names.join(', ')}`} · {a.number}
        </Text>
        {failure && (
          <Alert color="red" role="alert" data-testid="my-appointment-error">
            {scheduleMessage(failure, context)}
          </Alert>
        )}
        {upcoming && !cancelling && (
          <Group>
            {a.status === 'booked' && (
              <Button size="xs" variant="default" loading={confirm.isPending} onClick={() => confirm.mutate()}>
                {t('portal.confirm')}
              </Button>
            )}
            <Button size="xs" color="red.9" variant="outline" onClick={() => setCancelling(true)}>
              {t('appointment.cancel')}
            </Button>
          </Group>
        )}
        {cancelling && (
          <form onSubmit={submit}>
            <Group align="flex-end">
              <TextInput
                label={t('appointment.reason')}
                required
                value={reason}
                onChange={(e) => setReason(e.currentTarget.value)}
                style={{ flex: 1, minWidth: 200 }}
              />
              <Button type="submit" color="red.9" loading={cancel.isPending} disabled={!reason.trim()}>
                {t('appointment.cancel')}
              </Button>
              <Button variant="default" onClick={() => setCancelling(false)}>
                {t('common.back')}
              </Button>
            </Group>
          </form>
        )}
      </Stack>
    </Card>
  );
}

function MyAppointments(shared: Shared) {
  const { t } = useTranslation();
  const list = useAppointments({});
  const now = Date.now();
  const all = list.data ?? [];
  const upcoming = all.filter((a) => Date.parse(a.start) > now && a.status !== 'cancelled');
  const past = all.filter((a) => !upcoming.includes(a)).reverse();
  return (
    <Stack>
      <Title order={3} size="h4">
        {t('portal.upcoming')}
      </Title>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && upcoming.length === 0 && <Text c="dimmed">{t('portal.noUpcoming')}</Text>}
      <Stack data-testid="upcoming-appointments">
        {upcoming.map((a) => (
          <AppointmentCard key={a.id} appointment={a} {...shared} />
        ))}
      </Stack>
      <Text size="sm">{t('portal.cancelHelp', { count: shared.info.appointmentCancelCutoffHours })}</Text>
      {past.length > 0 && (
        <>
          <Title order={3} size="h4">
            {t('portal.past')}
          </Title>
          <Stack data-testid="past-appointments">
            {past.map((a) => (
              <AppointmentCard key={a.id} appointment={a} {...shared} />
            ))}
          </Stack>
        </>
      )}
    </Stack>
  );
}

/** Booking for oneself: a treatment (optional), a practitioner and a day, then one of the free slots. */
function Book({ patientId, info, practitioners, treatments }: Shared & { patientId: string }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const today = zonedParts(Date.now(), info.timeZone).date;
  const [treatmentId, setTreatmentId] = useState<string | null>(null);
  const [practitionerId, setPractitionerId] = useState<string | null>(null);
  const [date, setDate] = useState(today);
  const [slot, setSlot] = useState<Slot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const slots = useSlots(practitionerId, date, treatmentId);
  const free = slots.data?.slots ?? [];
  const pick =
    <T,>(set: (v: T) => void) =>
    (v: T) => {
      set(v);
      setSlot(null);
      setError(null);
    };
  const book = useMutation({
    mutationFn: (s: Slot) =>
      unwrap(
        api.POST('/api/v1/appointments', {
          body: {
            patientId,
            practitionerId: practitionerId ?? '',
            start: s.start,
            end: s.end,
            treatmentIds: treatmentId ? [treatmentId] : [],
          },
        }),
      ),
    onSuccess: async (a) => {
      setSlot(null);
      notify(t('portal.booked', { number: a.number }));
      await queryClient.invalidateQueries({ queryKey: ['appointments'] });
      await slots.refetch();
    },
    onError: async (err) => {
      const taken = err instanceof ApiError && err.problem.code === 'slot_taken';
      setError(
        taken
          ? t('portal.slotTaken')
          : scheduleMessage(err, {
              practitioners,
              timeZone: info.timeZone,
              cutoffHours: info.appointmentCancelCutoffHours,
            }),
      );
      // What was free a moment ago may not be: show the slots as they are now.
      setSlot(null);
      await slots.refetch();
    },
  });
  const practitioner = practitionerName(practitioners, practitionerId ?? '');
  return (
    <Card withBorder>
      <Stack>
        <Title order={3} size="h4">
          {t('portal.book')}
        </Title>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label={t('booking.treatment')}
            description={t('portal.treatmentHelp')}
            clearable
            data={treatments.map((x) => ({ value: x.id, label: x.name }))}
            value={treatmentId}
            onChange={pick(setTreatmentId)}
          />
          <Select
            label={t('booking.practitioner')}
            required
            data={practitioners.map((p) => ({
              value: p.id,
              label: p.specialty ? `${p.name} (${p.specialty})` : p.name,
            }))}
            value={practitionerId}
            onChange={pick(setPractitionerId)}
          />
          <TextInput
            label={t('booking.date')}
            type="date"
            required
            min={today}
            value={date}
            onChange={(e) => pick(setDate)(e.currentTarget.value)}
          />
        </SimpleGrid>
        {error && (
          <Alert color="red" role="alert" data-testid="booking-error">
            {error}
          </Alert>
        )}
        {!practitionerId && <Text c="dimmed">{t('portal.choosePractitioner')}</Text>}
        {slots.isFetching && <Loader size="sm" />}
        {slots.isSuccess && free.length === 0 && <Text c="dimmed">{t('booking.noSlots')}</Text>}
        {practitionerId && free.length > 0 && (
          <div>
            <Text size="sm" fw={600} id="free-slots">
              {t('portal.freeSlots', { day: formatDay(date, i18n.language) })}
            </Text>
            <Group gap="xs" mt="xs" data-testid="slots" role="group" aria-labelledby="free-slots">
              {free.map((s) => (
                <Button
                  key={s.start}
                  size="xs"
                  variant={slot?.start === s.start ? 'filled' : 'default'}
                  aria-pressed={slot?.start === s.start}
                  onClick={() => {
                    setSlot(s);
                    setError(null);
                  }}
                >
                  {formatTime(s.start, info.timeZone)}
                </Button>
              ))}
            </Group>
          </div>
        )}
        {slot && (
          <Alert color="blue" title={t('portal.confirmTitle')} data-testid="booking-summary">
            <Stack gap="xs">
              <Text size="sm">
                {t('portal.summary', {
                  when: `${formatClinicInstant(slot.start, i18n.language, info.timeZone)}–${formatTime(slot.end, info.timeZone)}`,
                  practitioner,
                })}
              </Text>
              <Group>
                <Button loading={book.isPending} onClick={() => book.mutate(slot)}>
                  {t('portal.confirmBooking')}
                </Button>
              </Group>
            </Stack>
          </Alert>
        )}
      </Stack>
    </Card>
  );
}

/** The patient's appointments (upcoming and past) and booking one; appointment e-mails link here. */
export function PortalAppointmentsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const info = useInfo();
  const practitioners = usePractitioners();
  const treatments = useTreatments();
  const patientId = session?.user.patientId;
  const failed = info.error ?? practitioners.error ?? treatments.error;
  const shared = info.data &&
    practitioners.data &&
    treatments.data && {
      info: info.data,
      practitioners: practitioners.data,
      treatments: treatments.data,
    };
  return (
    <Stack maw={900}>
      <Title order={2}>{t('nav.myAppointments')}</Title>
      {failed && <Alert color="red">{failed.message}</Alert>}
      {!patientId && <Text>{t('portal.noRecord')}</Text>}
      {!shared && !failed && <Loader />}
      {shared && patientId && (
        <>
          <MyAppointments {...shared} />
          <Book patientId={patientId} {...shared} />
        </>
      )}
    </Stack>
  );
}
