import type { Readable } from 'node:stream';
import type { Multipart } from '@fastify/multipart';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database } from '../../platform/db/database.js';
import type { Actor, RequestContext } from '../../platform/http/access.js';
import { conflict, notFound } from '../../platform/http/errors.js';
import type { ObjectStorage } from '../../platform/storage/storage.js';
import { openVerified } from '../documents/documents.download.js';
import { receiveFile } from '../documents/documents.upload.js';
import * as repo from './helpdesk.repository.js';
import type { Attachment } from './helpdesk.schemas.js';

export interface AttachmentStore {
  /** The document storage: attachments live under `incidents/<number>/`. */
  storage: ObjectStorage;
  /** DOCUMENT_MAX_BYTES. */
  maxBytes: number;
}

const closedRefusal = () =>
  conflict('This incident is closed; it takes no more messages or files. Report a new incident instead.', {
    currentStatus: 'closed',
  });

/**
 * Files sent with an incident's messages. A file is uploaded first (by anyone who may reply),
 * then named in `attachmentIds` of the article that carries it; from then on it is seen by
 * whoever sees that article. Until then only its uploader and the agents see it.
 */
export class IncidentAttachments {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly store: AttachmentStore,
  ) {}

  /** `incident` is one the caller may reply on (checked by the caller). */
  async upload(
    incident: repo.IncidentRow,
    parts: AsyncIterable<Multipart>,
    actor: Actor,
    ctx: RequestContext,
  ): Promise<Attachment> {
    if (incident.status === 'closed') throw closedRefusal();
    return receiveFile(
      parts,
      {
        storage: this.store.storage,
        maxBytes: this.store.maxBytes,
        keyFor: (id, ext) => `incidents/${incident.number}/${id}.${ext}`,
        form: 'one part named "file"',
      },
      (file) =>
        this.db.transaction(async (tx) => {
          // Closed meanwhile: the file would never reach a message.
          const current = await repo.findIncident(tx, incident.id, true);
          if (!current) throw notFound('The incident');
          if (current.status === 'closed') throw closedRefusal();
          const row = {
            id: file.id,
            incident_id: incident.id,
            file_name: file.fileName,
            content_type: file.contentType,
            size_bytes: file.size,
            sha256: file.sha256,
            storage_key: file.key,
            uploaded_by: actor.userId,
          };
          await repo.insertAttachment(tx, row);
          await this.audit.write(tx, ctx, {
            action: 'incident.attachment.upload',
            resourceType: 'Incident',
            resourceId: incident.id,
            patientId: incident.patient_id,
            details: {
              number: incident.number,
              attachmentId: file.id,
              contentType: file.contentType,
              sizeBytes: file.size,
            },
          });
          return repo.toAttachment({ ...row, article_id: null, created_at: new Date() });
        }),
    );
  }

  /**
   * The content, verified as it streams, for a caller who sees the article it belongs to
   * (`queue`: an agent or administrator; otherwise the reporter, who never sees notes).
   * Anything the caller may not see answers 404, as if it did not exist.
   */
  async download(
    incident: repo.IncidentRow,
    attachmentId: string,
    actor: Actor,
    queue: boolean,
    ctx: RequestContext,
  ): Promise<{ attachment: repo.AttachmentRow; stream: Readable }> {
    const attachment = await repo.findAttachment(this.db, incident.id, attachmentId);
    const article = attachment?.article_id ? await repo.findArticle(this.db, attachment.article_id) : undefined;
    const visible =
      !!attachment && (queue || (article ? article.kind === 'reply' : attachment.uploaded_by === actor.userId));
    const audit = (outcome: 'success' | 'failure' | 'denied') =>
      this.audit.record(ctx, {
        action: 'incident.attachment.download',
        outcome,
        resourceType: 'Incident',
        resourceId: incident.id,
        patientId: incident.patient_id,
        details: { number: incident.number, attachmentId, sizeBytes: attachment?.size_bytes ?? null },
      });
    if (!attachment || !visible) {
      if (attachment) await audit('denied');
      throw notFound('The attachment');
    }
    const stream = await openVerified(this.store.storage, attachment, this.store.maxBytes, audit);
    return { attachment, stream };
  }
}
