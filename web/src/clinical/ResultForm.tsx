import { Alert, Button, Group, Select, SimpleGrid, Stack, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import type { ResultInput } from '../api/types';
import { useFormFields } from '../components/useFormFields';
import { notify } from '../notify';
import { failureOf } from './problems';
import { useRefreshRecord } from './queries';

const NUMBER = /^-?\d+([.,]\d+)?$/;
const numberOf = (text: string) => Number(text.trim().replace(',', '.'));

/** Now, as a `datetime-local` value in the browser's time zone. */
function localNow(): string {
  const d = new Date();
  d.setMinutes(d.getMinutes() - d.getTimezoneOffset());
  return d.toISOString().slice(0, 16);
}

const EMPTY = {
  testName: '',
  testCode: '',
  value: '',
  unit: '',
  referenceLow: '',
  referenceHigh: '',
  referenceText: '',
  performer: '',
};

/**
 * Records a lab or imaging result. A value that is a number is flagged low, normal, high or
 * critical by the server from the range given; anything else is kept as text.
 */
export function ResultForm({ patientId }: { patientId: string }) {
  const { t } = useTranslation();
  const refresh = useRefreshRecord(patientId);
  const { values, setValues, field } = useFormFields(EMPTY);
  const [status, setStatus] = useState<'final' | 'preliminary'>('final');
  const [observedAt, setObservedAt] = useState(localNow);
  const record = useMutation({
    mutationFn: () => {
      const v = values;
      const optional = (text: string) => (text.trim() ? text.trim() : undefined);
      const limit = (text: string) => (text.trim() ? numberOf(text) : undefined);
      const body: ResultInput = {
        testName: v.testName,
        testCode: optional(v.testCode),
        ...(NUMBER.test(v.value.trim()) ? { valueQuantity: numberOf(v.value) } : { valueText: optional(v.value) }),
        unit: optional(v.unit),
        referenceLow: limit(v.referenceLow),
        referenceHigh: limit(v.referenceHigh),
        referenceText: optional(v.referenceText),
        performer: optional(v.performer),
        status,
        observedAt: new Date(observedAt).toISOString(),
      };
      // Undefined fields are left out of the JSON sent.
      return unwrap(api.POST('/api/v1/patients/{id}/results', { params: { path: { id: patientId } }, body }));
    },
    onSuccess: async (r) => {
      notify(t('results.recorded', { test: r.testName }));
      setValues(EMPTY);
      setObservedAt(localNow());
      await refresh();
    },
  });
  const failure = record.error && failureOf(record.error);
  const errors = failure?.fields ?? {};
  const submit = (e: FormEvent) => {
    e.preventDefault();
    record.mutate();
  };
  const input = (name: keyof typeof EMPTY) => ({ ...field(name), error: errors[name] });
  return (
    <form onSubmit={submit} noValidate data-testid="result-form">
      <Stack>
        {failure && (
          <Alert color="red" role="alert">
            {failure.message}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput label={t('results.testName')} required {...input('testName')} />
          <TextInput label={t('results.testCode')} {...input('testCode')} />
          <TextInput
            label={t('results.observedAt')}
            type="datetime-local"
            required
            value={observedAt}
            onChange={(e) => setObservedAt(e.currentTarget.value)}
            error={errors.observedAt}
          />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 2, sm: 4 }}>
          <TextInput
            label={t('results.value')}
            description={t('results.valueHelp')}
            required
            {...field('value')}
            error={errors.valueQuantity ?? errors.valueText}
          />
          <TextInput label={t('results.unit')} {...input('unit')} />
          <TextInput label={t('results.referenceLow')} inputMode="decimal" {...input('referenceLow')} />
          <TextInput label={t('results.referenceHigh')} inputMode="decimal" {...input('referenceHigh')} />
        </SimpleGrid>
        <SimpleGrid cols={{ base: 1, sm: 3 }}>
          <TextInput
            label={t('results.referenceText')}
            placeholder={t('results.referenceTextPlaceholder')}
            {...input('referenceText')}
          />
          <TextInput label={t('results.performer')} {...input('performer')} />
          <Select
            label={t('results.status')}
            data={[
              { value: 'final', label: t('resultStatus.final') },
              { value: 'preliminary', label: t('resultStatus.preliminary') },
            ]}
            value={status}
            onChange={(v) => v && setStatus(v as 'final' | 'preliminary')}
            allowDeselect={false}
          />
        </SimpleGrid>
        <Group>
          <Button type="submit" loading={record.isPending}>
            {t('results.record')}
          </Button>
        </Group>
      </Stack>
    </form>
  );
}
