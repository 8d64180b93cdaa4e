import { z } from 'zod';

/**
 * Every domain event Clinica publishes, with the schema of its payload. This is the
 * contract subscribers rely on (docs/events.md and docs/events/*.schema.json are generated
 * from it): payloads carry ids and the few facts a receiver needs, never health data.
 * A new version of an event is a new entry; an existing version never changes shape.
 */
const id = z.uuid();

const user = z.object({ userId: id }).strict();

const practitioner = z.object({ practitionerId: id }).strict();

const appointment = z.object({ appointmentId: id, patientId: id, practitionerId: id }).strict();

const prescription = z.object({ prescriptionId: id, patientId: id }).strict();

const encounter = z.object({ encounterId: id, patientId: id }).strict();

const note = z.object({ noteId: id, encounterId: id, patientId: id }).strict();

const resultStatus = z.enum(['preliminary', 'final', 'amended']);

const document = z.object({ documentId: id, patientId: id }).strict();

const invoice = z.object({ invoiceId: id, patientId: id }).strict();

export const EVENTS = {
  'user.created': {
    version: 1,
    aggregate: 'User',
    description: 'An administrator created an account.',
    payload: user,
  },
  'user.updated': {
    version: 1,
    aggregate: 'User',
    description: "An administrator changed an account's roles, link, activity or password.",
    payload: user,
  },
  'user.registered': {
    version: 1,
    aggregate: 'User',
    description: 'A patient registered through the portal; a patient record was created with the account.',
    payload: z.object({ userId: id, patientId: id }).strict(),
  },
  'user.password_changed': {
    version: 1,
    aggregate: 'User',
    description: 'The password of an account changed (by its owner or through a reset link).',
    payload: user,
  },
  'user.password_reset_requested': {
    version: 1,
    aggregate: 'User',
    description: 'Someone asked for a password reset link for an account; the link is sent by e-mail.',
    payload: z.object({ userId: id, resetId: id }).strict(),
  },
  'user.mfa_changed': {
    version: 1,
    aggregate: 'User',
    description: 'Multi-factor sign-in was switched on or off for an account.',
    payload: z.object({ userId: id, enabled: z.boolean() }).strict(),
  },
  'user.provisioned': {
    version: 1,
    aggregate: 'User',
    description: 'A first sign-in through single sign-on created an account (just-in-time provisioning).',
    payload: user,
  },
  'user.sso_linked': {
    version: 1,
    aggregate: 'User',
    description: 'An existing account was linked to its single sign-on identity by a verified e-mail address.',
    payload: user,
  },
  'patient.created': {
    version: 1,
    aggregate: 'Patient',
    description: 'A patient record was created.',
    payload: z.object({ patientId: id, patientNumber: z.string() }).strict(),
  },
  'patient.updated': {
    version: 1,
    aggregate: 'Patient',
    description: 'Demographics of a patient changed; the names of the changed fields, not their values.',
    payload: z.object({ patientId: id, changedFields: z.array(z.string()) }).strict(),
  },
  'patient.merged': {
    version: 1,
    aggregate: 'Patient',
    description: 'A duplicate patient record was merged into the surviving one.',
    payload: z.object({ survivorId: id, duplicateId: id }).strict(),
  },
  'practitioner.created': {
    version: 1,
    aggregate: 'Practitioner',
    description: 'An administrator added a practitioner.',
    payload: practitioner,
  },
  'practitioner.updated': {
    version: 1,
    aggregate: 'Practitioner',
    description: "A practitioner's details, working hours or exceptions changed (their free slots may have too).",
    payload: practitioner,
  },
  'appointment.booked': {
    version: 1,
    aggregate: 'Appointment',
    description: 'An appointment was booked, by the patient or by staff.',
    payload: appointment,
  },
  'appointment.changed': {
    version: 1,
    aggregate: 'Appointment',
    description: 'An appointment was moved (time or practitioner) or its treatments, type or notes changed.',
    payload: appointment,
  },
  'appointment.cancelled': {
    version: 1,
    aggregate: 'Appointment',
    description: 'An appointment was cancelled, by the patient or by staff; its time is free again.',
    payload: appointment.extend({ cancelledBy: z.enum(['patient', 'staff']) }).strict(),
  },
  'appointment.confirmed': {
    version: 1,
    aggregate: 'Appointment',
    description: 'The patient or staff confirmed that the appointment will take place.',
    payload: appointment,
  },
  'appointment.checked_in': {
    version: 1,
    aggregate: 'Appointment',
    description: 'The patient arrived and was checked in.',
    payload: appointment,
  },
  'appointment.completed': {
    version: 1,
    aggregate: 'Appointment',
    description: 'The appointment took place and was marked done.',
    payload: appointment,
  },
  'appointment.no_show': {
    version: 1,
    aggregate: 'Appointment',
    description: 'The patient did not come to the appointment.',
    payload: appointment,
  },
  'appointment.reminder': {
    version: 1,
    aggregate: 'Appointment',
    description: 'An appointment starts soon (APPOINTMENT_REMINDER_HOURS); emitted once per appointment and time.',
    payload: appointment,
  },
  'encounter.opened': {
    version: 1,
    aggregate: 'Encounter',
    description: 'An encounter (visit, admission, emergency or dental visit) was opened for a patient.',
    payload: encounter,
  },
  'encounter.updated': {
    version: 1,
    aggregate: 'Encounter',
    description: 'An encounter in progress changed; the names of the changed fields, not their values.',
    payload: encounter.extend({ changedFields: z.array(z.string()) }).strict(),
  },
  'encounter.cancelled': {
    version: 1,
    aggregate: 'Encounter',
    description: 'An encounter opened by mistake was cancelled.',
    payload: encounter,
  },
  'encounter.discharged': {
    version: 1,
    aggregate: 'Encounter',
    description: 'The patient was discharged: the encounter is finished.',
    payload: encounter,
  },
  'note.drafted': {
    version: 1,
    aggregate: 'ClinicalNote',
    description: 'A doctor started a draft clinical note in an encounter.',
    payload: note,
  },
  'note.updated': {
    version: 1,
    aggregate: 'ClinicalNote',
    description: 'The author edited a draft clinical note.',
    payload: note,
  },
  'note.signed': {
    version: 1,
    aggregate: 'ClinicalNote',
    description: 'The author signed a clinical note; it is read-only from now on.',
    payload: note,
  },
  'note.amended': {
    version: 1,
    aggregate: 'ClinicalNote',
    description: 'A signed note was corrected by a signed addendum (noteId is the addendum).',
    payload: note.extend({ amendsNoteId: id }).strict(),
  },
  'diagnosis.recorded': {
    version: 1,
    aggregate: 'Condition',
    description: 'A diagnosis (ICD-10 coded) was recorded for a patient.',
    payload: z.object({ diagnosisId: id, patientId: id, encounterId: id.nullable() }).strict(),
  },
  'diagnosis.updated': {
    version: 1,
    aggregate: 'Condition',
    description: "A diagnosis's status, onset, wording or notes changed; the names of the changed fields.",
    payload: z.object({ diagnosisId: id, patientId: id, changedFields: z.array(z.string()) }).strict(),
  },
  'vitals.recorded': {
    version: 1,
    aggregate: 'VitalSigns',
    description: "A set of vital signs was recorded in a patient's record.",
    payload: z.object({ vitalSignsId: id, patientId: id, encounterId: id.nullable() }).strict(),
  },
  'result.recorded': {
    version: 1,
    aggregate: 'Observation',
    description: 'A lab or imaging result was recorded; its status says whether it is released (final).',
    payload: z.object({ resultId: id, patientId: id, encounterId: id.nullable(), status: resultStatus }).strict(),
  },
  'result.updated': {
    version: 1,
    aggregate: 'Observation',
    description: 'A result was completed or corrected (a changed final result becomes amended).',
    payload: z.object({ resultId: id, patientId: id, status: resultStatus }).strict(),
  },
  'dental_chart.entry_recorded': {
    version: 1,
    aggregate: 'DentalChart',
    description: "A doctor recorded a finding or a treatment on a tooth of the patient's dental chart.",
    payload: z.object({ entryId: id, patientId: id }).strict(),
  },
  'prescription.created': {
    version: 1,
    aggregate: 'Prescription',
    description: 'A doctor wrote a prescription; it is a draft until signed.',
    payload: prescription,
  },
  'prescription.updated': {
    version: 1,
    aggregate: 'Prescription',
    description: 'The author of a draft prescription changed it (lines included).',
    payload: prescription,
  },
  'prescription.signed': {
    version: 1,
    aggregate: 'Prescription',
    description:
      "A prescription was signed and is now read-only: it can be filed in the patient's documents and dispensed.",
    payload: prescription,
  },
  'stock.received': {
    version: 1,
    aggregate: 'Product',
    description: 'Goods were received into a lot of a product (one event per receipt line).',
    payload: z.object({ productId: id, lotId: id, moveId: id }).strict(),
  },
  'stock.dispensed': {
    version: 1,
    aggregate: 'Prescription',
    description: 'A pharmacist dispensed (part of) a line of a signed prescription from stock.',
    payload: z.object({ prescriptionId: id, patientId: id, lineNo: z.number().int(), productId: id }).strict(),
  },
  'stock.adjusted': {
    version: 1,
    aggregate: 'Product',
    description: 'A lot was adjusted, took back a return, or had expired stock written off.',
    payload: z
      .object({ productId: id, lotId: id, moveId: id, kind: z.enum(['adjustment', 'return', 'expiry_write_off']) })
      .strict(),
  },
  'stock.low': {
    version: 1,
    aggregate: 'Product',
    description:
      'The on-hand quantity of a product fell below its minimum; emitted once per crossing (again only after it was back at or above it).',
    payload: z.object({ productId: id }).strict(),
  },
  'stock.expiring': {
    version: 1,
    aggregate: 'Product',
    description:
      'A lot still holding stock expires within STOCK_EXPIRY_ALERT_DAYS days (or has expired); emitted once per lot by a periodic job.',
    payload: z.object({ productId: id, lotId: id }).strict(),
  },
  'purchase_order.confirmed': {
    version: 1,
    aggregate: 'PurchaseOrder',
    description: 'A pharmacist confirmed a draft purchase order; it is e-mailed to the vendor.',
    payload: z.object({ purchaseOrderId: id, vendorId: id }).strict(),
  },
  'purchase_order.received': {
    version: 1,
    aggregate: 'PurchaseOrder',
    description:
      'Goods of a confirmed purchase order came in (part or all; one stock.received per line); complete is true when every line is now fully received and the order is received.',
    payload: z.object({ purchaseOrderId: id, vendorId: id, complete: z.boolean() }).strict(),
  },
  'purchase_order.cancelled': {
    version: 1,
    aggregate: 'PurchaseOrder',
    description: 'A draft, or a confirmed purchase order with nothing received, was cancelled (with a reason).',
    payload: z.object({ purchaseOrderId: id, vendorId: id }).strict(),
  },
  'document.uploaded': {
    version: 1,
    aggregate: 'Document',
    description: "Staff uploaded a file to a patient's documents; it is stored and its checksum recorded.",
    payload: document,
  },
  'document.staged': {
    version: 1,
    aggregate: 'Document',
    description:
      "Clinica produced a file (a signed prescription, a clinical-history export ...) that waits to be filed in the patient's documents.",
    payload: document,
  },
  'document.filed': {
    version: 1,
    aggregate: 'Document',
    description:
      "A file Clinica produced was stored and filed in the patient's documents (documentId is the one staged).",
    payload: document,
  },
  'document.deleted': {
    version: 1,
    aggregate: 'Document',
    description: 'A document was deleted (softly, with a reason): it is hidden, and its file kept.',
    payload: document,
  },
  'invoice.issued': {
    version: 1,
    aggregate: 'Invoice',
    description:
      "A draft invoice was issued: it got its number and date, its PDF is filed in the patient's documents, and the patient is e-mailed its number and total.",
    payload: invoice,
  },
  'invoice.paid': {
    version: 1,
    aggregate: 'Invoice',
    description: 'The payments recorded for an issued invoice reached its total (emitted once).',
    payload: invoice,
  },
  'invoice.voided': {
    version: 1,
    aggregate: 'Invoice',
    description: 'An issued invoice without payments was voided; it keeps its number.',
    payload: invoice,
  },
  'incident.created': {
    version: 1,
    aggregate: 'Incident',
    description:
      'An incident was reported (portal, staff or the public form); the reporter and the agents are e-mailed.',
    payload: z.object({ incidentId: id }).strict(),
  },
  'incident.updated': {
    version: 1,
    aggregate: 'Incident',
    description: 'An incident changed: its subject, priority, category or status (changedFields names which).',
    payload: z.object({ incidentId: id, changedFields: z.array(z.string()) }).strict(),
  },
  'incident.assigned': {
    version: 1,
    aggregate: 'Incident',
    description: 'An incident was assigned to an agent, who is e-mailed.',
    payload: z.object({ incidentId: id, assigneeId: id }).strict(),
  },
  'incident.article_added': {
    version: 1,
    aggregate: 'Incident',
    description:
      'A public reply or an internal note was added to an incident. A reply by an agent is e-mailed to the reporter; one by the reporter to the assignee.',
    payload: z
      .object({
        incidentId: id,
        articleId: id,
        kind: z.enum(['reply', 'note']),
        authorRole: z.enum(['reporter', 'agent', 'system']),
        via: z.enum(['web', 'email', 'zammad']),
      })
      .strict(),
  },
  'incident.sla_breached': {
    version: 1,
    aggregate: 'Incident',
    description: 'An incident missed its first-response or resolution target (INCIDENT_SLA); emitted once per target.',
    payload: z.object({ incidentId: id, target: z.enum(['first_response', 'resolution']) }).strict(),
  },
  'backup.succeeded': {
    version: 1,
    aggregate: 'Backup',
    description: 'A backup archive of the database and documents was written and recorded (see GET /api/v1/backups).',
    payload: z.object({ runId: id }).strict(),
  },
  'backup.failed': {
    version: 1,
    aggregate: 'Backup',
    description: 'A backup did not complete (or its process stopped mid-way); the administrators are e-mailed.',
    payload: z.object({ runId: id }).strict(),
  },
} as const satisfies Record<string, EventDefinition>;

export interface EventDefinition {
  version: number;
  aggregate: string;
  description: string;
  payload: z.ZodType<Record<string, unknown>>;
}

export type EventType = keyof typeof EVENTS;
export type EventPayload<T extends EventType> = z.input<(typeof EVENTS)[T]['payload']>;

export const EVENT_TYPES = Object.keys(EVENTS) as EventType[];
