import { Alert, Badge, Loader, Stack, Table, Text } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../components/LoadMore';
import { formatInstant } from '../format';
import { FLAG_BADGE, useResultText } from './display';
import { useResults } from './queries';

/** A patient's results, newest first: the value against its reference range, flagged. */
export function ResultsList({ patientId }: { patientId: string }) {
  const { t, i18n } = useTranslation();
  const { list, items } = useResults(patientId);
  const text = useResultText();
  return (
    <Stack>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('results.none')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer
          minWidth={560}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('record.results') } }}
        >
          <Table striped data-testid="results-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('results.observedAt')}</Table.Th>
                <Table.Th>{t('results.testName')}</Table.Th>
                <Table.Th>{t('results.value')}</Table.Th>
                <Table.Th>{t('results.reference')}</Table.Th>
                <Table.Th>{t('results.status')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((r) => {
                const { value, reference } = text(r);
                return (
                  <Table.Tr key={r.id} data-result={r.id}>
                    <Table.Td style={{ whiteSpace: 'nowrap' }}>{formatInstant(r.observedAt, i18n.language)}</Table.Td>
                    <Table.Td>
                      {r.testName}
                      {r.testCode && (
                        <Text span size="xs" c="dimmed">
                          {' '}
                          ({r.testCode})
                        </Text>
                      )}
                    </Table.Td>
                    <Table.Td>
                      <strong>{value}</strong>{' '}
                      {r.flag && <Badge color={FLAG_BADGE[r.flag]}>{t(`resultFlag.${r.flag}`)}</Badge>}
                    </Table.Td>
                    <Table.Td>{reference}</Table.Td>
                    <Table.Td>{t(`resultStatus.${r.status}`)}</Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={list} />
    </Stack>
  );
}
