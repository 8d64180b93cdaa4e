import { Alert, Badge, Button, Card, Code, Group, Loader, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { TFunction } from 'i18next';
import { type ReactNode, useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { failureOf } from '../clinical/problems';
import { backupStatus, startBackup } from '../documents/api';
import type { BackupRun, BackupRunStatus, BackupStatus, BackupTrigger } from '../documents/types';
import { formatAge, formatBytes, formatDuration } from '../documents/units';
import { formatInstant } from '../format';
import { notify } from '../notify';

/** While a backup runs, the page asks how it is going this often. */
const POLL_MS = 1500;

const STATUS_COLOR: Record<BackupRunStatus, string> = { running: 'blue.8', succeeded: 'teal.9', failed: 'red.9' };

function useRunLabels() {
  const { t } = useTranslation();
  const status: Record<BackupRunStatus, string> = {
    running: t('backups.status.running'),
    succeeded: t('backups.status.succeeded'),
    failed: t('backups.status.failed'),
  };
  const trigger: Record<BackupTrigger, string> = {
    schedule: t('backups.trigger.schedule'),
    manual: t('backups.trigger.manual'),
    cli: t('backups.trigger.cli'),
  };
  return { status, trigger };
}

function Fact({ label, children, testId }: { label: string; children: ReactNode; testId?: string }) {
  return (
    <div data-testid={testId}>
      <Text size="xs" c="dimmed">
        {label}
      </Text>
      {children}
    </div>
  );
}

/** Size, duration and what the archive holds, as far as the run recorded them. */
function runFigures(run: BackupRun, language: string, t: TFunction): string {
  return [
    run.sizeBytes !== null ? formatBytes(run.sizeBytes, language) : null,
    run.durationMs !== null ? formatDuration(run.durationMs, language) : null,
    run.rows !== null ? t('backups.rows', { count: run.rows }) : null,
    run.documents !== null ? t('backups.documents', { count: run.documents }) : null,
  ]
    .filter(Boolean)
    .join(' · ');
}

function StatusCard({ status: s }: { status: BackupStatus }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const success = s.lastSuccess;
  const failure = s.lastFailure;
  return (
    <Card withBorder data-testid="backup-status">
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
        <Fact label={t('backups.lastSuccess')} testId="backup-last-success">
          {success ? (
            <>
              <Text size="sm" fw={600}>
                {formatInstant(success.finishedAt ?? success.startedAt, lang)} (
                {formatAge(success.finishedAt ?? success.startedAt, lang)})
              </Text>
              <Text size="sm">{runFigures(success, lang, t)}</Text>
            </>
          ) : (
            <Text size="sm" fw={600}>
              {t('backups.noSuccess')}
            </Text>
          )}
        </Fact>
        <Fact label={t('backups.lastFailure')} testId="backup-last-failure">
          {failure ? (
            <>
              <Text size="sm">
                {formatInstant(failure.finishedAt ?? failure.startedAt, lang)} (
                {formatAge(failure.finishedAt ?? failure.startedAt, lang)})
              </Text>
              <Text size="sm" c="red.9" style={{ overflowWrap: 'anywhere' }}>
                {failure.error ?? t('backups.noError')}
              </Text>
            </>
          ) : (
            <Text size="sm">{t('backups.noFailure')}</Text>
          )}
        </Fact>
        <Fact label={t('backups.destination')}>
          <Code style={{ overflowWrap: 'anywhere' }}>{s.destination}</Code>
        </Fact>
        <Fact label={t('backups.schedule')}>
          {s.schedule ? <Code>{s.schedule}</Code> : <Text size="sm">{t('backups.noSchedule')}</Text>}
        </Fact>
        <Fact label={t('backups.key')}>
          {s.keyConfigured ? (
            <Badge color="teal.9">{t('backups.keyConfigured')}</Badge>
          ) : (
            <Badge color="red.9">{t('backups.keyMissing')}</Badge>
          )}
        </Fact>
      </SimpleGrid>
    </Card>
  );
}

function RunsTable({ items }: { items: BackupRun[] }) {
  const { t, i18n } = useTranslation();
  const labels = useRunLabels();
  const lang = i18n.language;
  return (
    <Table.ScrollContainer
      minWidth={760}
      scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('backups.recent') } }}
    >
      <Table striped data-testid="backup-runs">
        <Table.Thead>
          <Table.Tr>
            <Table.Th>{t('backups.started')}</Table.Th>
            <Table.Th>{t('backups.triggerLabel')}</Table.Th>
            <Table.Th>{t('backups.statusLabel')}</Table.Th>
            <Table.Th ta="right">{t('backups.duration')}</Table.Th>
            <Table.Th ta="right">{t('backups.size')}</Table.Th>
            <Table.Th ta="right">{t('backups.documentsLabel')}</Table.Th>
            <Table.Th>{t('backups.error')}</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {items.map((run) => (
            <Table.Tr key={run.id} data-run={run.id} data-status={run.status}>
              <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatInstant(run.startedAt, lang)}</Table.Td>
              <Table.Td>{labels.trigger[run.trigger]}</Table.Td>
              <Table.Td>
                <Badge color={STATUS_COLOR[run.status]}>{labels.status[run.status]}</Badge>
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                {run.durationMs !== null ? formatDuration(run.durationMs, lang) : ''}
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                {run.sizeBytes !== null ? formatBytes(run.sizeBytes, lang) : ''}
              </Table.Td>
              <Table.Td ta="right" style={{ whiteSpace: 'nowrap' }}>
                {run.documents !== null
                  ? `${new Intl.NumberFormat(lang).format(run.documents)}${run.documentBytes !== null ? ` (${formatBytes(run.documentBytes, lang)})` : ''}`
                  : ''}
              </Table.Td>
              <Table.Td>
                {run.error && (
                  <Text size="xs" c="red.9" maw={320} style={{ overflowWrap: 'anywhere' }}>
                    {run.error}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}

/**
 * Backups (administrators): how the last ones went, where they go and when, and a button to make
 * one now. While one runs the page follows it until it ends.
 */
export function BackupsPage() {
  const { t, i18n } = useTranslation();
  const queryClient = useQueryClient();
  // The run started from this page, followed until it ends (it may end before the first poll).
  const [watching, setWatching] = useState<string | null>(null);
  const status = useQuery({
    queryKey: ['backups'],
    queryFn: backupStatus,
    refetchInterval: (q) => (q.state.data?.running || watching ? POLL_MS : false),
  });
  const run = useMutation({
    mutationFn: startBackup,
    onSuccess: async (started) => {
      setWatching(started.id);
      await queryClient.invalidateQueries({ queryKey: ['backups'] });
    },
  });
  const data = status.data;
  useEffect(() => {
    if (!watching || !data) return;
    const ended = data.items.find((r) => r.id === watching && r.status !== 'running');
    if (!ended) return;
    setWatching(null);
    if (ended.status === 'succeeded')
      notify(t('backups.done', { size: formatBytes(ended.sizeBytes ?? 0, i18n.language) }));
    else notify(t('backups.failedNotice'), 'red');
  }, [watching, data, t, i18n.language]);
  const running = data?.running ?? null;
  return (
    <Stack>
      <Title order={2}>{t('backups.title')}</Title>
      {status.isPending && <Loader />}
      {status.isError && <Alert color="red">{status.error.message}</Alert>}
      {data && (
        <>
          {!data.keyConfigured && (
            <Alert color="orange" title={t('backups.keyMissingTitle')} data-testid="backup-key-warning">
              {t('backups.keyMissingHelp')}
            </Alert>
          )}
          <StatusCard status={data} />
          <Group>
            <Button
              onClick={() => run.mutate()}
              loading={run.isPending}
              disabled={running !== null || !data.keyConfigured}
            >
              {t('backups.runNow')}
            </Button>
            {running && (
              <Group gap="xs" role="status" data-testid="backup-running">
                <Loader size="xs" />
                <Text size="sm">{t('backups.runningSince', { age: formatAge(running.startedAt, i18n.language) })}</Text>
              </Group>
            )}
          </Group>
          {run.isError && (
            <Alert color="red" role="alert">
              {failureOf(run.error).message}
            </Alert>
          )}
          <Title order={3} size="h4">
            {t('backups.recent')}
          </Title>
          {data.items.length === 0 ? <Text c="dimmed">{t('backups.none')}</Text> : <RunsTable items={data.items} />}
        </>
      )}
    </Stack>
  );
}
