import type { paths } from '../api/schema';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

export type DocumentPage = Json<paths['/api/v1/patients/{id}/documents']['get']['responses'][200]>;
export type PatientDocument = DocumentPage['items'][number];
export type DocumentCategory = PatientDocument['category'];
export type BackupStatus = Json<paths['/api/v1/backups']['get']['responses'][200]>;
export type BackupRun = Json<paths['/api/v1/backups']['post']['responses'][202]>;
export type BackupRunStatus = BackupRun['status'];
export type BackupTrigger = BackupRun['trigger'];

export const CATEGORIES = [
  'prescription',
  'history_export',
  'incident_report',
  'invoice',
  'result',
  'upload',
] as const satisfies readonly DocumentCategory[];
/** What staff may file by hand; the others are filed by the server when it produces them. */
export const UPLOAD_CATEGORIES = ['upload', 'result'] as const satisfies readonly DocumentCategory[];
export type UploadCategory = (typeof UPLOAD_CATEGORIES)[number];
