import { Badge, Text } from '@mantine/core';
import { useEffect, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { Incident } from './types';

/** The current time, moving on every `everyMs` so that clocks on screen count down. */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}

/** A duration in days, hours and minutes: "1 d 4 h", "3 h 5 min", "12 min". */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} d ${hours} h` : `${days} d`;
  if (hours > 0) return rest > 0 ? `${hours} h ${rest} min` : `${hours} h`;
  return `${rest} min`;
}

export interface SlaState {
  target: 'firstResponse' | 'resolution';
  dueAt: string;
  /** Milliseconds until due; negative once past it. */
  left: number;
  breached: boolean;
}

/**
 * The target that runs now: the first response until an agent has answered, then the resolution;
 * none once resolved or closed. The time left is counted here from the due time, so it moves
 * without asking the server again; "breached" is the server's word or the clock's, whichever comes first.
 */
export function slaState(incident: Incident, now: number): SlaState | null {
  if (incident.status === 'resolved' || incident.status === 'closed') return null;
  const { sla } = incident;
  const first = !incident.firstResponseAt && sla.firstResponseDueAt;
  const target = first ? 'firstResponse' : 'resolution';
  const dueAt = first ? sla.firstResponseDueAt : sla.resolutionDueAt;
  if (!dueAt) return null;
  const left = Date.parse(dueAt) - now;
  const breached = (first ? sla.firstResponseBreached : sla.resolutionBreached) || left < 0;
  return { target, dueAt, left, breached };
}

/** "Respuesta en 2 h 5 min", red once breached ("Respuesta vencida hace 10 min"). */
export function SlaClock({ incident, now }: { incident: Incident; now: number }) {
  const { t } = useTranslation();
  const state = slaState(incident, now);
  if (!state)
    return (
      <Text size="xs" c="dimmed">
        —
      </Text>
    );
  const time = formatDuration(Math.abs(state.left));
  const text =
    state.target === 'firstResponse'
      ? state.breached
        ? t('helpdesk.sla.firstResponseBreached', { time })
        : t('helpdesk.sla.firstResponseLeft', { time })
      : state.breached
        ? t('helpdesk.sla.resolutionBreached', { time })
        : t('helpdesk.sla.resolutionLeft', { time });
  if (state.breached)
    return (
      <Badge color="red.9" data-testid="sla-clock" data-breached="true">
        {text}
      </Badge>
    );
  return (
    <Text size="xs" data-testid="sla-clock" data-breached="false" style={{ whiteSpace: 'nowrap' }}>
      {text}
    </Text>
  );
}
