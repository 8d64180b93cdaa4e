/**
 * Status mapping between Clinica and Zammad's default ticket states.
 *
 * Clinica → Zammad: new → new, open → open, pending → pending reminder (due in a day),
 * resolved → closed, closed → closed.
 * Zammad → Clinica: new → new, open → open, pending reminder / pending close → pending,
 * closed → resolved (the reporter can still confirm it or reopen it in Clinica); merged and
 * removed tickets, and states Zammad does not ship, change nothing.
 */
export type IncidentStatus = 'new' | 'open' | 'pending' | 'resolved' | 'closed';

const TO_ZAMMAD: Record<IncidentStatus, string> = {
  new: 'new',
  open: 'open',
  pending: 'pending reminder',
  resolved: 'closed',
  closed: 'closed',
};

const FROM_ZAMMAD: Record<string, IncidentStatus> = {
  new: 'new',
  open: 'open',
  'pending reminder': 'pending',
  'pending close': 'pending',
  closed: 'resolved',
};

/** Zammad's default state ids, for payloads that carry only `state_id`. */
const DEFAULT_STATE_NAMES: Record<number, string> = {
  1: 'new',
  2: 'open',
  3: 'pending reminder',
  4: 'closed',
  5: 'merged',
  6: 'removed',
  7: 'pending close',
};

/** How long a ticket set to pending from Clinica waits before Zammad reminds its agent. */
export const PENDING_REMINDER_MS = 24 * 3_600_000;

export const toZammadState = (status: IncidentStatus): string => TO_ZAMMAD[status];

export function zammadStateName(ticket: { state?: string | undefined; state_id?: number | undefined }): string | null {
  if (ticket.state) return ticket.state.toLowerCase();
  return ticket.state_id === undefined ? null : (DEFAULT_STATE_NAMES[ticket.state_id] ?? null);
}

/**
 * The Clinica status a Zammad state asks for, or null when nothing should change: an
 * unmapped state, or one that is just Zammad's picture of the current status (a resolved
 * incident is closed in Zammad; that must not reopen anything).
 */
export function statusFromZammad(state: string | null, current: IncidentStatus): IncidentStatus | null {
  if (!state) return null;
  const wanted = FROM_ZAMMAD[state];
  if (!wanted) return null;
  if (TO_ZAMMAD[current] === TO_ZAMMAD[wanted]) return null;
  return wanted;
}

/** Whether Zammad's state already stands for this Clinica status (nothing to push). */
export function zammadStateMatches(state: string | null, status: IncidentStatus): boolean {
  const mapped = state ? FROM_ZAMMAD[state] : undefined;
  return mapped !== undefined && TO_ZAMMAD[mapped] === TO_ZAMMAD[status];
}
