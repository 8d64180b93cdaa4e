import { createHash, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import type { EventHandler } from '../../platform/events/handler.js';
import { appendEvent, type EventEnvelope } from '../../platform/events/outbox.js';
import { systemContext } from '../../platform/http/access.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import type { PrescriptionsService } from '../prescriptions/prescriptions.service.js';
import * as repo from './documents.repository.js';
import type { Category } from './documents.schemas.js';
import type { DocumentsService } from './documents.service.js';

/** A file Clinica produced, to be filed in a patient's documents. */
export interface StageInput {
  patientId: string;
  category: Category;
  title: string;
  fileName: string;
  contentType: string;
  content: Buffer;
  /** What produced it; a source is filed once, however often it is staged. */
  source: { type: string; id: string } | null;
  /** Who produced it; null for Clinica itself. */
  authorId: string | null;
}

/** What a module that produces documents is given to file them (in its own transaction). */
export interface DocumentStager {
  stage(tx: Queryable, input: StageInput): Promise<string | null>;
}

/** Storage keys end in the extension of the content type. */
const EXTENSIONS: Record<string, string> = {
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'text/plain': 'txt',
};
const extensionOf = (contentType: string) => EXTENSIONS[contentType] ?? 'bin';

/**
 * The patient a file goes to: the one asked for, or whichever record it was merged into. The
 * row is key-share locked, so a merge running now waits and then moves the staged file too.
 */
async function survivingPatient(tx: Queryable, patientId: string): Promise<string> {
  let id = patientId;
  for (let hops = 0; hops < 10; hops++) {
    const { rows } = await tx.query<{ merged_into: string | null }>(
      'select merged_into from patients where id = $1 for key share',
      [id],
    );
    const row = rows[0];
    if (!row) throw new Error(`cannot file a document for patient ${id}: there is no such patient`);
    if (!row.merged_into) return id;
    id = row.merged_into;
  }
  throw new Error(`cannot file a document for patient ${patientId}: its merges form a loop`);
}

export async function stageFile(tx: Queryable, input: StageInput): Promise<string | null> {
  const patientId = await survivingPatient(tx, input.patientId);
  if (input.source && (await repo.sourceKnown(tx, input.category, input.source.type, input.source.id))) return null;
  const id = randomUUID();
  const staged = await repo.insertStaged(
    tx,
    {
      patientId,
      id,
      category: input.category,
      title: input.title.slice(0, 200),
      fileName: input.fileName.slice(0, 255),
      contentType: input.contentType,
      sizeBytes: input.content.length,
      sha256: createHash('sha256').update(input.content).digest('hex'),
      authorId: input.authorId,
      source: input.source,
    },
    input.content,
  );
  if (!staged) return null;
  await appendEvent(tx, {
    type: 'document.staged',
    aggregateId: id,
    patientId,
    payload: { documentId: id, patientId },
  });
  return id;
}

interface FilingDeps {
  db: Database;
  audit: AuditTrail;
  storage: ObjectStorage;
}

/**
 * Moves a staged file to the storage, then, in one transaction, creates its document row (same
 * id) with its audit entry and `document.filed` event and removes the staged copy. Safe to run
 * again and concurrently: the object key is fixed by the id, so a second put rewrites the same
 * bytes, and only the transaction that still finds the staged row files it. Answers whether
 * this call filed it. A storage failure throws: the event is retried and nothing is lost.
 */
export async function fileStaged(deps: FilingDeps, id: string, requestId: string): Promise<boolean> {
  const staged = await repo.findStaged(deps.db, id);
  if (!staged) return false;
  const key = `patients/${staged.patientNumber}/${staged.id}.${extensionOf(staged.contentType)}`;
  const stored = await deps.storage.put(key, Readable.from([staged.content]), { contentType: staged.contentType });
  if (stored.size !== staged.sizeBytes || stored.sha256 !== staged.sha256) {
    await deps.storage.delete(key).catch(() => {});
    throw new Error(`the storage kept ${stored.size} bytes with another checksum for ${key}`);
  }
  const ctx = systemContext('document-filing', requestId);
  const filed = await deps.db.transaction(async (tx) => {
    const { rows } = await tx.query<{ patient_id: string }>(
      'select patient_id from document_staging where id = $1 for update',
      [id],
    );
    // A merge may have moved it to another patient since it was read.
    const patientId = rows[0]?.patient_id;
    if (!patientId) return false;
    const inserted = await repo.insertDocument(tx, { ...staged, patientId, storageKey: key });
    if (inserted) {
      await deps.audit.write(tx, ctx, {
        action: 'document.file',
        resourceType: 'Document',
        resourceId: id,
        patientId,
        details: { category: staged.category, source: staged.source, sizeBytes: staged.sizeBytes },
      });
      await appendEvent(tx, {
        type: 'document.filed',
        aggregateId: id,
        patientId,
        payload: { documentId: id, patientId },
      });
    }
    await repo.deleteStaged(tx, patientId, id);
    return inserted;
  });
  if (!filed) {
    // Filed by another run, or its source was already filed: keep the object only if a row names it.
    const existing = await repo.documentById(deps.db, id);
    if (existing?.storage_key !== key) await deps.storage.delete(key).catch(() => {});
  }
  return filed;
}

/**
 * The filing consumer. `document.staged` moves a staged file to the storage; `prescription.signed`
 * prints the signed prescription (read-only from then on, so printing it now gives what was
 * signed) and stages it, which leads to its own `document.staged`. Both are idempotent, so a
 * redelivered event files nothing twice; a storage outage fails the event, and the existing
 * retries file it once the storage is back.
 */
export class DocumentFiling implements EventHandler {
  readonly name = 'document-filing';
  readonly events: readonly string[] = ['document.staged', 'prescription.signed'];

  constructor(
    private readonly db: Database,
    private readonly documents: DocumentsService,
    private readonly prescriptions: PrescriptionsService,
  ) {}

  async handle(event: EventEnvelope): Promise<void> {
    if (event.type === 'document.staged') {
      await this.documents.fileStaged(String(event.payload.documentId), event.id);
    } else if (event.type === 'prescription.signed') {
      await this.stagePrescription(String(event.payload.prescriptionId));
    }
  }

  private async stagePrescription(prescriptionId: string) {
    const source = { type: 'prescription', id: prescriptionId };
    if (await this.documents.sourceKnown('prescription', source)) return;
    const printed = await this.prescriptions.printSigned(prescriptionId, 'es');
    if (!printed) return;
    const content = await buffer(printed.stream);
    await this.db.transaction((tx) =>
      this.documents.stage(tx, {
        patientId: printed.patientId,
        category: 'prescription',
        title: `${printed.title} ${printed.number}`,
        fileName: `${printed.number}.pdf`,
        contentType: 'application/pdf',
        content,
        source,
        authorId: printed.prescriberId,
      }),
    );
  }
}
