import { ApiError } from '../api/client';
import { type Failure, failureOf as recordFailureOf } from '../clinical/problems';
import i18n from '../i18n';

/** Why the server refused a billing step, in the user's language where the 409 code has words. */
export function billingFailure(err: unknown): Failure {
  if (err instanceof ApiError && err.status === 409) {
    const p = err.problem;
    const invoice = typeof p.invoiceNumber === 'string' ? p.invoiceNumber : i18n.t('billing.aDraft');
    const words: Record<string, string> = {
      already_billed: i18n.t('billing.conflict.alreadyBilled', { invoice }),
      nothing_dispensed: i18n.t('billing.conflict.nothingDispensed'),
      appointment_cancelled: i18n.t('billing.conflict.appointmentCancelled'),
      invoice_issued: i18n.t('billing.conflict.issued'),
      invoice_void: i18n.t('billing.conflict.void'),
      invoice_empty: i18n.t('billing.conflict.empty'),
      overpayment: i18n.t('billing.conflict.overpayment', { due: typeof p.due === 'string' ? p.due : '' }),
      invoice_has_payments: i18n.t('billing.conflict.hasPayments'),
    };
    const code = typeof p.code === 'string' ? p.code : '';
    if (words[code]) return { message: words[code], fields: {} };
  }
  return recordFailureOf(err);
}
