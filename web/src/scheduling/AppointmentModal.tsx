import {
  Alert,
  Anchor,
  Badge,
  Button,
  Divider,
  Group,
  Modal,
  Select,
  SimpleGrid,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client';
import type { Appointment, Practitioner, Treatment } from '../api/types';
import { clock, formatClinicInstant, formatTime, minutesOf, zonedInstant, zonedParts } from '../format';
import { notify } from '../notify';
import { PatientName } from './PatientName';
import { scheduleMessage } from './problems';
import { isLive, STATUS_BADGE } from './status';

type Step = 'confirm' | 'check-in' | 'done' | 'no-show';

/** Which status changes the server allows from each status (and no-show only once it has started). */
function stepsOf(a: Appointment): Step[] {
  const started = Date.parse(a.start) <= Date.now();
  if (a.status === 'booked') return ['confirm', 'check-in', ...(started ? (['no-show'] as const) : [])];
  if (a.status === 'confirmed') return ['check-in', ...(started ? (['no-show'] as const) : [])];
  if (a.status === 'checked_in') return ['done'];
  return [];
}

/** Moving by keyboard or on a phone, where cards cannot be dragged: a new day, time or practitioner. */
function MoveForm({
  appointment: a,
  practitioners,
  timeZone,
  onMove,
  busy,
}: {
  appointment: Appointment;
  practitioners: Practitioner[];
  timeZone: string;
  onMove: (body: { start: string; end: string; practitionerId: string }) => void;
  busy: boolean;
}) {
  const { t } = useTranslation();
  const at = zonedParts(a.start, timeZone);
  const [date, setDate] = useState(at.date);
  const [time, setTime] = useState(clock(at.minutes));
  const [practitionerId, setPractitionerId] = useState(a.practitionerId);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const start = zonedInstant(date, minutesOf(time), timeZone);
    const end = new Date(Date.parse(start) + Date.parse(a.end) - Date.parse(a.start)).toISOString();
    onMove({ start, end, practitionerId });
  };
  return (
    <form onSubmit={submit}>
      <Stack gap="xs">
        <Text fw={600} size="sm">
          {t('appointment.move')}
        </Text>
        <SimpleGrid cols={{ base: 1, xs: 3 }}>
          <TextInput
            label={t('booking.date')}
            type="date"
            value={date}
            onChange={(e) => setDate(e.currentTarget.value)}
          />
          <TextInput
            label={t('booking.time')}
            type="time"
            value={time}
            onChange={(e) => setTime(e.currentTarget.value)}
          />
          <Select
            label={t('booking.practitioner')}
            data={practitioners.map((p) => ({ value: p.id, label: p.name }))}
            value={practitionerId}
            onChange={(v) => v && setPractitionerId(v)}
            allowDeselect={false}
          />
        </SimpleGrid>
        <Group>
          <Button type="submit" variant="default" loading={busy}>
            {t('appointment.moveSubmit')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** An appointment's details and what the desk can do with it: confirm, check in, done, no-show, move, cancel. */
export function AppointmentModal({
  appointment,
  practitioners,
  treatments,
  timeZone,
  onClose,
}: {
  appointment: Appointment;
  practitioners: Practitioner[];
  treatments: Treatment[];
  timeZone: string;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const [a, setA] = useState(appointment);
  const [reason, setReason] = useState('');
  const [error, setError] = useState<string | null>(null);
  const done = async (updated: Appointment, message: string) => {
    setA(updated);
    setError(null);
    notify(message);
    await queryClient.invalidateQueries({ queryKey: ['appointments'] });
  };
  const failed = (err: Error) => setError(scheduleMessage(err, { practitioners, timeZone }));
  const step = useMutation({
    mutationFn: (s: Step) => {
      const params = { params: { path: { id: a.id } } };
      if (s === 'confirm') return unwrap(api.POST('/api/v1/appointments/{id}/confirm', params));
      if (s === 'check-in') return unwrap(api.POST('/api/v1/appointments/{id}/check-in', params));
      if (s === 'done') return unwrap(api.POST('/api/v1/appointments/{id}/done', params));
      return unwrap(api.POST('/api/v1/appointments/{id}/no-show', params));
    },
    onSuccess: (updated) => done(updated, t(`appointmentStatus.${updated.status}`)),
    onError: failed,
  });
  const cancel = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/v1/appointments/{id}/cancel', { params: { path: { id: a.id } }, body: { reason } })),
    onSuccess: (updated) => done(updated, t('appointment.cancelled', { number: updated.number })),
    onError: failed,
  });
  const move = useMutation({
    mutationFn: (body: { start: string; end: string; practitionerId: string }) =>
      unwrap(api.PATCH('/api/v1/appointments/{id}', { params: { path: { id: a.id } }, body })),
    onSuccess: (updated) => done(updated, t('appointment.moved', { number: updated.number })),
    onError: failed,
  });
  const stepLabel: Record<Step, string> = {
    confirm: t('appointment.confirm'),
    'check-in': t('appointment.checkIn'),
    done: t('appointment.done'),
    'no-show': t('appointment.noShow'),
  };
  const practitioner = practitioners.find((p) => p.id === a.practitionerId)?.name ?? '';
  const names = a.treatmentIds.map((id) => treatments.find((x) => x.id === id)?.name ?? id);
  const rows: [string, ReactNode][] = [
    [
      t('booking.patient'),
      <Anchor key="p" component={Link} to={`/patients/${a.patientId}`}>
        <PatientName id={a.patientId} withNumber />
      </Anchor>,
    ],
    [t('booking.practitioner'), practitioner],
    [t('appointment.when'), `${formatClinicInstant(a.start, i18n.language, timeZone)}–${formatTime(a.end, timeZone)}`],
    [t('booking.type'), t(`appointmentType.${a.type}`)],
    [t('booking.treatment'), names.join(', ') || '—'],
    ...(a.notes ? ([[t('appointment.notes'), a.notes]] as [string, string][]) : []),
    ...(a.cancellationReason ? ([[t('appointment.reason'), a.cancellationReason]] as [string, string][]) : []),
  ];

  return (
    <Modal
      opened
      onClose={onClose}
      size="lg"
      closeButtonProps={{ 'aria-label': t('common.close') }}
      title={
        <Group gap="xs">
          <Text fw={700}>{a.number}</Text>
          <Badge color={STATUS_BADGE[a.status]} data-testid="appointment-status">
            {t(`appointmentStatus.${a.status}`)}
          </Badge>
        </Group>
      }
    >
      <Stack>
        {error && (
          <Alert color="red" role="alert" data-testid="appointment-error">
            {error}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="xs">
          {rows.map(([label, value]) => (
            <div key={label}>
              <Text size="xs" c="dimmed">
                {label}
              </Text>
              <Text size="sm">{value}</Text>
            </div>
          ))}
        </SimpleGrid>
        {stepsOf(a).length > 0 && (
          <Group>
            {stepsOf(a).map((s) => (
              <Button
                key={s}
                color={s === 'no-show' ? 'red.9' : undefined}
                variant={s === 'check-in' ? 'filled' : 'default'}
                loading={step.isPending && step.variables === s}
                onClick={() => step.mutate(s)}
              >
                {stepLabel[s]}
              </Button>
            ))}
          </Group>
        )}
        {isLive(a.status) && (
          <>
            <Divider />
            <MoveForm
              key={a.start + a.practitionerId}
              appointment={a}
              practitioners={practitioners}
              timeZone={timeZone}
              onMove={(body) => move.mutate(body)}
              busy={move.isPending}
            />
            <Divider />
            <form
              onSubmit={(e) => {
                e.preventDefault();
                if (reason.trim()) cancel.mutate();
              }}
            >
              <Group align="flex-end">
                <TextInput
                  label={t('appointment.reason')}
                  required
                  value={reason}
                  onChange={(e) => setReason(e.currentTarget.value)}
                  style={{ flex: 1, minWidth: 200 }}
                />
                <Button
                  type="submit"
                  color="red.9"
                  variant="outline"
                  loading={cancel.isPending}
                  disabled={!reason.trim()}
                >
                  {t('appointment.cancel')}
                </Button>
              </Group>
            </form>
          </>
        )}
      </Stack>
    </Modal>
  );
}
