import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useSearchParams } from 'react-router';
import { LoadMore } from '../components/LoadMore';
import { formatDate } from '../format';
import { MoveForm } from '../pharmacy/MoveForm';
import { formatQuantity } from '../pharmacy/quantity';
import { useStock } from '../pharmacy/queries';
import { ReceiveForm } from '../pharmacy/ReceiveForm';
import type { StockLevel } from '../pharmacy/types';

/** Stock levels per product with their lots (first to expire first); receive goods, adjust or write off a lot. */
export function PharmacyStockPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const low = params.get('low') === 'true';
  const [search, setSearch] = useState(q);
  const [receiving, setReceiving] = useState(false);
  const [moving, setMoving] = useState<{ level: StockLevel; lot: StockLevel['lots'][number] } | null>(null);
  const list = useStock({ q: q || undefined, low: low ? 'true' : undefined });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  // The filters live in the address: the dashboard links here with a product's name.
  const setFilters = (next: { q: string; low: boolean }) =>
    setParams(
      Object.fromEntries([...(next.q ? [['q', next.q]] : []), ...(next.low ? [['low', 'true']] : [])]) as Record<
        string,
        string
      >,
    );
  const applySearch = (e: FormEvent) => {
    e.preventDefault();
    setFilters({ q: search.trim(), low });
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('stock.title')}</Title>
        <Button onClick={() => setReceiving(true)}>{t('stock.receive')}</Button>
      </Group>
      <form onSubmit={applySearch}>
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <TextInput
            label={t('pharmacy.search')}
            description={t('pharmacy.searchHelp')}
            type="search"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
          />
          <Switch
            mt={{ sm: 'xl' }}
            label={t('stock.lowOnly')}
            checked={low}
            onChange={(e) => setFilters({ q, low: e.currentTarget.checked })}
          />
        </SimpleGrid>
        <Group mt="sm">
          <Button type="submit">{t('pharmacy.searchButton')}</Button>
        </Group>
      </form>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('pharmacy.noProducts')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer
          minWidth={720}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('stock.title') } }}
        >
          <Table data-testid="stock-list" verticalSpacing="xs">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('pharmacy.product')}</Table.Th>
                <Table.Th ta="right">{t('pharmacy.onHand')}</Table.Th>
                <Table.Th ta="right">{t('pharmacy.minStock')}</Table.Th>
                <Table.Th ta="right">{t('pharmacy.maxStock')}</Table.Th>
                <Table.Th>{t('stock.lots')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((s) => (
                <Table.Tr key={s.productId} data-product={s.productId} data-low={s.low}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {s.name}
                    </Text>
                    {s.low && (
                      <Badge color="orange.9" size="sm" data-testid="low-badge">
                        {t('pharmacy.low')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">
                    {formatQuantity(s.onHand, lang)} {s.unit}
                  </Table.Td>
                  <Table.Td ta="right">{formatQuantity(s.minStock, lang)}</Table.Td>
                  <Table.Td ta="right">{s.maxStock ? formatQuantity(s.maxStock, lang) : '—'}</Table.Td>
                  <Table.Td>
                    {s.lots.length === 0 ? (
                      <Text size="sm" c="dimmed">
                        {t('stock.noLots')}
                      </Text>
                    ) : (
                      <Stack gap={4}>
                        {s.lots.map((l) => (
                          <Group key={l.lotId} gap="xs" wrap="nowrap" data-lot={l.lotNumber}>
                            <Text size="sm" style={{ whiteSpace: 'nowrap' }}>
                              {l.lotNumber} · {formatDate(l.expiresOn, lang)} · {formatQuantity(l.quantity, lang)}
                            </Text>
                            {l.expired && (
                              <Badge color="red.9" size="sm">
                                {t('pharmacy.expired')}
                              </Badge>
                            )}
                            <Button
                              size="compact-xs"
                              variant="default"
                              onClick={() => setMoving({ level: s, lot: l })}
                              aria-label={t('stock.adjustLot', { lot: l.lotNumber })}
                            >
                              {t('stock.adjust')}
                            </Button>
                          </Group>
                        ))}
                      </Stack>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={list} />
      {receiving && <ReceiveForm onClose={() => setReceiving(false)} />}
      {moving && <MoveForm level={moving.level} lot={moving.lot} onClose={() => setMoving(null)} />}
    </Stack>
  );
}
