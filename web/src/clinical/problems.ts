import { ApiError } from '../api/client';
import i18n from '../i18n';

export interface Failure {
  /** What to say above the form. */
  message: string;
  /** Field errors by path without `body.` (`systolic`, `lines.0.price`), in the user's language. */
  fields: Record<string, string>;
}

/** The 409 codes of the clinical record that have words of their own; others keep the server's. */
const CONFLICTS = ['note_signed', 'note_draft', 'prescription_signed'];

/**
 * Why the server refused a change to the record, in the user's language: field errors go next
 * to their fields (a refusal of the whole body, path '', joins the message); known conflicts
 * have their own words.
 */
export function failureOf(err: unknown): Failure {
  if (!(err instanceof ApiError)) return { message: i18n.t('errors.network'), fields: {} };
  const code = err.problem.code;
  if (err.status === 400 && err.problem.errors?.length) {
    const { '': whole, ...fields } = err.fieldErrors();
    return { message: whole ?? i18n.t('errors.fixFields'), fields };
  }
  if (err.status === 409 && typeof code === 'string' && CONFLICTS.includes(code))
    return { message: i18n.t(`clinicalConflict.${code}`), fields: {} };
  return { message: err.message, fields: {} };
}
