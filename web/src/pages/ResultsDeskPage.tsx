import { Alert, Card, Loader, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { HistoryExport } from '../clinical/HistoryExport';
import { ResultForm } from '../clinical/ResultForm';
import { ResultsList } from '../clinical/ResultsList';
import { PatientHeader } from '../components/PatientHeader';
import { DocumentsPanel } from '../documents/DocumentsPanel';
import { PatientPicker } from '../scheduling/PatientPicker';
import { usePatient } from '../scheduling/queries';

/**
 * The results desk: find a patient, record their lab and imaging results, read them, and export
 * the clinical history as a PDF, and keep their document folder. The patient is in the address
 * (`?patient=`).
 */
export function ResultsDeskPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const patientId = params.get('patient');
  const patient = usePatient(patientId ?? undefined);
  const p = patient.data;
  return (
    <Stack>
      <Title order={2}>{t('nav.results')}</Title>
      <PatientPicker required={false} value={patientId} onChange={(id) => setParams(id ? { patient: id } : {})} />
      {!patientId && <Text c="dimmed">{t('results.choosePatient')}</Text>}
      {patient.isPending && patientId && <Loader />}
      {patient.isError && <Alert color="red">{patient.error.message}</Alert>}
      {p && (
        <>
          <PatientHeader patient={p} />
          <Card withBorder>
            <Title order={3} size="h4" mb="sm">
              {t('history.title')}
            </Title>
            <HistoryExport patient={p} label={t('history.export')} />
          </Card>
          <Card withBorder>
            <Title order={3} size="h4" mb="sm">
              {t('results.new')}
            </Title>
            <ResultForm key={p.id} patientId={p.id} />
          </Card>
          <Title order={3} size="h4">
            {t('results.title')}
          </Title>
          <ResultsList patientId={p.id} />
          <Title order={3} size="h4">
            {t('documents.title')}
          </Title>
          <DocumentsPanel key={p.id} patientId={p.id} canManage />
        </>
      )}
    </Stack>
  );
}
