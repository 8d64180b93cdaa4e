import { keepPreviousData, useInfiniteQuery, useQuery, useQueryClient } from '@tanstack/react-query';
import {
  getDashboard,
  getPurchaseOrder,
  listProducts,
  listPurchaseOrders,
  listSignedPrescriptions,
  listStock,
  listVendors,
} from './api';
import type { ProductQuery, PurchaseOrderQuery, StockQuery, VendorQuery } from './types';

export const PAGE_SIZE = 25;

export function useDashboard(days: number) {
  return useQuery({
    queryKey: ['pharmacy', 'dashboard', days],
    queryFn: () => getDashboard(days),
    staleTime: 0,
    placeholderData: keepPreviousData,
  });
}

export function useProducts(query: Omit<ProductQuery, 'cursor' | 'limit'>) {
  return useInfiniteQuery({
    queryKey: ['pharmacy', 'products', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => listProducts({ ...query, cursor: pageParam, limit: PAGE_SIZE }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
}

export function useStock(query: Omit<StockQuery, 'cursor' | 'limit'>) {
  return useInfiniteQuery({
    queryKey: ['pharmacy', 'stock', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => listStock({ ...query, cursor: pageParam, limit: PAGE_SIZE }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
}

/** Signed prescriptions, newest first; of one patient when `patientId` is set. */
/** Signed prescriptions, newest first: of one patient, or the one with a whole number (PRN00012). */
export function useSignedPrescriptions(patientId: string | null, number: string | null) {
  return useInfiniteQuery({
    queryKey: ['pharmacy', 'prescriptions', patientId, number],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) =>
      listSignedPrescriptions({
        patientId: patientId ?? undefined,
        number: number ?? undefined,
        cursor: pageParam,
        limit: PAGE_SIZE,
      }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
}

export function useVendors(query: Omit<VendorQuery, 'cursor' | 'limit'>) {
  return useInfiniteQuery({
    queryKey: ['pharmacy', 'vendors', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => listVendors({ ...query, cursor: pageParam, limit: PAGE_SIZE }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
}

export function usePurchaseOrders(query: Omit<PurchaseOrderQuery, 'cursor' | 'limit'>) {
  return useInfiniteQuery({
    queryKey: ['pharmacy', 'purchase-orders', 'list', query],
    initialPageParam: undefined as string | undefined,
    queryFn: ({ pageParam }) => listPurchaseOrders({ ...query, cursor: pageParam, limit: PAGE_SIZE }),
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    staleTime: 0,
  });
}

export function usePurchaseOrder(id: string | undefined) {
  return useQuery({
    queryKey: ['pharmacy', 'purchase-orders', 'one', id],
    queryFn: () => getPurchaseOrder(id ?? ''),
    enabled: Boolean(id),
    staleTime: 0,
  });
}

/** After a change of stock: the dashboard, the catalogue's on-hand figures and the levels read again. */
export function useRefreshPharmacy() {
  const queryClient = useQueryClient();
  return () => queryClient.invalidateQueries({ queryKey: ['pharmacy'] });
}
