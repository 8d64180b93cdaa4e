import {
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  Loader,
  SegmentedControl,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  Textarea,
  Title,
} from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import type { ChartEntryInput, Finding, Surface } from '../../api/types';
import { formatInstant } from '../../format';
import { notify } from '../../notify';
import { useTreatments } from '../../scheduling/queries';
import { failureOf } from '../problems';
import { useRefreshRecord, useToothHistory } from '../queries';
import type { Selection } from './Odontogram';
import { SURFACES } from './teeth';
import { useEntryLabel, useSurfaceLabels } from './words';

// A record, not a list: the compiler then insists on every finding the API has. Findings to
// treat first, then work already done.
const FINDING_ORDER: Record<Finding, true> = {
  caries: true,
  fracture: true,
  abscess: true,
  mobility: true,
  impacted: true,
  extraction_indicated: true,
  missing: true,
  filling: true,
  crown: true,
  bridge: true,
  implant: true,
  root_canal: true,
  sealant: true,
  veneer: true,
  sound: true,
  other: true,
};
const FINDINGS = Object.keys(FINDING_ORDER) as Finding[];

type Kind = ChartEntryInput['kind'];
type Status = NonNullable<ChartEntryInput['status']>;

/** Every entry of a tooth, oldest first, superseded ones included. */
function History({ patientId, tooth }: { patientId: string; tooth: number }) {
  const { t, i18n } = useTranslation();
  const history = useToothHistory(patientId, tooth);
  const label = useEntryLabel();
  const surfaces = useSurfaceLabels();
  if (history.isPending) return <Loader size="sm" />;
  if (history.isError) return <Alert color="red">{history.error.message}</Alert>;
  const entries = history.data.entries;
  if (entries.length === 0) return <Text c="dimmed">{t('dental.noHistory')}</Text>;
  return (
    <Table.ScrollContainer
      minWidth={480}
      scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('dental.history') } }}
    >
      <Table striped data-testid="tooth-history">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('dental.when')}</Table.Th>
            <Table.Th>{t('dental.entry')}</Table.Th>
            <Table.Th>{t('dental.surfaces')}</Table.Th>
            <Table.Th>{t('dental.by')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {entries.map((e) => (
            <Table.Tr key={e.id}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatInstant(e.recordedAt, i18n.language)}</Table.Td>
              <Table.Td>
                {label(e)}
                {e.note && (
                  <Text size="xs" c="dimmed">
                    {e.note}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {e.surfaces.length === 0 ? surfaces.whole : e.surfaces.map((s) => surfaces[s]).join(', ')}
              </Table.Td>
              <Table.Td>{e.recordedByName ?? ''}</Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/** Records a finding, or a treatment of the catalogue (planned or done), on the chosen surfaces. */
function EntryForm({
  patientId,
  selection,
  onSurfaces,
}: {
  patientId: string;
  selection: Selection;
  onSurfaces: (surfaces: Surface[]) => void;
}) {
  const { t } = useTranslation();
  const refresh = useRefreshRecord(patientId);
  const treatments = useTreatments();
  const surfaceLabels = useSurfaceLabels();
  const [kind, setKind] = useState<Kind>('finding');
  const [finding, setFinding] = useState<Finding | null>(null);
  const [treatmentId, setTreatmentId] = useState<string | null>(null);
  const [status, setStatus] = useState<Status>('planned');
  const [note, setNote] = useState('');
  const record = useMutation({
    mutationFn: () => {
      const what =
        kind === 'finding' ? { finding: finding ?? undefined } : { treatmentId: treatmentId ?? undefined, status };
      const body: ChartEntryInput = {
        tooth: selection.tooth,
        surfaces: selection.surfaces,
        kind,
        ...what,
        ...(note.trim() ? { note } : {}),
      };
      return unwrap(
        api.POST('/api/v1/patients/{id}/dental-chart/entries', { params: { path: { id: patientId } }, body }),
      );
    },
    onSuccess: async () => {
      notify(t('dental.recorded', { tooth: selection.tooth }));
      setNote('');
      await refresh();
    },
  });
  const failure = record.error && failureOf(record.error);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    record.mutate();
  };
  // Dental treatments first: the chart is about teeth.
  const catalogue = [...(treatments.data ?? [])].sort((a, b) => Number(b.isDental) - Number(a.isDental));
  return (
    <form onSubmit={submit} noValidate data-testid="dental-entry-form">
      <Stack gap="sm">
        {failure && (
          <Alert color="red" role="alert">
            {failure.message}
          </Alert>
        )}
        <SegmentedControl
          aria-label={t('dental.kind')}
          value={kind}
          onChange={(v) => setKind(v as Kind)}
          data={[
            { value: 'finding', label: t('dental.finding') },
            { value: 'treatment', label: t('dental.treatment') },
          ]}
          style={{ alignSelf: 'flex-start' }}
        />
        {kind === 'finding' ? (
          <Select
            label={t('dental.finding')}
            required
            searchable
            data={FINDINGS.map((f) => ({ value: f, label: t(`finding.${f}`) }))}
            value={finding}
            onChange={(v) => setFinding(v as Finding | null)}
            error={failure?.fields.finding}
          />
        ) : (
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label={t('dental.treatment')}
              required
              searchable
              data={catalogue.map((x) => ({ value: x.id, label: x.name }))}
              value={treatmentId}
              onChange={setTreatmentId}
              error={failure?.fields.treatmentId}
            />
            <Select
              label={t('dental.status')}
              data={[
                { value: 'planned', label: t('chartStatus.planned') },
                { value: 'done', label: t('chartStatus.done') },
              ]}
              value={status}
              onChange={(v) => v && setStatus(v as Status)}
              allowDeselect={false}
            />
          </SimpleGrid>
        )}
        <Checkbox.Group
          label={t('dental.surfaces')}
          description={t('dental.surfacesHelp')}
          value={selection.surfaces}
          onChange={(v) => onSurfaces(v as Surface[])}
          error={failure?.fields.surfaces}
        >
          <Group gap="md" mt={4}>
            {SURFACES.map((s) => (
              <Checkbox key={s} value={s} label={surfaceLabels[s]} />
            ))}
          </Group>
        </Checkbox.Group>
        <Textarea
          label={t('dental.note')}
          autosize
          minRows={1}
          value={note}
          onChange={(e) => setNote(e.currentTarget.value)}
        />
        <Group>
          <Button type="submit" loading={record.isPending}>
            {t('dental.record')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}

/** The chosen tooth: its history and, for a doctor, the form to record on it. */
export function ToothPanel({
  patientId,
  selection,
  canWrite,
  onSurfaces,
}: {
  patientId: string;
  selection: Selection;
  canWrite: boolean;
  onSurfaces: (surfaces: Surface[]) => void;
}) {
  const { t } = useTranslation();
  return (
    <Card withBorder data-testid="tooth-panel">
      <Stack>
        <Title order={3} size="h4">
          {t('dental.tooth', { tooth: selection.tooth })}
        </Title>
        {canWrite && (
          <EntryForm key={selection.tooth} patientId={patientId} selection={selection} onSurfaces={onSurfaces} />
        )}
        <Text fw={600} size="sm">
          {t('dental.history')}
        </Text>
        <History patientId={patientId} tooth={selection.tooth} />
      </Stack>
    </Card>
  );
}
