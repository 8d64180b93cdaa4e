import { Alert, Badge, Button, Group, Loader, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { LoadMore } from '../components/LoadMore';
import { useVendors } from '../pharmacy/queries';
import type { Vendor } from '../pharmacy/types';
import { VendorForm } from '../pharmacy/VendorForm';

/** The vendors purchase orders go to: find, add, change, deactivate. */
export function PharmacyVendorsPage() {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  const [editing, setEditing] = useState<Vendor | 'new' | null>(null);
  const list = useVendors({ q: q || undefined });
  const items = list.data?.pages.flatMap((p) => p.items) ?? [];
  const applySearch = (e: FormEvent) => {
    e.preventDefault();
    setQ(search.trim());
  };
  return (
    <Stack>
      <Group justify="space-between">
        <Title order={2}>{t('vendors.title')}</Title>
        <Button onClick={() => setEditing('new')}>{t('vendors.new')}</Button>
      </Group>
      <form onSubmit={applySearch}>
        <Group align="flex-end">
          <TextInput
            label={t('pharmacy.search')}
            description={t('vendors.searchHelp')}
            type="search"
            value={search}
            onChange={(e) => setSearch(e.currentTarget.value)}
          />
          <Button type="submit">{t('pharmacy.searchButton')}</Button>
        </Group>
      </form>
      {list.isPending && <Loader />}
      {list.isError && <Alert color="red">{list.error.message}</Alert>}
      {list.isSuccess && items.length === 0 && <Text c="dimmed">{t('vendors.none')}</Text>}
      {items.length > 0 && (
        <Table.ScrollContainer
          minWidth={640}
          scrollAreaProps={{ viewportProps: { tabIndex: 0, role: 'region', 'aria-label': t('vendors.title') } }}
        >
          <Table striped data-testid="vendor-list">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('vendors.name')}</Table.Th>
                <Table.Th>{t('vendors.email')}</Table.Th>
                <Table.Th>{t('vendors.phone')}</Table.Th>
                <Table.Th>{t('vendors.taxId')}</Table.Th>
                <Table.Th>{t('products.status')}</Table.Th>
                <Table.Th />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {items.map((v) => (
                <Table.Tr key={v.id} data-vendor={v.id}>
                  <Table.Td>{v.name}</Table.Td>
                  <Table.Td style={{ overflowWrap: 'anywhere' }}>{v.email}</Table.Td>
                  <Table.Td>{v.phone ?? '—'}</Table.Td>
                  <Table.Td>{v.taxId ?? '—'}</Table.Td>
                  <Table.Td>
                    <Badge color={v.active ? 'teal.9' : 'gray.7'}>
                      {v.active ? t('products.activeBadge') : t('products.inactiveBadge')}
                    </Badge>
                  </Table.Td>
                  <Table.Td>
                    <Button
                      size="xs"
                      variant="default"
                      onClick={() => setEditing(v)}
                      aria-label={t('vendors.editNamed', { name: v.name })}
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
      {editing && <VendorForm vendor={editing === 'new' ? null : editing} onClose={() => setEditing(null)} />}
    </Stack>
  );
}
