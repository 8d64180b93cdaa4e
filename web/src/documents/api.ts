import { ApiError, api, type Problem, unwrap } from '../api/client';
import { freshSession } from '../api/session';
import type { BackupRun, BackupStatus, DocumentCategory, DocumentPage, PatientDocument, UploadCategory } from './types';

export interface DocumentQuery {
  category?: DocumentCategory | undefined;
  includeDeleted?: boolean;
  cursor?: string | undefined;
  limit?: number;
}

export function listDocuments(patientId: string, query: DocumentQuery): Promise<DocumentPage> {
  return unwrap(
    api.GET('/api/v1/patients/{id}/documents', {
      params: {
        path: { id: patientId },
        query: {
          ...(query.category ? { category: query.category } : {}),
          ...(query.includeDeleted ? { includeDeleted: 'true' as const } : {}),
          ...(query.cursor ? { cursor: query.cursor } : {}),
          ...(query.limit ? { limit: query.limit } : {}),
        },
      },
    }),
  );
}

/** The file itself: fetched with the bearer token (a plain link cannot send it). */
export function documentContent(patientId: string, documentId: string): Promise<Blob> {
  return unwrap(
    api.GET('/api/v1/patients/{id}/documents/{documentId}/content', {
      params: { path: { id: patientId, documentId } },
      parseAs: 'blob',
    }),
  ) as Promise<Blob>;
}

export function deleteDocument(patientId: string, documentId: string, reason: string): Promise<PatientDocument> {
  return unwrap(
    api.DELETE('/api/v1/patients/{id}/documents/{documentId}', {
      params: { path: { id: patientId, documentId } },
      body: { reason },
    }),
  );
}

export const backupStatus = (): Promise<BackupStatus> => unwrap(api.GET('/api/v1/backups'));

export const startBackup = (): Promise<BackupRun> => unwrap(api.POST('/api/v1/backups'));

function problemOf(status: number, text: string): Problem {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object') return { ...(body as Problem), status };
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return { status };
}

function headersOf(xhr: XMLHttpRequest): Headers {
  const headers = new Headers();
  for (const line of xhr
    .getAllResponseHeaders()
    .trim()
    .split(/[\r\n]+/)) {
    const at = line.indexOf(':');
    if (at > 0) headers.append(line.slice(0, at).trim(), line.slice(at + 1).trim());
  }
  return headers;
}

export interface UploadInput {
  file: File;
  title?: string;
  category: UploadCategory;
}

/**
 * Uploads a file as multipart/form-data. Through XMLHttpRequest rather than the API client:
 * only it reports how much of the body has been sent, for the progress bar.
 */
export async function uploadDocument(
  patientId: string,
  input: UploadInput,
  onProgress: (fraction: number) => void,
): Promise<PatientDocument> {
  const session = await freshSession();
  const form = new FormData();
  // Fields before the file: the server checks them before it streams the file to storage.
  if (input.title) form.append('title', input.title);
  form.append('category', input.category);
  form.append('file', input.file, input.file.name);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/patients/${encodeURIComponent(patientId)}/documents`);
    if (session) xhr.setRequestHeader('authorization', `Bearer ${session.accessToken}`);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) resolve(JSON.parse(xhr.responseText) as PatientDocument);
      else reject(new ApiError(xhr.status, problemOf(xhr.status, xhr.responseText), headersOf(xhr)));
    };
    // No answer at all: `failureOf` words it as a network failure.
    xhr.onerror = () => reject(new TypeError('network error'));
    xhr.send(form);
  });
}
