import type { paths } from '../api/schema';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;
type Body<T> = T extends { requestBody?: { content: { 'application/json': infer B } } } ? B : never;

export type Dashboard = Json<paths['/api/v1/pharmacy/dashboard']['get']['responses'][200]>;
export type Product = Json<paths['/api/v1/products/{id}']['get']['responses'][200]>;
export type ProductInput = Body<paths['/api/v1/products']['post']>;
export type ProductKind = Product['kind'];
export type ProductQuery = NonNullable<paths['/api/v1/products']['get']['parameters']['query']>;
export type StockLevel = Json<paths['/api/v1/stock']['get']['responses'][200]>['items'][number];
export type StockQuery = NonNullable<paths['/api/v1/stock']['get']['parameters']['query']>;
export type ReceiptInput = Body<paths['/api/v1/stock/receipts']['post']>;
export type MoveInput = Body<paths['/api/v1/stock/moves']['post']>;
export type Dispensing = Json<paths['/api/v1/prescriptions/{id}/lines/{lineNo}/dispense']['post']['responses'][201]>;

export const PRODUCT_KINDS = ['medicine', 'supply'] as const satisfies readonly ProductKind[];

/** The statuses of a purchase order (P00001): draft, confirmed (sent to the vendor), received, cancelled. */
export const PO_STATUSES = ['draft', 'confirmed', 'received', 'cancelled'] as const;
export type PurchaseOrderStatus = (typeof PO_STATUSES)[number];

export type Vendor = Json<paths['/api/v1/vendors/{id}']['get']['responses'][200]>;
export type VendorInput = Body<paths['/api/v1/vendors']['post']>;
export type VendorQuery = NonNullable<paths['/api/v1/vendors']['get']['parameters']['query']>;
export type PurchaseOrder = Json<paths['/api/v1/purchase-orders/{id}']['get']['responses'][200]>;
export type PurchaseOrderInput = Body<paths['/api/v1/purchase-orders']['post']>;
export type PurchaseOrderQuery = NonNullable<paths['/api/v1/purchase-orders']['get']['parameters']['query']>;
export type PurchaseOrderReceipt = Body<paths['/api/v1/purchase-orders/{id}/receive']['post']>;
export type Suggestion = Json<paths['/api/v1/purchase-orders/suggestions']['get']['responses'][200]>['items'][number];
