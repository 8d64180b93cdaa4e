import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import type { Appointment, AppointmentQuery, Practitioner } from '../api/types';

/** Name, version, time zone and cut-off of the clinic: fixed while the server runs. */
export function useInfo() {
  return useQuery({ queryKey: ['info'], queryFn: () => unwrap(api.GET('/api/v1/info')), staleTime: Infinity });
}

export function usePractitioners(includeInactive = false) {
  return useQuery({
    queryKey: ['practitioners', { includeInactive }],
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/practitioners', { params: { query: includeInactive ? { includeInactive: 'true' } : {} } }),
        )
      ).items,
  });
}

export function useTreatments(includeInactive = false) {
  return useQuery({
    queryKey: ['treatments', { includeInactive }],
    queryFn: async () =>
      (
        await unwrap(
          api.GET('/api/v1/treatments', { params: { query: includeInactive ? { includeInactive: 'true' } : {} } }),
        )
      ).items,
  });
}

/** Every appointment matching the query, following the cursor: a diary page needs all of its day or week. */
export async function fetchAppointments(query: AppointmentQuery): Promise<Appointment[]> {
  const all: Appointment[] = [];
  let cursor: string | undefined;
  do {
    const page = await unwrap(
      api.GET('/api/v1/appointments', { params: { query: { ...query, limit: 100, ...(cursor ? { cursor } : {}) } } }),
    );
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

export function useAppointments(
  query: AppointmentQuery,
  options: { enabled?: boolean; refetchInterval?: number } = {},
) {
  return useQuery({
    queryKey: ['appointments', query],
    queryFn: () => fetchAppointments(query),
    // Paging to the next day or week keeps the last one on screen until the new one arrives.
    placeholderData: keepPreviousData,
    ...options,
  });
}

/** One patient, shared with the patient pages' cache (appointments carry only the id). */
export function usePatient(id: string | undefined) {
  return useQuery({
    queryKey: ['patient', id],
    enabled: !!id,
    queryFn: () => unwrap(api.GET('/api/v1/patients/{id}', { params: { path: { id: id ?? '' } } })),
    staleTime: 60_000,
  });
}

export const practitionerName = (practitioners: Practitioner[] | undefined, id: string) =>
  practitioners?.find((p) => p.id === id)?.name ?? '…';
