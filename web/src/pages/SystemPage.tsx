import { Alert, Badge, Card, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { IncidentSummaryCard } from '../helpdesk/IncidentSummaryCard';

export function SystemPage() {
  const { t } = useTranslation();
  const info = useQuery({ queryKey: ['info'], queryFn: () => unwrap(api.GET('/api/v1/info')) });
  return (
    <Stack>
      <Title order={2}>{t('system.title')}</Title>
      {info.isPending && <Loader />}
      {info.isError && <Alert color="red">{info.error.message}</Alert>}
      {info.data && (
        <Card withBorder data-testid="system-info">
          <Stack gap="xs">
            <Group>
              <Text fw={600}>{t('system.version')}:</Text>
              <Text>
                {info.data.name} {info.data.version}
              </Text>
            </Group>
            <Group>
              <Text fw={600}>{t('system.database')}:</Text>
              <Text>{info.data.database === 'pglite' ? t('system.embedded') : 'PostgreSQL'}</Text>
            </Group>
            <Group>
              <Text fw={600}>{t('system.timeZone')}:</Text>
              <Text>{info.data.timeZone}</Text>
            </Group>
            <Text fw={600}>{t('system.integrations')}</Text>
            <Table>
              <Table.Tbody>
                {Object.entries(info.data.integrations).map(([name, on]) => (
                  <Table.Tr key={name}>
                    <Table.Td>{name}</Table.Td>
                    <Table.Td>
                      <Badge color={on ? 'teal.9' : 'gray.7'}>{on ? t('system.enabled') : t('system.disabled')}</Badge>
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Stack>
        </Card>
      )}
      <IncidentSummaryCard />
    </Stack>
  );
}
