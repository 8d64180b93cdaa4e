import { Alert, Button, Card, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notify } from '../notify';
import { receivePurchaseOrder } from './api';
import { failureOf } from './problems';
import { decimalInput, formatQuantity, remainingQuantity } from './quantity';
import { useRefreshPharmacy } from './queries';
import type { PurchaseOrder } from './types';

interface Entry {
  lotNumber: string;
  expiresOn: string;
  quantity: string;
}

/**
 * Goods of a confirmed order arriving: per open line, the lot, its expiry and how much came
 * (all that is outstanding by default; a line left without a quantity is not received now).
 */
export function ReceiveOrderForm({ order }: { order: PurchaseOrder }) {
  const { t, i18n } = useTranslation();
  const refresh = useRefreshPharmacy();
  const open = order.lines.filter((l) => remainingQuantity(l.quantity, l.received) !== '0');
  const [entries, setEntries] = useState<Record<number, Entry>>(() =>
    Object.fromEntries(
      open.map((l) => [
        l.lineNo,
        { lotNumber: '', expiresOn: '', quantity: remainingQuantity(l.quantity, l.received) },
      ]),
    ),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const change = (lineNo: number, patch: Partial<Entry>) =>
    setEntries((e) => ({ ...e, [lineNo]: { ...(e[lineNo] as Entry), ...patch } }));
  const sent = open.filter((l) => entries[l.lineNo]?.quantity.trim());

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      await receivePurchaseOrder(order.id, {
        lines: sent.map((l) => {
          const entry = entries[l.lineNo] as Entry;
          return {
            lineNo: l.lineNo,
            lotNumber: entry.lotNumber.trim(),
            expiresOn: entry.expiresOn,
            quantity: decimalInput(entry.quantity),
          };
        }),
      });
      notify(t('purchaseOrders.receivedDone', { number: order.number }));
      await refresh();
    } catch (err) {
      const failure = failureOf(err);
      // The server names lines by their place in what was sent: back to the order's line numbers.
      const fields: Record<string, string> = {};
      for (const [path, message] of Object.entries(failure.fields)) {
        const m = path.match(/^lines\.(\d+)\.(\w+)$/);
        const line = m ? sent[Number(m[1])] : undefined;
        fields[line && m ? `${line.lineNo}.${m[2]}` : path] = message;
      }
      setErrors(fields);
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  }

  if (open.length === 0) return null;
  return (
    <Card withBorder component="section" aria-label={t('purchaseOrders.receive')}>
      <Title order={3} size="h4" mb="xs">
        {t('purchaseOrders.receive')}
      </Title>
      <form onSubmit={submit} noValidate data-testid="receive-order-form">
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          {open.map((l) => {
            const entry = entries[l.lineNo] as Entry;
            return (
              <Card key={l.lineNo} withBorder padding="sm" data-line={l.lineNo}>
                <Text size="sm" fw={500} mb="xs">
                  {l.lineNo}. {l.productName} ·{' '}
                  {t('purchaseOrders.outstanding', {
                    quantity: formatQuantity(remainingQuantity(l.quantity, l.received), i18n.language),
                    unit: l.unit,
                  })}
                </Text>
                <SimpleGrid cols={{ base: 1, sm: 3 }}>
                  <TextInput
                    label={t('pharmacy.lotNumber')}
                    value={entry.lotNumber}
                    onChange={(e) => change(l.lineNo, { lotNumber: e.currentTarget.value })}
                    error={errors[`${l.lineNo}.lotNumber`]}
                  />
                  <TextInput
                    label={t('pharmacy.expiresOn')}
                    type="date"
                    value={entry.expiresOn}
                    onChange={(e) => change(l.lineNo, { expiresOn: e.currentTarget.value })}
                    error={errors[`${l.lineNo}.expiresOn`]}
                  />
                  <TextInput
                    label={t('pharmacyDashboard.quantity')}
                    inputMode="decimal"
                    value={entry.quantity}
                    onChange={(e) => change(l.lineNo, { quantity: e.currentTarget.value })}
                    error={errors[`${l.lineNo}.quantity`]}
                  />
                </SimpleGrid>
              </Card>
            );
          })}
          <div>
            <Button type="submit" loading={busy} disabled={sent.length === 0}>
              {t('purchaseOrders.receiveSubmit')}
            </Button>
          </div>
        </Stack>
      </form>
    </Card>
  );
}
