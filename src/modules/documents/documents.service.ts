import type { Readable } from 'node:stream';
import type { Multipart } from '@fastify/multipart';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { Actor, RequestContext } from '../../platform/http/access.js';
import { conflict, forbidden, notFound, unauthorized } from '../../platform/http/errors.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import { staffNames } from '../identity/staff-names.js';
import { reachPatient } from '../patients/patient-reach.js';
import { openVerified } from './documents.download.js';
import { fileStaged, type StageInput, stageFile } from './documents.filing.js';
import * as repo from './documents.repository.js';
import type { Category, Document, DocumentsQuery } from './documents.schemas.js';
import { receiveUpload } from './documents.upload.js';

export interface DocumentsOptions {
  /** DOCUMENT_MAX_BYTES: the largest upload accepted. */
  maxBytes: number;
}

/** Doctors and the results desk keep the documents: they upload, delete and see deleted ones. */
const keepsDocuments = (actor: Actor | null) => !!actor?.roles.some((r) => r === 'doctor' || r === 'results');

/**
 * Each patient's documents (capability 7): files uploaded by staff and the ones Clinica files
 * itself (signed prescriptions, history exports ...), kept in the object storage under a
 * folder per patient number. A patient reaches their own, not deleted; every read is audited.
 */
export class DocumentsService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    readonly storage: ObjectStorage,
    private readonly options: DocumentsOptions,
  ) {}

  async list(patientId: string, query: DocumentsQuery, ctx: RequestContext) {
    await this.reach(patientId, ctx, 'document.search');
    if (query.includeDeleted && !keepsDocuments(ctx.actor)) {
      throw forbidden('Only doctors and the results desk see deleted documents.');
    }
    const page = await repo.listDocuments(this.db, {
      patientId,
      category: query.category,
      includeDeleted: !!query.includeDeleted,
      ...(query.cursor ? { cursor: query.cursor } : {}),
      limit: query.limit,
    });
    await this.audit.record(ctx, {
      action: 'document.search',
      resourceType: 'Document',
      patientId,
      details: { category: query.category ?? null, includeDeleted: !!query.includeDeleted, count: page.rows.length },
    });
    return { items: await this.present(this.db, page.rows), nextCursor: page.nextCursor };
  }

  async get(patientId: string, documentId: string, ctx: RequestContext): Promise<Document> {
    const row = await this.visible(patientId, documentId, ctx, 'document.read');
    await this.audit.record(ctx, { action: 'document.read', resourceType: 'Document', resourceId: row.id, patientId });
    return (await this.present(this.db, [row]))[0] as Document;
  }

  /**
   * The content, checked as it flows against the size and SHA-256 recorded when it was
   * stored (a file of one read chunk is checked whole before the answer starts). The
   * download is audited before a byte leaves; one that fails at once, as a failure.
   */
  async download(
    patientId: string,
    documentId: string,
    ctx: RequestContext,
  ): Promise<{ document: repo.DocumentRow; stream: Readable }> {
    const row = await this.visible(patientId, documentId, ctx, 'document.download');
    const audit = (outcome: 'success' | 'failure') =>
      this.audit.record(ctx, {
        action: 'document.download',
        outcome,
        resourceType: 'Document',
        resourceId: row.id,
        patientId,
        details: { category: row.category, sizeBytes: row.size_bytes },
      });
    const stream = await openVerified(this.storage, row, this.options.maxBytes, audit);
    return { document: row, stream };
  }

  /** Multipart upload by staff: the file streams to the storage while it is hashed and sniffed. */
  async upload(patientId: string, parts: AsyncIterable<Multipart>, ctx: RequestContext): Promise<Document> {
    const userId = ctx.actor?.userId;
    if (!userId) throw unauthorized();
    const patient = await writablePatient(this.db, patientId);
    const document = await receiveUpload(parts, {
      storage: this.storage,
      maxBytes: this.options.maxBytes,
      patientNumber: patient.patient_number,
      save: (facts) =>
        this.db.transaction(async (tx) => {
          await writablePatient(tx, patientId, true);
          await repo.insertDocument(tx, { ...facts, patientId, authorId: userId });
          await this.audit.write(tx, ctx, {
            action: 'document.upload',
            resourceType: 'Document',
            resourceId: facts.id,
            patientId,
            details: { category: facts.category, sizeBytes: facts.sizeBytes, contentType: facts.contentType },
          });
          await appendEvent(tx, {
            type: 'document.uploaded',
            aggregateId: facts.id,
            patientId,
            payload: { documentId: facts.id, patientId },
          });
          return repo.findDocument(tx, patientId, facts.id);
        }),
    });
    return (await this.present(this.db, [document]))[0] as Document;
  }

  /** Soft delete: the row is marked with who, when and why; the file stays (audit, backups). */
  async remove(patientId: string, documentId: string, reason: string, ctx: RequestContext): Promise<Document> {
    const userId = ctx.actor?.userId;
    if (!userId) throw unauthorized();
    const row = await this.db.transaction(async (tx) => {
      await writablePatient(tx, patientId, true);
      const current = await repo.lockDocument(tx, patientId, documentId);
      if (!current) throw notFound('The document');
      if (current.deleted_at) {
        throw conflict(`This document was already deleted on ${current.deleted_at.toISOString()}.`, {
          code: 'document_deleted',
        });
      }
      await repo.markDeleted(tx, patientId, documentId, userId, reason);
      await this.audit.write(tx, ctx, {
        action: 'document.delete',
        resourceType: 'Document',
        resourceId: documentId,
        patientId,
        details: { category: current.category },
      });
      await appendEvent(tx, {
        type: 'document.deleted',
        aggregateId: documentId,
        patientId,
        payload: { documentId, patientId },
      });
      return repo.findDocument(tx, patientId, documentId);
    });
    return (await this.present(this.db, [row as repo.DocumentRow]))[0] as Document;
  }

  /**
   * Files a document Clinica produced, in the producer's transaction: the bytes wait in the
   * database with a `document.staged` event until the filing consumer moves them to the
   * storage. With a source, filing it again is a no-op (answers null).
   */
  stage(tx: Queryable, input: StageInput): Promise<string | null> {
    return stageFile(tx, input);
  }

  /** Moves a staged file to the storage and files its document row, once (the filing consumer). */
  fileStaged(id: string, requestId: string): Promise<boolean> {
    return fileStaged({ db: this.db, audit: this.audit, storage: this.storage }, id, requestId);
  }

  /** Whether this source is filed, or staged to be. */
  sourceKnown(category: Category, source: { type: string; id: string }): Promise<boolean> {
    return repo.sourceKnown(this.db, category, source.type, source.id);
  }

  private async reach(patientId: string, ctx: RequestContext, action: string) {
    return reachPatient(this.db, this.audit, ctx, patientId, { action, resourceType: 'Document' });
  }

  /** A document the caller may see: patients never see deleted ones (for them they do not exist). */
  private async visible(patientId: string, documentId: string, ctx: RequestContext, action: string) {
    await this.reach(patientId, ctx, action);
    const row = await repo.findDocument(this.db, patientId, documentId);
    if (!row || (row.deleted_at && !keepsDocuments(ctx.actor))) {
      throw notFound('The document');
    }
    return row;
  }

  private async present(q: Queryable, rows: (repo.DocumentRow | undefined)[]): Promise<Document[]> {
    const present = rows.filter((r): r is repo.DocumentRow => !!r);
    const names = await staffNames(
      q,
      present.flatMap((r) => (r.author_id ? [r.author_id] : [])),
    );
    return present.map((r) => repo.toDocument(r, names));
  }
}

/**
 * The patient a write goes to; `lock` key-share locks the row, so a merge (which locks it for
 * update) either waits for this write or has already moved everything.
 */
async function writablePatient(q: Queryable, patientId: string, lock = false) {
  const { rows } = await q.query<{ patient_number: string; merged_into: string | null }>(
    `select patient_number, merged_into from patients where id = $1${lock ? ' for key share' : ''}`,
    [patientId],
  );
  const patient = rows[0];
  if (!patient) throw notFound('The patient');
  if (patient.merged_into) {
    throw conflict('This record was merged into another patient; add documents to that one.', {
      mergedInto: patient.merged_into,
    });
  }
  return patient;
}
