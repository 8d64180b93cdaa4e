import { useTranslation } from 'react-i18next';
import type { ChartEntry, Surface } from '../../api/types';

/** Surface names as dentists say them; `whole` is an entry on the whole tooth. */
export function useSurfaceLabels(): Record<Surface | 'whole', string> {
  const { t } = useTranslation();
  return {
    whole: t('surface.whole'),
    mesial: t('surface.mesial'),
    distal: t('surface.distal'),
    occlusal: t('surface.occlusal'),
    buccal: t('surface.buccal'),
    lingual: t('surface.lingual'),
  };
}

/** "Caries", or "Empaste de composite (planificado)": what an entry records. */
export function useEntryLabel() {
  const { t } = useTranslation();
  return (e: Pick<ChartEntry, 'kind' | 'finding' | 'treatmentName' | 'status'>) => {
    const finding = e.finding ?? 'other';
    const status = e.status ?? 'done';
    return e.kind === 'finding'
      ? t(`finding.${finding}`)
      : `${e.treatmentName ?? t('dental.treatment')} (${t(`chartStatus.${status}`)})`;
  };
}
