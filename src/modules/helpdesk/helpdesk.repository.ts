import type { Queryable } from '../../platform/db/database.js';
import { decodeCursor, encodeCursor } from '../../platform/http/schemas.js';
import { STAFF_NAME } from '../identity/staff-names.js';
import type {
  ArticleKind,
  ArticleVia,
  Attachment,
  AuthorRole,
  Incident,
  IncidentCategory,
  IncidentPriority,
  IncidentStatus,
} from './helpdesk.schemas.js';

export interface IncidentRow {
  id: string;
  number: string;
  subject: string;
  description: string;
  status: IncidentStatus;
  priority: IncidentPriority;
  category: IncidentCategory;
  reporter_user_id: string | null;
  reporter_name: string;
  reporter_email: string;
  patient_id: string | null;
  appointment_id: string | null;
  prescription_id: string | null;
  assignee_id: string | null;
  created_at: Date;
  updated_at: Date;
  first_response_at: Date | null;
  resolved_at: Date | null;
  closed_at: Date | null;
  first_response_due_at: Date | null;
  resolution_due_at: Date | null;
  first_response_breached_at: Date | null;
  resolution_breached_at: Date | null;
  external_system: 'zammad' | null;
  external_ticket_id: string | null;
  external_ticket_number: string | null;
  external_synced_at: Date | null;
}

export interface ArticleRow {
  id: string;
  incident_id: string;
  kind: ArticleKind;
  body: string;
  author_user_id: string | null;
  author_name: string;
  author_role: AuthorRole;
  via: ArticleVia;
  external_article_id: string | null;
  created_at: Date;
}

export interface AttachmentRow {
  id: string;
  incident_id: string;
  article_id: string | null;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  uploaded_by: string | null;
  created_at: Date;
}

const COLUMNS = `i.id, i.number, i.subject, i.description, i.status, i.priority, i.category, i.reporter_user_id,
  i.reporter_name, i.reporter_email, i.patient_id, i.appointment_id, i.prescription_id, i.assignee_id, i.created_at,
  i.updated_at, i.first_response_at, i.resolved_at, i.closed_at, i.first_response_due_at, i.resolution_due_at,
  i.first_response_breached_at, i.resolution_breached_at, i.external_system, i.external_ticket_id,
  i.external_ticket_number, i.external_synced_at`;

const ARTICLE_COLUMNS = `id, incident_id, kind, body, author_user_id, author_name, author_role, via, external_article_id,
  created_at`;

const ATTACHMENT_COLUMNS = `id, incident_id, article_id, file_name, content_type, size_bytes::int as size_bytes, sha256,
  storage_key, uploaded_by, created_at`;

const iso = (d: Date | null) => (d ? d.toISOString() : null);
/** A target is missed when the moment that meets it came (or has not yet come) after its due time. */
const missed = (due: Date | null, met: Date | null, now: Date) => !!due && (met ?? now).getTime() > due.getTime();

export function toIncident(r: IncidentRow, names: Map<string, string>, now = new Date()): Incident {
  return {
    id: r.id,
    number: r.number,
    subject: r.subject,
    description: r.description,
    status: r.status,
    priority: r.priority,
    category: r.category,
    reporter: { userId: r.reporter_user_id, name: r.reporter_name, email: r.reporter_email },
    patientId: r.patient_id,
    appointmentId: r.appointment_id,
    prescriptionId: r.prescription_id,
    assignee: r.assignee_id ? { id: r.assignee_id, name: names.get(r.assignee_id) ?? '' } : null,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    firstResponseAt: iso(r.first_response_at),
    resolvedAt: iso(r.resolved_at),
    closedAt: iso(r.closed_at),
    sla: {
      firstResponseDueAt: iso(r.first_response_due_at),
      resolutionDueAt: iso(r.resolution_due_at),
      firstResponseBreached:
        !!r.first_response_breached_at || missed(r.first_response_due_at, r.first_response_at, now),
      resolutionBreached: !!r.resolution_breached_at || missed(r.resolution_due_at, r.resolved_at ?? r.closed_at, now),
    },
    external:
      r.external_system && r.external_ticket_id
        ? {
            system: r.external_system,
            ticketId: r.external_ticket_id,
            ticketNumber: r.external_ticket_number ?? '',
            syncedAt: iso(r.external_synced_at),
          }
        : null,
  };
}

export const toAttachment = (a: AttachmentRow): Attachment => ({
  id: a.id,
  fileName: a.file_name,
  contentType: a.content_type,
  sizeBytes: a.size_bytes,
});

export async function nextIncidentNumber(q: Queryable): Promise<string> {
  const { rows } = await q.query<{ n: number }>(`select nextval('incident_number_seq')::int as n`);
  return `INC${String(rows[0]?.n).padStart(5, '0')}`;
}

export interface NewIncidentRow {
  id: string;
  number: string;
  subject: string;
  description: string;
  priority: IncidentPriority;
  category: IncidentCategory;
  reporterUserId: string | null;
  reporterName: string;
  reporterEmail: string;
  patientId: string | null;
  appointmentId: string | null;
  prescriptionId: string | null;
  firstResponseMinutes: number;
  resolutionMinutes: number;
}

export async function insertIncident(q: Queryable, i: NewIncidentRow): Promise<IncidentRow> {
  await q.query(
    `insert into incidents (id, number, subject, description, priority, category, reporter_user_id, reporter_name,
       reporter_email, patient_id, appointment_id, prescription_id, first_response_due_at, resolution_due_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12,
       now() + make_interval(mins => $13::int), now() + make_interval(mins => $14::int))`,
    [
      i.id,
      i.number,
      i.subject,
      i.description,
      i.priority,
      i.category,
      i.reporterUserId,
      i.reporterName,
      i.reporterEmail,
      i.patientId,
      i.appointmentId,
      i.prescriptionId,
      i.firstResponseMinutes,
      i.resolutionMinutes,
    ],
  );
  return (await findIncident(q, i.id)) as IncidentRow;
}

export async function findIncident(q: Queryable, id: string, forUpdate = false): Promise<IncidentRow | undefined> {
  const { rows } = await q.query<IncidentRow>(
    `select ${COLUMNS} from incidents i where i.id = $1${forUpdate ? ' for update' : ''}`,
    [id],
  );
  return rows[0];
}

export async function findByNumber(q: Queryable, number: string): Promise<IncidentRow | undefined> {
  const { rows } = await q.query<IncidentRow>(`select ${COLUMNS} from incidents i where i.number = $1`, [number]);
  return rows[0];
}

export async function findByExternalTicket(q: Queryable, system: string, ticketId: string) {
  const { rows } = await q.query<{ id: string }>(
    'select id from incidents where external_system = $1 and external_ticket_id = $2',
    [system, ticketId],
  );
  return rows[0]?.id ?? null;
}

export interface IncidentFields {
  subject: string;
  priority: IncidentPriority;
  category: IncidentCategory;
  status: IncidentStatus;
  assigneeId: string | null;
  /** Recompute the due times from the creation time (a new priority). */
  slaMinutes: { firstResponse: number; resolution: number } | null;
  firstResponse: boolean;
}

export async function updateIncident(q: Queryable, id: string, f: IncidentFields): Promise<IncidentRow> {
  await q.query(
    `update incidents set subject = $2, priority = $3, category = $4, status = $5, assignee_id = $6,
       first_response_due_at = case when $7::int is null then first_response_due_at
                                    else created_at + make_interval(mins => $7::int) end,
       resolution_due_at = case when $8::int is null then resolution_due_at
                                else created_at + make_interval(mins => $8::int) end,
       first_response_at = case when $9 and first_response_at is null then now() else first_response_at end,
       resolved_at = case when $5 = 'resolved' then coalesce(resolved_at, now())
                          when $5 = 'closed' then resolved_at else null end,
       closed_at = case when $5 = 'closed' then coalesce(closed_at, now()) else null end,
       updated_at = now()
     where id = $1`,
    [
      id,
      f.subject,
      f.priority,
      f.category,
      f.status,
      f.assigneeId,
      f.slaMinutes?.firstResponse ?? null,
      f.slaMinutes?.resolution ?? null,
      f.firstResponse,
    ],
  );
  return (await findIncident(q, id)) as IncidentRow;
}

/** Orders the queue: open incidents by their earliest due time, then the rest, each group newest first. */
const SORT_KEY = `(case when i.status in ('new', 'open', 'pending')
    then '0' || lpad((extract(epoch from coalesce(
      least(case when i.first_response_at is null then i.first_response_due_at end, i.resolution_due_at),
      i.created_at + interval '100 years')) * 1000)::bigint::text, 15, '0')
    else '1' end)
  || lpad((99999999999999 - (extract(epoch from i.created_at) * 1000)::bigint)::text, 15, '0')`;

export interface IncidentSearch {
  status?: IncidentStatus | undefined;
  priority?: IncidentPriority | undefined;
  category?: IncidentCategory | undefined;
  /** An agent's id, or 'unassigned'. */
  assignee?: string | undefined;
  q?: string | undefined;
  /** Only incidents this user reported. */
  reporterUserId?: string | undefined;
  cursor?: string | undefined;
  limit: number;
}

export async function searchIncidents(q: Queryable, s: IncidentSearch) {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(sql(`$${params.length}`));
  };
  if (s.status) add((p) => `i.status = ${p}`, s.status);
  if (s.priority) add((p) => `i.priority = ${p}`, s.priority);
  if (s.category) add((p) => `i.category = ${p}`, s.category);
  if (s.assignee === 'unassigned') where.push('i.assignee_id is null');
  else if (s.assignee) add((p) => `i.assignee_id = ${p}`, s.assignee);
  if (s.reporterUserId) add((p) => `i.reporter_user_id = ${p}`, s.reporterUserId);
  if (s.q) add((p) => `(position(lower(${p}) in lower(i.subject)) > 0 or lower(i.number) = lower(${p}))`, s.q);
  if (s.cursor) {
    const key = decodeCursor(s.cursor, 2);
    if (!key) return null;
    params.push(key[0], key[1]);
    where.push(`(${SORT_KEY}, i.id) > ($${params.length - 1}, $${params.length}::uuid)`);
  }
  params.push(s.limit + 1);
  const { rows } = await q.query<IncidentRow & { sort_key: string }>(
    `select ${COLUMNS}, ${SORT_KEY} as sort_key from incidents i
      ${where.length ? `where ${where.join(' and ')}` : ''}
      order by sort_key, i.id limit $${params.length}`,
    params,
  );
  const more = rows.length > s.limit;
  const page = rows.slice(0, s.limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: more && last ? encodeCursor([last.sort_key, last.id]) : null };
}

/** The active agents, each named as staff are named elsewhere (practitioner name, else e-mail). */
export async function activeAgents(q: Queryable) {
  const { rows } = await q.query<{ id: string; name: string }>(
    `select u.id, ${STAFF_NAME.name} as name from ${STAFF_NAME.from}
      where u.active and 'agent' = any(u.roles)
      order by lower(${STAFF_NAME.name})`,
  );
  return rows;
}

export async function summary(q: Queryable) {
  const { rows } = await q.query<{
    status: IncidentStatus;
    priority: IncidentPriority;
    n: number;
    breached: number;
    unassigned: number;
  }>(
    `select status, priority, count(*)::int as n,
            count(*) filter (where status in ('new', 'open', 'pending') and (
              first_response_breached_at is not null or resolution_breached_at is not null
              or (first_response_at is null and first_response_due_at < now()) or resolution_due_at < now()))::int as breached,
            count(*) filter (where status in ('new', 'open', 'pending') and assignee_id is null)::int as unassigned
       from incidents group by status, priority`,
  );
  return rows;
}

export interface NewArticleRow {
  id: string;
  incidentId: string;
  kind: ArticleKind;
  body: string;
  authorUserId: string | null;
  authorName: string;
  authorRole: AuthorRole;
  via: ArticleVia;
  externalArticleId: string | null;
}

/** Answers the row, or undefined when an article with this external id is already there. */
export async function insertArticle(q: Queryable, a: NewArticleRow): Promise<ArticleRow | undefined> {
  const { rows } = await q.query<ArticleRow>(
    `insert into incident_articles (id, incident_id, kind, body, author_user_id, author_name, author_role, via,
       external_article_id)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
     on conflict (incident_id, external_article_id) do nothing
     returning ${ARTICLE_COLUMNS}`,
    [a.id, a.incidentId, a.kind, a.body, a.authorUserId, a.authorName, a.authorRole, a.via, a.externalArticleId],
  );
  return rows[0];
}

export async function findArticle(q: Queryable, id: string): Promise<ArticleRow | undefined> {
  const { rows } = await q.query<ArticleRow>(`select ${ARTICLE_COLUMNS} from incident_articles where id = $1`, [id]);
  return rows[0];
}

export async function listArticles(q: Queryable, incidentId: string, withNotes: boolean): Promise<ArticleRow[]> {
  const { rows } = await q.query<ArticleRow>(
    `select ${ARTICLE_COLUMNS} from incident_articles
      where incident_id = $1${withNotes ? '' : ` and kind = 'reply'`} order by created_at, id`,
    [incidentId],
  );
  return rows;
}

export async function listAttachments(q: Queryable, incidentId: string): Promise<AttachmentRow[]> {
  const { rows } = await q.query<AttachmentRow>(
    `select ${ATTACHMENT_COLUMNS} from incident_attachments where incident_id = $1 order by created_at, id`,
    [incidentId],
  );
  return rows;
}

export async function findAttachment(q: Queryable, incidentId: string, id: string): Promise<AttachmentRow | undefined> {
  const { rows } = await q.query<AttachmentRow>(
    `select ${ATTACHMENT_COLUMNS} from incident_attachments where incident_id = $1 and id = $2`,
    [incidentId, id],
  );
  return rows[0];
}

export async function insertAttachment(q: Queryable, a: Omit<AttachmentRow, 'created_at' | 'article_id'>) {
  await q.query(
    `insert into incident_attachments (id, incident_id, file_name, content_type, size_bytes, sha256, storage_key,
       uploaded_by) values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [a.id, a.incident_id, a.file_name, a.content_type, a.size_bytes, a.sha256, a.storage_key, a.uploaded_by],
  );
}

/** Attaches the caller's own unattached uploads of this incident; answers how many it took. */
export async function attachToArticle(
  q: Queryable,
  incidentId: string,
  articleId: string,
  ids: string[],
  uploadedBy: string | null,
): Promise<number> {
  const { rows } = await q.query<{ id: string }>(
    `update incident_attachments set article_id = $2
      where incident_id = $1 and id = any($3::uuid[]) and article_id is null
        and uploaded_by is not distinct from $4 returning id`,
    [incidentId, articleId, ids, uploadedBy],
  );
  return rows.length;
}

/**
 * Marks the targets that came due without being met, once each (the row lock makes a second
 * runner skip or re-check them), and answers what it marked.
 */
export async function claimBreaches(q: Queryable, now: Date, limit: number) {
  const first = await q.query<{ id: string }>(
    `update incidents set first_response_breached_at = $1
      where id in (select id from incidents
                    where first_response_breached_at is null and first_response_at is null
                      and status in ('new', 'open', 'pending') and first_response_due_at <= $1
                    order by first_response_due_at limit $2 for update skip locked)
        and first_response_breached_at is null
      returning id`,
    [now, limit],
  );
  const resolution = await q.query<{ id: string }>(
    `update incidents set resolution_breached_at = $1
      where id in (select id from incidents
                    where resolution_breached_at is null and status in ('new', 'open', 'pending')
                      and resolution_due_at <= $1
                    order by resolution_due_at limit $2 for update skip locked)
        and resolution_breached_at is null
      returning id`,
    [now, limit],
  );
  return { firstResponse: first.rows.map((r) => r.id), resolution: resolution.rows.map((r) => r.id) };
}

/** Records a handled inbound Message-ID; false when it was handled already. */
export async function claimInboundMessage(q: Queryable, messageId: string): Promise<boolean> {
  const { rows } = await q.query<{ message_id: string }>(
    `insert into incident_inbound_messages (message_id, accepted) values ($1, false)
     on conflict (message_id) do nothing returning message_id`,
    [messageId],
  );
  return rows.length > 0;
}

export async function inboundOutcome(q: Queryable, messageId: string) {
  const { rows } = await q.query<{ incident_id: string | null; accepted: boolean; number: string | null }>(
    `select m.incident_id, m.accepted, i.number from incident_inbound_messages m
       left join incidents i on i.id = m.incident_id where m.message_id = $1`,
    [messageId],
  );
  return rows[0];
}

export async function recordInboundOutcome(
  q: Queryable,
  messageId: string,
  incidentId: string | null,
  accepted: boolean,
) {
  await q.query('update incident_inbound_messages set incident_id = $2, accepted = $3 where message_id = $1', [
    messageId,
    incidentId,
    accepted,
  ]);
}

export async function moveIncidents(q: Queryable, fromPatientId: string, toPatientId: string) {
  await q.query('update incidents set patient_id = $2 where patient_id = $1', [fromPatientId, toPatientId]);
}
