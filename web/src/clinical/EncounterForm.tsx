import { Alert, Button, Group, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { Encounter, EncounterKind } from '../api/types';
import { notify } from '../notify';
import { failureOf } from './problems';
import { useRefreshRecord } from './queries';

const KINDS: EncounterKind[] = ['outpatient', 'inpatient', 'emergency', 'dental'];

/** Opens an encounter (a visit, an admission, an emergency or a dental visit), in progress from now. */
export function EncounterForm({
  patientId,
  onOpened,
  onCancel,
}: {
  patientId: string;
  onOpened: (encounter: Encounter) => void;
  onCancel?: () => void;
}) {
  const { t } = useTranslation();
  const refresh = useRefreshRecord(patientId);
  const [kind, setKind] = useState<EncounterKind>('outpatient');
  const [reason, setReason] = useState('');
  const [service, setService] = useState('');
  const open = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/patients/{id}/encounters', {
          params: { path: { id: patientId } },
          body: { kind, ...(reason.trim() ? { reason } : {}), ...(service.trim() ? { service } : {}) },
        }),
      ),
    onSuccess: async (encounter) => {
      notify(t('encounters.opened'));
      await refresh();
      onOpened(encounter);
    },
  });
  const failure = open.error ? failureOf(open.error) : null;
  const submit = (e: FormEvent) => {
    e.preventDefault();
    open.mutate();
  };
  return (
    <form onSubmit={submit} noValidate data-testid="encounter-form">
      <Stack>
        {failure && (
          <Alert color="red" role="alert">
            {failure.message}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <Select
            label={t('encounters.kind')}
            data={KINDS.map((k) => ({ value: k, label: t(`encounterKind.${k}`) }))}
            value={kind}
            onChange={(v) => v && setKind(v as EncounterKind)}
            allowDeselect={false}
          />
          <TextInput
            label={t('encounters.reason')}
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={failure?.fields.reason}
          />
          <TextInput
            label={t('encounters.service')}
            placeholder={t('encounters.servicePlaceholder')}
            value={service}
            onChange={(e) => setService(e.currentTarget.value)}
            error={failure?.fields.service}
          />
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={open.isPending}>
            {t('encounters.open')}
          </Button>
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              {t('common.cancel')}
            </Button>
          )}
        </Group>
      </Stack>
    </form>
  );
}
