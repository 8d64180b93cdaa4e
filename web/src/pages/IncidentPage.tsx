import { Alert, Badge, Button, Card, Grid, Group, Loader, Select, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { failureOf } from '../clinical/problems';
import { formatInstant } from '../format';
import { AssigneeSelect } from '../helpdesk/Assignment';
import { updateIncident } from '../helpdesk/api';
import { useIncidentLabels } from '../helpdesk/labels';
import { useIncident, useRefreshIncidents } from '../helpdesk/queries';
import { ReplyBox } from '../helpdesk/ReplyBox';
import { SlaClock, useNow } from '../helpdesk/SlaClock';
import { Thread } from '../helpdesk/Thread';
import {
  CATEGORIES,
  type IncidentCategory,
  type IncidentChange,
  type IncidentDetail,
  type IncidentPriority,
  type IncidentStatus,
  PRIORITIES,
  TRANSITIONS,
} from '../helpdesk/types';
import { notify } from '../notify';

/** Status, priority, category and assignee: each change is saved as soon as it is chosen. */
function IncidentControls({ incident: i }: { incident: IncidentDetail }) {
  const { t, i18n } = useTranslation();
  const labels = useIncidentLabels();
  const refresh = useRefreshIncidents();
  const now = useNow();
  const change = useMutation({
    mutationFn: (body: IncidentChange) => updateIncident(i.id, body),
    onSuccess: async () => {
      notify(t('helpdesk.saved'));
      await refresh();
    },
  });
  // Only the moves the server allows from here, and the status it has now.
  const statuses: IncidentStatus[] = [i.status, ...TRANSITIONS[i.status]];
  return (
    <Card withBorder data-testid="incident-controls">
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
          <Select
            label={t('helpdesk.status')}
            allowDeselect={false}
            disabled={change.isPending || statuses.length === 1}
            data={statuses.map((s) => ({ value: s, label: labels.status[s] }))}
            value={i.status}
            onChange={(v) => v && v !== i.status && change.mutate({ status: v as IncidentStatus })}
          />
          <Select
            label={t('helpdesk.priority')}
            allowDeselect={false}
            disabled={change.isPending}
            data={PRIORITIES.map((p) => ({ value: p, label: labels.priority[p] }))}
            value={i.priority}
            onChange={(v) => v && v !== i.priority && change.mutate({ priority: v as IncidentPriority })}
          />
          <Select
            label={t('helpdesk.category')}
            allowDeselect={false}
            disabled={change.isPending}
            data={CATEGORIES.map((c) => ({ value: c, label: labels.category[c] }))}
            value={i.category}
            onChange={(v) => v && v !== i.category && change.mutate({ category: v as IncidentCategory })}
          />
          <AssigneeSelect
            incident={i}
            disabled={change.isPending}
            onChange={(assigneeId) => change.mutate({ assigneeId })}
          />
        </SimpleGrid>
        {change.error && (
          <Alert color="red" role="alert" data-testid="incident-change-error">
            {failureOf(change.error).message}
          </Alert>
        )}
        <Group gap="lg">
          <SlaClock incident={i} now={now} />
          <Text size="sm">
            {t('helpdesk.reportedBy', {
              name: i.reporter.name,
              email: i.reporter.email,
              date: formatInstant(i.createdAt, i18n.language),
            })}
          </Text>
          {i.external && (
            <Badge variant="outline" color="gray.7">
              Zammad #{i.external.ticketNumber}
            </Badge>
          )}
        </Group>
      </Stack>
    </Card>
  );
}

/** The agent's view of one incident: its settings, the whole thread (notes too) and the reply box. */
export function IncidentPage() {
  const { t } = useTranslation();
  const { id } = useParams();
  const incident = useIncident(id);
  const i = incident.data;
  return (
    <Stack>
      <Group>
        <Button component={Link} to="/helpdesk" variant="default" size="xs">
          {t('helpdesk.backToQueue')}
        </Button>
      </Group>
      {incident.isPending && <Loader />}
      {incident.isError && <Alert color="red">{failureOf(incident.error).message}</Alert>}
      {i && (
        <>
          <Title order={2} style={{ overflowWrap: 'anywhere' }}>
            {i.number} · {i.subject}
          </Title>
          <IncidentControls incident={i} />
          <Grid>
            <Grid.Col span={{ base: 12, md: 7 }}>
              <Thread incident={i} />
            </Grid.Col>
            <Grid.Col span={{ base: 12, md: 5 }}>
              <Card withBorder>
                {i.status === 'closed' ? (
                  <Text c="dimmed">{t('helpdesk.closedAgent')}</Text>
                ) : (
                  <ReplyBox incidentId={i.id} allowNotes />
                )}
              </Card>
            </Grid.Col>
          </Grid>
        </>
      )}
    </Stack>
  );
}
