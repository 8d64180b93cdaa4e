import type { Queryable } from '../../platform/db/database.js';
import type { AuditEvent, AuditQuery } from './audit.schemas.js';

interface Row {
  id: number;
  occurred_at: Date;
  actor_id: string | null;
  actor_email: string | null;
  actor_roles: string[];
  action: string;
  resource_type: string | null;
  resource_id: string | null;
  patient_id: string | null;
  outcome: AuditEvent['outcome'];
  ip: string | null;
  user_agent: string | null;
  request_id: string | null;
  details: Record<string, unknown>;
  seal_id: number | null;
}

/** Newest first, keyset on id. */
export async function findAuditEvents(q: Queryable, f: AuditQuery, beforeId: number | null): Promise<AuditEvent[]> {
  const params: unknown[] = [];
  const param = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (f.userId) where.push(`e.actor_id = ${param(f.userId)}`);
  if (f.patientId) where.push(`e.patient_id = ${param(f.patientId)}`);
  // The prefix is literal text: `_` (allowed in action names) is a LIKE wildcard otherwise.
  if (f.action?.endsWith('*')) where.push(`e.action like ${param(`${escapeLike(f.action.slice(0, -1))}%`)}`);
  else if (f.action) where.push(`e.action = ${param(f.action)}`);
  if (f.outcome) where.push(`e.outcome = ${param(f.outcome)}`);
  if (f.from) where.push(`e.occurred_at >= ${param(f.from)}`);
  if (f.to) where.push(`e.occurred_at < ${param(f.to)}`);
  if (beforeId !== null) where.push(`e.id < ${param(beforeId)}`);
  const { rows } = await q.query<Row>(
    `select e.id, e.occurred_at, e.actor_id, u.email as actor_email, e.actor_roles, e.action, e.resource_type,
       e.resource_id, e.patient_id, e.outcome, e.ip, e.user_agent, e.request_id, e.details, e.seal_id
     from audit_events e left join users u on u.id = e.actor_id
     ${where.length ? `where ${where.join(' and ')}` : ''}
     order by e.id desc limit ${param(f.limit + 1)}`,
    params,
  );
  return rows.map((r) => ({
    id: String(r.id),
    occurredAt: r.occurred_at.toISOString(),
    actorId: r.actor_id,
    actorEmail: r.actor_email,
    actorRoles: r.actor_roles,
    action: r.action,
    resourceType: r.resource_type,
    resourceId: r.resource_id,
    patientId: r.patient_id,
    outcome: r.outcome,
    ip: r.ip,
    userAgent: r.user_agent,
    requestId: r.request_id,
    details: r.details,
    sealed: r.seal_id !== null,
  }));
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, '\\$&');
}
