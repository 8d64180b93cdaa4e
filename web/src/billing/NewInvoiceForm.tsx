import {
  ActionIcon,
  Alert,
  Button,
  Checkbox,
  Fieldset,
  Group,
  Loader,
  Stack,
  Text,
  Textarea,
  TextInput,
} from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../api/client';
import { formatDate, formatInstant, formatMoney } from '../format';
import { type Billable, billableFor, createInvoice, type Invoice, type TypedLine } from './api';
import { formatQuantity } from './labels';
import { billingFailure } from './problems';

interface Chosen {
  id: string;
  name: string;
  patientNumber: string;
}

const EMPTY_LINE: TypedLine = { description: '', quantity: '1', unitPrice: '', taxRate: '0' };

/** Decimal strings as typed in either language: "12,50" is sent as "12.50", never as a float. */
const decimal = (s: string) => s.trim().replace(',', '.');

/** Finds the patient by name, number or document. */
function PatientPicker({ onPick }: { onPick: (p: Chosen) => void }) {
  const { t } = useTranslation();
  const [q, setQ] = useState('');
  const [query] = useDebouncedValue(q.trim(), 200);
  const found = useQuery({
    queryKey: ['patients', 'billing', query],
    queryFn: () => unwrap(api.GET('/api/v1/patients', { params: { query: { q: query, limit: 8 } } })),
    enabled: query.length >= 2,
  });
  return (
    <Stack gap="xs">
      <TextInput
        label={t('billing.findPatient')}
        description={t('billing.findPatientHelp')}
        value={q}
        onChange={(e) => setQ(e.currentTarget.value)}
        rightSection={found.isFetching ? <Loader size="xs" /> : null}
      />
      {found.data && found.data.items.length === 0 && <Text c="dimmed">{t('patients.none')}</Text>}
      <Stack gap={4} data-testid="billing-patients">
        {found.data?.items.map((p) => (
          <Button
            key={p.id}
            variant="default"
            justify="start"
            onClick={() => onPick({ id: p.id, name: `${p.firstName} ${p.lastName}`, patientNumber: p.patientNumber })}
          >
            {p.patientNumber} · {p.firstName} {p.lastName}
          </Button>
        ))}
      </Stack>
    </Stack>
  );
}

/** What a source would add, as a short list under its checkbox. */
function Preview({ lines }: { lines: Billable['appointments'][number]['lines'] }) {
  const { i18n } = useTranslation();
  return (
    <Stack gap={0} pl="xl">
      {lines.map((l) => (
        <Text key={`${l.kind}-${l.description}`} size="xs" c="dimmed">
          {formatQuantity(l.quantity, i18n.language)} × {l.description} · {formatMoney(l.total, i18n.language)}
        </Text>
      ))}
    </Stack>
  );
}

/**
 * A new draft: the patient, which of their appointments and dispensed prescriptions not billed
 * yet go on it, lines typed by hand and notes. The server prices every line.
 */
export function NewInvoiceForm({ onCreated, onCancel }: { onCreated: (i: Invoice) => void; onCancel: () => void }) {
  const { t, i18n } = useTranslation();
  const lang = i18n.language;
  const [patient, setPatient] = useState<Chosen | null>(null);
  const [appointmentIds, setAppointmentIds] = useState<string[]>([]);
  const [prescriptionIds, setPrescriptionIds] = useState<string[]>([]);
  const [lines, setLines] = useState<TypedLine[]>([]);
  const [notes, setNotes] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const billable = useQuery({
    queryKey: ['invoices', 'billable', patient?.id],
    queryFn: () => billableFor(patient?.id ?? ''),
    enabled: Boolean(patient),
    staleTime: 0,
  });
  const toggle = (list: string[], set: (v: string[]) => void, id: string, on: boolean) =>
    set(on ? [...list, id] : list.filter((x) => x !== id));
  const setLine = (i: number, change: Partial<TypedLine>) =>
    setLines((ls) => ls.map((l, j) => (j === i ? { ...l, ...change } : l)));

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!patient) return;
    setBusy(true);
    setError(null);
    setFields({});
    try {
      const invoice = await createInvoice({
        patientId: patient.id,
        appointmentIds,
        prescriptionIds,
        lines: lines.map((l) => ({
          description: l.description,
          quantity: decimal(l.quantity),
          unitPrice: decimal(l.unitPrice),
          taxRate: decimal(l.taxRate),
        })),
        ...(notes.trim() ? { notes: notes.trim() } : {}),
      });
      onCreated(invoice);
    } catch (err) {
      const failure = billingFailure(err);
      setError(failure.message);
      setFields(failure.fields);
    } finally {
      setBusy(false);
    }
  }

  if (!patient) {
    return (
      <Fieldset legend={t('billing.newInvoice')}>
        <Stack>
          <PatientPicker onPick={setPatient} />
          <Group>
            <Button variant="default" onClick={onCancel}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </Fieldset>
    );
  }
  const b = billable.data;
  return (
    <form onSubmit={submit} noValidate>
      <Fieldset legend={t('billing.newInvoiceFor', { name: patient.name, number: patient.patientNumber })}>
        <Stack>
          {error && (
            <Alert color="red" role="alert">
              {error}
            </Alert>
          )}
          {billable.isPending && <Loader />}
          {billable.isError && <Alert color="red">{billable.error.message}</Alert>}
          {b && b.appointments.length === 0 && b.prescriptions.length === 0 && (
            <Text c="dimmed">{t('billing.nothingBillable')}</Text>
          )}
          {b && b.appointments.length > 0 && (
            <Stack gap="xs" data-testid="billable-appointments">
              <Text fw={700}>{t('billing.appointments')}</Text>
              {b.appointments.map((a) => (
                <Stack key={a.id} gap={2}>
                  <Checkbox
                    label={`${a.number} · ${formatInstant(a.start, lang)}`}
                    checked={appointmentIds.includes(a.id)}
                    onChange={(e) => toggle(appointmentIds, setAppointmentIds, a.id, e.currentTarget.checked)}
                  />
                  <Preview lines={a.lines} />
                </Stack>
              ))}
            </Stack>
          )}
          {b && b.prescriptions.length > 0 && (
            <Stack gap="xs" data-testid="billable-prescriptions">
              <Text fw={700}>{t('billing.dispensed')}</Text>
              {b.prescriptions.map((p) => (
                <Stack key={p.id} gap={2}>
                  <Checkbox
                    label={`${p.number} · ${formatDate(p.date, lang)}`}
                    checked={prescriptionIds.includes(p.id)}
                    onChange={(e) => toggle(prescriptionIds, setPrescriptionIds, p.id, e.currentTarget.checked)}
                  />
                  <Preview lines={p.lines} />
                </Stack>
              ))}
            </Stack>
          )}
          <Stack gap="xs">
            <Text fw={700}>{t('billing.typedLines')}</Text>
            {lines.map((l, i) => (
              // Lines have no id until saved; their place in the list is what identifies them.
              // biome-ignore lint/suspicious/noArrayIndexKey: see above
              <Group key={i} align="flex-end" gap="xs" wrap="wrap">
                <TextInput
                  label={t('billing.line.description')}
                  value={l.description}
                  onChange={(e) => setLine(i, { description: e.currentTarget.value })}
                  error={fields[`lines.${i}.description`]}
                  style={{ flex: '1 1 200px' }}
                />
                <TextInput
                  label={t('billing.line.quantity')}
                  inputMode="decimal"
                  value={l.quantity}
                  onChange={(e) => setLine(i, { quantity: e.currentTarget.value })}
                  error={fields[`lines.${i}.quantity`]}
                  w={90}
                />
                <TextInput
                  label={t('billing.line.unitPrice')}
                  inputMode="decimal"
                  value={l.unitPrice}
                  onChange={(e) => setLine(i, { unitPrice: e.currentTarget.value })}
                  error={fields[`lines.${i}.unitPrice`]}
                  w={110}
                />
                <TextInput
                  label={t('billing.line.taxRate')}
                  inputMode="decimal"
                  value={l.taxRate}
                  onChange={(e) => setLine(i, { taxRate: e.currentTarget.value })}
                  error={fields[`lines.${i}.taxRate`]}
                  w={90}
                />
                <ActionIcon
                  variant="default"
                  size="lg"
                  aria-label={t('billing.removeLine')}
                  onClick={() => setLines((ls) => ls.filter((_, j) => j !== i))}
                >
                  ×
                </ActionIcon>
              </Group>
            ))}
            <Group>
              <Button variant="default" size="xs" onClick={() => setLines((ls) => [...ls, { ...EMPTY_LINE }])}>
                {t('billing.addLine')}
              </Button>
            </Group>
          </Stack>
          <Textarea
            label={t('billing.notes')}
            value={notes}
            onChange={(e) => setNotes(e.currentTarget.value)}
            autosize
            minRows={1}
          />
          <Group>
            <Button
              type="submit"
              loading={busy}
              disabled={appointmentIds.length + prescriptionIds.length + lines.length === 0}
            >
              {t('billing.createDraft')}
            </Button>
            <Button variant="default" onClick={onCancel}>
              {t('common.cancel')}
            </Button>
          </Group>
        </Stack>
      </Fieldset>
    </form>
  );
}
