import { Alert, Button, Group, Modal, SegmentedControl, Stack, Text, TextInput } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { formatDate } from '../format';
import { notify } from '../notify';
import { recordMove } from './api';
import { failureOf } from './problems';
import { decimalInput, formatQuantity } from './quantity';
import { useRefreshPharmacy } from './queries';
import type { StockLevel } from './types';

type Kind = 'adjustment' | 'expiry_write_off';

/**
 * Corrects a lot's stock (a count that differs, a breakage: signed, with a note saying why) or
 * writes off expired stock. The ledger keeps the move; nothing is edited in place.
 */
export function MoveForm({
  level,
  lot,
  onClose,
}: {
  level: StockLevel;
  lot: StockLevel['lots'][number];
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const refresh = useRefreshPharmacy();
  const [kind, setKind] = useState<Kind>(lot.expired ? 'expiry_write_off' : 'adjustment');
  const [quantity, setQuantity] = useState(lot.expired ? lot.quantity : '');
  const [note, setNote] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    // An adjustment says why: asked for here, in the reader's words, before the server would refuse it.
    if (kind === 'adjustment' && !note.trim()) {
      setErrors({ note: t('validation.required') });
      return;
    }
    setBusy(true);
    setError(null);
    setErrors({});
    try {
      await recordMove({
        kind,
        lotId: lot.lotId,
        quantity: decimalInput(quantity),
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      notify(t('stock.moved'));
      await refresh();
      onClose();
    } catch (err) {
      const failure = failureOf(err);
      setErrors(failure.fields);
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <Modal
      opened
      onClose={onClose}
      title={t('stock.moveTitle', { lot: lot.lotNumber })}
      closeButtonProps={{ 'aria-label': t('common.close') }}
    >
      <form onSubmit={submit} noValidate data-testid="move-form">
        <Stack>
          <Text size="sm">
            {t('stock.lotHolds', {
              product: level.name,
              quantity: `${formatQuantity(lot.quantity, i18n.language)} ${level.unit}`,
              date: formatDate(lot.expiresOn, i18n.language),
            })}
          </Text>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          <SegmentedControl
            aria-label={t('stock.moveKind')}
            value={kind}
            onChange={(v) => setKind(v as Kind)}
            data={[
              { value: 'adjustment', label: t('stock.adjustment') },
              { value: 'expiry_write_off', label: t('stock.writeOff') },
            ]}
          />
          <TextInput
            label={t('pharmacyDashboard.quantity')}
            description={kind === 'adjustment' ? t('stock.adjustmentHelp') : t('stock.writeOffHelp')}
            inputMode="decimal"
            required
            value={quantity}
            onChange={(e) => setQuantity(e.currentTarget.value)}
            error={errors.quantity}
          />
          <TextInput
            label={t('stock.note')}
            description={kind === 'adjustment' ? t('stock.noteRequired') : undefined}
            required={kind === 'adjustment'}
            value={note}
            onChange={(e) => setNote(e.currentTarget.value)}
            error={errors.note}
          />
          <Group>
            <Button type="submit" loading={busy}>
              {t('stock.record')}
            </Button>
            <Button variant="default" onClick={onClose}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
