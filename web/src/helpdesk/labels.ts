import { useTranslation } from 'react-i18next';
import type { IncidentCategory, IncidentPriority, IncidentStatus } from './types';

/** The words for each status, priority and category in the reader's language. */
export function useIncidentLabels() {
  const { t } = useTranslation();
  const status: Record<IncidentStatus, string> = {
    new: t('incidentStatus.new'),
    open: t('incidentStatus.open'),
    pending: t('incidentStatus.pending'),
    resolved: t('incidentStatus.resolved'),
    closed: t('incidentStatus.closed'),
  };
  const priority: Record<IncidentPriority, string> = {
    low: t('incidentPriority.low'),
    normal: t('incidentPriority.normal'),
    high: t('incidentPriority.high'),
    urgent: t('incidentPriority.urgent'),
  };
  const category: Record<IncidentCategory, string> = {
    appointment: t('incidentCategory.appointment'),
    prescription: t('incidentCategory.prescription'),
    billing: t('incidentCategory.billing'),
    access: t('incidentCategory.access'),
    clinical: t('incidentCategory.clinical'),
    technical: t('incidentCategory.technical'),
    other: t('incidentCategory.other'),
  };
  return { status, priority, category };
}

/** Filled badges dark enough for white text; yellow (waiting on the reporter) takes black text. */
export const STATUS_COLOR: Record<IncidentStatus, string> = {
  new: 'blue.8',
  open: 'teal.9',
  pending: 'yellow.4',
  resolved: 'green.9',
  closed: 'gray.7',
};

export const PRIORITY_COLOR: Record<IncidentPriority, string> = {
  low: 'gray.7',
  normal: 'blue.8',
  high: 'orange.9',
  urgent: 'red.9',
};
