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

// The clinical record, the dental chart and prescriptions.
export type ClinicalSummary = Json<paths['/api/v1/patients/{id}/clinical-summary']['get']['responses'][200]>;
export type Encounter = Json<paths['/api/v1/patients/{id}/encounters/{encounterId}']['get']['responses'][200]>;
export type EncounterKind = Encounter['kind'];
export type EncounterInput = NonNullable<
  paths['/api/v1/patients/{id}/encounters']['post']['requestBody']
>['content']['application/json'];
export type Note = Json<paths['/api/v1/patients/{id}/notes/{noteId}']['get']['responses'][200]>;
export type Diagnosis = ClinicalSummary['activeDiagnoses'][number];
export type DiagnosisStatus = Diagnosis['status'];
export type Icd10Entry = Json<paths['/api/v1/icd10']['get']['responses'][200]>['items'][number];
export type Vitals = Json<paths['/api/v1/patients/{id}/vital-signs']['post']['responses'][201]>;
export type VitalsInput = NonNullable<
  paths['/api/v1/patients/{id}/vital-signs']['post']['requestBody']
>['content']['application/json'];
export type Result = Json<paths['/api/v1/patients/{id}/results/{resultId}']['get']['responses'][200]>;
export type ResultInput = NonNullable<
  paths['/api/v1/patients/{id}/results']['post']['requestBody']
>['content']['application/json'];
export type DentalChart = Json<paths['/api/v1/patients/{id}/dental-chart']['get']['responses'][200]>;
export type CurrentEntry = DentalChart['teeth'][number]['entries'][number];
export type ChartEntry = Json<
  paths['/api/v1/patients/{id}/dental-chart/teeth/{tooth}/history']['get']['responses'][200]
>['entries'][number];
export type ChartEntryInput = NonNullable<
  paths['/api/v1/patients/{id}/dental-chart/entries']['post']['requestBody']
>['content']['application/json'];
export type Surface = ChartEntry['surfaces'][number];
export type Finding = NonNullable<ChartEntry['finding']>;
export type Prescription = Json<paths['/api/v1/prescriptions/{id}']['get']['responses'][200]>;
export type PrescriptionInput = NonNullable<
  paths['/api/v1/prescriptions']['post']['requestBody']
>['content']['application/json'];
export type PrescriptionLineInput = PrescriptionInput['lines'][number];
export type DrugForm = PrescriptionLineInput['form'];
export type FoodTiming = PrescriptionLineInput['foodTiming'];
