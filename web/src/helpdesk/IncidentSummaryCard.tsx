import { Alert, Card, Group, Loader, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { useIncidentLabels } from './labels';
import { useIncidentSummary } from './queries';
import { STATUSES } from './types';

function Count({ label, value, testId, alert }: { label: string; value: number; testId: string; alert?: boolean }) {
  return (
    <Stack gap={0} data-testid={testId}>
      <Text size="xl" fw={700} c={alert && value > 0 ? 'red.9' : undefined}>
        {value}
      </Text>
      <Text size="sm">{label}</Text>
    </Stack>
  );
}

/** How many incidents there are in each status, how many are past a service level, how many nobody has. */
export function IncidentSummaryCard() {
  const { t } = useTranslation();
  const labels = useIncidentLabels();
  const summary = useIncidentSummary();
  return (
    <Card withBorder data-testid="incident-summary">
      <Stack gap="sm">
        <Title order={3} size="h4">
          {t('helpdesk.summaryTitle')}
        </Title>
        {summary.isPending && <Loader size="sm" />}
        {summary.isError && <Alert color="red">{summary.error.message}</Alert>}
        {summary.data && (
          <Group gap="xl" align="flex-start">
            <SimpleGrid cols={{ base: 3, sm: 5 }} spacing="lg">
              {STATUSES.map((s) => (
                <Count key={s} label={labels.status[s]} value={summary.data.byStatus[s]} testId={`summary-${s}`} />
              ))}
            </SimpleGrid>
            <SimpleGrid cols={2} spacing="lg">
              <Count label={t('helpdesk.breached')} value={summary.data.breached} testId="summary-breached" alert />
              <Count label={t('helpdesk.unassigned')} value={summary.data.unassigned} testId="summary-unassigned" />
            </SimpleGrid>
          </Group>
        )}
      </Stack>
    </Card>
  );
}
