import { api, unwrap } from '../api/client';
import type {
  Dashboard,
  Dispensing,
  MoveInput,
  Product,
  ProductInput,
  ProductQuery,
  PurchaseOrder,
  PurchaseOrderInput,
  PurchaseOrderQuery,
  PurchaseOrderReceipt,
  ReceiptInput,
  StockQuery,
  Suggestion,
  Vendor,
  VendorInput,
  VendorQuery,
} from './types';

/** Leaves out empty filters: the server treats an empty `q` as a search for nothing. */
const defined = <T extends object>(query: T) =>
  Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== '')) as T;

export const getDashboard = (days: number): Promise<Dashboard> =>
  unwrap(api.GET('/api/v1/pharmacy/dashboard', { params: { query: { days } } }));

export const listProducts = (query: ProductQuery) =>
  unwrap(api.GET('/api/v1/products', { params: { query: defined(query) } }));

export const createProduct = (body: ProductInput): Promise<Product> => unwrap(api.POST('/api/v1/products', { body }));

export const updateProduct = (id: string, body: ProductInput): Promise<Product> =>
  unwrap(api.PUT('/api/v1/products/{id}', { params: { path: { id } }, body }));

export const listStock = (query: StockQuery) => unwrap(api.GET('/api/v1/stock', { params: { query: defined(query) } }));

export const receiveGoods = (body: ReceiptInput) => unwrap(api.POST('/api/v1/stock/receipts', { body }));

export const recordMove = (body: MoveInput) => unwrap(api.POST('/api/v1/stock/moves', { body }));

export const dispense = (
  prescriptionId: string,
  lineNo: number,
  body: { productId: string; quantity: string; note?: string },
): Promise<Dispensing> =>
  unwrap(
    api.POST('/api/v1/prescriptions/{id}/lines/{lineNo}/dispense', {
      params: { path: { id: prescriptionId, lineNo } },
      body,
    }),
  );

export const listSignedPrescriptions = (query: {
  patientId?: string;
  number?: string;
  cursor?: string;
  limit: number;
}) => unwrap(api.GET('/api/v1/prescriptions', { params: { query: defined({ ...query, status: 'signed' as const }) } }));

export const getPrescription = (id: string) =>
  unwrap(api.GET('/api/v1/prescriptions/{id}', { params: { path: { id } } }));

// Purchasing -------------------------------------------------------------------------------

export const listVendors = (query: VendorQuery) =>
  unwrap(api.GET('/api/v1/vendors', { params: { query: defined(query) } }));

export const createVendor = (body: VendorInput): Promise<Vendor> => unwrap(api.POST('/api/v1/vendors', { body }));

export const updateVendor = (id: string, body: VendorInput): Promise<Vendor> =>
  unwrap(api.PUT('/api/v1/vendors/{id}', { params: { path: { id } }, body }));

export const listPurchaseOrders = (query: PurchaseOrderQuery) =>
  unwrap(api.GET('/api/v1/purchase-orders', { params: { query: defined(query) } }));

export const getPurchaseOrder = (id: string): Promise<PurchaseOrder> =>
  unwrap(api.GET('/api/v1/purchase-orders/{id}', { params: { path: { id } } }));

export const reorderSuggestions = (): Promise<{ items: Suggestion[] }> =>
  unwrap(api.GET('/api/v1/purchase-orders/suggestions'));

export const createPurchaseOrder = (body: PurchaseOrderInput): Promise<PurchaseOrder> =>
  unwrap(api.POST('/api/v1/purchase-orders', { body }));

export const confirmPurchaseOrder = (id: string): Promise<PurchaseOrder> =>
  unwrap(api.POST('/api/v1/purchase-orders/{id}/confirm', { params: { path: { id } } }));

export const receivePurchaseOrder = (id: string, body: PurchaseOrderReceipt) =>
  unwrap(api.POST('/api/v1/purchase-orders/{id}/receive', { params: { path: { id } }, body }));

export const cancelPurchaseOrder = (id: string, reason: string): Promise<PurchaseOrder> =>
  unwrap(api.POST('/api/v1/purchase-orders/{id}/cancel', { params: { path: { id } }, body: { reason } }));
