import { Alert, Badge, Button, Card, Group, Loader, Select, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { Diagnosis, DiagnosisStatus } from '../api/types';
import { formatDate } from '../format';
import { notify } from '../notify';
import { Icd10Picker } from './Icd10Picker';
import { failureOf } from './problems';
import { useDiagnoses, useRefreshRecord } from './queries';

const STATUSES: DiagnosisStatus[] = ['active', 'resolved', 'ruled_out'];
const STATUS_BADGE: Record<DiagnosisStatus, string> = { active: 'red.9', resolved: 'teal.9', ruled_out: 'gray.7' };

function useStatusOptions() {
  const { t } = useTranslation();
  return STATUSES.map((s) => ({ value: s, label: t(`diagnosisStatus.${s}`) }));
}

/** Records a diagnosis coded with ICD-10: the code, its status, when it began and notes. */
function DiagnosisForm({ patientId, onDone }: { patientId: string; onDone: () => void }) {
  const { t } = useTranslation();
  const refresh = useRefreshRecord(patientId);
  const statuses = useStatusOptions();
  const [code, setCode] = useState<string | null>(null);
  const [status, setStatus] = useState<DiagnosisStatus>('active');
  const [onsetDate, setOnsetDate] = useState('');
  const [notes, setNotes] = useState('');
  const [missing, setMissing] = useState(false);
  const record = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/patients/{id}/diagnoses', {
          params: { path: { id: patientId } },
          body: {
            code: code ?? '',
            status,
            ...(onsetDate ? { onsetDate } : {}),
            ...(notes.trim() ? { notes } : {}),
          },
        }),
      ),
    onSuccess: async (d) => {
      notify(t('diagnoses.recorded', { code: d.code }));
      await refresh();
      onDone();
    },
  });
  const failure = record.error && failureOf(record.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setMissing(!code);
    if (code) record.mutate();
  };
  return (
    <form onSubmit={submit} noValidate data-testid="diagnosis-form">
      <Stack>
        {failure && (
          <Alert color="red" role="alert">
            {failure.message}
          </Alert>
        )}
        <Icd10Picker
          value={code}
          onChange={setCode}
          error={missing ? t('validation.required') : failure?.fields.code}
        />
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label={t('diagnoses.status')}
            data={statuses}
            value={status}
            onChange={(v) => v && setStatus(v as DiagnosisStatus)}
            allowDeselect={false}
          />
          <TextInput
            label={t('diagnoses.onsetDate')}
            type="date"
            value={onsetDate}
            onChange={(e) => setOnsetDate(e.currentTarget.value)}
            error={failure?.fields.onsetDate}
          />
          <TextInput
            label={t('diagnoses.notes')}
            value={notes}
            onChange={(e) => setNotes(e.currentTarget.value)}
            error={failure?.fields.notes}
          />
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={record.isPending}>
            {t('diagnoses.record')}
          </Button>
          <Button variant="default" onClick={onDone}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** One diagnosis; its status can change (resolved, ruled out), its code cannot. */
function DiagnosisCard({ diagnosis: d, canWrite }: { diagnosis: Diagnosis; canWrite: boolean }) {
  const { t, i18n } = useTranslation();
  const refresh = useRefreshRecord(d.patientId);
  const statuses = useStatusOptions();
  const change = useMutation({
    mutationFn: (status: DiagnosisStatus) =>
      unwrap(
        api.PATCH('/api/v1/patients/{id}/diagnoses/{diagnosisId}', {
          params: { path: { id: d.patientId, diagnosisId: d.id } },
          body: { status },
        }),
      ),
    onSuccess: async () => {
      notify(t('diagnoses.changed'));
      await refresh();
    },
  });
  return (
    <Card withBorder data-testid="diagnosis">
      <Group justify="space-between" align="flex-start">
        <Stack gap={2} style={{ flex: 1, minWidth: 200 }}>
          <Text fw={700}>
            {d.code} · {d.display}
          </Text>
          {d.onsetDate && (
            <Text size="sm">{t('diagnoses.since', { date: formatDate(d.onsetDate, i18n.language) })}</Text>
          )}
          {d.notes && <Text size="sm">{d.notes}</Text>}
          {change.error && (
            <Text size="sm" c="red.9" role="alert">
              {failureOf(change.error).message}
            </Text>
          )}
        </Stack>
        {canWrite ? (
          <Select
            label={t('diagnoses.status')}
            size="xs"
            w={160}
            data={statuses}
            value={d.status}
            onChange={(v) => v && v !== d.status && change.mutate(v as DiagnosisStatus)}
            allowDeselect={false}
            disabled={change.isPending}
          />
        ) : (
          <Badge color={STATUS_BADGE[d.status]}>{t(`diagnosisStatus.${d.status}`)}</Badge>
        )}
      </Group>
    </Card>
  );
}

/** The patient's diagnoses, active first: record one with an ICD-10 code, resolve or rule one out. */
export function DiagnosesPanel({ patientId, canWrite }: { patientId: string; canWrite: boolean }) {
  const { t } = useTranslation();
  const list = useDiagnoses(patientId);
  const [adding, setAdding] = useState(false);
  const items = list.data?.items ?? [];
  return (
    <Stack>
      {canWrite &&
        (adding ? (
          <Card withBorder>
            <DiagnosisForm patientId={patientId} onDone={() => setAdding(false)} />
          </Card>
        ) : (
          <Group>
            <Button onClick={() => setAdding(true)}>{t('diagnoses.new')}</Button>
          </Group>
        ))}
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('diagnoses.none')}</Text>}
      {items.map((d) => (
        <DiagnosisCard key={d.id} diagnosis={d} canWrite={canWrite} />
      ))}
    </Stack>
  );
}
