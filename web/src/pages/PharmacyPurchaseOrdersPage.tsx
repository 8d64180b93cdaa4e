import { Alert, Anchor, Badge, Button, Group, Loader, Select, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link } from 'react-router';
import { LoadMore } from '../components/LoadMore';
import { formatDate, formatInstant, formatMoney } from '../format';
import { PO_STATUS_COLOR, usePurchaseOrderStatusLabels } from '../pharmacy/labels';
import { usePurchaseOrders } from '../pharmacy/queries';
import { PO_STATUSES, type PurchaseOrderStatus } from '../pharmacy/types';

/** Purchase orders, most recent first, by status: drafts to confirm, confirmed ones to receive. */
export function PharmacyPurchaseOrdersPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const labels = usePurchaseOrderStatusLabels();
  const [status, setStatus] = useState<PurchaseOrderStatus | null>(null);
  const list = usePurchaseOrders({ status: status ?? undefined });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('purchaseOrders.title')}</Title>
        <Button component={Link} to="/pharmacy/purchase-orders/new">
          {t('purchaseOrders.new')}
        </Button>
      </Group>
      <Select
        label={t('purchaseOrders.status')}
        clearable
        placeholder={t('pharmacy.any')}
        data={PO_STATUSES.map((s) => ({ value: s, label: labels[s] }))}
        value={status}
        onChange={(v) => setStatus(v as PurchaseOrderStatus | null)}
        maw={320}
      />
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('purchaseOrders.none')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer
          minWidth={720}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('purchaseOrders.title') } }}
        >
          <Table striped data-testid="purchase-order-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('purchaseOrders.number')}</Table.Th>
                <Table.Th>{t('purchaseOrders.vendor')}</Table.Th>
                <Table.Th>{t('purchaseOrders.status')}</Table.Th>
                <Table.Th>{t('purchaseOrders.createdAt')}</Table.Th>
                <Table.Th>{t('purchaseOrders.expectedOn')}</Table.Th>
                <Table.Th ta="right">{t('purchaseOrders.total')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((o) => (
                <Table.Tr key={o.id} data-order={o.number}>
                  <Table.Td>
                    <Anchor component={Link} to={`/pharmacy/purchase-orders/${o.id}`} size="sm">
                      {o.number}
                    </Anchor>
                  </Table.Td>
                  <Table.Td>{o.vendorName}</Table.Td>
                  <Table.Td>
                    <Badge color={PO_STATUS_COLOR[o.status]}>{labels[o.status]}</Badge>
                  </Table.Td>
                  <Table.Td>{formatInstant(o.createdAt, lang)}</Table.Td>
                  <Table.Td>{o.expectedOn ? formatDate(o.expectedOn, lang) : '—'}</Table.Td>
                  <Table.Td ta="right">{formatMoney(o.total, lang)}</Table.Td>
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
