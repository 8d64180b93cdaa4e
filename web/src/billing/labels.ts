import { useTranslation } from 'react-i18next';
import type { InvoiceStatus, LineKind, PaymentMethod } from './api';

/** The words for each invoice status, payment method and line kind in the reader's language. */
export function useInvoiceLabels() {
  const { t } = useTranslation();
  const status: Record<InvoiceStatus, string> = {
    draft: t('billing.status.draft'),
    unpaid: t('billing.status.unpaid'),
    partially_paid: t('billing.status.partially_paid'),
    paid: t('billing.status.paid'),
    void: t('billing.status.void'),
  };
  const method: Record<PaymentMethod, string> = {
    cash: t('billing.method.cash'),
    card: t('billing.method.card'),
    transfer: t('billing.method.transfer'),
    insurance: t('billing.method.insurance'),
    other: t('billing.method.other'),
  };
  const kind: Record<LineKind, string> = {
    treatment: t('billing.kind.treatment'),
    appointment: t('billing.kind.appointment'),
    product: t('billing.kind.product'),
    other: t('billing.kind.other'),
  };
  return { status, method, kind };
}

/** Filled badges dark enough for white text; yellow (money still owed) takes black text. */
export const STATUS_COLOR: Record<InvoiceStatus, string> = {
  draft: 'gray.7',
  unpaid: 'yellow.4',
  partially_paid: 'blue.8',
  paid: 'teal.9',
  void: 'red.9',
};

/** "21.00" -> "21 %". */
export function formatRate(rate: string, language: string): string {
  const trimmed = rate.replace(/\.00$/, '').replace(/(\.\d)0$/, '$1');
  return language.startsWith('es') ? `${trimmed.replace('.', ',')} %` : `${trimmed}%`;
}

/** "2.500" -> "2,5": a quantity without trailing zeros. */
export function formatQuantity(q: string, language: string): string {
  const trimmed = q.includes('.') ? q.replace(/0+$/, '').replace(/\.$/, '') : q;
  return language.startsWith('es') ? trimmed.replace('.', ',') : trimmed;
}
