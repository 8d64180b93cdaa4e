import { useTranslation } from 'react-i18next';
import type { DocumentCategory } from './types';

/** The name of each category in the reader's language. */
export function useCategoryLabels(): Record<DocumentCategory, string> {
  const { t } = useTranslation();
  return {
    prescription: t('documentCategory.prescription'),
    history_export: t('documentCategory.history_export'),
    incident_report: t('documentCategory.incident_report'),
    invoice: t('documentCategory.invoice'),
    result: t('documentCategory.result'),
    upload: t('documentCategory.upload'),
  };
}
