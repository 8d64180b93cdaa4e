import { Alert, Card, Loader, Stack, Tabs, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { api, unwrap } from '../api/client';
import { DentalChartPanel } from '../clinical/dental/DentalChartPanel';
import { HistoryExport } from '../clinical/HistoryExport';
import { NotesPanel } from '../clinical/NotesPanel';
import { PrescriptionsPanel } from '../clinical/prescriptions/PrescriptionsPanel';
import { ResultsList } from '../clinical/ResultsList';

const TABS = ['results', 'prescriptions', 'dental', 'notes'] as const;

/**
 * The patient's own record, as far as the server shows it to them: released results, signed
 * prescriptions (to print or download), the dental chart and signed notes, and the whole history
 * as a PDF. Nothing here can change it.
 */
export function PortalRecordPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const own = useQuery({
    queryKey: ['patients', 'own'],
    queryFn: () => unwrap(api.GET('/api/v1/patients', { params: { query: { limit: 1 } } })),
  });
  const patient = own.data?.items[0];
  const tab = TABS.find((x) => x === params.get('tab')) ?? 'results';
  return (
    <Stack>
      <Title order={2}>{t('nav.myRecord')}</Title>
      {own.isPending && <Loader />}
      {own.isError && <Alert color="red">{own.error.message}</Alert>}
      {own.isSuccess && !patient && <Text>{t('portal.noRecord')}</Text>}
      {patient && (
        <>
          <Card withBorder>
            <Stack gap="xs">
              <Text size="sm">{t('portal.historyHelp')}</Text>
              <HistoryExport patient={patient} label={t('history.mine')} />
            </Stack>
          </Card>
          <Tabs value={tab} onChange={(v) => setParams(v ? { tab: v } : {}, { replace: true })} keepMounted={false}>
            <Tabs.List>
              <Tabs.Tab value="results">{t('record.results')}</Tabs.Tab>
              <Tabs.Tab value="prescriptions">{t('record.prescriptions')}</Tabs.Tab>
              <Tabs.Tab value="dental">{t('record.dental')}</Tabs.Tab>
              <Tabs.Tab value="notes">{t('record.notes')}</Tabs.Tab>
            </Tabs.List>
            <Tabs.Panel value="results" pt="md">
              <ResultsList patientId={patient.id} />
            </Tabs.Panel>
            <Tabs.Panel value="prescriptions" pt="md">
              <PrescriptionsPanel patientId={patient.id} canWrite={false} />
            </Tabs.Panel>
            <Tabs.Panel value="dental" pt="md">
              <DentalChartPanel patientId={patient.id} canWrite={false} />
            </Tabs.Panel>
            <Tabs.Panel value="notes" pt="md">
              <NotesPanel patientId={patient.id} canWrite={false} />
            </Tabs.Panel>
          </Tabs>
        </>
      )}
    </Stack>
  );
}
