import { Alert, Button, Group, MultiSelect, Select, SimpleGrid, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { useTranslation } from 'react-i18next';
import { api, unwrap } from '../../api/client';
import type { Prescription } from '../../api/types';
import { ConfirmModal } from '../../components/ConfirmModal';
import { formatMoney } from '../../format';
import { notify } from '../../notify';
import { usePractitioners, useTreatments } from '../../scheduling/queries';
import { LAYOUT } from '../dental/teeth';
import { failureOf } from '../problems';
import { useRefreshRecord } from '../queries';
import { LineFields } from './LineFields';
import { bodyOf, draftOf, emptyLine, type PrescriptionDraft } from './lines';
import { PrintButton } from './PrescriptionView';

const TEETH = Object.values(LAYOUT)
  .flatMap((d) => [...d.upper, ...d.lower].flat())
  .sort((a, b) => a - b)
  .map(String);

/** The errors of line `i`, by field name ("lines.0.price" -> "price"). */
const lineErrors = (fields: Record<string, string>, i: number) =>
  Object.fromEntries(
    Object.entries(fields)
      .filter(([k]) => k.startsWith(`lines.${i}.`))
      .map(([k, v]) => [k.slice(`lines.${i}.`.length), v]),
  );

/**
 * Writes a prescription: a draft saved as often as needed, then signed (after confirming: a signed
 * prescription never changes). The treatment's cost is the catalogue's, copied by the server.
 */
export function PrescriptionForm({
  patientId,
  prescription,
  onSigned,
  onClose,
}: {
  patientId: string;
  prescription: Prescription | null;
  onSigned: (p: Prescription) => void;
  onClose: () => void;
}) {
  const { t, i18n } = useTranslation();
  const refresh = useRefreshRecord(patientId);
  const treatments = useTreatments();
  const practitioners = usePractitioners();
  const [draft, setDraft] = useState<PrescriptionDraft>(() => draftOf(prescription));
  const [saved, setSaved] = useState<Prescription | null>(prescription);
  const [confirming, setConfirming] = useState(false);
  const set = (changes: Partial<PrescriptionDraft>) => setDraft((d) => ({ ...d, ...changes }));

  const save = async () => {
    const body = bodyOf(draft);
    const p = saved
      ? await unwrap(api.PUT('/api/v1/prescriptions/{id}', { params: { path: { id: saved.id } }, body }))
      : await unwrap(api.POST('/api/v1/prescriptions', { body: { ...body, patientId } }));
    setSaved(p);
    await refresh();
    return p;
  };
  const saveDraft = useMutation({
    mutationFn: save,
    onSuccess: (p) => notify(t('prescriptions.saved', { number: p.number })),
  });
  const sign = useMutation({
    // What is signed is what is on screen: saved first.
    mutationFn: async () => {
      const p = await save();
      return unwrap(api.POST('/api/v1/prescriptions/{id}/sign', { params: { path: { id: p.id } } }));
    },
    onSuccess: async (p) => {
      notify(t('prescriptions.signedDone', { number: p.number }));
      await refresh();
      onSigned(p);
    },
    onSettled: () => setConfirming(false),
  });
  const error = sign.error ?? saveDraft.error;
  const failure = error && failureOf(error);
  const fields = failure?.fields ?? {};
  const treatment = treatments.data?.find((x) => x.id === draft.treatmentId);
  const dentists = (practitioners.data ?? []).filter((p) => p.isDentist);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    saveDraft.mutate();
  };

  return (
    <form onSubmit={submit} noValidate data-testid="prescription-form">
      <Stack>
        <Group justify="space-between">
          <Text fw={700}>
            {saved ? t('prescriptions.draftNumber', { number: saved.number }) : t('prescriptions.new')}
          </Text>
          {saved && <PrintButton prescription={saved} />}
        </Group>
        {failure && (
          <Alert color="red" role="alert">
            {failure.message}
          </Alert>
        )}
        <SimpleGrid cols={{ base: 1, sm: 2 }}>
          <Select
            label={t('prescriptions.treatment')}
            description={
              treatment ? t('prescriptions.cost', { cost: formatMoney(treatment.cost, i18n.language) }) : undefined
            }
            clearable
            searchable
            data={(treatments.data ?? []).map((x) => ({ value: x.id, label: x.name }))}
            value={draft.treatmentId}
            onChange={(v) => set({ treatmentId: v })}
            error={fields.treatmentId}
          />
          <MultiSelect
            label={t('prescriptions.teeth')}
            searchable
            data={TEETH}
            value={draft.teeth}
            onChange={(v) => set({ teeth: [...v].sort((a, b) => Number(a) - Number(b)) })}
            error={fields.teeth}
          />
          <Select
            label={t('prescriptions.referred')}
            clearable
            data={dentists.map((p) => ({ value: p.id, label: p.specialty ? `${p.name} (${p.specialty})` : p.name }))}
            value={draft.referredPractitionerId}
            onChange={(v) => set({ referredPractitionerId: v })}
            error={fields.referredPractitionerId}
          />
          <TextInput
            label={t('prescriptions.nextAppointment')}
            type="date"
            value={draft.nextAppointmentDate}
            onChange={(e) => set({ nextAppointmentDate: e.currentTarget.value })}
            error={fields.nextAppointmentDate}
          />
        </SimpleGrid>
        {fields.lines && (
          <Text size="sm" c="red.9">
            {fields.lines}
          </Text>
        )}
        {draft.lines.map((line, i) => (
          <LineFields
            // Lines have no identity until saved; their place is their identity.
            // biome-ignore lint/suspicious/noArrayIndexKey: see above.
            key={i}
            index={i}
            line={line}
            errors={lineErrors(fields, i)}
            onChange={(l) => set({ lines: draft.lines.map((x, j) => (j === i ? l : x)) })}
            onRemove={draft.lines.length > 1 ? () => set({ lines: draft.lines.filter((_, j) => j !== i) }) : undefined}
          />
        ))}
        <Group>
          <Button variant="default" onClick={() => set({ lines: [...draft.lines, emptyLine()] })}>
            {t('prescriptions.addLine')}
          </Button>
        </Group>
        <Textarea
          label={t('prescriptions.notes')}
          autosize
          minRows={2}
          value={draft.notes}
          onChange={(e) => set({ notes: e.currentTarget.value })}
          error={fields.notes}
        />
        <Group>
          <Button type="submit" variant="default" loading={saveDraft.isPending}>
            {t('prescriptions.saveDraft')}
          </Button>
          <Button onClick={() => setConfirming(true)}>{t('prescriptions.sign')}</Button>
          <Button variant="subtle" onClick={onClose}>
            {t('common.close')}
          </Button>
        </Group>
      </Stack>
      {confirming && (
        <ConfirmModal
          title={t('prescriptions.signTitle')}
          confirmLabel={t('prescriptions.sign')}
          busy={sign.isPending}
          onConfirm={() => sign.mutate()}
          onClose={() => setConfirming(false)}
        >
          {t('prescriptions.signWarning')}
        </ConfirmModal>
      )}
    </form>
  );
}
