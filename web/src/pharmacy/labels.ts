import { useTranslation } from 'react-i18next';
import type { ProductKind, PurchaseOrderStatus } from './types';

/** The words for product kinds in the reader's language. */
export function useProductKindLabels(): Record<ProductKind, string> {
  const { t } = useTranslation();
  return { medicine: t('productKind.medicine'), supply: t('productKind.supply') };
}

export function usePurchaseOrderStatusLabels(): Record<PurchaseOrderStatus, string> {
  const { t } = useTranslation();
  return {
    draft: t('purchaseOrderStatus.draft'),
    confirmed: t('purchaseOrderStatus.confirmed'),
    received: t('purchaseOrderStatus.received'),
    cancelled: t('purchaseOrderStatus.cancelled'),
  };
}

/** Filled badges dark enough for white text. */
export const PO_STATUS_COLOR: Record<PurchaseOrderStatus, string> = {
  draft: 'gray.7',
  confirmed: 'blue.8',
  received: 'teal.9',
  cancelled: 'red.9',
};
