import { Badge, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import type { Patient } from '../api/types';

/** Who this is, at a glance: number, name, age, document and allergies. */
export function PatientHeader({ patient }: { patient: Patient }) {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="md" data-testid="patient-header">
      <Stack gap={4}>
        <Group gap="xs">
          <Badge variant="light" size="lg">
            {patient.patientNumber}
          </Badge>
          <Title order={2} size="h3">
            {patient.firstName} {patient.lastName}
          </Title>
        </Group>
        <Group gap="lg">
          <Text size="sm">{t('patient.ageYears', { count: patient.age })}</Text>
          <Text size="sm">
            {t('patient.documentNumber')}: {patient.documentNumber}
          </Text>
          {patient.bloodType && (
            <Text size="sm">
              {t('patient.bloodType')}: {patient.bloodType}
            </Text>
          )}
        </Group>
        <Group gap="xs">
          <Text size="sm" fw={600}>
            {t('patient.allergies')}:
          </Text>
          {patient.allergies.length === 0 ? (
            <Text size="sm">{t('patient.noAllergies')}</Text>
          ) : (
            patient.allergies.map((a) => (
              <Badge key={a} color="red.9" variant="filled">
                {a}
              </Badge>
            ))
          )}
        </Group>
      </Stack>
    </Paper>
  );
}
