import { Alert, Badge, Button, Card, Group, SimpleGrid, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Prescription } from '../api/types';
import { notify } from '../notify';
import { dispense } from './api';
import { ProductPicker } from './ProductPicker';
import { failureOf } from './problems';
import { decimalInput, formatQuantity, remainingQuantity } from './quantity';

type Line = Prescription['lines'][number];

/** One line of a signed prescription: what was prescribed and dispensed, and the form to dispense more. */
export function DispenseLine({
  prescription,
  line,
  onDispensed,
}: {
  prescription: Prescription;
  line: Line;
  onDispensed: () => void;
}) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const remaining = remainingQuantity(String(line.quantity), line.dispensed);
  const [productId, setProductId] = useState<string | null>(null);
  const [quantity, setQuantity] = useState(remaining);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const done = remaining === '0';

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!productId) {
      setErrors({ productId: t('validation.required') });
      return;
    }
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      const result = await dispense(prescription.id, line.lineNo, { productId, quantity: decimalInput(quantity) });
      notify(
        t('dispense.done', {
          quantity: formatQuantity(result.quantity, lang),
          medicament: line.medicament,
          remaining: formatQuantity(result.remaining, lang),
        }),
      );
      setQuantity(remainingQuantity(String(line.quantity), result.dispensed));
      onDispensed();
    } catch (err) {
      const failure = failureOf(err);
      setErrors(failure.fields);
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  }

  const search = [line.medicament, line.strength].filter(Boolean).join(' ');
  return (
    <Card withBorder padding="sm" component="section" aria-label={line.medicament} data-line={line.lineNo}>
      <Group justify="space-between" align="flex-start" mb="xs">
        <div>
          <Text fw={600}>
            {line.lineNo}. {line.medicament}
            {line.strength ? ` ${line.strength}` : ''}
          </Text>
          <Text size="sm">{[line.genericName, line.instructions].filter(Boolean).join(' · ') || '\u00a0'}</Text>
        </div>
        <Badge color={done ? 'teal.9' : 'blue.8'} data-testid="line-status">
          {t('dispense.progress', {
            dispensed: formatQuantity(line.dispensed, lang),
            prescribed: String(line.quantity),
          })}
        </Badge>
      </Group>
      {done ? (
        <Text size="sm">{t('dispense.complete')}</Text>
      ) : (
        <form onSubmit={submit} noValidate>
          <Stack gap="xs">
            {error && (
              <Alert color="red" role="alert" data-testid="dispense-error">
                {error}
              </Alert>
            )}
            <SimpleGrid cols={{ base: 1, sm: 3 }}>
              <ProductPicker
                value={productId}
                onChange={(id) => setProductId(id)}
                initialSearch={search}
                error={errors.productId}
              />
              <TextInput
                label={t('pharmacyDashboard.quantity')}
                description={t('dispense.remaining', { remaining: formatQuantity(remaining, lang) })}
                inputMode="decimal"
                required
                value={quantity}
                onChange={(e) => setQuantity(e.currentTarget.value)}
                error={errors.quantity}
              />
              <Group align="flex-end">
                <Button type="submit" loading={busy} aria-label={t('dispense.submitNamed', { name: line.medicament })}>
                  {t('dispense.submit')}
                </Button>
              </Group>
            </SimpleGrid>
          </Stack>
        </form>
      )}
    </Card>
  );
}
