import { Badge, Group, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { useTranslation } from 'react-i18next';
import { formatDate, formatInstant, formatMoney } from '../format';
import type { Invoice } from './api';
import { formatQuantity, formatRate, STATUS_COLOR, useInvoiceLabels } from './labels';

/** An invoice as printed: its lines, the tax breakdown per rate, the totals and the payments. */
export function InvoiceView({ invoice }: { invoice: Invoice }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const labels = useInvoiceLabels();
  const money = (amount: string) => formatMoney(amount, lang);
  return (
    <Stack data-testid="invoice">
      <Group justify="space-between" wrap="wrap">
        <Title order={3}>{invoice.number ?? t('billing.draftTitle')}</Title>
        <Badge color={STATUS_COLOR[invoice.status]} autoContrast size="lg" data-testid="invoice-status">
          {labels.status[invoice.status]}
        </Badge>
      </Group>
      <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="xs">
        <Text size="sm">
          {t('billing.patient')}: <strong>{invoice.patientName}</strong> ({invoice.patientNumber})
        </Text>
        {invoice.issuedOn && (
          <Text size="sm">
            {t('billing.issuedOn')}: {formatDate(invoice.issuedOn, lang)}
          </Text>
        )}
        <Text size="sm">
          {t('billing.createdAt')}: {formatInstant(invoice.createdAt, lang)}
        </Text>
      </SimpleGrid>
      {invoice.status === 'void' && (
        <Text c="red.9" fw={700}>
          {t('billing.voidedBecause', { reason: invoice.voidReason ?? '' })}
        </Text>
      )}
      <Table.ScrollContainer minWidth={560}>
        <Table data-testid="invoice-lines">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('billing.line.description')}</Table.Th>
              <Table.Th ta="right">{t('billing.line.quantity')}</Table.Th>
              <Table.Th ta="right">{t('billing.line.unitPrice')}</Table.Th>
              <Table.Th ta="right">{t('billing.line.taxRate')}</Table.Th>
              <Table.Th ta="right">{t('billing.line.subtotal')}</Table.Th>
              <Table.Th ta="right">{t('billing.line.total')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invoice.lines.map((l) => (
              <Table.Tr key={l.lineNo}>
                <Table.Td>
                  <Text size="sm">{l.description}</Text>
                  <Text size="xs" c="dimmed">
                    {labels.kind[l.kind]}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">{formatQuantity(l.quantity, lang)}</Table.Td>
                <Table.Td ta="right">{money(l.unitPrice)}</Table.Td>
                <Table.Td ta="right">{formatRate(l.taxRate, lang)}</Table.Td>
                <Table.Td ta="right">{money(l.subtotal)}</Table.Td>
                <Table.Td ta="right">{money(l.total)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
      <SimpleGrid cols={{ base: 1, sm: 2 }} style={{ alignItems: 'start' }}>
        <Table data-testid="invoice-taxes" aria-label={t('billing.taxBreakdown')}>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>{t('billing.taxRate')}</Table.Th>
              <Table.Th ta="right">{t('billing.taxBase')}</Table.Th>
              <Table.Th ta="right">{t('billing.tax')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {invoice.taxLines.map((x) => (
              <Table.Tr key={x.rate}>
                <Table.Td>{formatRate(x.rate, lang)}</Table.Td>
                <Table.Td ta="right">{money(x.base)}</Table.Td>
                <Table.Td ta="right">{money(x.tax)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
        <Table data-testid="invoice-totals" aria-label={t('billing.totals')}>
          <Table.Tbody>
            <Table.Tr>
              <Table.Th>{t('billing.subtotal')}</Table.Th>
              <Table.Td ta="right">{money(invoice.subtotal)}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('billing.taxTotal')}</Table.Th>
              <Table.Td ta="right">{money(invoice.taxTotal)}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('billing.total')}</Table.Th>
              <Table.Td ta="right" fw={700} data-testid="invoice-total">
                {money(invoice.total)}
              </Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('billing.paid')}</Table.Th>
              <Table.Td ta="right">{money(invoice.paid)}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th>{t('billing.due')}</Table.Th>
              <Table.Td ta="right" data-testid="invoice-due">
                {money(invoice.due)}
              </Table.Td>
            </Table.Tr>
          </Table.Tbody>
        </Table>
      </SimpleGrid>
      {invoice.payments.length > 0 && (
        <Stack gap={4}>
          <Title order={4}>{t('billing.payments')}</Title>
          <Table data-testid="invoice-payments">
            <Table.Tbody>
              {invoice.payments.map((p) => (
                <Table.Tr key={p.id}>
                  <Table.Td>{formatDate(p.paidOn, lang)}</Table.Td>
                  <Table.Td>{labels.method[p.method]}</Table.Td>
                  <Table.Td>{p.reference ?? ''}</Table.Td>
                  <Table.Td ta="right">{money(p.amount)}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
      {invoice.notes && (
        <Text size="sm">
          {t('billing.notes')}: {invoice.notes}
        </Text>
      )}
    </Stack>
  );
}
