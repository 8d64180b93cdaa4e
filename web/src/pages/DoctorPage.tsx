import { Alert, Loader, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { ClinicalRecord } from '../clinical/ClinicalRecord';
import { HistoryExport } from '../clinical/HistoryExport';
import { PatientHeader } from '../components/PatientHeader';
import { DocumentsPanel } from '../documents/DocumentsPanel';
import { PatientPicker } from '../scheduling/PatientPicker';
import { usePatient } from '../scheduling/queries';

/** The doctor's workspace: find a patient, then their clinical record. The patient is in the address (`?patient=`). */
export function DoctorPage() {
  const { t } = useTranslation();
  const [params, setParams] = useSearchParams();
  const patientId = params.get('patient');
  const patient = usePatient(patientId ?? undefined);
  return (
    <Stack>
      <Title order={2}>{t('nav.doctor')}</Title>
      <PatientPicker required={false} value={patientId} onChange={(id) => setParams(id ? { patient: id } : {})} />
      {!patientId && <Text c="dimmed">{t('doctor.choosePatient')}</Text>}
      {patient.isPending && patientId && <Loader />}
      {patient.isError && <Alert color="red">{patient.error.message}</Alert>}
      {patient.data && (
        <>
          <PatientHeader patient={patient.data} />
          <HistoryExport patient={patient.data} label={t('history.export')} />
          <ClinicalRecord
            key={patient.data.id}
            patientId={patient.data.id}
            after={[
              {
                value: 'documents',
                label: t('documents.title'),
                render: () => <DocumentsPanel patientId={patient.data.id} canManage />,
              },
            ]}
          />
        </>
      )}
    </Stack>
  );
}
