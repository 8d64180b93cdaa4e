import { Alert, Badge, Button, Group, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useInfiniteQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { type InvoiceStatus, listInvoices } from '../billing/api';
import { STATUS_COLOR, useInvoiceLabels } from '../billing/labels';
import { NewInvoiceForm } from '../billing/NewInvoiceForm';
import { LoadMore } from '../components/LoadMore';
import { formatDate, formatMoney } from '../format';

const STATUSES: InvoiceStatus[] = ['draft', 'unpaid', 'partially_paid', 'paid', 'void'];

/** The invoices of every patient, newest first, by status; and starting a new one. */
export function InvoicesPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const labels = useInvoiceLabels();
  const navigate = useNavigate();
  const [status, setStatus] = useState<InvoiceStatus | null>(null);
  const [creating, setCreating] = useState(false);
  const list = useInfiniteQuery({
    queryKey: ['invoices', 'list', status],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => listInvoices({ status: status ?? undefined, cursor: pageParam }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('billing.title')}</Title>
        {!creating && <Button onClick={() => setCreating(true)}>{t('billing.newInvoice')}</Button>}
      </Group>
      {creating && (
        <NewInvoiceForm
          onCreated={(invoice) => navigate(`/invoices/${invoice.id}`)}
          onCancel={() => setCreating(false)}
        />
      )}
      <Select
        label={t('billing.filterStatus')}
        placeholder={t('billing.allStatuses')}
        data={STATUSES.map((s) => ({ value: s, label: labels.status[s] }))}
        value={status}
        onChange={(v) => setStatus(v as InvoiceStatus | null)}
        clearable
        maw={260}
      />
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('billing.none')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer minWidth={320}>
          <Table highlightOnHover data-testid="invoice-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('billing.number')}</Table.Th>
                <Table.Th>{t('billing.patient')}</Table.Th>
                <Table.Th visibleFrom="sm">{t('billing.issuedOn')}</Table.Th>
                <Table.Th ta="right">{t('billing.total')}</Table.Th>
                <Table.Th>{t('billing.statusLabel')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((i) => (
                <Table.Tr key={i.id} data-invoice={i.id}>
                  <Table.Td>
                    <Link to={`/invoices/${i.id}`}>{i.number ?? t('billing.draftTitle')}</Link>
                  </Table.Td>
                  <Table.Td>
                    {i.patientName} ({i.patientNumber})
                  </Table.Td>
                  <Table.Td visibleFrom="sm">{i.issuedOn ? formatDate(i.issuedOn, lang) : ''}</Table.Td>
                  <Table.Td ta="right">{formatMoney(i.total, lang)}</Table.Td>
                  <Table.Td>
                    <Badge color={STATUS_COLOR[i.status]} autoContrast>
                      {labels.status[i.status]}
                    </Badge>
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
