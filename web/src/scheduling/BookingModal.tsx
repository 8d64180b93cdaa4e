import { Alert, Button, Group, Loader, Modal, Select, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { ApiError, api, unwrap } from '../api/client';
import type { AppointmentType, Practitioner, Slot, Treatment } from '../api/types';
import { formatTime, zonedParts } from '../format';
import { notify } from '../notify';
import { PatientPicker } from './PatientPicker';
import { scheduleMessage } from './problems';
import { TYPES } from './status';

export interface BookingStart {
  practitionerId?: string | undefined;
  date: string;
  /** The clicked time, in minutes since local midnight: the slot holding it is suggested. */
  minutes?: number;
}

/** Free slots of a practitioner on a local day, as long as the treatment (30 minutes without one). */
export function useSlots(practitionerId: string | null, date: string, treatmentId: string | null) {
  return useQuery({
    queryKey: ['availability', practitionerId, date, treatmentId],
    enabled: !!practitionerId && /^\d{4}-\d{2}-\d{2}$/.test(date),
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/practitioners/{id}/availability', {
          params: { path: { id: practitionerId ?? '' }, query: { date, ...(treatmentId ? { treatmentId } : {}) } },
        }),
      ),
    staleTime: 0,
  });
}

/** The slot holding `minutes`, else the first one after it. */
function suggest(slots: Slot[], minutes: number | undefined, timeZone: string): string | null {
  if (minutes === undefined) return null;
  const at = slots.map((s) => ({
    s,
    from: zonedParts(s.start, timeZone).minutes,
    to: zonedParts(s.end, timeZone).minutes,
  }));
  return (at.find((x) => x.from <= minutes && minutes < x.to) ?? at.find((x) => x.from >= minutes))?.s.start ?? null;
}

/** Staff book for a patient: who, with whom, what, and one of the free slots of that day. */
export function BookingModal({
  start,
  practitioners,
  treatments,
  timeZone,
  onClose,
}: {
  start: BookingStart;
  practitioners: Practitioner[];
  treatments: Treatment[];
  timeZone: string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const queryClient = useQueryClient();
  const [patientId, setPatientId] = useState<string | null>(null);
  const [practitionerId, setPractitionerId] = useState<string | null>(start.practitionerId ?? null);
  const [treatmentId, setTreatmentId] = useState<string | null>(null);
  const [type, setType] = useState<AppointmentType>('consultation');
  const [date, setDate] = useState(start.date);
  const [slot, setSlot] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [missing, setMissing] = useState(false);
  const slots = useSlots(practitionerId, date, treatmentId);
  const free = slots.data?.slots ?? [];
  const chosen =
    free.find((s) => s.start === slot) ?? free.find((s) => s.start === suggest(free, start.minutes, timeZone));

  const book = useMutation({
    mutationFn: (s: Slot) =>
      unwrap(
        api.POST('/api/v1/appointments', {
          body: {
            patientId: patientId ?? '',
            practitionerId: practitionerId ?? '',
            start: s.start,
            end: s.end,
            treatmentIds: treatmentId ? [treatmentId] : [],
            type,
          },
        }),
      ),
    onSuccess: async (a) => {
      notify(t('booking.booked', { number: a.number }));
      await queryClient.invalidateQueries({ queryKey: ['appointments'] });
      await queryClient.invalidateQueries({ queryKey: ['availability'] });
      onClose();
    },
    onError: async (err) => {
      setError(scheduleMessage(err, { practitioners, timeZone }));
      // Someone else took the time meanwhile: offer what is free now.
      if (err instanceof ApiError && err.status === 409) {
        setSlot(null);
        await slots.refetch();
      }
    },
  });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    setMissing(!patientId);
    if (patientId && practitionerId && chosen) book.mutate(chosen);
  };

  return (
    <Modal
      opened
      onClose={onClose}
      title={t('booking.title')}
      size="lg"
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          {error && (
            <Alert color="red" role="alert" data-testid="booking-error">
              {error}
            </Alert>
          )}
          <PatientPicker
            value={patientId}
            onChange={setPatientId}
            error={missing ? t('validation.required') : undefined}
          />
          <Select
            label={t('booking.practitioner')}
            required
            data={practitioners.map((p) => ({ value: p.id, label: p.name }))}
            value={practitionerId}
            onChange={(v) => {
              setPractitionerId(v);
              setSlot(null);
            }}
          />
          <Select
            label={t('booking.treatment')}
            clearable
            data={treatments.map((x) => ({ value: x.id, label: `${x.name} (${x.durationMinutes} min)` }))}
            value={treatmentId}
            onChange={(v) => {
              setTreatmentId(v);
              setSlot(null);
            }}
          />
          <Select
            label={t('booking.type')}
            data={TYPES.map((x) => ({ value: x, label: t(`appointmentType.${x}`) }))}
            value={type}
            onChange={(v) => v && setType(v as AppointmentType)}
            allowDeselect={false}
          />
          <TextInput
            label={t('booking.date')}
            type="date"
            required
            value={date}
            onChange={(e) => {
              setDate(e.currentTarget.value);
              setSlot(null);
            }}
          />
          {slots.isFetching && <Loader size="sm" />}
          {slots.isError && <Alert color="red">{slots.error.message}</Alert>}
          {slots.isSuccess && free.length === 0 && <Text c="dimmed">{t('booking.noSlots')}</Text>}
          {free.length > 0 && (
            <Select
              label={t('booking.time')}
              required
              data={free.map((s) => ({
                value: s.start,
                label: `${formatTime(s.start, timeZone)}–${formatTime(s.end, timeZone)}`,
              }))}
              value={chosen?.start ?? null}
              onChange={setSlot}
              allowDeselect={false}
            />
          )}
          <Group>
            <Button type="submit" loading={book.isPending} disabled={!chosen}>
              {t('booking.submit')}
            </Button>
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
