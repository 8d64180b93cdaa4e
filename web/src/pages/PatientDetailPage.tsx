import { Alert, Button, Card, Group, Loader, SimpleGrid, Stack, Text } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { api, unwrap } from '../api/client';
import type { Patient } from '../api/types';
import { hasRole, useSession } from '../auth/useSession';
import { ClinicalRecord } from '../clinical/ClinicalRecord';
import { Duplicates } from '../components/Duplicates';
import { PatientHeader } from '../components/PatientHeader';
import { formatDate } from '../format';
import { ACCESS } from '../nav';

export function PatientDetails({ patient }: { patient: Patient }) {
  const { t, i18n } = useTranslation();
  const rows: [string, string | undefined][] = [
    [t('patient.birthDate'), formatDate(patient.birthDate, i18n.language)],
    [t('patient.sex'), t(`sex.${patient.sex}`)],
    [t('patient.category'), t(`category.${patient.category}`)],
    [t('patient.phone'), patient.phone],
    [t('patient.email'), patient.email],
    [t('patient.address'), [patient.address?.street, patient.address?.city].filter(Boolean).join(', ') || undefined],
    [
      t('patient.emergencyContact'),
      patient.emergencyContact
        ? [patient.emergencyContact.name, patient.emergencyContact.phone].filter(Boolean).join(' · ')
        : undefined,
    ],
  ];
  return (
    <Card withBorder>
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="xs">
        {rows.map(([label, value]) => (
          <div key={label}>
            <Text size="xs" c="dimmed">
              {label}
            </Text>
            <Text size="sm">{value ?? '—'}</Text>
          </div>
        ))}
      </SimpleGrid>
    </Card>
  );
}

export function PatientDetailPage() {
  const { t } = useTranslation();
  const { id = '' } = useParams();
  const session = useSession();
  const roles = session?.user.roles;
  const patient = useQuery({
    queryKey: ['patient', id],
    queryFn: () => unwrap(api.GET('/api/v1/patients/{id}', { params: { path: { id } } })),
  });
  const canMerge = hasRole(roles, ACCESS.mergePatients);
  const duplicates = useQuery({
    queryKey: ['patient', id, 'duplicates'],
    enabled: canMerge && !!patient.data && !patient.data.mergedInto,
    queryFn: () => unwrap(api.GET('/api/v1/patients/{id}/duplicates', { params: { path: { id } } })),
  });
  if (patient.isPending) return <Loader />;
  if (patient.isError) return <Alert color="red">{patient.error.message}</Alert>;
  const p = patient.data;
  const details = (
    <Stack>
      {hasRole(roles, ACCESS.editPatient) && !p.mergedInto && (
        <Group>
          <Button component={Link} to={`/patients/${p.id}/edit`} variant="default">
            {t('patients.edit')}
          </Button>
        </Group>
      )}
      <PatientDetails patient={p} />
      {duplicates.data && <Duplicates patientId={p.id} candidates={duplicates.data.items} />}
    </Stack>
  );
  return (
    <Stack>
      <PatientHeader patient={p} />
      {p.mergedInto && (
        <Alert color="gray">
          {t('patients.mergedInto')} <Link to={`/patients/${p.mergedInto}`}>{t('common.open')}</Link>
        </Alert>
      )}
      {/* Doctors and the desk see the clinical record beside the details; a merged record has none of its own. */}
      {hasRole(roles, ACCESS.encounters) && !p.mergedInto ? (
        <ClinicalRecord
          patientId={p.id}
          before={[{ value: 'details', label: t('record.details'), render: () => details }]}
        />
      ) : (
        details
      )}
    </Stack>
  );
}
