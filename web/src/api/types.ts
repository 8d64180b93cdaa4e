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
export type Info = Json<paths['/api/v1/info']['get']['responses'][200]>;
export type Treatment = Json<paths['/api/v1/treatments/{id}']['put']['responses'][200]>;
export type TreatmentInput = NonNullable<
  paths['/api/v1/treatments']['post']['requestBody']
>['content']['application/json'];
export type Practitioner = Json<paths['/api/v1/practitioners/{id}']['get']['responses'][200]>;
export type PractitionerInput = NonNullable<
  paths['/api/v1/practitioners']['post']['requestBody']
>['content']['application/json'];
export type WorkingInterval = Practitioner['workingHours'][number];
export type PractitionerException = Json<
  paths['/api/v1/practitioners/{id}/exceptions']['get']['responses'][200]
>['items'][number];
export type ExceptionInput = NonNullable<
  paths['/api/v1/practitioners/{id}/exceptions']['post']['requestBody']
>['content']['application/json'];
export type Slot = Json<paths['/api/v1/practitioners/{id}/availability']['get']['responses'][200]>['slots'][number];
export type Appointment = Json<paths['/api/v1/appointments/{id}']['get']['responses'][200]>;
export type AppointmentStatus = Appointment['status'];
export type AppointmentType = Appointment['type'];
export type AppointmentQuery = NonNullable<paths['/api/v1/appointments']['get']['parameters']['query']>;
export type Reschedule = NonNullable<
  paths['/api/v1/appointments/{id}']['patch']['requestBody']
>['content']['application/json'];
