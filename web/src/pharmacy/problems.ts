import { ApiError } from '../api/client';
import i18n from '../i18n';
import { formatQuantity } from './quantity';

export interface Failure {
  /** What to say above the form. */
  message: string;
  /** Field errors by path without `body.` (`salePrice`, `lines.0.quantity`), in the user's language. */
  fields: Record<string, string>;
}

/** A figure the server sent with its refusal ("5.000"), as the reader writes numbers. */
const figure = (v: unknown) => (typeof v === 'string' ? formatQuantity(v, i18n.language) : '');

/** The 409 answers of the pharmacy that have words of their own, with the figures they carry. */
function conflictMessage(problem: ApiError['problem']): string | undefined {
  switch (problem.code) {
    case 'insufficient_stock':
      return problem.available === undefined
        ? i18n.t('pharmacyConflict.insufficientStock')
        : i18n.t('pharmacyConflict.insufficientStockAvailable', { available: figure(problem.available) });
    case 'over_prescribed':
      return i18n.t('pharmacyConflict.overPrescribed', { remaining: figure(problem.remaining) });
    case 'prescription_not_signed':
      return i18n.t('pharmacyConflict.notSigned');
    case 'barcode_in_use':
      return i18n.t('pharmacyConflict.barcodeInUse');
    case 'lot_expiry_mismatch':
      return i18n.t('pharmacyConflict.lotExpiryMismatch');
    case 'return_exceeds_dispensed':
      return i18n.t('pharmacyConflict.returnExceedsDispensed');
    case 'lot_full':
      return i18n.t('pharmacyConflict.lotFull');
    case 'invalid_status':
      return i18n.t('pharmacyConflict.invalidStatus');
    case 'no_lines':
      return i18n.t('pharmacyConflict.noLines');
    case 'vendor_inactive':
      return i18n.t('pharmacyConflict.vendorInactive');
    case 'partly_received':
      return i18n.t('pharmacyConflict.partlyReceived');
    case 'over_received':
      return i18n.t('pharmacyConflict.overReceived');
    default:
      return undefined;
  }
}

/**
 * Why the server refused a pharmacy change, in the user's language: field errors go next to
 * their fields; known conflicts have their own words; any other refusal shows the server's
 * own explanation (the problem's detail).
 */
export function failureOf(err: unknown): Failure {
  if (!(err instanceof ApiError)) return { message: i18n.t('errors.network'), fields: {} };
  const fields = err.fieldErrors();
  if (err.status === 400 && err.problem.errors?.length) {
    const { '': whole, ...rest } = fields;
    return { message: whole ?? i18n.t('errors.fixFields'), fields: rest };
  }
  const known = err.status === 409 ? conflictMessage(err.problem) : undefined;
  return { message: known ?? err.message, fields: err.status === 409 ? fields : {} };
}
