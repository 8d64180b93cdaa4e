import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { LoadMore } from '../components/LoadMore';
import { IncidentSummaryCard } from '../helpdesk/IncidentSummaryCard';
import { PRIORITY_COLOR, STATUS_COLOR, useIncidentLabels } from '../helpdesk/labels';
import { useIncidents } from '../helpdesk/queries';
import { SlaClock, useNow } from '../helpdesk/SlaClock';
import {
  CATEGORIES,
  type IncidentCategory,
  type IncidentPriority,
  type IncidentStatus,
  PRIORITIES,
  STATUSES,
} from '../helpdesk/types';

interface Filters {
  status: IncidentStatus | null;
  priority: IncidentPriority | null;
  category: IncidentCategory | null;
  assignee: 'all' | 'me' | 'unassigned';
  q: string;
}

const NONE: Filters = { status: null, priority: null, category: null, assignee: 'all', q: '' };

/** The agents' queue: the incidents whose service levels run out first come first. */
export function HelpdeskPage() {
  const { t } = useTranslation();
  const labels = useIncidentLabels();
  const now = useNow();
  const [filters, setFilters] = useState<Filters>(NONE);
  const [search, setSearch] = useState('');
  const list = useIncidents({
    status: filters.status ?? undefined,
    priority: filters.priority ?? undefined,
    category: filters.category ?? undefined,
    assignee: filters.assignee === 'all' ? undefined : filters.assignee,
    q: filters.q || undefined,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const set =
    <K extends keyof Filters>(key: K) =>
    (value: Filters[K]) =>
      setFilters((f) => ({ ...f, [key]: value }));
  const applySearch = (e: FormEvent) => {
    e.preventDefault();
    setFilters((f) => ({ ...f, q: search.trim() }));
  };
  return (
    <Stack>
      <Title order={2}>{t('nav.helpdesk')}</Title>
      <IncidentSummaryCard />
      <form onSubmit={applySearch} data-testid="queue-filters">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 5 }}>
          <Select
            label={t('helpdesk.status')}
            clearable
            placeholder={t('helpdesk.any')}
            data={STATUSES.map((s) => ({ value: s, label: labels.status[s] }))}
            value={filters.status}
            onChange={(v) => set('status')(v as IncidentStatus | null)}
          />
          <Select
            label={t('helpdesk.priority')}
            clearable
            placeholder={t('helpdesk.any')}
            data={PRIORITIES.map((p) => ({ value: p, label: labels.priority[p] }))}
            value={filters.priority}
            onChange={(v) => set('priority')(v as IncidentPriority | null)}
          />
          <Select
            label={t('helpdesk.category')}
            clearable
            placeholder={t('helpdesk.any')}
            data={CATEGORIES.map((c) => ({ value: c, label: labels.category[c] }))}
            value={filters.category}
            onChange={(v) => set('category')(v as IncidentCategory | null)}
          />
          <Select
            label={t('helpdesk.assignee')}
            allowDeselect={false}
            data={[
              { value: 'all', label: t('helpdesk.assigneeAll') },
              { value: 'me', label: t('helpdesk.assigneeMe') },
              { value: 'unassigned', label: t('helpdesk.unassigned') },
            ]}
            value={filters.assignee}
            onChange={(v) => set('assignee')((v ?? 'all') as Filters['assignee'])}
          />
          <TextInput
            label={t('helpdesk.search')}
            description={t('helpdesk.searchHelp')}
            type="search"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
          />
        </SimpleGrid>
        <Group mt="sm">
          <Button type="submit">{t('helpdesk.searchButton')}</Button>
          <Button
            variant="default"
            onClick={() => {
              setSearch('');
              setFilters(NONE);
            }}
          >
            {t('helpdesk.clearFilters')}
          </Button>
        </Group>
      </form>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('helpdesk.none')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer
          minWidth={900}
          // On a phone the table scrolls sideways: a keyboard must be able to scroll it too.
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('helpdesk.queue') } }}
        >
          <Table striped data-testid="incident-queue">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('helpdesk.number')}</Table.Th>
                <Table.Th>{t('helpdesk.subject')}</Table.Th>
                <Table.Th>{t('helpdesk.reporter')}</Table.Th>
                <Table.Th>{t('helpdesk.priority')}</Table.Th>
                <Table.Th>{t('helpdesk.status')}</Table.Th>
                <Table.Th>{t('helpdesk.assignee')}</Table.Th>
                <Table.Th>{t('helpdesk.sla.title')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((i) => (
                <Table.Tr key={i.id} data-incident={i.id}>
                  <Table.Td style={{ whiteSpace: 'nowrap' }}>
                    <Link to={`/helpdesk/${i.id}`}>{i.number}</Link>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm" style={{ overflowWrap: 'anywhere' }}>
                      {i.subject}
                    </Text>
                    <Text size="xs">{labels.category[i.category]}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{i.reporter.name}</Text>
                    <Text size="xs" style={{ overflowWrap: 'anywhere' }}>
                      {i.reporter.email}
                    </Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={PRIORITY_COLOR[i.priority]}>{labels.priority[i.priority]}</Badge>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[i.status]} autoContrast>
                      {labels.status[i.status]}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{i.assignee?.name ?? t('helpdesk.unassigned')}</Text>
                  </Table.Td>
                  <Table.Td>
                    <SlaClock incident={i} now={now} />
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
