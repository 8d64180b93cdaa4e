import { Alert, Button, Card, Checkbox, Group, Loader, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { reorderSuggestions } from './api';
import { formatQuantity } from './quantity';
import type { Suggestion } from './types';

/** The reorder suggestions (below the minimum, counting what is on order): pick some to order. */
export function SuggestionsPanel({ onAdd }: { onAdd: (chosen: Suggestion[]) => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const suggestions = useQuery({
    queryKey: ['pharmacy', 'suggestions'],
    queryFn: reorderSuggestions,
    staleTime: 0,
  });
  const [checked, setChecked] = useState<Set<string>>(new Set());
  const items = suggestions.data?.items ?? [];
  const toggle = (id: string, on: boolean) =>
    setChecked((s) => {
      const next = new Set(s);
      if (on) next.add(id);
      else next.delete(id);
      return next;
    });
  return (
    <Card withBorder data-testid="suggestions">
      <Title order={3} size="h4">
        {t('purchaseOrders.suggestions')}
      </Title>
      <Text size="sm" mb="xs">
        {t('purchaseOrders.suggestionsHelp')}
      </Text>
      {suggestions.isPending && <Loader size="sm" />}
      {suggestions.isError && <Alert color="red">{suggestions.error.message}</Alert>}
      {suggestions.isSuccess && items.length === 0 && (
        <Text size="sm" c="dimmed">
          {t('purchaseOrders.noSuggestions')}
        </Text>
      )}
      {items.length > 0 && (
        <>
          <Table.ScrollContainer
            minWidth={640}
            scrollAreaProps={{
              viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('purchaseOrders.suggestions') },
            }}
          >
            <Table striped>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>
                    <VisuallyHidden>{t('purchaseOrders.choose')}</VisuallyHidden>
                  </Table.Th>
                  <Table.Th>{t('pharmacy.product')}</Table.Th>
                  <Table.Th ta="right">{t('pharmacy.onHand')}</Table.Th>
                  <Table.Th ta="right">{t('purchaseOrders.onOrder')}</Table.Th>
                  <Table.Th ta="right">{t('pharmacy.minStock')}</Table.Th>
                  <Table.Th ta="right">{t('purchaseOrders.suggested')}</Table.Th>
                  <Table.Th>{t('purchaseOrders.vendor')}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {items.map((s) => (
                  <Table.Tr key={s.productId} data-product={s.productId}>
                    <Table.Td>
                      <Checkbox
                        aria-label={t('purchaseOrders.chooseNamed', { name: s.name })}
                        checked={checked.has(s.productId)}
                        onChange={(e) => toggle(s.productId, e.currentTarget.checked)}
                      />
                    </Table.Td>
                    <Table.Td>{s.name}</Table.Td>
                    <Table.Td ta="right">{formatQuantity(s.onHand, lang)}</Table.Td>
                    <Table.Td ta="right">{formatQuantity(s.onOrder, lang)}</Table.Td>
                    <Table.Td ta="right">{formatQuantity(s.minStock, lang)}</Table.Td>
                    <Table.Td ta="right">
                      {formatQuantity(s.suggested, lang)} {s.unit}
                    </Table.Td>
                    <Table.Td>{s.vendorName ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
          <Group mt="xs">
            <Button
              variant="default"
              disabled={checked.size === 0}
              onClick={() => {
                onAdd(items.filter((s) => checked.has(s.productId)));
                setChecked(new Set());
              }}
            >
              {t('purchaseOrders.addSuggestions')}
            </Button>
          </Group>
        </>
      )}
    </Card>
  );
}
