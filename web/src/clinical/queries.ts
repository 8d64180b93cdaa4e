import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';

/** Every query of one patient's record starts with this key, so one change refreshes them all. */
const recordKey = (patientId: string) => ['clinical', patientId] as const;

/** After any change to the record: the summary, lists and chart all show it. */
export function useRefreshRecord(patientId: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: recordKey(patientId) });
}

const PAGE = 50;

/** A newest-first list of the record, a page at a time (the server's cursor), flattened. */
function usePaged<T>(
  patientId: string,
  kind: string,
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | null }>,
  enabled = true,
) {
  const list = useInfiniteQuery({
    queryKey: [...recordKey(patientId), kind],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => fetchPage(pageParam),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    enabled,
  });
  return { list, items: list.data?.pages.flatMap((p) => p.items) ?? [] };
}

const page = (cursor: string | undefined) => ({ limit: PAGE, ...(cursor ? { cursor } : {}) });

export function useSummary(patientId: string) {
  return useQuery({
    queryKey: [...recordKey(patientId), 'summary'],
    queryFn: () => unwrap(api.GET('/api/v1/patients/{id}/clinical-summary', { params: { path: { id: patientId } } })),
  });
}

export function useEncounters(patientId: string) {
  return usePaged(patientId, 'encounters', (cursor) =>
    unwrap(api.GET('/api/v1/patients/{id}/encounters', { params: { path: { id: patientId }, query: page(cursor) } })),
  );
}

export function useNotes(patientId: string) {
  return usePaged(patientId, 'notes', (cursor) =>
    unwrap(api.GET('/api/v1/patients/{id}/notes', { params: { path: { id: patientId }, query: page(cursor) } })),
  );
}

export function useDiagnoses(patientId: string) {
  return useQuery({
    queryKey: [...recordKey(patientId), 'diagnoses'],
    queryFn: () => unwrap(api.GET('/api/v1/patients/{id}/diagnoses', { params: { path: { id: patientId } } })),
  });
}

export function useVitals(patientId: string) {
  return usePaged(patientId, 'vitals', (cursor) =>
    unwrap(api.GET('/api/v1/patients/{id}/vital-signs', { params: { path: { id: patientId }, query: page(cursor) } })),
  );
}

export function useResults(patientId: string) {
  return usePaged(patientId, 'results', (cursor) =>
    unwrap(api.GET('/api/v1/patients/{id}/results', { params: { path: { id: patientId }, query: page(cursor) } })),
  );
}

export function useDentalChart(patientId: string) {
  return useQuery({
    queryKey: [...recordKey(patientId), 'dental-chart'],
    queryFn: () => unwrap(api.GET('/api/v1/patients/{id}/dental-chart', { params: { path: { id: patientId } } })),
  });
}

export function useToothHistory(patientId: string, tooth: number) {
  return useQuery({
    queryKey: [...recordKey(patientId), 'dental-chart', tooth],
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/patients/{id}/dental-chart/teeth/{tooth}/history', {
          params: { path: { id: patientId, tooth: String(tooth) } },
        }),
      ),
  });
}

export function usePrescriptions(patientId: string) {
  return usePaged(patientId, 'prescriptions', (cursor) =>
    unwrap(api.GET('/api/v1/prescriptions', { params: { query: { patientId, ...page(cursor) } } })),
  );
}

/** ICD-10 codes by code prefix or words of the title, as the user types. */
export function useIcd10(q: string) {
  return useQuery({
    queryKey: ['icd10', q],
    enabled: q.length >= 2,
    queryFn: () => unwrap(api.GET('/api/v1/icd10', { params: { query: { q, limit: 20 } } })),
    placeholderData: keepPreviousData,
    staleTime: Infinity,
  });
}
