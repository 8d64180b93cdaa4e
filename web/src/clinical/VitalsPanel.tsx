import { Alert, Button, Card, Group, Loader, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { VitalsInput } from '../api/types';
import { LoadMore } from '../components/LoadMore';
import { formatInstant } from '../format';
import { notify } from '../notify';
import { useVitalsReadings } from './display';
import { failureOf } from './problems';
import { useRefreshRecord, useVitals } from './queries';

type Measure = Exclude<keyof VitalsInput, 'measuredAt' | 'encounterId'>;
const MEASURES: Measure[] = [
  'systolic',
  'diastolic',
  'heartRate',
  'respiratoryRate',
  'temperatureC',
  'spo2',
  'weightKg',
  'heightCm',
];

/** A typed number ("37,5" or "37.5"); the server refuses what is out of bounds, naming the field. */
const numberOf = (text: string) => Number(text.trim().replace(',', '.'));

/** Vital signs measured now: any of them, blood pressure as both values. */
function VitalsForm({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const refresh = useRefreshRecord(patientId);
  const empty = Object.fromEntries(MEASURES.map((m) => [m, ''])) as Record<Measure, string>;
  const [values, setValues] = useState(empty);
  const labels: Record<Measure, string> = {
    systolic: t('vitals.systolic'),
    diastolic: t('vitals.diastolic'),
    heartRate: t('vitals.heartRateUnit'),
    respiratoryRate: t('vitals.respiratoryRateUnit'),
    temperatureC: t('vitals.temperatureUnit'),
    spo2: t('vitals.spo2Unit'),
    weightKg: t('vitals.weightUnit'),
    heightCm: t('vitals.heightUnit'),
  };
  const record = useMutation({
    mutationFn: () => {
      const body: VitalsInput = {};
      for (const m of MEASURES) if (values[m].trim()) body[m] = numberOf(values[m]);
      return unwrap(api.POST('/api/v1/patients/{id}/vital-signs', { params: { path: { id: patientId } }, body }));
    },
    onSuccess: async () => {
      notify(t('vitals.recorded'));
      setValues(empty);
      await refresh();
    },
  });
  const failure = record.error && failureOf(record.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    record.mutate();
  };
  return (
    <form onSubmit={submit} noValidate data-testid="vitals-form">
      <Stack>
        {failure && (
          <Alert color="red" role="alert">
            {failure.message}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          {MEASURES.map((m) => (
            <TextInput
              key={m}
              label={labels[m]}
              inputMode="decimal"
              value={values[m]}
              onChange={(e) => {
                const value = e.currentTarget.value;
                setValues((v) => ({ ...v, [m]: value }));
              }}
              error={failure?.fields[m]}
            />
          ))}
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={record.isPending}>
            {t('vitals.record')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** Vital signs: record a measurement, and every earlier one, newest first. */
export function VitalsPanel({ patientId, canWrite }: { patientId: string; canWrite: boolean }) {
  const { t, i18n } = useTranslation();
  const { list, items } = useVitals(patientId);
  const readings = useVitalsReadings();
  return (
    <Stack>
      {canWrite && (
        <Card withBorder>
          <VitalsForm patientId={patientId} />
        </Card>
      )}
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('vitals.none')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer
          minWidth={320}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('record.vitals') } }}
        >
          <Table striped data-testid="vitals-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('vitals.measuredAt')}</Table.Th>
                <Table.Th>{t('vitals.readings')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((v) => (
                <Table.Tr key={v.id}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatInstant(v.measuredAt, i18n.language)}</Table.Td>
                  <Table.Td>
                    {readings(v)
                      .map((r) => `${r.label} ${r.value}`)
                      .join(' · ')}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={list} />
    </Stack>
  );
}
