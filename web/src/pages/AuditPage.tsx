import {
  Alert,
  Badge,
  Button,
  Code,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { AuditQuery } from '../api/types';
import { LoadMore } from '../components/LoadMore';
import { formatInstant } from '../format';

interface Filters {
  action: string;
  outcome: string;
  userId: string;
  patientId: string;
  from: string;
  to: string;
}

const NONE: Filters = { action: '', outcome: '', userId: '', patientId: '', from: '', to: '' };

/** datetime-local values are local time; the API takes ISO-8601 instants. */
const instant = (local: string) => (local ? new Date(local).toISOString() : undefined);

function toQuery(f: Filters): Omit<AuditQuery, 'limit'> {
  return {
    ...(f.action.trim() ? { action: f.action.trim() } : {}),
    ...(f.outcome ? { outcome: f.outcome as AuditQuery['outcome'] } : {}),
    ...(f.userId.trim() ? { userId: f.userId.trim() } : {}),
    ...(f.patientId.trim() ? { patientId: f.patientId.trim() } : {}),
    ...(f.from ? { from: instant(f.from) } : {}),
    ...(f.to ? { to: instant(f.to) } : {}),
  };
}

export function AuditPage() {
  const { t, i18n } = useTranslation();
  const [draft, setDraft] = useState<Filters>(NONE);
  const [filters, setFilters] = useState<Filters>(NONE);
  const list = useInfiniteQuery({
    queryKey: ['audit', filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/audit-events', {
          params: { query: { ...toQuery(filters), ...(pageParam ? { cursor: pageParam } : {}), limit: 50 } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
  const events = list.data?.pages.flatMap((p) => p.items) ?? [];
  const input = (name: keyof Filters) => ({
    value: draft[name],
    onChange: (e: { currentTarget: { value: string } }) => {
      const value = e.currentTarget.value;
      setDraft((d) => ({ ...d, [name]: value }));
    },
  });
  const apply = (e: FormEvent) => {
    e.preventDefault();
    setFilters(draft);
  };
  const outcomeColor = { success: 'teal.9', denied: 'grape.9', failure: 'red.9' } as const;
  return (
    <Stack>
      <Title order={2}>{t('audit.title')}</Title>
      <form onSubmit={apply}>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label={t('audit.action')} placeholder="patient.*" {...input('action')} />
          <Select
            label={t('audit.outcome')}
            clearable
            value={draft.outcome || null}
            onChange={(v) => setDraft((d) => ({ ...d, outcome: v ?? '' }))}
            data={[
              { value: 'success', label: t('outcome.success') },
              { value: 'denied', label: t('outcome.denied') },
              { value: 'failure', label: t('outcome.failure') },
            ]}
          />
          <TextInput label={t('audit.userId')} {...input('userId')} />
          <TextInput label={t('audit.patientId')} {...input('patientId')} />
          <TextInput label={t('audit.from')} type="datetime-local" {...input('from')} />
          <TextInput label={t('audit.to')} type="datetime-local" {...input('to')} />
        </SimpleGrid>
        <Group mt="sm">
          <Button type="submit">{t('audit.apply')}</Button>
          <Button
            variant="default"
            onClick={() => {
              setDraft(NONE);
              setFilters(NONE);
            }}
          >
            {t('audit.clear')}
          </Button>
        </Group>
      </form>
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && events.length === 0 && <Text c="dimmed">{t('audit.none')}</Text>}
      {events.length > 0 && (
        <Table.ScrollContainer minWidth={600}>
          <Table striped data-testid="audit-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('audit.when')}</Table.Th>
                <Table.Th>{t('audit.who')}</Table.Th>
                <Table.Th>{t('audit.action')}</Table.Th>
                <Table.Th>{t('audit.resource')}</Table.Th>
                <Table.Th>{t('audit.outcome')}</Table.Th>
                <Table.Th>{t('audit.from_ip')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.map((e) => (
                <Table.Tr key={e.id}>
                  <Table.Td>
                    <Text size="xs">{formatInstant(e.occurredAt, i18n.language)}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{e.actorEmail ?? t('audit.system')}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Code>{e.action}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{[e.resourceType, e.resourceId].filter(Boolean).join(' ')}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={outcomeColor[e.outcome]}>{t(`outcome.${e.outcome}`)}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="xs">{e.ip ?? ''}</Text>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={list} />
    </Stack>
  );
}
