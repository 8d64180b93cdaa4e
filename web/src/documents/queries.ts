import { useInfiniteQuery, useQueryClient } from '@tanstack/react-query';
import { listDocuments } from './api';
import type { DocumentCategory } from './types';

const PAGE = 50;

/** Every documents query of one patient starts with this key, so an upload or delete refreshes them all. */
export const documentsKey = (patientId: string) => ['documents', patientId] as const;

export function useRefreshDocuments(patientId: string) {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: documentsKey(patientId) });
}

/** A patient's documents, newest first, a page at a time (the server's cursor), flattened. */
export function useDocuments(
  patientId: string,
  filters: { category: DocumentCategory | null; includeDeleted: boolean },
) {
  const list = useInfiniteQuery({
    queryKey: [...documentsKey(patientId), filters],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      listDocuments(patientId, {
        category: filters.category ?? undefined,
        includeDeleted: filters.includeDeleted,
        cursor: pageParam,
        limit: PAGE,
      }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
  });
  return { list, items: list.data?.pages.flatMap((p) => p.items) ?? [] };
}
