import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Multipart } from '@fastify/multipart';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import { type Actor, isPatientOnly, type RequestContext, systemContext } from '../../platform/http/access.js';
import { badRequest, conflict, forbidden, notFound, unauthorized } from '../../platform/http/errors.js';
import { staffNames } from '../identity/staff-names.js';
import { type AttachmentStore, IncidentAttachments } from './helpdesk.attachments.js';
import * as repo from './helpdesk.repository.js';
import type {
  Article,
  ArticleKind,
  ArticleVia,
  Attachment,
  AuthorRole,
  InboundEmail,
  Incident,
  IncidentChanges,
  IncidentDetail,
  IncidentPriority,
  IncidentQuery,
  IncidentStatus,
  IncidentSummary,
  NewArticle,
  NewIncident,
  PublicIncident,
} from './helpdesk.schemas.js';

export type IncidentSla = Record<IncidentPriority, { firstResponseMinutes: number; resolutionMinutes: number }>;

/** Where each status may go next; anything else answers 409 naming these. */
export const NEXT: Record<IncidentStatus, readonly IncidentStatus[]> = {
  new: ['open', 'pending', 'resolved', 'closed'],
  open: ['pending', 'resolved', 'closed'],
  pending: ['open', 'resolved', 'closed'],
  resolved: ['open', 'closed'],
  closed: [],
};

const BREACH_BATCH = 200;
const SYSTEM = systemContext('helpdesk');

/** Agents answer the queue; administrators see everything. */
export const worksQueue = (actor: Actor | null) => !!actor?.roles.some((r) => r === 'agent' || r === 'admin');

interface ArticleInput {
  kind: ArticleKind;
  body: string;
  authorUserId: string | null;
  authorName: string;
  authorRole: AuthorRole;
  via: ArticleVia;
  externalArticleId: string | null;
}

/**
 * Incidents (capability 6): reported by patients, staff or the public form, answered by the
 * agents. The reporter sees their incident and its public replies, never the internal notes;
 * agents and administrators see the whole queue. Every read and change is audited.
 */
export class HelpdeskService {
  private readonly attachments: IncidentAttachments;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly sla: IncidentSla,
    files: AttachmentStore,
  ) {
    this.attachments = new IncidentAttachments(db, audit, files);
  }

  async list(query: IncidentQuery, ctx: RequestContext) {
    const actor = this.signedIn(ctx);
    const queue = worksQueue(actor);
    const assignee = query.assignee === 'me' ? actor.userId : query.assignee;
    const result = await repo.searchIncidents(this.db, {
      status: query.status,
      priority: query.priority,
      category: query.category,
      assignee,
      q: query.q,
      reporterUserId: queue ? undefined : actor.userId,
      cursor: query.cursor,
      limit: query.limit,
    });
    if (!result) {
      throw badRequest('The cursor is not valid; start again without it.', [
        { path: 'querystring.cursor', message: 'is not a cursor returned by this list', code: 'invalid_value' },
      ]);
    }
    const { cursor, limit, ...filters } = query;
    await this.audit.record(ctx, {
      action: 'incident.search',
      resourceType: 'Incident',
      details: { filters, count: result.rows.length },
    });
    return { items: await this.present(this.db, result.rows), nextCursor: result.nextCursor };
  }

  /** Who an incident can be assigned to, for agents routing the queue. */
  async agents(ctx: RequestContext): Promise<{ items: { id: string; name: string }[] }> {
    this.signedIn(ctx);
    return { items: await repo.activeAgents(this.db) };
  }

  async summary(ctx: RequestContext): Promise<IncidentSummary> {
    const out: IncidentSummary = {
      byStatus: { new: 0, open: 0, pending: 0, resolved: 0, closed: 0 },
      openByPriority: { low: 0, normal: 0, high: 0, urgent: 0 },
      breached: 0,
      unassigned: 0,
    };
    for (const r of await repo.summary(this.db)) {
      out.byStatus[r.status] += r.n;
      if (['new', 'open', 'pending'].includes(r.status)) out.openByPriority[r.priority] += r.n;
      out.breached += r.breached;
      out.unassigned += r.unassigned;
    }
    await this.audit.record(ctx, { action: 'incident.summary', resourceType: 'Incident' });
    return out;
  }

  async get(id: string, ctx: RequestContext): Promise<IncidentDetail> {
    const row = await this.reach(id, ctx, 'incident.read');
    const withNotes = worksQueue(ctx.actor);
    const articles = await repo.listArticles(this.db, id, withNotes);
    const attachments = await repo.listAttachments(this.db, id);
    await this.audit.record(ctx, {
      action: 'incident.read',
      resourceType: 'Incident',
      resourceId: id,
      patientId: row.patient_id,
      details: { number: row.number },
    });
    const [incident] = await this.present(this.db, [row]);
    return {
      ...(incident as Incident),
      articles: articles.map((a) => toArticle(a, attachments)),
    };
  }

  async create(input: NewIncident, ctx: RequestContext): Promise<Incident> {
    const actor = this.signedIn(ctx);
    const patientOnly = isPatientOnly(actor);
    if (patientOnly && input.patientId && input.patientId !== actor.patientId) {
      await this.audit.record(ctx, {
        action: 'incident.create',
        outcome: 'denied',
        resourceType: 'Incident',
        patientId: input.patientId,
      });
      throw forbidden('You can only report incidents about your own record.');
    }
    const patientId = patientOnly ? actor.patientId : (input.patientId ?? null);
    const id = randomUUID();
    return this.db.transaction(async (tx) => {
      await this.checkLinks(tx, patientId, input, patientOnly);
      const row = await repo.insertIncident(tx, {
        id,
        number: await repo.nextIncidentNumber(tx),
        subject: input.subject,
        description: input.description,
        priority: input.priority,
        category: input.category,
        reporterUserId: actor.userId,
        reporterName: await this.nameOf(tx, actor),
        reporterEmail: actor.email,
        patientId,
        appointmentId: input.appointmentId ?? null,
        prescriptionId: input.prescriptionId ?? null,
        ...this.targets(input.priority),
      });
      await this.recordCreation(tx, ctx, row);
      return (await this.present(tx, [row]))[0] as Incident;
    });
  }

  /** The public form: the reporter is known by name and e-mail only. */
  async createPublic(input: PublicIncident, ctx: RequestContext): Promise<{ number: string }> {
    return this.db.transaction(async (tx) => {
      const row = await repo.insertIncident(tx, {
        id: randomUUID(),
        number: await repo.nextIncidentNumber(tx),
        subject: input.subject,
        description: input.description,
        priority: 'normal',
        category: input.category,
        reporterUserId: null,
        reporterName: input.name,
        reporterEmail: input.email,
        patientId: null,
        appointmentId: null,
        prescriptionId: null,
        ...this.targets('normal'),
      });
      await this.recordCreation(tx, ctx, row);
      return { number: row.number };
    });
  }

  async update(id: string, changes: IncidentChanges, ctx: RequestContext): Promise<Incident> {
    const actor = this.signedIn(ctx);
    const seen = await this.reach(id, ctx, 'incident.update');
    const agent = worksQueue(actor);
    if (!agent) {
      const keys = Object.keys(changes);
      const allowed =
        keys.length === 1 && seen.status === 'resolved' && (changes.status === 'closed' || changes.status === 'open');
      if (!allowed) {
        await this.deny(ctx, 'incident.update', seen);
        throw forbidden('You can close a resolved incident, or reopen it; agents change everything else.');
      }
    }
    return this.db.transaction(async (tx) => {
      const row = (await repo.findIncident(tx, id, true)) as repo.IncidentRow;
      const status = changes.status ?? row.status;
      if (status !== row.status) assertTransition(row, status);
      const assigneeId = changes.assigneeId === undefined ? row.assignee_id : changes.assigneeId;
      if (assigneeId && assigneeId !== row.assignee_id) await assertAgent(tx, assigneeId);
      const priority = changes.priority ?? row.priority;
      const updated = await repo.updateIncident(tx, id, {
        subject: changes.subject ?? row.subject,
        priority,
        category: changes.category ?? row.category,
        status,
        assigneeId,
        slaMinutes: priority !== row.priority ? this.minutes(priority) : null,
        firstResponse: false,
      });
      const changedFields = (['subject', 'priority', 'category', 'status'] as const).filter(
        (f) => updated[f] !== row[f],
      );
      if (assigneeId !== row.assignee_id) changedFields.push('assigneeId' as never);
      await this.audit.write(tx, ctx, {
        action: 'incident.update',
        resourceType: 'Incident',
        resourceId: id,
        patientId: row.patient_id,
        details: { number: row.number, changedFields, from: row.status, to: status },
      });
      await this.announceChanges(tx, updated, changedFields, assigneeId !== row.assignee_id ? assigneeId : null);
      return (await this.present(tx, [updated]))[0] as Incident;
    });
  }

  async addArticle(id: string, input: NewArticle, ctx: RequestContext): Promise<Article> {
    const actor = this.signedIn(ctx);
    const seen = await this.reach(id, ctx, 'incident.article');
    const agent = worksQueue(actor);
    if (input.kind === 'note' && !agent) {
      await this.deny(ctx, 'incident.article', seen);
      throw forbidden('Only agents write internal notes; send a reply instead.');
    }
    return this.db.transaction(async (tx) => {
      const row = (await repo.findIncident(tx, id, true)) as repo.IncidentRow;
      const article = await this.appendArticle(tx, ctx, row, {
        kind: input.kind,
        body: input.body,
        authorUserId: actor.userId,
        authorName: await this.nameOf(tx, actor),
        authorRole: agent ? 'agent' : 'reporter',
        via: 'web',
        externalArticleId: null,
      });
      const ids = [...new Set(input.attachmentIds ?? [])];
      if (ids.length > 0) {
        const taken = await repo.attachToArticle(tx, id, article.id, ids, actor.userId);
        if (taken !== ids.length) {
          throw badRequest('An attachment does not exist, is not yours or is already part of another message.', [
            {
              path: 'body.attachmentIds',
              message: 'must be your own unattached uploads to this incident',
              code: 'invalid_value',
            },
          ]);
        }
      }
      return toArticle(article, await repo.listAttachments(tx, id));
    });
  }

  /** A file for a later message: whoever may reply on the incident may upload one. */
  async uploadAttachment(id: string, parts: AsyncIterable<Multipart>, ctx: RequestContext): Promise<Attachment> {
    const actor = this.signedIn(ctx);
    const row = await this.reach(id, ctx, 'incident.attachment.upload');
    return this.attachments.upload(row, parts, actor, ctx);
  }

  /** An attachment's content, for whoever sees the message it belongs to (its uploader, before that). */
  async downloadAttachment(
    id: string,
    attachmentId: string,
    ctx: RequestContext,
  ): Promise<{ attachment: repo.AttachmentRow; stream: Readable }> {
    const actor = this.signedIn(ctx);
    const row = await this.reach(id, ctx, 'incident.attachment.download');
    return this.attachments.download(row, attachmentId, actor, worksQueue(actor), ctx);
  }

  /**
   * Appends `incident.sla_breached` once for each target that came due unmet, marking it in
   * the same transaction; safe to run from several processes at once. Answers how many.
   */
  async emitSlaBreaches(now: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const emitted = await this.db.transaction(async (tx) => {
        const due = await repo.claimBreaches(tx, now, BREACH_BATCH);
        const marks = [
          ...due.firstResponse.map((incidentId) => ({ incidentId, target: 'first_response' as const })),
          ...due.resolution.map((incidentId) => ({ incidentId, target: 'resolution' as const })),
        ];
        for (const payload of marks) {
          await appendEvent(tx, { type: 'incident.sla_breached', aggregateId: payload.incidentId, payload });
        }
        return { count: marks.length, full: Math.max(due.firstResponse.length, due.resolution.length) >= BREACH_BATCH };
      });
      total += emitted.count;
      if (!emitted.full) return total;
    }
  }

  // ---- For the external helpdesk adapter (Zammad) and inbound e-mail ----

  async recordExternalTicket(
    incidentId: string,
    ticket: { system: 'zammad'; ticketId: string; ticketNumber: string },
  ): Promise<void> {
    await this.db.query(
      `update incidents set external_system = $2, external_ticket_id = $3, external_ticket_number = $4,
         external_synced_at = now() where id = $1`,
      [incidentId, ticket.system, ticket.ticketId, ticket.ticketNumber],
    );
  }

  async markSynced(incidentId: string): Promise<void> {
    await this.db.query('update incidents set external_synced_at = now() where id = $1', [incidentId]);
  }

  findByExternalTicket(system: 'zammad', ticketId: string): Promise<string | null> {
    return repo.findByExternalTicket(this.db, system, ticketId);
  }

  async articleForSync(articleId: string) {
    const a = await repo.findArticle(this.db, articleId);
    if (!a) return null;
    return {
      incidentId: a.incident_id,
      kind: a.kind,
      body: a.body,
      via: a.via,
      externalArticleId: a.external_article_id,
      authorName: a.author_name,
    };
  }

  /**
   * An article from the external helpdesk, once per external id (answers whether it was new).
   * Its event says `via: 'zammad'`, which the adapter does not push back.
   */
  async addExternalArticle(
    incidentId: string,
    input: { externalArticleId: string; kind: ArticleKind; body: string; authorName: string; authorRole: AuthorRole },
  ): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      const row = await repo.findIncident(tx, incidentId, true);
      if (!row) throw notFound('The incident');
      if (row.status === 'closed') return false;
      const article = await this.appendArticle(
        tx,
        SYSTEM,
        row,
        {
          kind: input.kind,
          body: input.body,
          authorUserId: null,
          authorName: input.authorName,
          authorRole: input.authorRole,
          via: 'zammad',
          externalArticleId: input.externalArticleId,
        },
        true,
      );
      return !!article;
    });
  }

  async setStatusFromExternal(incidentId: string, status: IncidentStatus): Promise<void> {
    await this.db.transaction(async (tx) => {
      const row = await repo.findIncident(tx, incidentId, true);
      if (!row) throw notFound('The incident');
      if (row.status === status) return;
      const updated = await repo.updateIncident(tx, incidentId, {
        subject: row.subject,
        priority: row.priority,
        category: row.category,
        status,
        assigneeId: row.assignee_id,
        slaMinutes: null,
        firstResponse: false,
      });
      await this.audit.write(tx, SYSTEM, {
        action: 'incident.update',
        resourceType: 'Incident',
        resourceId: incidentId,
        patientId: row.patient_id,
        details: { number: row.number, changedFields: ['status'], from: row.status, to: status, via: 'zammad' },
      });
      await this.announceChanges(tx, updated, ['status'], null);
    });
  }

  /** A reply by e-mail from the reporter's own address (inbound mailbox); answers the article or null. */
  async addEmailReply(tx: Queryable, row: repo.IncidentRow, body: string): Promise<string | null> {
    if (row.status === 'closed') return null;
    const article = await this.appendArticle(tx, SYSTEM, row, {
      kind: 'reply',
      body,
      authorUserId: row.reporter_user_id,
      authorName: row.reporter_name,
      authorRole: 'reporter',
      via: 'email',
      externalArticleId: null,
    });
    return article.id;
  }

  /**
   * A reply e-mailed to the inbound mailbox: added when the subject names an incident
   * (`[INC00001]`) and the sender is its reporter. Each Message-ID is handled once.
   */
  async receiveEmail(input: InboundEmail): Promise<{ incident: string | null; accepted: boolean }> {
    return this.db.transaction(async (tx) => {
      if (!(await repo.claimInboundMessage(tx, input.messageId))) {
        const seen = await repo.inboundOutcome(tx, input.messageId);
        return { incident: seen?.number ?? null, accepted: !!seen?.accepted };
      }
      const number = /\[(INC\d{5,})\]/i.exec(input.subject)?.[1]?.toUpperCase();
      const row = number ? await repo.findByNumber(tx, number) : undefined;
      const sender = (/<([^<>\s]+)>\s*$/.exec(input.from)?.[1] ?? input.from).trim().toLowerCase();
      const body = withoutQuote(input.text);
      let accepted = false;
      if (row && sender === row.reporter_email.toLowerCase() && body) {
        const locked = (await repo.findIncident(tx, row.id, true)) as repo.IncidentRow;
        accepted = !!(await this.addEmailReply(tx, locked, body));
      }
      await repo.recordInboundOutcome(tx, input.messageId, row?.id ?? null, accepted);
      return { incident: row?.number ?? null, accepted };
    });
  }

  // ---- internals ----

  private appendArticle(
    tx: Queryable,
    ctx: RequestContext,
    row: repo.IncidentRow,
    input: ArticleInput,
    idempotent: true,
  ): Promise<repo.ArticleRow | undefined>;
  private appendArticle(
    tx: Queryable,
    ctx: RequestContext,
    row: repo.IncidentRow,
    input: ArticleInput,
  ): Promise<repo.ArticleRow>;
  /** One article with its effects: first response, reopening, audit entry and events. */
  private async appendArticle(
    tx: Queryable,
    ctx: RequestContext,
    row: repo.IncidentRow,
    input: ArticleInput,
    idempotent = false,
  ): Promise<repo.ArticleRow | undefined> {
    if (row.status === 'closed') {
      throw conflict('This incident is closed; it takes no more messages. Report a new incident instead.', {
        currentStatus: row.status,
      });
    }
    const article = await repo.insertArticle(tx, { id: randomUUID(), incidentId: row.id, ...input });
    if (!article) {
      if (idempotent) return undefined;
      throw new Error('the article was not written');
    }
    const agentReply = input.kind === 'reply' && input.authorRole !== 'reporter';
    let status = row.status;
    if (agentReply && status === 'new') status = 'open';
    if (input.authorRole === 'reporter' && (status === 'pending' || status === 'resolved')) status = 'open';
    const firstResponse = agentReply && !row.first_response_at;
    if (status !== row.status || firstResponse) {
      await repo.updateIncident(tx, row.id, {
        subject: row.subject,
        priority: row.priority,
        category: row.category,
        status,
        assigneeId: row.assignee_id,
        slaMinutes: null,
        firstResponse,
      });
    } else {
      await tx.query('update incidents set updated_at = now() where id = $1', [row.id]);
    }
    await this.audit.write(tx, ctx, {
      action: input.kind === 'note' ? 'incident.note' : 'incident.reply',
      resourceType: 'Incident',
      resourceId: row.id,
      patientId: row.patient_id,
      details: { number: row.number, articleId: article.id, authorRole: input.authorRole, via: input.via },
    });
    await appendEvent(tx, {
      type: 'incident.article_added',
      aggregateId: row.id,
      payload: {
        incidentId: row.id,
        articleId: article.id,
        kind: input.kind,
        authorRole: input.authorRole,
        via: input.via,
      },
    });
    if (status !== row.status) {
      await appendEvent(tx, {
        type: 'incident.updated',
        aggregateId: row.id,
        payload: { incidentId: row.id, changedFields: ['status'] },
      });
    }
    return article;
  }

  private async recordCreation(tx: Queryable, ctx: RequestContext, row: repo.IncidentRow) {
    await this.audit.write(tx, ctx, {
      action: 'incident.create',
      resourceType: 'Incident',
      resourceId: row.id,
      patientId: row.patient_id,
      details: { number: row.number, category: row.category, priority: row.priority },
    });
    await appendEvent(tx, { type: 'incident.created', aggregateId: row.id, payload: { incidentId: row.id } });
  }

  private async announceChanges(
    tx: Queryable,
    row: repo.IncidentRow,
    changedFields: string[],
    newAssignee: string | null,
  ) {
    if (changedFields.length > 0) {
      await appendEvent(tx, {
        type: 'incident.updated',
        aggregateId: row.id,
        payload: { incidentId: row.id, changedFields },
      });
    }
    if (newAssignee) {
      await appendEvent(tx, {
        type: 'incident.assigned',
        aggregateId: row.id,
        payload: { incidentId: row.id, assigneeId: newAssignee },
      });
    }
  }

  /** An incident the caller may see: agents and administrators any, everyone else their own (404 otherwise). */
  private async reach(id: string, ctx: RequestContext, action: string): Promise<repo.IncidentRow> {
    const actor = this.signedIn(ctx);
    const row = await repo.findIncident(this.db, id);
    if (!row) throw notFound('The incident');
    if (!worksQueue(actor) && row.reporter_user_id !== actor.userId) {
      await this.deny(ctx, action, row);
      throw notFound('The incident');
    }
    return row;
  }

  private deny(ctx: RequestContext, action: string, row: repo.IncidentRow) {
    return this.audit.record(ctx, {
      action,
      outcome: 'denied',
      resourceType: 'Incident',
      resourceId: row.id,
      patientId: row.patient_id,
    });
  }

  private signedIn(ctx: RequestContext): Actor {
    if (!ctx.actor) throw unauthorized();
    return ctx.actor;
  }

  private minutes(priority: IncidentPriority) {
    const t = this.sla[priority];
    return { firstResponse: t.firstResponseMinutes, resolution: t.resolutionMinutes };
  }

  private targets(priority: IncidentPriority) {
    return this.sla[priority];
  }

  /** A patient by the name on their record; staff as documents name them. */
  private async nameOf(q: Queryable, actor: Actor): Promise<string> {
    if (actor.patientId && isPatientOnly(actor)) {
      const { rows } = await q.query<{ name: string }>(
        `select first_name || ' ' || last_name as name from patients where id = $1`,
        [actor.patientId],
      );
      if (rows[0]) return rows[0].name;
    }
    return (await staffNames(q, [actor.userId])).get(actor.userId) ?? actor.email;
  }

  /** Links must exist; a patient's must be their own. */
  private async checkLinks(
    q: Queryable,
    patientId: string | null,
    input: { patientId?: string | undefined; appointmentId?: string | undefined; prescriptionId?: string | undefined },
    patientOnly: boolean,
  ) {
    const refuse = (field: string, what: string) =>
      badRequest(`The ${what} does not exist${patientOnly ? ' or is not yours' : ''}.`, [
        {
          path: `body.${field}`,
          message: `is not ${patientOnly ? 'one of your' : 'an existing'} ${what}s`,
          code: 'invalid_value',
        },
      ]);
    if (input.patientId) {
      const { rows } = await q.query('select 1 from patients where id = $1 and merged_into is null', [input.patientId]);
      if (rows.length === 0) throw refuse('patientId', 'patient');
    }
    for (const [field, table, what] of [
      ['appointmentId', 'appointments', 'appointment'],
      ['prescriptionId', 'prescriptions', 'prescription'],
    ] as const) {
      const linked = input[field];
      if (!linked) continue;
      const { rows } = await q.query<{ patient_id: string }>(`select patient_id from ${table} where id = $1`, [linked]);
      const found = rows[0];
      if (!found || (patientOnly && found.patient_id !== patientId)) throw refuse(field, what);
      if (patientId && found.patient_id !== patientId) {
        throw badRequest(`The ${what} belongs to another patient.`, [
          { path: `body.${field}`, message: `must be an ${what} of the linked patient`, code: 'invalid_value' },
        ]);
      }
    }
  }

  private async present(q: Queryable, rows: repo.IncidentRow[]): Promise<Incident[]> {
    const names = await staffNames(
      q,
      rows.flatMap((r) => (r.assignee_id ? [r.assignee_id] : [])),
    );
    const now = new Date();
    return rows.map((r) => repo.toIncident(r, names, now));
  }
}

function assertTransition(row: repo.IncidentRow, to: IncidentStatus) {
  const allowed = NEXT[row.status];
  if (!allowed.includes(to)) {
    throw conflict(
      `This incident is ${row.status}; it cannot become ${to}. ${
        allowed.length ? `It can become: ${allowed.join(', ')}.` : 'A closed incident cannot change.'
      }`,
      { currentStatus: row.status, allowed },
    );
  }
}

async function assertAgent(q: Queryable, userId: string) {
  const { rows } = await q.query('select 1 from users where id = $1 and active and $2 = any(roles)', [userId, 'agent']);
  if (rows.length === 0) {
    throw badRequest('Incidents are assigned to active agents; this user is not one.', [
      { path: 'body.assigneeId', message: 'is not an active agent', code: 'invalid_value' },
    ]);
  }
}

function toArticle(a: repo.ArticleRow, attachments: repo.AttachmentRow[]): Article {
  return {
    id: a.id,
    kind: a.kind,
    body: a.body,
    author: { userId: a.author_user_id, name: a.author_name, role: a.author_role },
    via: a.via,
    attachments: attachments.filter((f) => f.article_id === a.id).map(repo.toAttachment),
    createdAt: a.created_at.toISOString(),
  };
}

/** The new text of an e-mailed reply: the quoted message below it is left out. */
function withoutQuote(text: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const kept: string[] = [];
  for (const line of lines) {
    if (/^\s*>/.test(line)) break;
    if (/^On .+ wrote:\s*$|^El .+ escribi[óo]:\s*$/.test(line.trim())) break;
    kept.push(line);
  }
  return kept.join('\n').trim().slice(0, 20_000);
}
