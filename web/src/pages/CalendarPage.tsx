import { Alert, Button, Group, Loader, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { Appointment, Practitioner, Treatment } from '../api/types';
import { useSession } from '../auth/useSession';
import { addDays, formatDay, isoWeekday, minutesOf, startOfWeek, zonedInstant, zonedParts } from '../format';
import { notify } from '../notify';
import { AppointmentModal } from '../scheduling/AppointmentModal';
import { BookingModal, type BookingStart } from '../scheduling/BookingModal';
import { Calendar, type DayColumn } from '../scheduling/Calendar';
import { PatientName } from '../scheduling/PatientName';
import { scheduleMessage } from '../scheduling/problems';
import { useAppointments, useInfo, usePractitioners, useTreatments } from '../scheduling/queries';

type View = 'day' | 'week';
const ALL = 'all';

/** A practitioner's working hours on a local date, in minutes. */
const hoursOn = (p: Practitioner, date: string) =>
  p.workingHours
    .filter((h) => h.dayOfWeek === isoWeekday(date))
    .map((h) => ({ start: minutesOf(h.start), end: minutesOf(h.end) }));

/** The hours when anyone works: overlapping intervals joined. */
function union(intervals: { start: number; end: number }[]) {
  const out: { start: number; end: number }[] = [];
  for (const h of [...intervals].sort((a, b) => a.start - b.start)) {
    const last = out[out.length - 1];
    if (last && h.start <= last.end) last.end = Math.max(last.end, h.end);
    else out.push({ ...h });
  }
  return out;
}

interface Move {
  appointment: Appointment;
  body: { start: string; end: string; practitionerId: string };
}

function Diary({
  timeZone,
  practitioners,
  treatments,
}: {
  timeZone: string;
  practitioners: Practitioner[];
  treatments: Treatment[];
}) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const session = useSession();
  // A phone shows one practitioner's day: a week of columns does not fit.
  const phone = useMediaQuery('(max-width: 47.99em)', false, { getInitialValueInEffect: false });
  const today = zonedParts(Date.now(), timeZone).date;
  const mine = practitioners.find((p) => p.userId === session?.user.id);
  const [view, setView] = useState<View>('day');
  const [date, setDate] = useState(today);
  const [chosen, setWho] = useState<string>(mine?.id ?? ALL);
  const [open, setOpen] = useState<Appointment | null>(null);
  const [booking, setBooking] = useState<BookingStart | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [moves, setMoves] = useState<Record<string, Move['body']>>({});

  const shownView: View = phone ? 'day' : view;
  const who = phone && chosen === ALL ? (practitioners[0]?.id ?? ALL) : chosen;
  const one = practitioners.find((p) => p.id === who);
  const days = shownView === 'day' ? [date] : Array.from({ length: 7 }, (_, i) => addDays(startOfWeek(date), i));
  const first = days[0] ?? date;
  const last = days[days.length - 1] ?? date;
  const list = useAppointments({
    from: zonedInstant(first, 0, timeZone),
    to: zonedInstant(addDays(last, 1), 0, timeZone),
    ...(one ? { practitionerId: one.id } : {}),
  });
  // A card dropped elsewhere shows there at once; if the server refuses, it goes back.
  const appointments = (list.data ?? [])
    .filter((a) => a.status !== 'cancelled')
    .map((a) => (moves[a.id] ? { ...a, ...moves[a.id] } : a));

  const move = useMutation({
    mutationFn: ({ appointment, body }: Move) =>
      unwrap(api.PATCH('/api/v1/appointments/{id}', { params: { path: { id: appointment.id } }, body })),
    onMutate: ({ appointment, body }) => {
      setError(null);
      setMoves((m) => ({ ...m, [appointment.id]: body }));
    },
    onSuccess: async (updated) => {
      notify(t('appointment.moved', { number: updated.number }));
      await queryClient.invalidateQueries({ queryKey: ['appointments'] });
    },
    onError: (err) => setError(scheduleMessage(err, { practitioners, timeZone })),
    onSettled: (_data, _err, { appointment }) => setMoves(({ [appointment.id]: _, ...rest }) => rest),
  });

  const columns: DayColumn[] =
    shownView === 'day'
      ? (one ? [one] : practitioners).map((p) => ({
          key: p.id,
          date,
          practitionerId: p.id,
          label: p.name,
          hours: hoursOn(p, date),
        }))
      : days.map((d) => ({
          key: d,
          date: d,
          ...(one ? { practitionerId: one.id } : {}),
          label: formatDay(d, i18n.language, 'short'),
          hours: one ? hoursOn(one, d) : union(practitioners.flatMap((p) => hoursOn(p, d))),
        }));

  const step = shownView === 'day' ? 1 : 7;
  const heading =
    shownView === 'day'
      ? formatDay(date, i18n.language)
      : `${formatDay(first, i18n.language)} – ${formatDay(last, i18n.language)}`;
  const name = (id: string) => practitioners.find((p) => p.id === id)?.name ?? '';

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('calendar.title')}</Title>
        <Button onClick={() => setBooking({ date, practitionerId: one?.id })}>{t('calendar.new')}</Button>
      </Group>
      <Group align="flex-end">
        {!phone && (
          <SegmentedControl
            aria-label={t('calendar.view')}
            value={view}
            onChange={(v) => setView(v as View)}
            data={[
              { value: 'day', label: t('calendar.day') },
              { value: 'week', label: t('calendar.week') },
            ]}
          />
        )}
        <Select
          label={t('booking.practitioner')}
          data={[
            ...(phone ? [] : [{ value: ALL, label: t('calendar.everyone') }]),
            ...practitioners.map((p) => ({ value: p.id, label: p.name })),
          ]}
          value={who}
          onChange={(v) => v && setWho(v)}
          allowDeselect={false}
        />
        <Group gap={4}>
          <Button variant="default" onClick={() => setDate(addDays(date, -step))} aria-label={t('calendar.previous')}>
            ‹
          </Button>
          <Button variant="default" onClick={() => setDate(today)}>
            {t('calendar.today')}
          </Button>
          <Button variant="default" onClick={() => setDate(addDays(date, step))} aria-label={t('calendar.next')}>
            ›
          </Button>
        </Group>
        <TextInput
          label={t('booking.date')}
          type="date"
          value={date}
          onChange={(e) => e.currentTarget.value && setDate(e.currentTarget.value)}
        />
      </Group>
      <Group gap="xs">
        <Title order={3} size="h4" data-testid="calendar-heading">
          {heading}
        </Title>
        {list.isFetching && <Loader size="xs" />}
      </Group>
      {error && (
        <Alert
          color="red"
          role="alert"
          data-testid="calendar-error"
          withCloseButton
          closeButtonLabel={t('common.close')}
          onClose={() => setError(null)}
        >
          {error}
        </Alert>
      )}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {practitioners.length === 0 ? (
        <Text c="dimmed">{t('calendar.noPractitioners')}</Text>
      ) : (
        <Calendar
          columns={columns}
          appointments={appointments}
          timeZone={timeZone}
          describe={(a) => (
            <>
              <PatientName id={a.patientId} />
              {!one && shownView === 'week' && ` · ${name(a.practitionerId)}`} · {t(`appointmentStatus.${a.status}`)}
            </>
          )}
          onOpen={setOpen}
          onMove={(appointment, column, minutes) => {
            const start = zonedInstant(column.date, minutes, timeZone);
            const end = new Date(
              Date.parse(start) + Date.parse(appointment.end) - Date.parse(appointment.start),
            ).toISOString();
            const practitionerId = column.practitionerId ?? appointment.practitionerId;
            move.mutate({ appointment, body: { start, end, practitionerId } });
          }}
          onSlot={(column, minutes) =>
            setBooking({ date: column.date, minutes, practitionerId: column.practitionerId ?? one?.id })
          }
        />
      )}
      {open && (
        <AppointmentModal
          appointment={open}
          practitioners={practitioners}
          treatments={treatments}
          timeZone={timeZone}
          onClose={() => setOpen(null)}
        />
      )}
      {booking && (
        <BookingModal
          start={booking}
          practitioners={practitioners}
          treatments={treatments}
          timeZone={timeZone}
          onClose={() => setBooking(null)}
        />
      )}
    </Stack>
  );
}

/** The diary of the admissions desk and the doctors: day and week, per practitioner or the whole clinic. */
export function CalendarPage() {
  const info = useInfo();
  const practitioners = usePractitioners();
  const treatments = useTreatments();
  const failed = info.error ?? practitioners.error ?? treatments.error;
  if (failed) return <Alert color="red">{failed.message}</Alert>;
  if (!info.data || !practitioners.data || !treatments.data) return <Loader />;
  return <Diary timeZone={info.data.timeZone} practitioners={practitioners.data} treatments={treatments.data} />;
}
