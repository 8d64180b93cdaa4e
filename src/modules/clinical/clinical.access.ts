import type { AuditEntry, AuditTrail } from '../../platform/audit/audit.js';
import type { Database, Queryable } from '../../platform/db/database.js';
import { appendEvent, type DomainEvent } from '../../platform/events/outbox.js';
import { isPatientOnly, type RequestContext } from '../../platform/http/access.js';
import { conflict, notFound } from '../../platform/http/errors.js';
import { reachPatient } from '../patients/patient-reach.js';

/**
 * Who reaches which patient's clinical record, and the audit entry and event every read
 * and change leaves. Route roles decide which kinds of record a role sees at all; this decides
 * which patient: a caller whose only role is `patient` reaches their own record, staff with a
 * clinical role reach every patient (a treating relationship is later work: see
 * docs/architecture.md, "Clinical record").
 */
export class ClinicalAccess {
  constructor(
    readonly db: Database,
    readonly audit: AuditTrail,
  ) {}

  /** A read of `patientId`'s record: refused (and audited) for another patient's portal account. */
  async reach(ctx: RequestContext, patientId: string, action: string, resourceType: string) {
    return reachPatient(this.db, this.audit, ctx, patientId, { action, resourceType });
  }

  /** The portal shows patients their finished record only: no drafts, no preliminary results. */
  ownRecordOnly(ctx: RequestContext): boolean {
    return isPatientOnly(ctx.actor);
  }

  /** Audits a read once it is answered (AuditTrail.record resolves when the entry is stored). */
  async read(ctx: RequestContext, entry: AuditEntry) {
    await this.audit.record(ctx, entry);
  }

  /**
   * A change to `patientId`'s record, in one transaction with its audit entry and event. The
   * patient row is key-share locked first: a merge (which locks it for update) either waits for
   * this change or has finished, so no row is written to a duplicate after its rows moved.
   */
  async change<T>(
    ctx: RequestContext,
    patientId: string,
    apply: (tx: Queryable) => Promise<{ result: T; audit: AuditEntry; event: DomainEvent }>,
  ): Promise<T> {
    return this.db.transaction(async (tx) => {
      const { rows } = await tx.query<{ merged_into: string | null }>(
        'select merged_into from patients where id = $1 for key share',
        [patientId],
      );
      const patient = rows[0];
      if (!patient) throw notFound('The patient');
      if (patient.merged_into) {
        throw conflict('This record was merged into another patient; write to that one.', {
          mergedInto: patient.merged_into,
        });
      }
      const { result, audit, event } = await apply(tx);
      await this.audit.write(tx, ctx, { ...audit, patientId });
      await appendEvent(tx, event);
      return result;
    });
  }
}
