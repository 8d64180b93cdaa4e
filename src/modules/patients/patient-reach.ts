import type { AuditTrail } from '../../platform/audit/audit.js';
import type { Queryable } from '../../platform/db/database.js';
import { isPatientOnly, type RequestContext } from '../../platform/http/access.js';
import { forbidden, notFound } from '../../platform/http/errors.js';
import { findPatient, type PatientRow } from './patients.repository.js';

/**
 * The patient record a caller asks about, for the modules that hang data off a patient
 * (dental chart, prescriptions, history export). A caller whose only role is `patient`
 * reaches their own record and nothing else: the refusal is audited, and it comes before
 * the lookup, so a patient cannot learn which other records exist.
 */
export async function reachPatient(
  db: Queryable,
  audit: AuditTrail,
  ctx: RequestContext,
  patientId: string,
  refusal: { action: string; resourceType: string },
): Promise<PatientRow> {
  if (isPatientOnly(ctx.actor) && ctx.actor?.patientId !== patientId) {
    await audit.record(ctx, { ...refusal, outcome: 'denied', patientId });
    throw forbidden('You can only see your own record.');
  }
  const patient = await findPatient(db, patientId);
  if (!patient) throw notFound('The patient');
  return patient;
}
