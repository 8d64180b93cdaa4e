import { ActionIcon, Alert, Button, Card, Group, Modal, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { notify } from '../notify';
import { receiveGoods } from './api';
import { ProductPicker } from './ProductPicker';
import { failureOf } from './problems';
import { decimalInput } from './quantity';
import { useRefreshPharmacy } from './queries';

interface Line {
  key: number;
  productId: string | null;
  lotNumber: string;
  expiresOn: string;
  quantity: string;
}

let nextKey = 0;
const emptyLine = (): Line => ({ key: nextKey++, productId: null, lotNumber: '', expiresOn: '', quantity: '' });

/** Goods received outside a purchase order: each line into a lot (new or known) of a product. */
export function ReceiveForm({ onClose }: { onClose: () => void }) {
  const { t } = useTranslation();
  const refresh = useRefreshPharmacy();
  const [lines, setLines] = useState<Line[]>([emptyLine()]);
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const change = (key: number, patch: Partial<Line>) =>
    setLines((ls) => ls.map((l) => (l.key === key ? { ...l, ...patch } : l)));

  async function submit(e: FormEvent) {
    e.preventDefault();
    // A line without a product is named here: the server would only see an empty id.
    const unpicked = Object.fromEntries(
      lines.flatMap((l, i) => (l.productId ? [] : [[`lines.${i}.productId`, t('validation.required')]])),
    );
    if (Object.keys(unpicked).length > 0) {
      setErrors(unpicked);
      setError(t('errors.fixFields'));
      return;
    }
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      await receiveGoods({
        lines: lines.map((l) => ({
          productId: l.productId ?? '',
          lotNumber: l.lotNumber.trim(),
          expiresOn: l.expiresOn,
          quantity: decimalInput(l.quantity),
        })),
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      notify(t('stock.received', { count: lines.length }));
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
      size="xl"
      title={t('stock.receive')}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <form onSubmit={submit} noValidate data-testid="receive-form">
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          {lines.map((l, i) => (
            <Card key={l.key} withBorder padding="sm" data-testid="receive-line">
              <Group justify="space-between" mb="xs">
                <Text size="sm" fw={500}>
                  {t('stock.line', { number: i + 1 })}
                </Text>
                {lines.length > 1 && (
                  <ActionIcon
                    variant="subtle"
                    color="red.9"
                    aria-label={t('stock.removeLine', { number: i + 1 })}
                    onClick={() => setLines((ls) => ls.filter((x) => x.key !== l.key))}
                  >
                    ×
                  </ActionIcon>
                )}
              </Group>
              <SimpleGrid cols={{ base: 1, sm: 2 }}>
                <ProductPicker
                  value={l.productId}
                  onChange={(productId) => change(l.key, { productId })}
                  error={errors[`lines.${i}.productId`]}
                />
                <TextInput
                  label={t('pharmacy.lotNumber')}
                  required
                  value={l.lotNumber}
                  onChange={(e) => change(l.key, { lotNumber: e.currentTarget.value })}
                  error={errors[`lines.${i}.lotNumber`]}
                />
                <TextInput
                  label={t('pharmacy.expiresOn')}
                  type="date"
                  required
                  value={l.expiresOn}
                  onChange={(e) => change(l.key, { expiresOn: e.currentTarget.value })}
                  error={errors[`lines.${i}.expiresOn`]}
                />
                <TextInput
                  label={t('pharmacyDashboard.quantity')}
                  inputMode="decimal"
                  required
                  value={l.quantity}
                  onChange={(e) => change(l.key, { quantity: e.currentTarget.value })}
                  error={errors[`lines.${i}.quantity`]}
                />
              </SimpleGrid>
            </Card>
          ))}
          <Group>
            <Button variant="default" onClick={() => setLines((ls) => [...ls, emptyLine()])}>
              {t('stock.addLine')}
            </Button>
          </Group>
          <TextInput
            label={t('stock.note')}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            error={errors.note}
          />
          <Group>
            <Button type="submit" loading={busy}>
              {t('stock.receiveSubmit')}
            </Button>
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
