import { Alert, Badge, Button, Card, Group, Loader, Stack, Text, Textarea } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { Encounter } from '../api/types';
import { LoadMore } from '../components/LoadMore';
import { formatInstant } from '../format';
import { notify } from '../notify';
import { EncounterForm } from './EncounterForm';
import { failureOf } from './problems';
import { useEncounters, useRefreshRecord } from './queries';

const ENCOUNTER_BADGE: Record<Encounter['status'], string> = {
  in_progress: 'teal.9',
  finished: 'gray.7',
  cancelled: 'red.9',
};

/** "Consulta externa · 4 may 2026, 9:30 · Dolor torácico": which encounter, in a line. */
export function useEncounterLabel() {
  const { t, i18n } = useTranslation();
  return (e: Encounter) =>
    [t(`encounterKind.${e.kind}`), formatInstant(e.admittedAt, i18n.language), e.reason].filter(Boolean).join(' · ');
}

/** Finishes an encounter in progress, with an optional discharge summary. */
function Discharge({ encounter, onDone }: { encounter: Encounter; onDone: () => void }) {
  const { t } = useTranslation();
  const refresh = useRefreshRecord(encounter.patientId);
  const [summary, setSummary] = useState('');
  const discharge = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/patients/{id}/encounters/{encounterId}/discharge', {
          params: { path: { id: encounter.patientId, encounterId: encounter.id } },
          body: summary.trim() ? { summary } : {},
        }),
      ),
    onSuccess: async () => {
      notify(t('encounters.discharged'));
      await refresh();
      onDone();
    },
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    discharge.mutate();
  };
  return (
    <form onSubmit={submit}>
      <Stack gap="xs">
        {discharge.error && (
          <Alert color="red" role="alert">
            {failureOf(discharge.error).message}
          </Alert>
        )}
        <Textarea
          label={t('encounters.dischargeSummary')}
          autosize
          minRows={2}
          value={summary}
          onChange={(e) => setSummary(e.currentTarget.value)}
        />
        <Group>
          <Button type="submit" loading={discharge.isPending}>
            {t('encounters.confirmDischarge')}
          </Button>
          <Button variant="default" onClick={onDone}>
            {t('common.cancel')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

function EncounterCard({ encounter: e, canWrite }: { encounter: Encounter; canWrite: boolean }) {
  const { t, i18n } = useTranslation();
  const [discharging, setDischarging] = useState(false);
  return (
    <Card withBorder data-testid="encounter" data-encounter={e.id}>
      <Stack gap={4}>
        <Group justify="space-between">
          <Text fw={700}>{t(`encounterKind.${e.kind}`)}</Text>
          <Badge color={ENCOUNTER_BADGE[e.status]}>{t(`encounterStatus.${e.status}`)}</Badge>
        </Group>
        <Text size="sm">
          {formatInstant(e.admittedAt, i18n.language)}
          {e.dischargedAt && ` – ${formatInstant(e.dischargedAt, i18n.language)}`}
          {e.service && ` · ${e.service}`}
        </Text>
        {e.reason && <Text size="sm">{e.reason}</Text>}
        {e.dischargeSummary && (
          <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>
            <strong>{t('encounters.dischargeSummary')}:</strong> {e.dischargeSummary}
          </Text>
        )}
        {canWrite && e.status === 'in_progress' && !discharging && (
          <Group>
            <Button size="xs" variant="default" onClick={() => setDischarging(true)}>
              {t('encounters.discharge')}
            </Button>
          </Group>
        )}
        {discharging && <Discharge encounter={e} onDone={() => setDischarging(false)} />}
      </Stack>
    </Card>
  );
}

/** The patient's encounters, newest first: open one, discharge one in progress. */
export function EncountersPanel({ patientId, canWrite }: { patientId: string; canWrite: boolean }) {
  const { t } = useTranslation();
  const { list, items } = useEncounters(patientId);
  const [opening, setOpening] = useState(false);
  return (
    <Stack>
      {canWrite &&
        (opening ? (
          <Card withBorder>
            <EncounterForm
              patientId={patientId}
              onOpened={() => setOpening(false)}
              onCancel={() => setOpening(false)}
            />
          </Card>
        ) : (
          <Group>
            <Button onClick={() => setOpening(true)}>{t('encounters.new')}</Button>
          </Group>
        ))}
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('encounters.none')}</Text>}
      {items.map((e) => (
        <EncounterCard key={e.id} encounter={e} canWrite={canWrite} />
      ))}
      <LoadMore list={list} />
    </Stack>
  );
}
