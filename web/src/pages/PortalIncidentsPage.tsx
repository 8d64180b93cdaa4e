import { Alert, Badge, Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { LoadMore } from '../components/LoadMore';
import { formatInstant } from '../format';
import { STATUS_COLOR, useIncidentLabels } from '../helpdesk/labels';
import { NewIncidentForm } from '../helpdesk/NewIncidentForm';
import { useIncidents } from '../helpdesk/queries';

/** The patient's own incidents, newest activity first, and reporting a new one. */
export function PortalIncidentsPage() {
  const { t, i18n } = useTranslation();
  const labels = useIncidentLabels();
  const [reporting, setReporting] = useState(false);
  const list = useIncidents({});
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack maw={900}>
      <Group justify="space-between">
        <Title order={2}>{t('nav.myIncidents')}</Title>
        {!reporting && <Button onClick={() => setReporting(true)}>{t('helpdesk.newIncident')}</Button>}
      </Group>
      {reporting && <NewIncidentForm onDone={() => setReporting(false)} />}
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('helpdesk.noneOwn')}</Text>}
      <Stack gap="sm" data-testid="my-incidents">
        {items.map((incident) => (
          <Card key={incident.id} withBorder data-testid="my-incident" data-incident={incident.id}>
            <Stack gap={4}>
              <Group justify="space-between" gap="xs" wrap="nowrap">
                <Text fw={700} style={{ overflowWrap: 'anywhere' }}>
                  <Link to={`/portal/incidents/${incident.id}`}>
                    {incident.number} · {incident.subject}
                  </Link>
                </Text>
                <Badge color={STATUS_COLOR[incident.status]} autoContrast style={{ flexShrink: 0 }}>
                  {labels.status[incident.status]}
                </Badge>
              </Group>
              <Text size="sm">
                {labels.category[incident.category]} ·{' '}
                {t('helpdesk.updatedAt', { date: formatInstant(incident.updatedAt, i18n.language) })}
              </Text>
            </Stack>
          </Card>
        ))}
      </Stack>
      <LoadMore list={list} />
    </Stack>
  );
}
