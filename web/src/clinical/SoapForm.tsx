import { Alert, Button, Group, Stack, Textarea } from '@mantine/core';
import { type FormEvent, type ReactNode, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Failure } from './problems';

export const SECTIONS = ['subjective', 'objective', 'assessment', 'plan'] as const;
export type Soap = Record<(typeof SECTIONS)[number], string>;
const EMPTY_SOAP: Soap = { subjective: '', objective: '', assessment: '', plan: '' };

/** "S · Subjetivo" ... "P · Plan". */
export function useSoapLabels(): Soap {
  const { t } = useTranslation();
  return {
    subjective: t('notes.subjective'),
    objective: t('notes.objective'),
    assessment: t('notes.assessment'),
    plan: t('notes.plan'),
  };
}

/** The four SOAP sections of a note, a draft or an addendum, and its submit button. */
export function SoapForm({
  initial = EMPTY_SOAP,
  submitLabel,
  busy,
  failure,
  onSubmit,
  onCancel,
  children,
}: {
  initial?: Soap;
  submitLabel: string;
  busy: boolean;
  failure: Failure | null;
  onSubmit: (soap: Soap) => void;
  onCancel?: () => void;
  /** Fields above the sections (the encounter of a new note). */
  children?: ReactNode;
}) {
  const { t } = useTranslation();
  const labels = useSoapLabels();
  const [soap, setSoap] = useState<Soap>(initial);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    onSubmit(soap);
  };
  return (
    <form onSubmit={submit} noValidate>
      <Stack gap="xs">
        {failure && (
          <Alert color="red" role="alert">
            {failure.message}
          </Alert>
        )}
        {children}
        {SECTIONS.map((s) => (
          <Textarea
            key={s}
            label={labels[s]}
            autosize
            minRows={2}
            value={soap[s]}
            onChange={(e) => {
              const value = e.currentTarget.value;
              setSoap((v) => ({ ...v, [s]: value }));
            }}
            error={failure?.fields[s]}
          />
        ))}
        <Group>
          <Button type="submit" loading={busy}>
            {submitLabel}
          </Button>
          {onCancel && (
            <Button variant="default" onClick={onCancel}>
              {t('common.cancel')}
            </Button>
          )}
        </Group>
      </Stack>
    </form>
  );
}
