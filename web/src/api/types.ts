import type { paths } from './schema';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

export type Patient = Json<paths['/api/v1/patients/{id}']['get']['responses'][200]>;
export type PatientInput = NonNullable<paths['/api/v1/patients']['post']['requestBody']>['content']['application/json'];
export type CreatedPatient = Json<paths['/api/v1/patients']['post']['responses'][201]>;
export type DuplicateCandidate = CreatedPatient['possibleDuplicates'][number];
export type User = Json<paths['/api/v1/users/{id}']['get']['responses'][200]>;
export type AuditEvent = Json<paths['/api/v1/audit-events']['get']['responses'][200]>['items'][number];
export type AuditQuery = NonNullable<paths['/api/v1/audit-events']['get']['parameters']['query']>;
export type MailDelivery = Json<paths['/api/v1/mail-deliveries']['get']['responses'][200]>['items'][number];
export type MailDeliveryStatus = MailDelivery['status'];
