import type { paths } from '../api/schema';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

export const STATUSES = [
  'new',
  'open',
  'pending',
  'resolved',
  'closed',
] as const satisfies readonly Incident['status'][];
export const PRIORITIES = ['low', 'normal', 'high', 'urgent'] as const satisfies readonly Incident['priority'][];
export const CATEGORIES = [
  'appointment',
  'prescription',
  'billing',
  'access',
  'clinical',
  'technical',
  'other',
] as const satisfies readonly Incident['category'][];

export type IncidentStatus = Incident['status'];
export type IncidentPriority = Incident['priority'];
export type IncidentCategory = Incident['category'];

/** The statuses an incident may move to from each one (the server refuses the others with a 409). */
export const TRANSITIONS: Record<IncidentStatus, readonly IncidentStatus[]> = {
  new: ['open', 'pending', 'resolved', 'closed'],
  open: ['pending', 'resolved', 'closed'],
  pending: ['open', 'resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: [],
};

export type IncidentPage = Json<paths['/api/v1/incidents']['get']['responses'][200]>;
export type Incident = IncidentPage['items'][number];
export type IncidentDetail = Json<paths['/api/v1/incidents/{id}']['get']['responses'][200]>;
export type Article = IncidentDetail['articles'][number];
export type ArticleKind = Article['kind'];
export type Attachment = Article['attachments'][number];
export type IncidentSummary = Json<paths['/api/v1/incidents/summary']['get']['responses'][200]>;
export type NewIncident = Json<NonNullable<paths['/api/v1/incidents']['post']['requestBody']>>;
export type IncidentChange = Json<NonNullable<paths['/api/v1/incidents/{id}']['put']['requestBody']>>;
export type NewArticle = Json<NonNullable<paths['/api/v1/incidents/{id}/articles']['post']['requestBody']>>;

/** The list's filters; an undefined one is left out. */
export type IncidentQuery = {
  [K in keyof NonNullable<paths['/api/v1/incidents']['get']['parameters']['query']>]?:
    | NonNullable<paths['/api/v1/incidents']['get']['parameters']['query']>[K]
    | undefined;
};
