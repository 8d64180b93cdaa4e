import { Alert, Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { api, unwrap } from '../api/client';
import { PatientHeader } from '../components/PatientHeader';
import { PatientDetails } from './PatientDetailPage';

/** The patient's own portal: their details, and the way to their appointments and clinical record. */
export function PortalPage() {
  const { t } = useTranslation();
  const own = useQuery({
    queryKey: ['patients', 'own'],
    queryFn: () => unwrap(api.GET('/api/v1/patients', { params: { query: { limit: 1 } } })),
  });
  const patient = own.data?.items[0];
  return (
    <Stack>
      <Title order={2}>{t('nav.portal')}</Title>
      {own.isPending && <Loader />}
      {own.isError && <Alert color="red">{own.error.message}</Alert>}
      {own.isSuccess && !patient && <Text>{t('portal.noRecord')}</Text>}
      {patient && <PatientHeader patient={patient} />}
      {patient && <PatientDetails patient={patient} />}
      <Card withBorder>
        <Group justify="space-between">
          <Text>{t('portal.appointmentsHelp')}</Text>
          <Button component={Link} to="/portal/appointments">
            {t('nav.myAppointments')}
          </Button>
        </Group>
      </Card>
      <Card withBorder>
        <Group justify="space-between">
          <Text>{t('portal.recordHelp')}</Text>
          <Button component={Link} to="/portal/record">
            {t('nav.myRecord')}
          </Button>
        </Group>
      </Card>
      <Card withBorder>
        <Group justify="space-between">
          <Text>{t('portal.incidentsHelp')}</Text>
          <Button component={Link} to="/portal/incidents">
            {t('nav.myIncidents')}
          </Button>
        </Group>
      </Card>
    </Stack>
  );
}
