import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Database } from '../../platform/db/database.js';
import type { RequestContext } from '../../platform/http/access.js';
import { ClinicalAccess } from './clinical.access.js';
import { clinicalSummaryOf } from './clinical.record.js';
import { DiagnosesService } from './diagnoses.service.js';
import { EncountersService } from './encounters.service.js';
import { NotesService } from './notes.service.js';
import { ResultsService } from './results.service.js';
import { VitalsService } from './vitals.service.js';

/** The clinical record: one service per use case, sharing who-reaches-what and the audit trail. */
export class ClinicalService {
  readonly encounters: EncountersService;
  readonly notes: NotesService;
  readonly diagnoses: DiagnosesService;
  readonly vitals: VitalsService;
  readonly results: ResultsService;
  private readonly access: ClinicalAccess;

  constructor(db: Database, audit: AuditTrail) {
    this.access = new ClinicalAccess(db, audit);
    this.encounters = new EncountersService(this.access);
    this.notes = new NotesService(this.access);
    this.diagnoses = new DiagnosesService(this.access);
    this.vitals = new VitalsService(this.access);
    this.results = new ResultsService(this.access);
  }

  /** Active diagnoses, allergies (from the patient record), last vitals, recent results, open encounters. */
  async summary(patientId: string, ctx: RequestContext) {
    const patient = await this.access.reach(ctx, patientId, 'clinical_summary.read', 'Patient');
    const summary = await clinicalSummaryOf(this.access.db, patientId, {
      releasedOnly: this.access.ownRecordOnly(ctx),
    });
    await this.access.read(ctx, {
      action: 'clinical_summary.read',
      resourceType: 'Patient',
      resourceId: patientId,
      patientId,
    });
    return { patientId, allergies: (patient.allergies ?? []) as string[], ...summary };
  }
}
