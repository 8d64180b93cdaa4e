import {
  ActionIcon,
  Alert,
  Anchor,
  Button,
  Card,
  type ComboboxItem,
  Group,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  TextInput,
  Title,
} from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { Link, useNavigate } from 'react-router';
import { notify } from '../notify';
import { createPurchaseOrder, listVendors } from '../pharmacy/api';
import { ProductPicker } from '../pharmacy/ProductPicker';
import { failureOf } from '../pharmacy/problems';
import { decimalInput, plainDecimal } from '../pharmacy/quantity';
import { useRefreshPharmacy } from '../pharmacy/queries';
import { SuggestionsPanel } from '../pharmacy/SuggestionsPanel';
import type { Suggestion } from '../pharmacy/types';

interface Line {
  key: number;
  productId: string | null;
  /** The product as the picker shows it, for a line filled from a suggestion. */
  selected: ComboboxItem | null;
  quantity: string;
  unitCost: string;
}

let nextKey = 0;
const emptyLine = (): Line => ({ key: nextKey++, productId: null, selected: null, quantity: '', unitCost: '' });

/** A new draft purchase order: a vendor and lines, by hand or from the reorder suggestions. */
export function PharmacyNewPurchaseOrderPage() {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const refresh = useRefreshPharmacy();
  const vendors = useQuery({
    queryKey: ['pharmacy', 'vendors', 'active'],
    queryFn: () => listVendors({ active: 'true', limit: 100 }),
  });
  const [vendorId, setVendorId] = useState<string | null>(null);
  const [expectedOn, setExpectedOn] = useState('');
  const [notes, setNotes] = useState('');
  const [lines, setLines] = useState<Line[]>([]);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const change = (key: number, patch: Partial<Line>) =>
    setLines((ls) => ls.map((l) => (l.key === key ? { ...l, ...patch } : l)));

  const addSuggestions = (chosen: Suggestion[]) => {
    setLines((ls) => [
      // A suggestion replaces an empty line; a product already on the order is not added twice.
      ...ls.filter((l) => l.productId),
      ...chosen
        .filter((s) => !ls.some((l) => l.productId === s.productId))
        .map((s) => ({
          key: nextKey++,
          productId: s.productId,
          selected: { value: s.productId, label: s.name },
          quantity: plainDecimal(s.suggested),
          unitCost: s.unitCost ? plainDecimal(s.unitCost) : '',
        })),
    ]);
    // The vendor of their last order, when the chosen suggestions agree on one.
    const suggestedVendors = new Set(chosen.map((s) => s.vendorId).filter(Boolean));
    const [only] = suggestedVendors;
    if (!vendorId && suggestedVendors.size === 1 && only) setVendorId(only);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const missing: Record<string, string> = {};
    if (!vendorId) missing.vendorId = t('validation.required');
    lines.forEach((l, i) => {
      if (!l.productId) missing[`lines.${i}.productId`] = t('validation.required');
    });
    if (Object.keys(missing).length > 0) {
      setErrors(missing);
      setError(t('errors.fixFields'));
      return;
    }
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const order = await createPurchaseOrder({
        vendorId: vendorId ?? '',
        ...(expectedOn ? { expectedOn } : {}),
        ...(notes.trim() ? { notes: notes.trim() } : {}),
        lines: lines.map((l) => ({
          productId: l.productId ?? '',
          quantity: decimalInput(l.quantity),
          ...(l.unitCost.trim() ? { unitCost: decimalInput(l.unitCost) } : {}),
        })),
      });
      notify(t('purchaseOrders.created', { number: order.number }));
      await refresh();
      navigate(`/pharmacy/purchase-orders/${order.id}`);
    } catch (err) {
      const failure = failureOf(err);
      setErrors(failure.fields);
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  }

  const vendorOptions = (vendors.data?.items ?? []).map((v) => ({ value: v.id, label: v.name }));
  return (
    <Stack>
      <Title order={2}>{t('purchaseOrders.new')}</Title>
      <SuggestionsPanel onAdd={addSuggestions} />
      <form onSubmit={submit} noValidate data-testid="purchase-order-form">
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <SimpleGrid cols={{ base: 1, sm: 2 }}>
            <Select
              label={t('purchaseOrders.vendor')}
              required
              searchable
              data={vendorOptions}
              value={vendorId}
              onChange={setVendorId}
              nothingFoundMessage={t('vendors.none')}
              error={errors.vendorId}
            />
            <TextInput
              label={t('purchaseOrders.expectedOn')}
              type="date"
              value={expectedOn}
              onChange={(e) => setExpectedOn(e.currentTarget.value)}
              error={errors.expectedOn}
            />
          </SimpleGrid>
          {vendors.isSuccess && vendorOptions.length === 0 && (
            <Text size="sm">
              {t('purchaseOrders.noVendors')}{' '}
              <Anchor component={Link} to="/pharmacy/vendors">
                {t('nav.pharmacyVendors')}
              </Anchor>
            </Text>
          )}
          <Textarea
            label={t('purchaseOrders.notes')}
            autosize
            minRows={2}
            value={notes}
            onChange={(e) => setNotes(e.currentTarget.value)}
            error={errors.notes}
          />
          <Title order={3} size="h4">
            {t('purchaseOrders.lines')}
          </Title>
          {errors.lines && (
            <Text c="red.9" size="sm">
              {errors.lines}
            </Text>
          )}
          {lines.length === 0 && (
            <Text size="sm" c="dimmed">
              {t('purchaseOrders.noLines')}
            </Text>
          )}
          {lines.map((l, i) => (
            <Card key={l.key} withBorder padding="sm" data-testid="order-line">
              <Group justify="space-between" mb="xs">
                <Text size="sm" fw={500}>
                  {t('stock.line', { number: i + 1 })}
                </Text>
                <ActionIcon
                  variant="subtle"
                  color="red.9"
                  aria-label={t('stock.removeLine', { number: i + 1 })}
                  onClick={() => setLines((ls) => ls.filter((x) => x.key !== l.key))}
                >
                  ×
                </ActionIcon>
              </Group>
              <SimpleGrid cols={{ base: 1, sm: 3 }}>
                <ProductPicker
                  value={l.productId}
                  selected={l.selected}
                  onChange={(productId, option) => change(l.key, { productId, selected: option })}
                  error={errors[`lines.${i}.productId`]}
                />
                <TextInput
                  label={t('pharmacyDashboard.quantity')}
                  inputMode="decimal"
                  required
                  value={l.quantity}
                  onChange={(e) => change(l.key, { quantity: e.currentTarget.value })}
                  error={errors[`lines.${i}.quantity`]}
                />
                <TextInput
                  label={t('purchaseOrders.unitCost')}
                  description={t('purchaseOrders.unitCostHelp')}
                  inputMode="decimal"
                  value={l.unitCost}
                  onChange={(e) => change(l.key, { unitCost: e.currentTarget.value })}
                  error={errors[`lines.${i}.unitCost`]}
                />
              </SimpleGrid>
            </Card>
          ))}
          <Group>
            <Button variant="default" onClick={() => setLines((ls) => [...ls, emptyLine()])}>
              {t('stock.addLine')}
            </Button>
          </Group>
          <Group>
            <Button type="submit" loading={busy}>
              {t('purchaseOrders.saveDraft')}
            </Button>
            <Button variant="default" component={Link} to="/pharmacy/purchase-orders">
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
