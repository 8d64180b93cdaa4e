import { type ComboboxItem, Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { listProducts } from './api';
import { formatQuantity } from './quantity';

/** Picks an active product by searching the catalogue as the user types (name, generic name or barcode). */
export function ProductPicker({
  value,
  onChange,
  label,
  error,
  initialSearch = '',
  selected = null,
  required = true,
}: {
  value: string | null;
  onChange: (id: string | null, option: ComboboxItem | null) => void;
  label?: string;
  error?: string | undefined;
  /** What to search for before the user types (the medicament of a prescription line). */
  initialSearch?: string;
  /** The product already chosen (a line filled from a reorder suggestion), shown until another is picked. */
  selected?: ComboboxItem | null;
  required?: boolean;
}) {
  const { t, i18n } = useTranslation();
  const [search, setSearch] = useState(selected?.label ?? initialSearch);
  const [chosen, setChosen] = useState<ComboboxItem | null>(selected);
  const [q] = useDebouncedValue(search.trim(), 200);
  // The box shows the chosen product's label: that is no search.
  const searching = q.length >= 2 && q !== chosen?.label;
  const results = useQuery({
    queryKey: ['pharmacy', 'products', 'pick', q],
    enabled: searching,
    queryFn: () => listProducts({ q, active: 'true', limit: 10 }),
    placeholderData: keepPreviousData,
  });
  const found: ComboboxItem[] = !searching
    ? []
    : (results.data?.items.map((p) => ({
        value: p.id,
        label: `${p.name}${p.dosageStrength ? ` ${p.dosageStrength}` : ''} · ${formatQuantity(p.onHand, i18n.language)} ${p.unit}`,
      })) ?? []);
  // The chosen product stays an option, or the box would empty when the results change.
  const data = chosen && !found.some((o) => o.value === chosen.value) ? [chosen, ...found] : found;
  return (
    <Select
      label={label ?? t('pharmacy.product')}
      placeholder={t('pharmacy.productSearch')}
      required={required}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      data={data}
      value={value}
      onChange={(id, option) => {
        setChosen(option);
        onChange(id, option);
      }}
      // The server already searched; do not filter its answer again.
      filter={({ options }) => options}
      nothingFoundMessage={q.length >= 2 ? t('pharmacy.noProducts') : t('pharmacy.typeToSearch')}
      error={error}
    />
  );
}
