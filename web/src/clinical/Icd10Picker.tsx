import { type ComboboxItem, Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { useIcd10 } from './queries';

/** Picks an ICD-10 code by searching code prefixes or words of the title as the user types. */
export function Icd10Picker({
  value,
  onChange,
  error,
}: {
  value: string | null;
  onChange: (code: string | null) => void;
  error?: string | undefined;
}) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<ComboboxItem | null>(null);
  const [q] = useDebouncedValue(search.trim(), 200);
  // The box shows the chosen code's label: that is no search.
  const results = useIcd10(q === chosen?.label ? '' : q);
  const found: ComboboxItem[] =
    results.data?.items.map((c) => ({ value: c.code, label: `${c.code} · ${c.title}` })) ?? [];
  // The chosen code stays an option, or the box would empty when the results change.
  const data = chosen && !found.some((o) => o.value === chosen.value) ? [chosen, ...found] : found;
  return (
    <Select
      label={t('diagnoses.code')}
      placeholder={t('diagnoses.codePlaceholder')}
      required
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      data={data}
      value={value}
      onChange={(code, option) => {
        setChosen(option);
        onChange(code);
      }}
      // The server already searched (codes, words without accents); do not filter its answer again.
      filter={({ options }) => options}
      nothingFoundMessage={q.length >= 2 ? t('diagnoses.noCodes') : t('booking.typeToSearch')}
      error={error}
    />
  );
}
