import type { Queryable } from '../../platform/db/database.js';
import * as diagnoses from './diagnoses.repository.js';
import type { Diagnosis } from './diagnoses.schemas.js';
import * as encounters from './encounters.repository.js';
import type { Encounter } from './encounters.schemas.js';
import * as notes from './notes.repository.js';
import type { Note } from './notes.schemas.js';
import * as results from './results.repository.js';
import type { Result } from './results.schemas.js';
import * as vitals from './vitals.repository.js';
import type { Vitals } from './vitals.schemas.js';

/** A patient's whole clinical record, newest first in each part (the history export reads this). */
export interface ClinicalRecord {
  encounters: Encounter[];
  /** Signed notes and addenda; drafts only with `includeDrafts`. */
  notes: Note[];
  diagnoses: Diagnosis[];
  vitals: Vitals[];
  /** Final and amended results; preliminary ones only with `includePreliminary`. */
  results: Result[];
}

/**
 * Reads without auditing or access checks: the caller (a service) has checked who asks and
 * audits the read. For the clinical-history PDF: `clinicalRecordOf(db, patientId)`.
 */
export async function clinicalRecordOf(
  q: Queryable,
  patientId: string,
  options: { includeDrafts?: boolean; includePreliminary?: boolean } = {},
): Promise<ClinicalRecord> {
  const [e, n, d, v, r] = await Promise.all([
    encounters.listEncounters(q, patientId, { limit: 100_000 }),
    notes.listNotes(q, patientId, { limit: 100_000 }, { signedOnly: !options.includeDrafts }),
    diagnoses.listDiagnoses(q, patientId),
    vitals.listVitals(q, patientId, { limit: 100_000 }),
    results.listResults(q, patientId, { limit: 100_000 }, { releasedOnly: !options.includePreliminary }),
  ]);
  return {
    encounters: e.rows.map(encounters.toEncounter),
    notes: n.rows.map(notes.toNote),
    diagnoses: d.map(diagnoses.toDiagnosis),
    vitals: v.rows.map(vitals.toVitals),
    results: r.rows.map(results.toResult),
  };
}

/** What the doctor workspace shows first: problems, last vitals, recent results, open encounters. */
export async function clinicalSummaryOf(q: Queryable, patientId: string, options: { releasedOnly: boolean }) {
  const [active, lastVitals, recent, open] = await Promise.all([
    diagnoses.listDiagnoses(q, patientId, { status: 'active' }),
    vitals.listVitals(q, patientId, { limit: 1 }),
    results.listResults(q, patientId, { limit: 10 }, { releasedOnly: options.releasedOnly }),
    encounters.listEncounters(q, patientId, { status: 'in_progress', limit: 20 }),
  ]);
  const last = lastVitals.rows[0];
  return {
    activeDiagnoses: active.map(diagnoses.toDiagnosis),
    lastVitals: last ? vitals.toVitals(last) : null,
    recentResults: recent.rows.map(results.toResult),
    openEncounters: open.rows.map(encounters.toEncounter),
  };
}
