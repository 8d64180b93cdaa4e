import { useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { getIncident, incidentSummary, listIncidents } from './api';
import type { IncidentQuery } from './types';

export const PAGE_SIZE = 25;

/** A cursor-paged list of incidents: the whole queue for agents, one's own for everyone else. */
export function useIncidents(query: Omit<IncidentQuery, 'cursor' | 'limit'>) {
  return useInfiniteQuery({
    queryKey: ['incidents', 'list', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => listIncidents({ ...query, cursor: pageParam, limit: PAGE_SIZE }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
}

export function useIncident(id: string | undefined) {
  return useQuery({
    queryKey: ['incidents', 'one', id],
    queryFn: () => getIncident(id ?? ''),
    enabled: Boolean(id),
    staleTime: 0,
  });
}

export function useIncidentSummary() {
  return useQuery({ queryKey: ['incidents', 'summary'], queryFn: incidentSummary, staleTime: 0 });
}

/** After a change: every list, the summary and the incident itself read again. */
export function useRefreshIncidents() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['incidents'] });
}
