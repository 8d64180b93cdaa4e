import { randomUUID } from 'node:crypto';
import type { Queryable } from '../../platform/db/database.js';
import type { RequestContext } from '../../platform/http/access.js';
import { DomainError, forbidden, notFound } from '../../platform/http/errors.js';
import type { ClinicalAccess } from './clinical.access.js';
import type { ListQuery } from './clinical.schemas.js';
import { assertEncounterOf } from './encounters.service.js';
import * as repo from './notes.repository.js';
import type { AddendumInput, Note, NoteChanges, NoteInput } from './notes.schemas.js';

const RESOURCE = 'ClinicalNote';

const signedAlready = (row: repo.NoteRow) =>
  new DomainError(
    'NOTE_SIGNED',
    409,
    'This note is signed and can no longer change; write an addendum to correct it.',
    {
      code: 'note_signed',
      signedAt: row.signed_at?.toISOString(),
    },
  );

const soapOf = (s: Partial<repo.Soap>, base?: repo.Soap): repo.Soap => ({
  subjective: s.subjective ?? base?.subjective ?? '',
  objective: s.objective ?? base?.objective ?? '',
  assessment: s.assessment ?? base?.assessment ?? '',
  plan: s.plan ?? base?.plan ?? '',
});

/**
 * SOAP notes. A draft is its author's to edit and sign; a signed note never changes again
 * (the database refuses it too) and is corrected by addenda, each signed as it is written.
 */
export class NotesService {
  constructor(private readonly access: ClinicalAccess) {}

  async list(patientId: string, query: ListQuery, ctx: RequestContext) {
    await this.access.reach(ctx, patientId, 'note.search', RESOURCE);
    const signedOnly = this.access.ownRecordOnly(ctx);
    const page = await repo.listNotes(this.access.db, patientId, query, { signedOnly });
    await this.access.read(ctx, {
      action: 'note.search',
      resourceType: RESOURCE,
      patientId,
      details: { encounterId: query.encounterId ?? null, noteIds: page.rows.map((r) => r.id) },
    });
    return { items: page.rows.map(repo.toNote), nextCursor: page.nextCursor };
  }

  async get(patientId: string, id: string, ctx: RequestContext): Promise<Note> {
    await this.access.reach(ctx, patientId, 'note.read', RESOURCE);
    const row = await repo.findNote(this.access.db, patientId, id);
    // A patient never sees a draft; to them it does not exist yet.
    if (!row || (row.status === 'draft' && this.access.ownRecordOnly(ctx))) throw notFound('The note');
    await this.access.read(ctx, { action: 'note.read', resourceType: RESOURCE, resourceId: id, patientId });
    return repo.toNote(row);
  }

  async create(patientId: string, input: NoteInput, ctx: RequestContext): Promise<Note> {
    const author = this.author(ctx);
    const id = randomUUID();
    return this.access.change(ctx, patientId, async (tx) => {
      const encounter = await assertEncounterOf(tx, patientId, input.encounterId, 'body.encounterId');
      if (encounter.status === 'cancelled') {
        throw new DomainError('ENCOUNTER_CANCELLED', 409, 'This encounter was cancelled; notes go to another one.');
      }
      const row = await repo.insertNote(tx, {
        patientId,
        id,
        encounterId: input.encounterId,
        authorId: author,
        amends: null,
        soap: soapOf(input),
        signature: null,
      });
      const payload = { noteId: id, encounterId: row.encounter_id, patientId };
      return {
        result: repo.toNote(row),
        audit: { action: 'note.create', resourceType: RESOURCE, resourceId: id },
        event: { type: 'note.drafted', aggregateId: id, patientId, payload },
      };
    });
  }

  async update(patientId: string, id: string, input: NoteChanges, ctx: RequestContext): Promise<Note> {
    const author = this.author(ctx);
    return this.access.change(ctx, patientId, async (tx) => {
      const row = await this.draftOf(tx, patientId, id, author, 'edit');
      const updated = await repo.updateDraft(tx, row, soapOf(input, row));
      const payload = { noteId: id, encounterId: row.encounter_id, patientId };
      return {
        result: repo.toNote(updated),
        audit: {
          action: 'note.update',
          resourceType: RESOURCE,
          resourceId: id,
          details: { changedFields: Object.keys(input) },
        },
        event: { type: 'note.updated', aggregateId: id, patientId, payload },
      };
    });
  }

  async sign(patientId: string, id: string, ctx: RequestContext): Promise<Note> {
    const author = this.author(ctx);
    return this.access.change(ctx, patientId, async (tx) => {
      const row = await this.draftOf(tx, patientId, id, author, 'sign');
      const at = new Date().toISOString();
      const hash = repo.noteContentHash({
        id,
        encounterId: row.encounter_id,
        authorId: row.author_id,
        amends: row.amends,
        soap: row,
        signedBy: author,
        signedAt: at,
      });
      const signed = await repo.signNote(tx, row, at, author, hash);
      const payload = { noteId: id, encounterId: row.encounter_id, patientId };
      return {
        result: repo.toNote(signed),
        audit: { action: 'note.sign', resourceType: RESOURCE, resourceId: id, details: { contentHash: hash } },
        event: { type: 'note.signed', aggregateId: id, patientId, payload },
      };
    });
  }

  /** A correction of a signed note: a new note referencing it, signed by its author at once. */
  async addendum(patientId: string, noteId: string, input: AddendumInput, ctx: RequestContext): Promise<Note> {
    const author = this.author(ctx);
    const id = randomUUID();
    return this.access.change(ctx, patientId, async (tx) => {
      const target = await repo.findNote(tx, patientId, noteId);
      if (!target) throw notFound('The note');
      if (target.status !== 'signed') {
        throw new DomainError('NOTE_DRAFT', 409, 'This note is still a draft: edit it instead of amending it.', {
          code: 'note_draft',
        });
      }
      const at = new Date().toISOString();
      const soap = soapOf(input);
      const hash = repo.noteContentHash({
        id,
        encounterId: target.encounter_id,
        authorId: author,
        amends: noteId,
        soap,
        signedBy: author,
        signedAt: at,
      });
      const row = await repo.insertNote(tx, {
        patientId,
        id,
        encounterId: target.encounter_id,
        authorId: author,
        amends: noteId,
        soap,
        signature: { at, by: author, hash },
      });
      const payload = { noteId: id, amendsNoteId: noteId, encounterId: target.encounter_id, patientId };
      return {
        result: repo.toNote(row),
        audit: {
          action: 'note.amend',
          resourceType: RESOURCE,
          resourceId: id,
          details: { amends: noteId, contentHash: hash },
        },
        event: { type: 'note.amended', aggregateId: id, patientId, payload },
      };
    });
  }

  /** The draft, locked, if the caller wrote it. */
  private async draftOf(tx: Queryable, patientId: string, id: string, author: string, what: 'edit' | 'sign') {
    const row = await repo.findNote(tx, patientId, id, true);
    if (!row) throw notFound('The note');
    if (row.status === 'signed') throw signedAlready(row);
    if (row.author_id !== author) throw forbidden(`Only the author of a draft may ${what} it.`);
    return row;
  }

  private author(ctx: RequestContext): string {
    if (!ctx.actor) throw forbidden('Notes are written by a signed-in doctor.');
    return ctx.actor.userId;
  }
}
