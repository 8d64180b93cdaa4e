import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../../platform/audit/audit.js';
import { type Database, pgErrorCode, type Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import { isPatientOnly, type RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, DomainError, forbidden, notFound } from '../../platform/http/errors.js';
import * as diary from './practitioners.repository.js';
import * as repo from './scheduling.repository.js';
import type {
  Appointment,
  AppointmentQuery,
  AppointmentStatus,
  BookingInput,
  RescheduleInput,
} from './scheduling.schemas.js';

const EXCLUSION_VIOLATION = '23P01';
const REMINDER_BATCH = 200;

/** Where each status may go next; anything else answers 409. */
const NEXT: Record<AppointmentStatus, readonly AppointmentStatus[]> = {
  booked: ['confirmed', 'checked_in', 'no_show', 'cancelled'],
  confirmed: ['checked_in', 'no_show', 'cancelled'],
  checked_in: ['done'],
  done: [],
  no_show: [],
  cancelled: [],
};

/** The audit action and domain event of each status change. */
const CHANGES = {
  confirmed: { action: 'appointment.confirm', event: 'appointment.confirmed' },
  checked_in: { action: 'appointment.check_in', event: 'appointment.checked_in' },
  done: { action: 'appointment.complete', event: 'appointment.completed' },
  no_show: { action: 'appointment.no_show', event: 'appointment.no_show' },
} as const;

export interface SchedulingOptions {
  /** IANA name of the clinic's time zone: working hours are local times there. */
  timeZone: string;
  /** Patients may cancel online up to this many hours before the start. */
  cancelCutoffHours: number;
}

const scheduleConflict = (code: string, detail: string, extra: Record<string, unknown> = {}) =>
  new DomainError(code.toUpperCase(), 409, detail, { code, ...extra });

/** Appointments: booking, changes, status transitions and reminders. */
export class SchedulingService {
  private readonly localTime: Intl.DateTimeFormat;

  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly options: SchedulingOptions,
  ) {
    // sv-SE writes dates as YYYY-MM-DD HH:MM, readable in any language.
    this.localTime = new Intl.DateTimeFormat('sv-SE', {
      timeZone: options.timeZone,
      dateStyle: 'short',
      timeStyle: 'short',
    });
  }

  async list(query: AppointmentQuery, ctx: RequestContext) {
    const own = isPatientOnly(ctx.actor) ? (ctx.actor?.patientId ?? randomUUID()) : undefined;
    if (own && query.patientId && query.patientId !== own)
      await this.refuse(ctx, 'appointment.search', query.patientId);
    const result = await repo.searchAppointments(this.db, { ...query, ...(own ? { patientId: own } : {}) });
    if (!result) {
      throw badRequest('The cursor is not valid; start again without it.', [
        { path: 'querystring.cursor', message: 'is not a cursor returned by this list', code: 'invalid_value' },
      ]);
    }
    const { cursor, limit, ...filters } = query;
    await this.audit.record(ctx, {
      action: 'appointment.search',
      resourceType: 'Appointment',
      details: { filters, patientIds: [...new Set(result.rows.map((r) => r.patient_id))] },
    });
    return { items: result.rows.map(repo.toAppointment), nextCursor: result.nextCursor };
  }

  async get(id: string, ctx: RequestContext): Promise<Appointment> {
    const row = await this.reach(id, ctx, 'appointment.read');
    await this.audit.record(ctx, {
      action: 'appointment.read',
      resourceType: 'Appointment',
      resourceId: id,
      patientId: row.patient_id,
    });
    return repo.toAppointment(row);
  }

  async book(input: BookingInput, ctx: RequestContext): Promise<Appointment> {
    if (isPatientOnly(ctx.actor)) {
      if (ctx.actor?.patientId !== input.patientId) await this.refuse(ctx, 'appointment.create', input.patientId);
      if (Date.parse(input.start) <= Date.now()) {
        throw new DomainError('IN_THE_PAST', 422, 'That time has already passed; choose a later slot.');
      }
    }
    const id = randomUUID();
    return this.db.transaction(async (tx) => {
      const patient = await repo.lockPatient(tx, input.patientId);
      if (!patient || patient.merged_into) {
        throw badRequest('The patient does not exist.', [
          { path: 'body.patientId', message: 'is not a patient', code: 'invalid_value' },
        ]);
      }
      const treatmentIds = await this.activeTreatments(tx, input.treatmentIds);
      await this.assertPatientFree(tx, input.patientId, input.start, input.end, id);
      await this.hold(tx, input.practitionerId, id, input.start, input.end);
      const row = await repo.insertAppointment(tx, {
        patientId: input.patientId,
        id,
        number: await repo.nextAppointmentNumber(tx),
        practitionerId: input.practitionerId,
        start: input.start,
        end: input.end,
        treatmentIds,
        type: input.type,
        patientCategory: input.patientCategory ?? patient.category,
        responsibleUserId: ctx.actor?.userId ?? null,
        notes: input.notes || null,
      });
      await this.recordChange(tx, ctx, row, 'appointment.create', 'appointment.booked');
      return repo.toAppointment(row);
    });
  }

  async reschedule(id: string, input: RescheduleInput, ctx: RequestContext): Promise<Appointment> {
    return this.change(id, ctx, 'appointment.update', async (tx, row) => {
      if (!['booked', 'confirmed'].includes(row.status)) {
        throw conflict(`This appointment is ${row.status.replace('_', ' ')}; only a booked one can be changed.`);
      }
      const practitionerId = input.practitionerId ?? row.practitioner_id;
      const start = input.start ?? row.starts_at.toISOString();
      const end = input.end ?? row.ends_at.toISOString();
      const moved =
        practitionerId !== row.practitioner_id ||
        start !== row.starts_at.toISOString() ||
        end !== row.ends_at.toISOString();
      if (moved) {
        await this.assertPatientFree(tx, row.patient_id, start, end, row.id);
        await repo.deleteBooking(tx, row.practitioner_id, row.id);
        await this.hold(tx, practitionerId, row.id, start, end);
      }
      const updated = await repo.updateAppointment(tx, row, {
        practitionerId,
        start,
        end,
        treatmentIds: input.treatmentIds ? await this.activeTreatments(tx, input.treatmentIds) : row.treatment_ids,
        type: input.type ?? row.type,
        notes: input.notes === undefined ? row.notes : input.notes || null,
        // A new time needs confirming again, and a new reminder.
        status: moved ? 'booked' : row.status,
        clearReminder: moved,
      });
      const changedFields = Object.keys(input);
      await this.recordChange(tx, ctx, updated, 'appointment.update', 'appointment.changed', { changedFields });
      return updated;
    });
  }

  async cancel(id: string, reason: string, ctx: RequestContext): Promise<Appointment> {
    const byPatient = isPatientOnly(ctx.actor);
    return this.change(id, ctx, 'appointment.cancel', async (tx, row) => {
      this.assertTransition(row, 'cancelled');
      const hoursLeft = (row.starts_at.getTime() - Date.now()) / 3_600_000;
      if (byPatient && hoursLeft < this.options.cancelCutoffHours) {
        throw scheduleConflict(
          'cancel_cutoff',
          `Appointments can be cancelled online up to ${this.options.cancelCutoffHours} hours before they start; please call the clinic.`,
        );
      }
      await repo.deleteBooking(tx, row.practitioner_id, row.id);
      const by = byPatient ? 'patient' : 'staff';
      const updated = await repo.setStatus(tx, row, 'cancelled', { reason, by });
      await this.recordChange(tx, ctx, updated, 'appointment.cancel', 'appointment.cancelled', { cancelledBy: by });
      return updated;
    });
  }

  /** confirmed, checked_in, done or no_show, as the transition table allows. */
  async advance(id: string, to: keyof typeof CHANGES, ctx: RequestContext): Promise<Appointment> {
    const { action, event } = CHANGES[to];
    return this.change(id, ctx, action, async (tx, row) => {
      this.assertTransition(row, to);
      if (to === 'no_show' && row.starts_at.getTime() > Date.now()) {
        throw conflict('This appointment has not started yet; it cannot be a no-show.');
      }
      if (to === 'confirmed' && isPatientOnly(ctx.actor) && row.starts_at.getTime() <= Date.now()) {
        throw new DomainError('IN_THE_PAST', 422, 'This appointment has already started.');
      }
      const updated = await repo.setStatus(tx, row, to);
      await this.recordChange(tx, ctx, updated, action, event);
      return updated;
    });
  }

  /**
   * Appends `appointment.reminder` once for each live appointment starting within the next
   * `hoursAhead` hours, marking it in the same transaction; safe to run from several
   * processes at once. Answers how many reminders were emitted.
   */
  async emitDueReminders(now: Date, hoursAhead: number): Promise<number> {
    let total = 0;
    for (;;) {
      const emitted = await this.db.transaction(async (tx) => {
        const due = await repo.claimDueReminders(tx, now, hoursAhead, REMINDER_BATCH);
        for (const a of due) {
          await appendEvent(tx, {
            type: 'appointment.reminder',
            aggregateId: a.id,
            patientId: a.patient_id,
            payload: { appointmentId: a.id, patientId: a.patient_id, practitionerId: a.practitioner_id },
          });
        }
        return due.length;
      });
      total += emitted;
      if (emitted < REMINDER_BATCH) return total;
    }
  }

  /**
   * One change of an existing appointment, in one transaction with its audit entry and
   * event. The patient row is locked before the appointment, in the order bookings and
   * patient merges take them, so none of them can deadlock with another.
   */
  private async change(
    id: string,
    ctx: RequestContext,
    action: string,
    apply: (tx: Queryable, row: repo.AppointmentRow) => Promise<repo.AppointmentRow>,
  ): Promise<Appointment> {
    const seen = await this.reach(id, ctx, action);
    return this.db.transaction(async (tx) => {
      await repo.lockPatient(tx, seen.patient_id);
      const row = await repo.findAppointment(tx, id, true);
      if (!row) throw notFound('The appointment');
      return repo.toAppointment(await apply(tx, row));
    });
  }

  /** Loads an appointment the caller may reach: a patient only their own (refusals are audited). */
  private async reach(id: string, ctx: RequestContext, action: string): Promise<repo.AppointmentRow> {
    const row = await repo.findAppointment(this.db, id);
    if (!row) throw notFound('The appointment');
    if (isPatientOnly(ctx.actor) && ctx.actor?.patientId !== row.patient_id) {
      await this.refuse(ctx, action, row.patient_id, id);
    }
    return row;
  }

  private async refuse(ctx: RequestContext, action: string, patientId: string, appointmentId?: string) {
    await this.audit.record(ctx, {
      action,
      outcome: 'denied',
      resourceType: 'Appointment',
      ...(appointmentId ? { resourceId: appointmentId } : {}),
      patientId,
    });
    throw forbidden('You can only see and book your own appointments.');
  }

  private assertTransition(row: repo.AppointmentRow, to: AppointmentStatus) {
    if (!NEXT[row.status].includes(to)) {
      throw conflict(`This appointment is ${row.status.replace('_', ' ')}; it cannot become ${to.replace('_', ' ')}.`, {
        currentStatus: row.status,
      });
    }
  }

  private async recordChange(
    tx: Queryable,
    ctx: RequestContext,
    row: repo.AppointmentRow,
    action: string,
    event:
      | 'appointment.booked'
      | 'appointment.changed'
      | 'appointment.cancelled'
      | (typeof CHANGES)[keyof typeof CHANGES]['event'],
    details: Record<string, unknown> = {},
  ) {
    await this.audit.write(tx, ctx, {
      action,
      resourceType: 'Appointment',
      resourceId: row.id,
      patientId: row.patient_id,
      details: { number: row.number, ...details },
    });
    const ids = { appointmentId: row.id, patientId: row.patient_id, practitionerId: row.practitioner_id };
    const base = { aggregateId: row.id, patientId: row.patient_id };
    if (event === 'appointment.cancelled') {
      await appendEvent(tx, { ...base, type: event, payload: { ...ids, cancelledBy: row.cancelled_by ?? 'staff' } });
    } else {
      await appendEvent(tx, { ...base, type: event, payload: ids });
    }
  }

  /** Every id must be an active treatment of the catalogue; answers them without repeats. */
  private async activeTreatments(tx: Queryable, ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.length === 0) return unique;
    const found = await diary.findActiveTreatments(tx, unique);
    if (found.length !== unique.length) {
      const known = new Set(found.map((t) => t.id));
      const index = ids.findIndex((t) => !known.has(t));
      throw badRequest('A treatment does not exist or is no longer offered.', [
        { path: `body.treatmentIds.${index}`, message: 'is not an active treatment', code: 'invalid_value' },
      ]);
    }
    return unique;
  }

  private async assertPatientFree(tx: Queryable, patientId: string, start: string, end: string, exceptId: string) {
    const other = await repo.patientOverlap(tx, patientId, start, end, exceptId);
    if (other) {
      throw scheduleConflict(
        'patient_busy',
        `The patient already has ${other.number} at an overlapping time (${this.span(other.starts_at, other.ends_at)}).`,
        { appointmentNumber: other.number },
      );
    }
  }

  /**
   * Takes [start, end) in the practitioner's diary: within their working hours, outside
   * their exceptions, and free, which the exclusion constraint decides even under
   * concurrent bookings.
   */
  private async hold(tx: Queryable, practitionerId: string, appointmentId: string, start: string, end: string) {
    const practitioner = await diary.findPractitioner(tx, practitionerId);
    if (!practitioner?.active) {
      throw badRequest('The practitioner does not exist or no longer takes appointments.', [
        { path: 'body.practitionerId', message: 'is not an active practitioner', code: 'invalid_value' },
      ]);
    }
    const when = this.span(new Date(start), new Date(end));
    const fit = await diary.fitsDiary(tx, practitionerId, start, end, this.options.timeZone);
    const slot = { practitionerId, start, end };
    if (fit.exception !== null) {
      throw scheduleConflict(
        'practitioner_unavailable',
        `${practitioner.name} is not available ${when}: ${fit.exception}.`,
        slot,
      );
    }
    if (!fit.withinHours) {
      throw scheduleConflict('outside_working_hours', `${practitioner.name} does not work ${when}.`, slot);
    }
    try {
      await repo.insertBooking(tx, practitionerId, appointmentId, start, end);
    } catch (err) {
      if (pgErrorCode(err) !== EXCLUSION_VIOLATION) throw err;
      throw scheduleConflict('slot_taken', `${practitioner.name} is already booked ${when}.`, slot);
    }
  }

  /** "between 2026-05-04 10:00 and 10:30 (Europe/Madrid)", in the clinic's local time. */
  private span(start: Date, end: Date): string {
    const [from, to] = [this.localTime.format(start), this.localTime.format(end)];
    const sameDay = from.slice(0, 10) === to.slice(0, 10);
    return `between ${from} and ${sameDay ? to.slice(11) : to} (${this.options.timeZone})`;
  }
}
