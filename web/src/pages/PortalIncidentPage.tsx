import { Alert, Badge, Button, Card, Group, Loader, Stack, Text, Title } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { failureOf } from '../clinical/problems';
import { formatInstant } from '../format';
import { updateIncident } from '../helpdesk/api';
import { STATUS_COLOR, useIncidentLabels } from '../helpdesk/labels';
import { useIncident, useRefreshIncidents } from '../helpdesk/queries';
import { ReplyBox } from '../helpdesk/ReplyBox';
import { Thread } from '../helpdesk/Thread';
import type { IncidentStatus } from '../helpdesk/types';

/** One of the patient's incidents: the public conversation, a reply, and closing or reopening it once resolved. */
export function PortalIncidentPage() {
  const { t, i18n } = useTranslation();
  const { id } = useParams();
  const labels = useIncidentLabels();
  const incident = useIncident(id);
  const refresh = useRefreshIncidents();
  const change = useMutation({
    mutationFn: (status: IncidentStatus) => updateIncident(id ?? '', { status }),
    onSuccess: () => refresh(),
  });
  const i = incident.data;
  return (
    <Stack maw={900}>
      <Group>
        <Button component={Link} to="/portal/incidents" variant="default" size="xs">
          {t('helpdesk.backToMine')}
        </Button>
      </Group>
      {incident.isPending && <Loader />}
      {incident.isError && <Alert color="red">{failureOf(incident.error).message}</Alert>}
      {i && (
        <>
          <Stack gap={4}>
            <Title order={2} style={{ overflowWrap: 'anywhere' }}>
              {i.number} · {i.subject}
            </Title>
            <Group gap="xs">
              <Badge color={STATUS_COLOR[i.status]} autoContrast data-testid="incident-status">
                {labels.status[i.status]}
              </Badge>
              <Text size="sm">
                {labels.category[i.category]} ·{' '}
                {t('helpdesk.updatedAt', { date: formatInstant(i.updatedAt, i18n.language) })}
              </Text>
            </Group>
          </Stack>
          <Thread incident={i} />
          {i.status === 'resolved' && (
            <Card withBorder>
              <Stack gap="xs">
                <Text size="sm">{t('helpdesk.resolvedHelp')}</Text>
                <Group>
                  <Button size="xs" loading={change.isPending} onClick={() => change.mutate('closed')}>
                    {t('helpdesk.closeIt')}
                  </Button>
                  <Button size="xs" variant="default" loading={change.isPending} onClick={() => change.mutate('open')}>
                    {t('helpdesk.reopen')}
                  </Button>
                </Group>
                {change.error && (
                  <Alert color="red" role="alert">
                    {failureOf(change.error).message}
                  </Alert>
                )}
              </Stack>
            </Card>
          )}
          {i.status === 'closed' ? (
            <Text c="dimmed">{t('helpdesk.closedHelp')}</Text>
          ) : (
            <Card withBorder>
              <ReplyBox incidentId={i.id} allowNotes={false} />
            </Card>
          )}
        </>
      )}
    </Stack>
  );
}
