import { ApiError, api, type Problem, unwrap } from '../api/client';
import { freshSession } from '../api/session';
import type {
  Article,
  Attachment,
  Incident,
  IncidentChange,
  IncidentDetail,
  IncidentPage,
  IncidentQuery,
  IncidentSummary,
  NewArticle,
  NewIncident,
} from './types';

export function listIncidents(query: IncidentQuery): Promise<IncidentPage> {
  const defined = Object.fromEntries(Object.entries(query).filter(([, v]) => v !== undefined && v !== ''));
  return unwrap(api.GET('/api/v1/incidents', { params: { query: defined } }));
}

export const incidentSummary = (): Promise<IncidentSummary> => unwrap(api.GET('/api/v1/incidents/summary'));

export const getIncident = (id: string): Promise<IncidentDetail> =>
  unwrap(api.GET('/api/v1/incidents/{id}', { params: { path: { id } } }));

export const createIncident = (body: NewIncident): Promise<Incident> => unwrap(api.POST('/api/v1/incidents', { body }));

export const updateIncident = (id: string, body: IncidentChange): Promise<Incident> =>
  unwrap(api.PUT('/api/v1/incidents/{id}', { params: { path: { id } }, body }));

export const addArticle = (id: string, body: NewArticle): Promise<Article> =>
  unwrap(api.POST('/api/v1/incidents/{id}/articles', { params: { path: { id } }, body }));

// A file goes up as multipart/form-data: plain fetch with the bearer token.

function problemOf(status: number, text: string): Problem {
  try {
    const body = JSON.parse(text) as unknown;
    if (body && typeof body === 'object') return { ...(body as Problem), status };
  } catch {
    // Not JSON (a proxy's page): the status says enough.
  }
  return { status };
}

export async function uploadAttachment(id: string, file: File): Promise<Attachment> {
  const session = await freshSession();
  const headers = new Headers();
  if (session) headers.set('authorization', `Bearer ${session.accessToken}`);
  const form = new FormData();
  form.append('file', file, file.name);
  const response = await fetch(`/api/v1/incidents/${encodeURIComponent(id)}/attachments`, {
    method: 'POST',
    headers,
    body: form,
  });
  if (!response.ok)
    throw new ApiError(response.status, problemOf(response.status, await response.text()), response.headers);
  return (await response.json()) as Attachment;
}

/** An attachment's bytes: fetched with the bearer token (a plain link cannot send it). */
export const attachmentContent = (id: string, attachmentId: string): Promise<Blob> =>
  unwrap(
    api.GET('/api/v1/incidents/{id}/attachments/{attachmentId}/content', {
      params: { path: { id, attachmentId } },
      parseAs: 'blob',
    }),
  ) as Promise<Blob>;
