import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { AuditTrail } from '../../platform/audit/audit.js';
import { type Database, pgErrorCode, type Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import { type Actor, isPatientOnly, type RequestContext } from '../../platform/http/access.js';
import { badRequest, DomainError, forbidden, notFound, unauthorized } from '../../platform/http/errors.js';
import { renderPdf } from '../../platform/pdf/document.js';
import { Formats, type Language } from '../../platform/pdf/language.js';
import { appointmentOfPatient } from '../dentistry/dentistry.repository.js';
import { staffNames } from '../identity/staff-names.js';
import { findPatient, type PatientRow } from '../patients/patients.repository.js';
import { findActiveTreatments } from '../scheduling/practitioners.repository.js';
import { prescriptionContent, prescriptionLabels } from './prescriptions.pdf.js';
import * as repo from './prescriptions.repository.js';
import type {
  Prescription,
  PrescriptionInput,
  PrescriptionQuery,
  PrescriptionUpdate,
} from './prescriptions.schemas.js';

/** The database trigger's refusal to change a signed prescription (SQLSTATE 55000). */
const SIGNED_READ_ONLY = '55000';

export interface PrescriptionsOptions {
  clinicName: string;
  timeZone: string;
}

const signedConflict = (number: string) =>
  new DomainError('PRESCRIPTION_SIGNED', 409, `${number} is signed and can no longer be changed.`, {
    code: 'prescription_signed',
  });

/** Doctors and administrators see drafts; patients and pharmacists only what was signed. */
const seesDrafts = (actor: Actor | null) => !!actor?.roles.some((r) => r === 'doctor' || r === 'admin');

/** Prescriptions PRN00001: drafts written and signed by doctors, read-only once signed. */
export class PrescriptionsService {
  private readonly today: Intl.DateTimeFormat;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly options: PrescriptionsOptions,
  ) {
    this.today = new Intl.DateTimeFormat('en-CA', { timeZone: options.timeZone });
  }

  async create(input: PrescriptionInput, ctx: RequestContext): Promise<Prescription> {
    const userId = this.author(ctx);
    const id = randomUUID();
    const number = await this.db.transaction(async (tx) => {
      const patient = await findPatient(tx, input.patientId);
      if (!patient || patient.merged_into) {
        throw badRequest('The patient does not exist.', [
          { path: 'body.patientId', message: 'is not a patient', code: 'invalid_value' },
        ]);
      }
      const values = await this.values(tx, input.patientId, input);
      const number = await repo.nextPrescriptionNumber(tx);
      await repo.insertPrescription(tx, {
        ...values,
        patientId: input.patientId,
        id,
        number,
        prescriberUserId: userId,
      });
      await repo.replaceLines(tx, input.patientId, id, input.lines);
      await this.recordChange(tx, ctx, { id, patientId: input.patientId, number }, 'create');
      return number;
    });
    return this.load(this.db, id, number);
  }

  async update(id: string, input: PrescriptionUpdate, ctx: RequestContext): Promise<Prescription> {
    const userId = this.author(ctx);
    const target = await this.draftOf(id, userId);
    await this.guardSigned(target.number, () =>
      this.db.transaction(async (tx) => {
        await this.lockDraft(tx, target, userId);
        const values = await this.values(tx, target.patient_id, input);
        await repo.updatePrescription(tx, target.patient_id, id, values);
        await repo.replaceLines(tx, target.patient_id, id, input.lines);
        await this.recordChange(tx, ctx, { id, patientId: target.patient_id, number: target.number }, 'update');
      }),
    );
    return this.load(this.db, id, target.number);
  }

  async sign(id: string, ctx: RequestContext): Promise<Prescription> {
    const userId = this.author(ctx);
    const target = await this.draftOf(id, userId);
    await this.guardSigned(target.number, () =>
      this.db.transaction(async (tx) => {
        await this.lockDraft(tx, target, userId);
        await repo.markSigned(tx, target.patient_id, id);
        await this.recordChange(tx, ctx, { id, patientId: target.patient_id, number: target.number }, 'sign');
      }),
    );
    return this.load(this.db, id, target.number);
  }

  async get(id: string, ctx: RequestContext): Promise<Prescription> {
    const row = await this.reach(id, ctx, 'prescription.read');
    await this.audit.record(ctx, {
      action: 'prescription.read',
      resourceType: 'Prescription',
      resourceId: id,
      patientId: row.patient_id,
    });
    return repo.toPrescription(row, await staffNames(this.db, [row.prescriber_user_id]));
  }

  async list(query: PrescriptionQuery, ctx: RequestContext) {
    const patientOnly = isPatientOnly(ctx.actor);
    const own = patientOnly ? (ctx.actor?.patientId ?? randomUUID()) : undefined;
    if (own && query.patientId && query.patientId !== own) {
      await this.audit.record(ctx, {
        action: 'prescription.search',
        outcome: 'denied',
        resourceType: 'Prescription',
        patientId: query.patientId,
      });
      throw forbidden('You can only see your own prescriptions.');
    }
    const signedOnly = !seesDrafts(ctx.actor);
    if (signedOnly && query.status === 'draft') return { items: [], nextCursor: null };
    const result = await repo.searchPrescriptions(this.db, {
      ...query,
      ...(own ? { patientId: own } : {}),
      ...(signedOnly ? { status: 'signed' as const } : {}),
    });
    if (!result) {
      throw badRequest('The cursor is not valid; start again without it.', [
        { path: 'querystring.cursor', message: 'is not a cursor returned by this list', code: 'invalid_value' },
      ]);
    }
    const { cursor, limit, ...filters } = query;
    await this.audit.record(ctx, {
      action: 'prescription.search',
      resourceType: 'Prescription',
      details: { filters, patientIds: [...new Set(result.rows.map((r) => r.patient_id))] },
    });
    const names = await staffNames(
      this.db,
      result.rows.map((r) => r.prescriber_user_id),
    );
    return { items: result.rows.map((r) => repo.toPrescription(r, names)), nextCursor: result.nextCursor };
  }

  /** The printable prescription; the download is audited before a byte leaves. */
  async pdf(id: string, lang: Language, ctx: RequestContext): Promise<{ number: string; stream: Readable }> {
    const row = await this.reach(id, ctx, 'prescription.download');
    const patient = (await findPatient(this.db, row.patient_id)) as PatientRow;
    const prescription = repo.toPrescription(row, await staffNames(this.db, [row.prescriber_user_id]));
    await this.audit.record(ctx, {
      action: 'prescription.download',
      resourceType: 'Prescription',
      resourceId: id,
      patientId: row.patient_id,
      details: { number: row.number, lang },
    });
    const stream = await this.render(prescription, patient, lang, new Date(), ctx.actor?.email ?? '');
    return { number: row.number, stream };
  }

  /**
   * A signed prescription printed for the patient's documents, dated when it was signed
   * (the filing consumer files and audits it). Null when it is not, or no longer, signed.
   */
  async printSigned(
    id: string,
    lang: Language,
  ): Promise<{ patientId: string; number: string; prescriberId: string; title: string; stream: Readable } | null> {
    const row = await repo.findPrescription(this.db, id);
    if (row?.status !== 'signed' || !row.signed_at) return null;
    const patient = (await findPatient(this.db, row.patient_id)) as PatientRow;
    const prescription = repo.toPrescription(row, await staffNames(this.db, [row.prescriber_user_id]));
    const stream = await this.render(prescription, patient, lang, row.signed_at, this.options.clinicName);
    return {
      patientId: row.patient_id,
      number: row.number,
      prescriberId: row.prescriber_user_id,
      title: prescriptionLabels(lang).title,
      stream,
    };
  }

  private render(prescription: Prescription, patient: PatientRow, lang: Language, at: Date, by: string) {
    const formats = new Formats(lang, this.options.timeZone);
    return renderPdf(
      {
        clinicName: this.options.clinicName,
        title: `${prescriptionLabels(lang).title} ${prescription.number}`,
        formats,
        generatedAt: at,
        generatedBy: by,
      },
      prescriptionContent(prescription, patient, formats),
    );
  }

  /** A patient's signed prescriptions, for the clinical-history export (its caller audits). */
  async signedOfPatient(q: Queryable, patientId: string): Promise<Prescription[]> {
    const rows = await repo.signedOfPatient(q, patientId);
    const names = await staffNames(
      q,
      rows.map((r) => r.prescriber_user_id),
    );
    return rows.map((r) => repo.toPrescription(r, names));
  }

  private author(ctx: RequestContext): string {
    const userId = ctx.actor?.userId;
    if (!userId) throw unauthorized();
    return userId;
  }

  /** Checks the references of a draft and copies the treatment's cost from the catalogue. */
  private async values(
    tx: Queryable,
    patientId: string,
    input: PrescriptionUpdate | PrescriptionInput,
  ): Promise<repo.PrescriptionValues> {
    const { lines, ...rest } = input;
    const { patientId: _, ...fields } = rest as Partial<PrescriptionInput>;
    let treatmentCost: string | null = null;
    if (input.treatmentId) {
      const [treatment] = await findActiveTreatments(tx, [input.treatmentId]);
      if (!treatment) {
        throw badRequest('The treatment does not exist or is no longer offered.', [
          { path: 'body.treatmentId', message: 'is not an active treatment', code: 'invalid_value' },
        ]);
      }
      treatmentCost = treatment.cost;
    }
    if (input.appointmentId && !(await appointmentOfPatient(tx, patientId, input.appointmentId))) {
      throw badRequest('The appointment is not one of this patient.', [
        { path: 'body.appointmentId', message: "is not one of this patient's appointments", code: 'invalid_value' },
      ]);
    }
    if (input.referredPractitionerId) {
      const dentist = await repo.findDentist(tx, input.referredPractitionerId);
      if (!dentist?.active || !dentist.is_dentist) {
        throw badRequest('The referred practitioner is not an active dentist.', [
          { path: 'body.referredPractitionerId', message: 'is not an active dentist', code: 'invalid_value' },
        ]);
      }
    }
    const date = input.date ?? this.today.format(new Date());
    if (input.nextAppointmentDate && input.nextAppointmentDate < date) {
      throw badRequest('The next appointment cannot be before the prescription date.', [
        { path: 'body.nextAppointmentDate', message: 'must not be before the date', code: 'custom' },
      ]);
    }
    return { ...(fields as Omit<PrescriptionUpdate, 'lines'>), date, treatmentCost };
  }

  /** The prescription a change is about: it exists, is a draft and belongs to this doctor. */
  private async draftOf(id: string, userId: string) {
    const row = await repo.findPrescription(this.db, id);
    if (!row) throw notFound('The prescription');
    this.assertDraftOf(row, userId);
    return row;
  }

  /** Again under the row lock: a concurrent sign or edit may have come first. */
  private async lockDraft(tx: Queryable, target: repo.PrescriptionRow, userId: string) {
    const locked = await repo.lockPrescription(tx, target.patient_id, target.id);
    if (!locked) throw notFound('The prescription');
    this.assertDraftOf(locked, userId);
  }

  private assertDraftOf(row: { status: string; prescriber_user_id: string; number: string }, userId: string) {
    if (row.prescriber_user_id !== userId) throw forbidden('Only the prescribing doctor can change or sign it.');
    if (row.status === 'signed') throw signedConflict(row.number);
  }

  /** The trigger is the last word: a change it refuses is the same 409 as the service's own check. */
  private async guardSigned(number: string, change: () => Promise<void>) {
    try {
      await change();
    } catch (err) {
      if (pgErrorCode(err) === SIGNED_READ_ONLY) throw signedConflict(number);
      throw err;
    }
  }

  /**
   * Loads a prescription the caller may see. A patient reaches only their own (a refusal is
   * audited); patients and pharmacists do not see drafts: for them a draft does not exist yet.
   */
  private async reach(id: string, ctx: RequestContext, action: string): Promise<repo.PrescriptionRow> {
    const row = await repo.findPrescription(this.db, id);
    if (!row) throw notFound('The prescription');
    if (isPatientOnly(ctx.actor) && ctx.actor?.patientId !== row.patient_id) {
      await this.audit.record(ctx, {
        action,
        outcome: 'denied',
        resourceType: 'Prescription',
        resourceId: id,
        patientId: row.patient_id,
      });
      throw forbidden('You can only see your own prescriptions.');
    }
    if (row.status !== 'signed' && !seesDrafts(ctx.actor)) throw notFound('The prescription');
    return row;
  }

  private async load(q: Queryable, id: string, number: string): Promise<Prescription> {
    const row = await repo.findPrescription(q, id);
    if (!row) throw notFound(`Prescription ${number}`);
    return repo.toPrescription(row, await staffNames(q, [row.prescriber_user_id]));
  }

  private async recordChange(
    tx: Queryable,
    ctx: RequestContext,
    p: { id: string; patientId: string; number: string },
    change: 'create' | 'update' | 'sign',
  ) {
    await this.audit.write(tx, ctx, {
      action: `prescription.${change}`,
      resourceType: 'Prescription',
      resourceId: p.id,
      patientId: p.patientId,
      details: { number: p.number },
    });
    const type =
      change === 'create'
        ? 'prescription.created'
        : change === 'update'
          ? 'prescription.updated'
          : 'prescription.signed';
    await appendEvent(tx, {
      type,
      aggregateId: p.id,
      patientId: p.patientId,
      payload: { prescriptionId: p.id, patientId: p.patientId },
    });
  }
}
