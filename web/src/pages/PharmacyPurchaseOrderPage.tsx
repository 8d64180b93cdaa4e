import {
  Alert,
  Badge,
  Button,
  Card,
  Group,
  Loader,
  Modal,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useParams } from 'react-router';
import { ConfirmModal } from '../components/ConfirmModal';
import { formatDate, formatInstant, formatMoney } from '../format';
import { notify } from '../notify';
import { cancelPurchaseOrder, confirmPurchaseOrder } from '../pharmacy/api';
import { PO_STATUS_COLOR, usePurchaseOrderStatusLabels } from '../pharmacy/labels';
import { failureOf } from '../pharmacy/problems';
import { formatQuantity } from '../pharmacy/quantity';
import { usePurchaseOrder, useRefreshPharmacy } from '../pharmacy/queries';
import { ReceiveOrderForm } from '../pharmacy/ReceiveOrderForm';
import type { PurchaseOrder } from '../pharmacy/types';

function CancelModal({ order, onClose }: { order: PurchaseOrder; onClose: () => void }) {
  const { t } = useTranslation();
  const refresh = useRefreshPharmacy();
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await cancelPurchaseOrder(order.id, reason.trim());
      notify(t('purchaseOrders.cancelled', { number: order.number }));
      await refresh();
      onClose();
    } catch (err) {
      const failure = failureOf(err);
      setErrors(failure.fields);
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  }
  return (
    <Modal
      opened
      onClose={onClose}
      title={t('purchaseOrders.cancelTitle', { number: order.number })}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <form onSubmit={submit} noValidate>
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <TextInput
            label={t('purchaseOrders.cancelReason')}
            required
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            error={errors.reason}
          />
          <Group>
            <Button type="submit" color="red.9" loading={busy}>
              {t('purchaseOrders.cancel')}
            </Button>
            <Button variant="default" onClick={onClose}>
              {t('common.back')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** One purchase order: its lines and totals, and the next step its status allows. */
export function PharmacyPurchaseOrderPage() {
  const { id } = useParams();
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const labels = usePurchaseOrderStatusLabels();
  const refresh = useRefreshPharmacy();
  const query = usePurchaseOrder(id);
  const [confirming, setConfirming] = useState(false);
  const [cancelling, setCancelling] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const o = query.data;
  if (query.isPending) return <Loader />;
  if (query.isError) return <Alert color="red">{query.error.message}</Alert>;
  if (!o) return null;
  const nothingReceived = o.lines.every((l) => /^0(\.0+)?$/.test(l.received));
  const cancellable = o.status === 'draft' || (o.status === 'confirmed' && nothingReceived);

  async function confirm() {
    if (!o) return;
    setBusy(true);
    setError(null);
    try {
      await confirmPurchaseOrder(o.id);
      notify(t('purchaseOrders.confirmed', { number: o.number }));
      await refresh();
    } catch (err) {
      setError(failureOf(err).message);
    } finally {
      setBusy(false);
      setConfirming(false);
    }
  }

  const facts: [string, ReactNode][] = [
    [t('purchaseOrders.vendor'), o.vendorName],
    [t('purchaseOrders.expectedOn'), o.expectedOn ? formatDate(o.expectedOn, lang) : '—'],
    [t('purchaseOrders.createdAt'), formatInstant(o.createdAt, lang)],
    ...(o.confirmedAt
      ? ([[t('purchaseOrders.confirmedAt'), formatInstant(o.confirmedAt, lang)]] as [string, ReactNode][])
      : []),
    ...(o.receivedAt
      ? ([[t('purchaseOrders.receivedAt'), formatInstant(o.receivedAt, lang)]] as [string, ReactNode][])
      : []),
    ...(o.cancelledAt
      ? ([
          [t('purchaseOrders.cancelledAt'), formatInstant(o.cancelledAt, lang)],
          [t('purchaseOrders.cancelReason'), o.cancelReason ?? '—'],
        ] as [string, ReactNode][])
      : []),
  ];
  return (
    <Stack>
      <Group justify="space-between">
        <Group gap="xs">
          <Title order={2}>{t('purchaseOrders.titleNumber', { number: o.number })}</Title>
          <Badge color={PO_STATUS_COLOR[o.status]} data-testid="order-status">
            {labels[o.status]}
          </Badge>
        </Group>
        <Button variant="default" component={Link} to="/pharmacy/purchase-orders">
          {t('purchaseOrders.backToList')}
        </Button>
      </Group>
      {error && (
        <Alert color="red" role="alert">
          {error}
        </Alert>
      )}
      <Card withBorder padding="sm">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="xs">
          {facts.map(([label, value]) => (
            <div key={label}>
              <Text size="xs">{label}</Text>
              <Text size="sm" fw={500}>
                {value}
              </Text>
            </div>
          ))}
        </SimpleGrid>
        {o.notes && (
          <Text size="sm" mt="xs" style={{ whiteSpace: 'pre-wrap' }}>
            {o.notes}
          </Text>
        )}
      </Card>
      <Table.ScrollContainer
        minWidth={720}
        scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('purchaseOrders.lines') } }}
      >
        <Table striped data-testid="order-lines">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>#</Table.Th>
              <Table.Th>{t('pharmacy.product')}</Table.Th>
              <Table.Th ta="right">{t('pharmacyDashboard.quantity')}</Table.Th>
              <Table.Th ta="right">{t('purchaseOrders.received')}</Table.Th>
              <Table.Th ta="right">{t('purchaseOrders.unitCost')}</Table.Th>
              <Table.Th ta="right">{t('products.taxRate')}</Table.Th>
              <Table.Th ta="right">{t('purchaseOrders.total')}</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {o.lines.map((l) => (
              <Table.Tr key={l.lineNo} data-line={l.lineNo}>
                <Table.Td>{l.lineNo}</Table.Td>
                <Table.Td>{l.productName}</Table.Td>
                <Table.Td ta="right">
                  {formatQuantity(l.quantity, lang)} {l.unit}
                </Table.Td>
                <Table.Td ta="right">{formatQuantity(l.received, lang)}</Table.Td>
                <Table.Td ta="right">{formatQuantity(l.unitCost, lang)}</Table.Td>
                <Table.Td ta="right">{formatQuantity(l.taxRate, lang)} %</Table.Td>
                <Table.Td ta="right">{formatMoney(l.total, lang)}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
          <Table.Tfoot>
            <Table.Tr>
              <Table.Th colSpan={6} ta="right">
                {t('purchaseOrders.subtotal')}
              </Table.Th>
              <Table.Td ta="right">{formatMoney(o.subtotal, lang)}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th colSpan={6} ta="right">
                {t('purchaseOrders.taxTotal')}
              </Table.Th>
              <Table.Td ta="right">{formatMoney(o.taxTotal, lang)}</Table.Td>
            </Table.Tr>
            <Table.Tr>
              <Table.Th colSpan={6} ta="right">
                {t('purchaseOrders.total')}
              </Table.Th>
              <Table.Td ta="right" fw={700} data-testid="order-total">
                {formatMoney(o.total, lang)}
              </Table.Td>
            </Table.Tr>
          </Table.Tfoot>
        </Table>
      </Table.ScrollContainer>
      <Group>
        {o.status === 'draft' && <Button onClick={() => setConfirming(true)}>{t('purchaseOrders.confirm')}</Button>}
        {cancellable && (
          <Button variant="default" color="red.9" onClick={() => setCancelling(true)}>
            {t('purchaseOrders.cancel')}
          </Button>
        )}
      </Group>
      {o.status === 'confirmed' && <ReceiveOrderForm key={o.lines.map((l) => l.received).join()} order={o} />}
      {confirming && (
        <ConfirmModal
          title={t('purchaseOrders.confirmTitle', { number: o.number })}
          confirmLabel={t('purchaseOrders.confirm')}
          busy={busy}
          onConfirm={confirm}
          onClose={() => setConfirming(false)}
        >
          {t('purchaseOrders.confirmWarning', { vendor: o.vendorName })}
        </ConfirmModal>
      )}
      {cancelling && <CancelModal order={o} onClose={() => setCancelling(false)} />}
    </Stack>
  );
}
