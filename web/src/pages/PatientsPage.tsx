import { Alert, Button, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { api, unwrap } from '../api/client';
import { hasRole, useSession } from '../auth/useSession';
import { LoadMore } from '../components/LoadMore';
import { formatDate } from '../format';
import { ACCESS } from '../nav';

export function PatientsPage() {
  const { t, i18n } = useTranslation();
  const navigate = useNavigate();
  const session = useSession();
  const [q, setQ] = useState('');
  // Short enough that results follow typing, long enough not to query on every keystroke.
  const [query] = useDebouncedValue(q.trim(), 150);
  const list = useInfiniteQuery({
    queryKey: ['patients', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      unwrap(
        api.GET('/api/v1/patients', {
          params: { query: { ...(query ? { q: query } : {}), ...(pageParam ? { cursor: pageParam } : {}), limit: 20 } },
        }),
      ),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    placeholderData: keepPreviousData,
  });
  const patients = list.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('patients.title')}</Title>
        {hasRole(session?.user.roles, ACCESS.registerPatient) && (
          <Button component={Link} to="/patients/new">
            {t('patients.new')}
          </Button>
        )}
      </Group>
      <TextInput
        label={t('patients.search')}
        placeholder={t('patients.searchPlaceholder')}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        rightSection={list.isFetching ? <Loader size="xs" /> : null}
      />
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && patients.length === 0 && <Text c="dimmed">{t('patients.none')}</Text>}
      {patients.length > 0 && (
        <Table.ScrollContainer minWidth={320}>
          <Table highlightOnHover data-testid="patient-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('patient.number')}</Table.Th>
                <Table.Th>{t('patient.name')}</Table.Th>
                <Table.Th visibleFrom="sm">{t('patient.documentNumber')}</Table.Th>
                <Table.Th visibleFrom="sm">{t('patient.birthDate')}</Table.Th>
                <Table.Th visibleFrom="md">{t('patient.phone')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {patients.map((p) => (
                <Table.Tr key={p.id} style={{ cursor: 'pointer' }} onClick={() => navigate(`/patients/${p.id}`)}>
                  <Table.Td>
                    <Link to={`/patients/${p.id}`}>{p.patientNumber}</Link>
                  </Table.Td>
                  <Table.Td>
                    {p.lastName}, {p.firstName}
                  </Table.Td>
                  <Table.Td visibleFrom="sm">{p.documentNumber}</Table.Td>
                  <Table.Td visibleFrom="sm">{formatDate(p.birthDate, i18n.language)}</Table.Td>
                  <Table.Td visibleFrom="md">{p.phone ?? ''}</Table.Td>
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
