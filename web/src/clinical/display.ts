import { useTranslation } from 'react-i18next';
import type { Result, Vitals } from '../api/types';

/** Filled badges with white text at WCAG AA contrast. */
export const FLAG_BADGE: Record<NonNullable<Result['flag']>, string> = {
  low: 'blue.8',
  normal: 'teal.9',
  high: 'pink.9',
  critical: 'red.9',
};

/** Measured numbers (not money) in the reader's language: "37,5". */
function useNumber() {
  const { i18n } = useTranslation();
  const format = new Intl.NumberFormat(i18n.language, { maximumFractionDigits: 3, useGrouping: false });
  return (n: number) => format.format(n);
}

/** The readings of a set of vital signs, each with its label and unit: "TA 120/80 mmHg". */
export function useVitalsReadings() {
  const { t } = useTranslation();
  const n = useNumber();
  return (v: Vitals): { key: string; label: string; value: string }[] =>
    [
      {
        key: 'bp',
        label: t('vitals.bloodPressure'),
        value: v.systolic !== undefined && v.diastolic !== undefined ? `${v.systolic}/${v.diastolic} mmHg` : undefined,
      },
      { key: 'hr', label: t('vitals.heartRate'), value: v.heartRate !== undefined && `${v.heartRate} /min` },
      {
        key: 'rr',
        label: t('vitals.respiratoryRate'),
        value: v.respiratoryRate !== undefined && `${v.respiratoryRate} /min`,
      },
      { key: 't', label: t('vitals.temperature'), value: v.temperatureC !== undefined && `${n(v.temperatureC)} °C` },
      { key: 'spo2', label: t('vitals.spo2'), value: v.spo2 !== undefined && `${v.spo2} %` },
      { key: 'w', label: t('vitals.weight'), value: v.weightKg !== undefined && `${n(v.weightKg)} kg` },
      { key: 'h', label: t('vitals.height'), value: v.heightCm !== undefined && `${n(v.heightCm)} cm` },
      { key: 'bmi', label: t('vitals.bmi'), value: v.bmi !== undefined && `${n(v.bmi)} kg/m²` },
    ].filter((r): r is { key: string; label: string; value: string } => typeof r.value === 'string');
}

/** A result's value with its unit, and its reference range, as written on a lab report. */
export function useResultText() {
  const n = useNumber();
  return (r: Result) => {
    const unit = r.unit ? ` ${r.unit}` : '';
    const value = r.valueQuantity !== undefined ? `${n(r.valueQuantity)}${unit}` : (r.valueText ?? '');
    const low = r.referenceLow;
    const high = r.referenceHigh;
    const range =
      low !== undefined && high !== undefined
        ? `${n(low)}–${n(high)}${unit}`
        : low !== undefined
          ? `≥ ${n(low)}${unit}`
          : high !== undefined
            ? `≤ ${n(high)}${unit}`
            : '';
    return { value, reference: [range, r.referenceText].filter(Boolean).join(' · ') };
  };
}
