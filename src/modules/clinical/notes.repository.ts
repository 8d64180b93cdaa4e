import { createHash } from 'node:crypto';
import { canonicalJson } from '../../platform/audit/audit.js';
import type { Queryable } from '../../platform/db/database.js';
import type { ListQuery } from './clinical.schemas.js';
import { iso, present } from './clinical.schemas.js';
import type { Note } from './notes.schemas.js';
import { newestFirst, Params } from './paging.js';

export interface NoteRow {
  patient_id: string;
  id: string;
  encounter_id: string;
  author_id: string;
  amends: string | null;
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
  status: 'draft' | 'signed';
  signed_at: Date | null;
  signed_by: string | null;
  content_hash: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `patient_id, id, encounter_id, author_id, amends, subjective, objective, assessment, plan, status,
  signed_at, signed_by, content_hash, created_at, updated_at`;

export function toNote(r: NoteRow): Note {
  return {
    id: r.id,
    patientId: r.patient_id,
    encounterId: r.encounter_id,
    authorId: r.author_id,
    subjective: r.subjective,
    objective: r.objective,
    assessment: r.assessment,
    plan: r.plan,
    status: r.status,
    ...present({
      amends: r.amends,
      signedAt: iso(r.signed_at),
      signedBy: r.signed_by,
      contentHash: r.content_hash,
    }),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

export interface Soap {
  subjective: string;
  objective: string;
  assessment: string;
  plan: string;
}

/**
 * The SHA-256 that a signature seals: the note's identity, author, the four sections and who
 * signed when. Not the patient id, which a merge changes; anyone can recompute it from a note.
 */
export function noteContentHash(n: {
  id: string;
  encounterId: string;
  authorId: string;
  amends: string | null;
  soap: Soap;
  signedBy: string;
  signedAt: string;
}): string {
  const content = {
    id: n.id,
    encounterId: n.encounterId,
    authorId: n.authorId,
    amends: n.amends,
    // The four sections by name: a whole row passed as `soap` must not bring its other columns.
    subjective: n.soap.subjective,
    objective: n.soap.objective,
    assessment: n.soap.assessment,
    plan: n.soap.plan,
    signedBy: n.signedBy,
    signedAt: n.signedAt,
  };
  return createHash('sha256').update(canonicalJson(content)).digest('hex');
}

export async function insertNote(
  q: Queryable,
  n: {
    patientId: string;
    id: string;
    encounterId: string;
    authorId: string;
    amends: string | null;
    soap: Soap;
    signature: { at: string; by: string; hash: string } | null;
  },
): Promise<NoteRow> {
  const { rows } = await q.query<NoteRow>(
    `insert into clinical_notes (patient_id, id, encounter_id, author_id, amends, subjective, objective, assessment,
       plan, status, signed_at, signed_by, content_hash, created_at, updated_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, coalesce($11, now()), coalesce($11, now()))
     returning ${COLUMNS}`,
    [
      n.patientId,
      n.id,
      n.encounterId,
      n.authorId,
      n.amends,
      n.soap.subjective,
      n.soap.objective,
      n.soap.assessment,
      n.soap.plan,
      n.signature ? 'signed' : 'draft',
      n.signature?.at ?? null,
      n.signature?.by ?? null,
      n.signature?.hash ?? null,
    ],
  );
  return rows[0] as NoteRow;
}

export async function findNote(q: Queryable, patientId: string, id: string, forUpdate = false) {
  const { rows } = await q.query<NoteRow>(
    `select ${COLUMNS} from clinical_notes where patient_id = $1 and id = $2${forUpdate ? ' for update' : ''}`,
    [patientId, id],
  );
  return rows[0];
}

export async function updateDraft(q: Queryable, row: NoteRow, soap: Soap): Promise<NoteRow> {
  const { rows } = await q.query<NoteRow>(
    `update clinical_notes set subjective = $3, objective = $4, assessment = $5, plan = $6, updated_at = now()
     where patient_id = $1 and id = $2 returning ${COLUMNS}`,
    [row.patient_id, row.id, soap.subjective, soap.objective, soap.assessment, soap.plan],
  );
  return rows[0] as NoteRow;
}

export async function signNote(q: Queryable, row: NoteRow, at: string, by: string, hash: string): Promise<NoteRow> {
  const { rows } = await q.query<NoteRow>(
    `update clinical_notes set status = 'signed', signed_at = $3, signed_by = $4, content_hash = $5, updated_at = $3
     where patient_id = $1 and id = $2 returning ${COLUMNS}`,
    [row.patient_id, row.id, at, by, hash],
  );
  return rows[0] as NoteRow;
}

export async function listNotes(
  q: Queryable,
  patientId: string,
  query: Partial<ListQuery>,
  options: { signedOnly: boolean },
) {
  const params = new Params();
  const where = [`patient_id = ${params.add(patientId)}`];
  if (query.encounterId) where.push(`encounter_id = ${params.add(query.encounterId)}`);
  if (options.signedOnly) where.push(`status = 'signed'`);
  return newestFirst<NoteRow>(q, {
    select: `select ${COLUMNS} from clinical_notes`,
    where,
    params,
    timeColumn: 'created_at',
    timeOf: (r) => r.created_at,
    cursor: query.cursor,
    limit: query.limit ?? 1000,
  });
}
