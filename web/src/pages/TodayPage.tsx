import { Alert, Badge, Button, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client';
import type { Appointment } from '../api/types';
import { addDays, formatDay, formatTime, zonedInstant, zonedParts } from '../format';
import { notify } from '../notify';
import { PatientName } from '../scheduling/PatientName';
import { scheduleMessage } from '../scheduling/problems';
import { practitionerName, useAppointments, useInfo, usePractitioners } from '../scheduling/queries';
import { isLive, STATUS_BADGE } from '../scheduling/status';

function Today({ timeZone }: { timeZone: string }) {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  const practitioners = usePractitioners(true);
  const today = zonedParts(Date.now(), timeZone).date;
  const list = useAppointments(
    { from: zonedInstant(today, 0, timeZone), to: zonedInstant(addDays(today, 1), 0, timeZone) },
    // Bookings made elsewhere (the portal, another desk) show up without reloading.
    { refetchInterval: 60_000 },
  );
  const checkIn = useMutation({
    mutationFn: (a: Appointment) =>
      unwrap(api.POST('/api/v1/appointments/{id}/check-in', { params: { path: { id: a.id } } })),
    onSuccess: async (a) => {
      notify(t('today.checkedIn', { number: a.number }));
      await queryClient.invalidateQueries({ queryKey: ['appointments'] });
    },
    onError: (err) => notify(scheduleMessage(err, { practitioners: practitioners.data, timeZone }), 'red'),
  });
  const items = list.data ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('today.title')}</Title>
        <Button component={Link} to="/calendar" variant="default">
          {t('nav.calendar')}
        </Button>
      </Group>
      <Text>{formatDay(today, i18n.language)}</Text>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('today.none')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer
          minWidth={560}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('today.title') } }}
        >
          <Table striped data-testid="today-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('booking.time')}</Table.Th>
                <Table.Th>{t('booking.patient')}</Table.Th>
                <Table.Th>{t('booking.practitioner')}</Table.Th>
                <Table.Th>{t('today.status')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((a) => (
                <Table.Tr key={a.id} data-appointment={a.id}>
                  <Table.Td>
                    {formatTime(a.start, timeZone)}–{formatTime(a.end, timeZone)}
                  </Table.Td>
                  <Table.Td>
                    <Link to={`/patients/${a.patientId}`}>
                      <PatientName id={a.patientId} withNumber />
                    </Link>
                  </Table.Td>
                  <Table.Td>{practitionerName(practitioners.data, a.practitionerId)}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_BADGE[a.status]}>{t(`appointmentStatus.${a.status}`)}</Badge>
                  </Table.Td>
                  <Table.Td>
                    {isLive(a.status) && (
                      <Button
                        size="xs"
                        loading={checkIn.isPending && checkIn.variables?.id === a.id}
                        onClick={() => checkIn.mutate(a)}
                      >
                        {t('appointment.checkIn')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}

/** The admissions desk's day: everyone expected today, checked in with one click. */
export function TodayPage() {
  const info = useInfo();
  if (info.isError) return <Alert color="red">{info.error.message}</Alert>;
  if (!info.data) return <Loader />;
  return <Today timeZone={info.data.timeZone} />;
}
