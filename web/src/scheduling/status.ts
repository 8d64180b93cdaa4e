import type { AppointmentStatus, AppointmentType } from '../api/types';

export const STATUSES: AppointmentStatus[] = ['booked', 'confirmed', 'checked_in', 'done', 'no_show', 'cancelled'];
export const TYPES: AppointmentType[] = ['consultation', 'follow_up', 'procedure', 'emergency'];

/** Filled badges with white text at WCAG AA contrast. */
export const STATUS_BADGE: Record<AppointmentStatus, string> = {
  booked: 'blue.8',
  confirmed: 'teal.9',
  checked_in: 'violet.9',
  done: 'gray.7',
  no_show: 'red.9',
  cancelled: 'gray.9',
};

/** The palette of a calendar card: a light fill that keeps dark text readable, and a strong edge. */
export const STATUS_CARD: Record<AppointmentStatus, string> = {
  booked: 'blue',
  confirmed: 'teal',
  checked_in: 'violet',
  done: 'gray',
  no_show: 'red',
  cancelled: 'gray',
};

/** Only a booked or confirmed appointment can be moved or cancelled (the server's rule). */
export const isLive = (status: AppointmentStatus) => status === 'booked' || status === 'confirmed';
