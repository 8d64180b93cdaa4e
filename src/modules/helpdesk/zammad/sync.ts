import type { Database } from '../../../platform/db/database.js';
import type { EventHandler } from '../../../platform/events/handler.js';
import type { EventEnvelope } from '../../../platform/events/outbox.js';
import type { Log } from '../../../platform/log.js';
import { type ZammadArticle, type ZammadClient, ZammadError } from './client.js';
import {
  type IncidentStatus,
  PENDING_REMINDER_MS,
  statusFromZammad,
  toZammadState,
  zammadStateMatches,
  zammadStateName,
} from './states.js';
import { htmlToText } from './text.js';

/** What the sync asks of the helpdesk (the service methods of the helpdesk contract). */
export interface HelpdeskForSync {
  recordExternalTicket(
    incidentId: string,
    ticket: { system: 'zammad'; ticketId: string; ticketNumber: string },
  ): Promise<unknown>;
  markSynced(incidentId: string): Promise<unknown>;
  addExternalArticle(
    incidentId: string,
    article: {
      externalArticleId: string;
      kind: 'reply' | 'note';
      body: string;
      authorName: string;
      authorRole: 'reporter' | 'agent' | 'system';
    },
  ): Promise<unknown>;
  setStatusFromExternal(incidentId: string, status: IncidentStatus): Promise<unknown>;
  findByExternalTicket(system: 'zammad', ticketId: string): Promise<string | null>;
  articleForSync(articleId: string): Promise<{
    incidentId: string;
    kind: 'reply' | 'note';
    body: string;
    via: 'web' | 'email' | 'zammad';
    externalArticleId: string | null;
    authorName: string;
  } | null>;
}

interface IncidentRow {
  id: string;
  number: string;
  subject: string;
  description: string;
  status: IncidentStatus;
  reporter_name: string;
  reporter_email: string;
  external_ticket_id: string | null;
}

export interface ZammadSettings {
  group: string;
}

/** What an inbound ticket change did, for the webhook's answer. */
export interface InboundOutcome {
  incident: string | null;
  articlesAdded: number;
  statusChanged: boolean;
}

/**
 * Keeps each incident and its Zammad ticket in step. Outbound, as the `zammad-sync` event
 * consumer: a ticket per new incident, each article written in Clinica, each status change.
 * Zammad being down fails the event, and the event delivery retries it with back-off; the
 * incident meanwhile works in Clinica as ever. Inbound, from the webhook or the polling job:
 * articles written in Zammad, each once (by its Zammad id), and state changes.
 *
 * No echo loops: articles imported from Zammad carry `via = zammad` and are never pushed;
 * an article pushed to Zammad keeps the id Zammad gave it, so its echo is known; and any
 * Zammad article written with the token's own account is Clinica's and never imported (this
 * also covers an echo arriving before the id was kept).
 */
export class ZammadSync implements EventHandler {
  readonly name = 'zammad-sync';
  readonly events = ['incident.created', 'incident.article_added', 'incident.updated'] as const;
  private ownUserId: number | null = null;

  constructor(
    private readonly db: Database,
    private readonly client: ZammadClient,
    private readonly helpdesk: HelpdeskForSync,
    private readonly settings: ZammadSettings,
  ) {}

  async handle(event: EventEnvelope): Promise<void> {
    const payload = event.payload as {
      incidentId: string;
      articleId?: string;
      authorRole?: string;
      via?: string;
      changedFields?: string[];
    };
    switch (event.type) {
      case 'incident.created':
        await this.createTicket(payload.incidentId);
        return;
      case 'incident.article_added':
        if (payload.via === 'zammad' || !payload.articleId) return;
        await this.pushArticle(payload.articleId, payload.authorRole === 'reporter');
        return;
      case 'incident.updated':
        if (!payload.changedFields?.includes('status')) return;
        await this.pushStatus(payload.incidentId);
        return;
    }
  }

  /**
   * Creates the incident's ticket unless it has one. A crash between Zammad's answer and
   * recording the ticket would create a second ticket on the retry: a window of one local
   * database write, accepted rather than searching Zammad (whose search needs Elasticsearch).
   */
  async createTicket(incidentId: string): Promise<void> {
    const incident = await this.incident(incidentId);
    if (!incident || incident.external_ticket_id) return;
    const ticket = await this.client.createTicket({
      title: `[${incident.number}] ${incident.subject}`,
      group: this.settings.group,
      customerEmail: incident.reporter_email,
      article: { subject: incident.subject, body: incident.description, type: 'web', internal: false },
    });
    if (ticket.created_by_id !== undefined) this.ownUserId = ticket.created_by_id;
    await this.helpdesk.recordExternalTicket(incidentId, {
      system: 'zammad',
      ticketId: String(ticket.id),
      ticketNumber: ticket.number,
    });
  }

  async pushArticle(articleId: string, byReporter: boolean): Promise<void> {
    const article = await this.helpdesk.articleForSync(articleId);
    if (!article || article.via === 'zammad' || article.externalArticleId) return;
    const ticketId = await this.ticketOf(article.incidentId);
    const reporter = byReporter;
    const created = await this.client.createArticle({
      ticketId,
      subject: `${article.authorName} (Clinica)`,
      body: article.body,
      type: reporter ? 'web' : 'note',
      internal: article.kind === 'note',
      sender: reporter ? 'Customer' : 'Agent',
    });
    if (typeof created.created_by_id === 'number') this.ownUserId = created.created_by_id;
    // Kept on the article: Zammad's webhook echoes it back, and is recognised by this id.
    await this.db.query(
      'update incident_articles set external_article_id = $2 where id = $1 and external_article_id is null',
      [articleId, String(created.id)],
    );
    await this.helpdesk.markSynced(article.incidentId);
  }

  async pushStatus(incidentId: string): Promise<void> {
    const incident = await this.incident(incidentId);
    if (!incident) return;
    const ticketId = await this.ticketOf(incidentId);
    // A change that came from Zammad is already there: nothing to push (and a pending close stays so).
    const current = zammadStateName(await this.client.getTicket(ticketId));
    if (zammadStateMatches(current, incident.status)) {
      await this.helpdesk.markSynced(incidentId);
      return;
    }
    const state = toZammadState(incident.status);
    await this.client.updateState(
      ticketId,
      state,
      incident.status === 'pending' ? new Date(Date.now() + PENDING_REMINDER_MS) : undefined,
    );
    await this.helpdesk.markSynced(incidentId);
  }

  /** A ticket change Zammad reported (webhook): its article, if any, and its state. */
  async applyTicketChange(
    ticket: { id: number; state?: string | undefined; state_id?: number | undefined },
    article: ZammadArticle | null,
  ): Promise<InboundOutcome> {
    const incidentId = await this.helpdesk.findByExternalTicket('zammad', String(ticket.id));
    if (!incidentId) return { incident: null, articlesAdded: 0, statusChanged: false };
    const added = article && article.ticket_id === ticket.id ? await this.importArticle(incidentId, article) : false;
    const statusChanged = await this.applyState(incidentId, zammadStateName(ticket));
    await this.helpdesk.markSynced(incidentId);
    return { incident: incidentId, articlesAdded: added ? 1 : 0, statusChanged };
  }

  /** The polling alternative to the webhook: every incident with a ticket that is not closed. */
  async poll(log?: Log): Promise<{ incidents: number; articlesAdded: number; failed: number }> {
    const { rows } = await this.db.query<{ id: string; external_ticket_id: string }>(
      `select id, external_ticket_id from incidents
        where external_system = 'zammad' and external_ticket_id is not null and status <> 'closed'
        order by external_synced_at nulls first, id`,
    );
    let articlesAdded = 0;
    let failed = 0;
    let lastError: unknown = null;
    for (const row of rows) {
      try {
        const ticketId = Number(row.external_ticket_id);
        for (const article of await this.client.articlesByTicket(ticketId)) {
          if (await this.importArticle(row.id, article)) articlesAdded++;
        }
        const ticket = await this.client.getTicket(ticketId);
        await this.applyState(row.id, zammadStateName(ticket));
        await this.helpdesk.markSynced(row.id);
      } catch (err) {
        failed++;
        lastError = err;
        log?.warn({ incidentId: row.id, err: err instanceof Error ? err.message : String(err) }, 'Zammad poll failed');
      }
    }
    // Zammad down: one failure for the whole run, rather than one per incident.
    if (failed > 0 && failed === rows.length) throw lastError;
    return { incidents: rows.length, articlesAdded, failed };
  }

  /** Adds a Zammad article to the incident unless it is known or Clinica's own. Answers whether it was added. */
  async importArticle(incidentId: string, article: ZammadArticle): Promise<boolean> {
    const externalArticleId = String(article.id);
    const known = await this.db.query(
      'select 1 from incident_articles where incident_id = $1 and external_article_id = $2',
      [incidentId, externalArticleId],
    );
    if (known.rowCount > 0) return false;
    if (article.created_by_id != null && article.created_by_id === (await this.ownUser())) return false;
    const html = (article.content_type ?? '').toLowerCase().includes('html');
    const body = (html ? htmlToText(article.body ?? '') : (article.body ?? '')).trim();
    if (!body) return false;
    const sender = (article.sender ?? (article.sender_id === 2 ? 'Customer' : 'Agent')).toLowerCase();
    const authorRole = sender === 'customer' ? 'reporter' : sender === 'system' ? 'system' : 'agent';
    const result = await this.helpdesk.addExternalArticle(incidentId, {
      externalArticleId,
      kind: article.internal ? 'note' : 'reply',
      body: body.slice(0, 50_000),
      authorName: authorName(article.from) ?? (authorRole === 'reporter' ? 'Reporter' : 'Zammad'),
      authorRole,
    });
    return wasAdded(result);
  }

  private async applyState(incidentId: string, state: string | null): Promise<boolean> {
    const incident = await this.incident(incidentId);
    // A closed incident is final in Clinica: reopening happens there, not from the ticket.
    if (!incident || incident.status === 'closed') return false;
    const wanted = statusFromZammad(state, incident.status);
    if (!wanted) return false;
    await this.helpdesk.setStatusFromExternal(incidentId, wanted);
    return true;
  }

  private async ownUser(): Promise<number> {
    if (this.ownUserId === null) this.ownUserId = (await this.client.me()).id;
    return this.ownUserId;
  }

  private async incident(incidentId: string): Promise<IncidentRow | null> {
    const { rows } = await this.db.query<IncidentRow>(
      `select id, number, subject, description, status, reporter_name, reporter_email, external_ticket_id
         from incidents where id = $1`,
      [incidentId],
    );
    return rows[0] ?? null;
  }

  /** The incident's ticket; until the ticket is created (Zammad was down), the event waits and retries. */
  private async ticketOf(incidentId: string): Promise<number> {
    const incident = await this.incident(incidentId);
    if (incident?.external_ticket_id) return Number(incident.external_ticket_id);
    throw new ZammadError(`incident ${incidentId} has no Zammad ticket yet; retrying once it is created`, true);
  }
}

/** `"Ana Ruiz" <ana@example.com>` → Ana Ruiz; a bare address stays as it is. */
function authorName(from: string | null | undefined): string | null {
  if (!from) return null;
  const named = /^\s*"?([^"<]+?)"?\s*<[^>]*>\s*$/.exec(from);
  return (named?.[1] ?? from).trim().slice(0, 200) || null;
}

/** `addExternalArticle` answers whether the article was new: a boolean, or an object saying so. */
function wasAdded(result: unknown): boolean {
  if (typeof result === 'boolean') return result;
  if (result && typeof result === 'object') {
    const r = result as { added?: unknown; created?: unknown; isNew?: unknown };
    const flag = r.added ?? r.created ?? r.isNew;
    if (typeof flag === 'boolean') return flag;
  }
  return true;
}
