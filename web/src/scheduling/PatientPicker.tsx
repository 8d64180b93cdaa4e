import { type ComboboxItem, Select } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';

/** Picks a patient by searching the registry as the user types (document, name, number or phone). */
export function PatientPicker({
  value,
  onChange,
  error,
  required = true,
}: {
  value: string | null;
  onChange: (id: string | null) => void;
  error?: string | undefined;
  /** A booking needs a patient; a workspace's search box does not mark itself so. */
  required?: boolean;
}) {
  const { t } = useTranslation();
  const [search, setSearch] = useState('');
  const [chosen, setChosen] = useState<ComboboxItem | null>(null);
  const [q] = useDebouncedValue(search.trim(), 200);
  const results = useQuery({
    queryKey: ['patients', 'pick', q],
    // The box shows the chosen patient's label: that is no search.
    enabled: q.length >= 2 && q !== chosen?.label,
    queryFn: () => unwrap(api.GET('/api/v1/patients', { params: { query: { q, limit: 10 } } })),
    placeholderData: keepPreviousData,
  });
  const found: ComboboxItem[] =
    results.data?.items.map((p) => ({ value: p.id, label: `${p.patientNumber} · ${p.firstName} ${p.lastName}` })) ?? [];
  // The chosen patient stays an option, or the box would empty when the results change.
  const data = chosen && !found.some((o) => o.value === chosen.value) ? [chosen, ...found] : found;
  return (
    <Select
      label={t('booking.patient')}
      placeholder={t('patients.searchPlaceholder')}
      required={required}
      searchable
      searchValue={search}
      onSearchChange={setSearch}
      data={data}
      value={value}
      onChange={(id, option) => {
        setChosen(option);
        onChange(id);
      }}
      // The server already searched (accents, partial names); do not filter its answer again.
      filter={({ options }) => options}
      nothingFoundMessage={q.length >= 2 ? t('patients.none') : t('booking.typeToSearch')}
      error={error}
    />
  );
}
