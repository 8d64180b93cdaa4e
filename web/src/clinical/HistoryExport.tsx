import { Group, Select } from '@mantine/core';
import { useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Patient } from '../api/types';
import { PdfButton } from './PdfButton';
import { historyPdf, type PdfLanguage } from './pdf';

/**
 * Downloads a patient's whole clinical history as a PDF, in Spanish or English (the reader's
 * language unless chosen otherwise). The server audits every download.
 */
export function HistoryExport({ patient, label }: { patient: Pick<Patient, 'id' | 'patientNumber'>; label: string }) {
  const { t, i18n } = useTranslation();
  const [lang, setLang] = useState<PdfLanguage>(i18n.language === 'en' ? 'en' : 'es');
  return (
    // Wraps on a phone rather than squeezing the button (Group shares the width out by default).
    <Group align="flex-end" gap="sm" preventGrowOverflow={false} data-testid="history-export">
      <Select
        label={t('history.language')}
        data={[
          { value: 'es', label: 'Español' },
          { value: 'en', label: 'English' },
        ]}
        value={lang}
        onChange={(v) => v && setLang(v as PdfLanguage)}
        allowDeselect={false}
        w={140}
      />
      <PdfButton
        label={label}
        load={() => historyPdf(patient.id, lang)}
        filename={`${t('history.filename')}-${patient.patientNumber}.pdf`}
        action="download"
      />
    </Group>
  );
}
