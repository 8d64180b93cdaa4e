import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database } from '../../platform/db/database.js';
import type { RequestContext } from '../../platform/http/access.js';
import { renderPdf } from '../../platform/pdf/document.js';
import { Formats, type Language } from '../../platform/pdf/language.js';
import { clinicalRecordOf } from '../clinical/clinical.record.js';
import type { DentistryService } from '../dentistry/dentistry.service.js';
import type { DocumentStager } from '../documents/documents.filing.js';
import { staffNames } from '../identity/staff-names.js';
import { reachPatient } from '../patients/patient-reach.js';
import type { PrescriptionsService } from '../prescriptions/prescriptions.service.js';
import { clinicalContent } from './history.clinical.js';
import { historyLabels } from './history.labels.js';
import { type HistoryRecord, historyContent } from './history.pdf.js';
import { appointmentsOfPatient, practitionerNames } from './history.repository.js';

export interface HistoryOptions {
  clinicName: string;
  timeZone: string;
}

/** The whole record of a patient as one PDF (capability 5). */
export class HistoryService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly dentistry: DentistryService,
    private readonly prescriptions: PrescriptionsService,
    private readonly options: HistoryOptions,
    /** Files each export in the patient's documents, with the exact bytes downloaded. */
    private readonly documents?: DocumentStager,
  ) {}

  /**
   * Reads every section in one repeatable-read transaction (one snapshot: a section never
   * shows what another does not), a fixed number of statements whatever the record's size,
   * lays it out, then audits the export and files a copy in the patient's documents.
   */
  async export(patientId: string, lang: Language, ctx: RequestContext): Promise<Readable> {
    const patient = await reachPatient(this.db, this.audit, ctx, patientId, {
      action: 'patient.history_export',
      resourceType: 'Patient',
    });
    const formats = new Formats(lang, this.options.timeZone);
    const l = historyLabels(lang);
    const record = await this.db.transaction(async (tx): Promise<HistoryRecord> => {
      await tx.query('set transaction isolation level repeatable read');
      // Signed notes and released results only: drafts and preliminary values are not the record yet.
      const clinical = await clinicalRecordOf(tx, patientId);
      const names = {
        practitioners: await practitionerNames(
          tx,
          clinical.encounters.flatMap((e) => (e.practitionerId ? [e.practitionerId] : [])),
        ),
        staff: await staffNames(
          tx,
          clinical.notes.flatMap((n) => [n.authorId, ...(n.signedBy ? [n.signedBy] : [])]),
        ),
      };
      const dental = await this.dentistry.snapshot(tx, patientId);
      return {
        patient,
        appointments: await appointmentsOfPatient(tx, patientId),
        dentalCurrent: dental.current,
        dentalHistory: dental.history,
        prescriptions: await this.prescriptions.signedOfPatient(tx, patientId),
        clinical: clinicalContent(clinical, names, l, formats),
      };
    });
    const title = `${l.title} · ${record.patient.patient_number}`;
    const pdf = await buffer(
      await renderPdf(
        {
          clinicName: this.options.clinicName,
          title,
          formats,
          generatedAt: new Date(),
          generatedBy: ctx.actor?.email ?? '',
        },
        historyContent(record, formats),
      ),
    );
    // The export's audit entry and its filed copy commit together, before a byte leaves.
    await this.db.transaction(async (tx) => {
      await this.audit.write(tx, ctx, {
        action: 'patient.history_export',
        resourceType: 'Patient',
        resourceId: patientId,
        patientId,
        details: { lang, format: 'pdf' },
      });
      await this.documents?.stage(tx, {
        patientId,
        category: 'history_export',
        title,
        fileName: `clinical-history-${record.patient.patient_number}.pdf`,
        contentType: 'application/pdf',
        content: pdf,
        source: null,
        authorId: ctx.actor?.userId ?? null,
      });
    });
    return Readable.from([pdf]);
  }
}
