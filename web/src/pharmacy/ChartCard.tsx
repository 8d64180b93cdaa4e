import { Card, Table, Text, Title } from '@mantine/core';
import { type ReactNode, useId } from 'react';
import { useTranslation } from 'react-i18next';

/**
 * A chart with its title and summary, and the same figures as a table for whoever cannot see
 * the chart (screen readers, or a reader who wants the exact numbers).
 */
export function ChartCard({
  title,
  summary,
  chart,
  columns,
  rows,
  testId,
}: {
  title: string;
  /** One sentence saying what the chart shows: the chart's accessible description. */
  summary: string;
  chart: ReactNode;
  columns: [string, string];
  rows: [string, string][];
  testId: string;
}) {
  const { t } = useTranslation();
  const titleId = useId();
  return (
    <Card withBorder component="figure" m={0} aria-labelledby={titleId} data-testid={testId}>
      <Title order={3} size="h4" id={titleId}>
        {title}
      </Title>
      <Text size="sm" c="dimmed" mb="sm">
        {summary}
      </Text>
      {chart}
      <details>
        <summary>
          <Text span size="sm">
            {t('pharmacyDashboard.showTable')}
          </Text>
        </summary>
        <Table.ScrollContainer minWidth={280}>
          <Table striped>
            <Table.Caption>{title}</Table.Caption>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{columns[0]}</Table.Th>
                <Table.Th ta="right">{columns[1]}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {rows.map(([label, value]) => (
                <Table.Tr key={label}>
                  <Table.Td>{label}</Table.Td>
                  <Table.Td ta="right">{value}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </details>
    </Card>
  );
}
