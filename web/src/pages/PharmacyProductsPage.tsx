import {
  Alert,
  Badge,
  Button,
  Group,
  Loader,
  Select,
  SimpleGrid,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../components/LoadMore';
import { formatMoney } from '../format';
import { useProductKindLabels } from '../pharmacy/labels';
import { ProductForm } from '../pharmacy/ProductForm';
import { formatQuantity } from '../pharmacy/quantity';
import { useProducts } from '../pharmacy/queries';
import { PRODUCT_KINDS, type Product, type ProductKind } from '../pharmacy/types';

type ActiveFilter = 'all' | 'true' | 'false';

/** The catalogue: find a product by name, generic name or barcode; add one, change it, withdraw it. */
export function PharmacyProductsPage() {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const kinds = useProductKindLabels();
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [kind, setKind] = useState<ProductKind | null>(null);
  const [active, setActive] = useState<ActiveFilter>('all');
  const [editing, setEditing] = useState<Product | 'new' | null>(null);
  const list = useProducts({
    q: q || undefined,
    kind: kind ?? undefined,
    active: active === 'all' ? undefined : active,
  });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const applySearch = (e: FormEvent) => {
    e.preventDefault();
    setQ(search.trim());
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('products.title')}</Title>
        <Button onClick={() => setEditing('new')}>{t('products.new')}</Button>
      </Group>
      <form onSubmit={applySearch}>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label={t('pharmacy.search')}
            description={t('pharmacy.searchHelp')}
            type="search"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
          />
          <Select
            label={t('products.kind')}
            clearable
            placeholder={t('pharmacy.any')}
            data={PRODUCT_KINDS.map((k) => ({ value: k, label: kinds[k] }))}
            value={kind}
            onChange={(v) => setKind(v as ProductKind | null)}
          />
          <Select
            label={t('products.status')}
            allowDeselect={false}
            data={[
              { value: 'all', label: t('pharmacy.any') },
              { value: 'true', label: t('products.activeOnly') },
              { value: 'false', label: t('products.inactiveOnly') },
            ]}
            value={active}
            onChange={(v) => setActive((v ?? 'all') as ActiveFilter)}
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
          minWidth={860}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('products.title') } }}
        >
          <Table striped data-testid="product-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('products.name')}</Table.Th>
                <Table.Th>{t('products.barcode')}</Table.Th>
                <Table.Th ta="right">{t('products.salePrice')}</Table.Th>
                <Table.Th ta="right">{t('products.taxRate')}</Table.Th>
                <Table.Th ta="right">{t('pharmacy.onHand')}</Table.Th>
                <Table.Th ta="right">{t('pharmacy.minStock')}</Table.Th>
                <Table.Th>{t('products.status')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((p) => (
                <Table.Tr key={p.id} data-product={p.id}>
                  <Table.Td>
                    <Text size="sm" fw={500}>
                      {p.name}
                      {p.dosageStrength ? ` ${p.dosageStrength}` : ''}
                    </Text>
                    <Text size="xs">
                      {[kinds[p.kind], p.genericName, p.form, p.category].filter(Boolean).join(' · ')}
                    </Text>
                  </Table.Td>
                  <Table.Td>{p.barcode ?? '—'}</Table.Td>
                  <Table.Td ta="right">{formatMoney(p.salePrice, lang)}</Table.Td>
                  <Table.Td ta="right">{formatQuantity(p.taxRate, lang)} %</Table.Td>
                  <Table.Td ta="right">
                    {formatQuantity(p.onHand, lang)} {p.unit}{' '}
                    {p.low && (
                      <Badge color="orange.9" size="sm">
                        {t('pharmacy.low')}
                      </Badge>
                    )}
                  </Table.Td>
                  <Table.Td ta="right">{formatQuantity(p.minStock, lang)}</Table.Td>
                  <Table.Td>
                    <Badge color={p.active ? 'teal.9' : 'gray.7'}>
                      {p.active ? t('products.activeBadge') : t('products.inactiveBadge')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() => setEditing(p)}
                      aria-label={t('products.editNamed', { name: p.name })}
                    >
                      {t('common.edit')}
                    </Button>
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={list} />
      {editing && <ProductForm product={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}
