import { ApiError } from '../api/client';
import type { Practitioner } from '../api/types';
import { formatClinicInstant, formatTime } from '../format';
import i18n from '../i18n';

interface Context {
  practitioners?: Practitioner[] | undefined;
  timeZone: string;
  cutoffHours?: number | undefined;
}

/**
 * Why the server refused a booking, a move or a status change, in the user's language. The 409
 * answers carry a `code` and the practitioner and time in question; anything else falls back to
 * the server's own words.
 */
export function scheduleMessage(err: unknown, context: Context): string {
  if (!(err instanceof ApiError)) return i18n.t('errors.network');
  const p = err.problem;
  if (err.status === 400 && p.errors?.length) return Object.values(err.fieldErrors()).join(' ');
  if (err.status !== 409) return p.detail ?? err.message;
  const practitioner = context.practitioners?.find((x) => x.id === p.practitionerId)?.name;
  const when =
    typeof p.start === 'string' && typeof p.end === 'string'
      ? `${formatClinicInstant(p.start, i18n.language, context.timeZone)}–${formatTime(p.end, context.timeZone)}`
      : undefined;
  switch (p.code) {
    case 'slot_taken':
    case 'outside_working_hours':
    case 'practitioner_unavailable':
      return practitioner && when ? i18n.t(`conflict.${p.code}`, { practitioner, when }) : (p.detail ?? err.message);
    case 'patient_busy':
      return i18n.t('conflict.patient_busy', { number: p.appointmentNumber });
    case 'cancel_cutoff':
      return context.cutoffHours === undefined
        ? (p.detail ?? err.message)
        : i18n.t('conflict.cancel_cutoff', { count: context.cutoffHours });
  }
  if (typeof p.currentStatus === 'string')
    return i18n.t('conflict.status', { status: i18n.t(`appointmentStatus.${p.currentStatus}`) });
  return p.detail ?? err.message;
}
