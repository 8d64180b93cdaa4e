import { Alert, Badge, Button, Group, Loader, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { usePractitioners } from '../scheduling/queries';

/** The clinic's practitioners (administrators): each opens to its details, working hours and absences. */
export function PractitionersPage() {
  const { t } = useTranslation();
  const list = usePractitioners(true);
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('practitioners.title')}</Title>
        <Button component={Link} to="/admin/practitioners/new">
          {t('practitioners.new')}
        </Button>
      </Group>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.data?.length === 0 && <Text c="dimmed">{t('practitioners.none')}</Text>}
      {!!list.data?.length && (
        <Table.ScrollContainer
          minWidth={560}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('practitioners.title') } }}
        >
          <Table striped highlightOnHover data-testid="practitioner-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('practitioners.name')}</Table.Th>
                <Table.Th>{t('practitioners.specialty')}</Table.Th>
                <Table.Th>{t('practitioners.email')}</Table.Th>
                <Table.Th>{t('treatments.status')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {list.data.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>
                    <Link to={`/admin/practitioners/${p.id}`}>{p.name}</Link>
                    {p.isDentist && (
                      <Badge ml="xs" variant="outline" color="blue.8">
                        {t('practitioners.dentistShort')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td>{p.specialty ?? ''}</Table.Td>
                  <Table.Td>{p.email ?? ''}</Table.Td>
                  <Table.Td>
                    <Badge color={p.active ? 'teal.9' : 'gray.7'}>
                      {p.active ? t('practitioners.active') : t('practitioners.inactive')}
                    </Badge>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
    </Stack>
  );
}
