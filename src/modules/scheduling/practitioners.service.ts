import { randomUUID } from 'node:crypto';
import type { AuditTrail } from '../../platform/audit/audit.js';
import { type Database, pgErrorCode, type Queryable } from '../../platform/db/database.js';
import { appendEvent } from '../../platform/events/outbox.js';
import type { RequestContext } from '../../platform/http/access.js';
import { badRequest, conflict, notFound } from '../../platform/http/errors.js';
import { findUser } from '../identity/identity.repository.js';
import { freeSlots } from './availability.js';
import * as repo from './practitioners.repository.js';
import type {
  AvailabilityQuery,
  ExceptionInput,
  Practitioner,
  PractitionerException,
  PractitionerInput,
  Treatment,
  TreatmentInput,
  WorkingInterval,
} from './practitioners.schemas.js';

const DEFAULT_SLOT_MINUTES = 30;
const UNIQUE_VIOLATION = '23505';

const codeTaken = (code: string) =>
  conflict(`A treatment with the code ${code} already exists.`, { code: 'treatment_code_taken' });

/** The treatments catalogue, practitioners, their working hours and exceptions, and free slots. */
export class PractitionersService {
  constructor(
    private readonly db: Database,
    private readonly audit: AuditTrail,
    private readonly timeZone: string,
  ) {}

  // Treatments --------------------------------------------------------------------------

  listTreatments(includeInactive: boolean): Promise<Treatment[]> {
    return repo.listTreatments(this.db, includeInactive);
  }

  async createTreatment(input: TreatmentInput, ctx: RequestContext): Promise<Treatment> {
    const id = randomUUID();
    return this.saveTreatment(input, ctx, 'treatment.create', (tx) => repo.insertTreatment(tx, id, input));
  }

  async updateTreatment(id: string, input: TreatmentInput, ctx: RequestContext): Promise<Treatment> {
    return this.saveTreatment(input, ctx, 'treatment.update', async (tx) => {
      const saved = await repo.updateTreatment(tx, id, input);
      if (!saved) throw notFound('The treatment');
      return saved;
    });
  }

  private async saveTreatment(
    input: TreatmentInput,
    ctx: RequestContext,
    action: string,
    save: (tx: Queryable) => Promise<Treatment>,
  ): Promise<Treatment> {
    try {
      return await this.db.transaction(async (tx) => {
        const treatment = await save(tx);
        await this.audit.write(tx, ctx, { action, resourceType: 'Treatment', resourceId: treatment.id });
        return treatment;
      });
    } catch (err) {
      if (pgErrorCode(err) === UNIQUE_VIOLATION) throw codeTaken(input.code);
      throw err;
    }
  }

  // Practitioners -----------------------------------------------------------------------

  list(filter: { includeInactive?: boolean | undefined; isDentist?: boolean | undefined }) {
    return repo.listPractitioners(this.db, {
      includeInactive: filter.includeInactive ?? false,
      ...(filter.isDentist !== undefined ? { isDentist: filter.isDentist } : {}),
    });
  }

  async get(id: string): Promise<Practitioner> {
    const row = await repo.findPractitioner(this.db, id);
    if (!row) throw notFound('The practitioner');
    return repo.toPractitioner(row);
  }

  async create(input: PractitionerInput, ctx: RequestContext): Promise<Practitioner> {
    const id = randomUUID();
    return this.write(id, ctx, 'practitioner.create', 'practitioner.created', async (tx) => {
      await this.assertAccountFree(tx, input.userId, id);
      await repo.insertPractitioner(tx, id, input);
    });
  }

  async update(id: string, input: PractitionerInput, ctx: RequestContext): Promise<Practitioner> {
    return this.write(id, ctx, 'practitioner.update', 'practitioner.updated', async (tx) => {
      await this.lock(tx, id);
      await this.assertAccountFree(tx, input.userId, id);
      await repo.updatePractitioner(tx, id, input);
    });
  }

  async setWorkingHours(id: string, hours: WorkingInterval[], ctx: RequestContext): Promise<Practitioner> {
    return this.write(id, ctx, 'practitioner.hours', 'practitioner.updated', async (tx) => {
      await this.lock(tx, id);
      await repo.replaceWorkingHours(tx, id, hours);
    });
  }

  async listExceptions(id: string, from: string | undefined): Promise<PractitionerException[]> {
    await this.get(id);
    return repo.listExceptions(this.db, id, from ?? new Date().toISOString());
  }

  async addException(id: string, input: ExceptionInput, ctx: RequestContext): Promise<PractitionerException> {
    let created: PractitionerException | undefined;
    await this.write(id, ctx, 'practitioner.exception.create', 'practitioner.updated', async (tx) => {
      await this.lock(tx, id);
      created = await repo.insertException(tx, randomUUID(), id, input, this.timeZone);
    });
    return created as PractitionerException;
  }

  async removeException(id: string, exceptionId: string, ctx: RequestContext): Promise<void> {
    await this.write(id, ctx, 'practitioner.exception.delete', 'practitioner.updated', async (tx) => {
      await this.lock(tx, id);
      if (!(await repo.deleteException(tx, id, exceptionId))) throw notFound('The exception');
    });
  }

  /** Free slots of one local day: working hours minus exceptions and bookings, none in the past. */
  async availability(id: string, query: AvailabilityQuery) {
    const [practitioner, treatment] = await Promise.all([
      repo.findPractitioner(this.db, id),
      query.treatmentId ? repo.findTreatment(this.db, query.treatmentId) : undefined,
    ]);
    if (!practitioner) throw notFound('The practitioner');
    if (query.treatmentId && !treatment?.active) {
      throw badRequest('The treatment does not exist or is no longer offered.', [
        { path: 'querystring.treatmentId', message: 'is not an active treatment', code: 'invalid_value' },
      ]);
    }
    const durationMinutes = treatment?.durationMinutes ?? query.durationMinutes ?? DEFAULT_SLOT_MINUTES;
    const { working, busy } = practitioner.active
      ? await repo.diaryOfDay(this.db, id, query.date, this.timeZone)
      : { working: [], busy: [] };
    const slots = freeSlots({ working, busy, slotMinutes: durationMinutes, now: Date.now() });
    return {
      date: query.date,
      timeZone: this.timeZone,
      durationMinutes,
      slots: slots.map((s) => ({ start: new Date(s.start).toISOString(), end: new Date(s.end).toISOString() })),
    };
  }

  /** One change of a practitioner: the change, its audit entry and its event in one transaction. */
  private async write(
    id: string,
    ctx: RequestContext,
    action: string,
    event: 'practitioner.created' | 'practitioner.updated',
    change: (tx: Queryable) => Promise<void>,
  ): Promise<Practitioner> {
    return this.db.transaction(async (tx) => {
      try {
        await change(tx);
      } catch (err) {
        if (pgErrorCode(err) === UNIQUE_VIOLATION) throw conflict('That account is linked to another practitioner.');
        throw err;
      }
      await this.audit.write(tx, ctx, { action, resourceType: 'Practitioner', resourceId: id });
      await appendEvent(tx, { type: event, aggregateId: id, payload: { practitionerId: id } });
      return repo.toPractitioner((await repo.findPractitioner(tx, id)) as repo.PractitionerRow);
    });
  }

  private async lock(tx: Queryable, id: string) {
    if (!(await repo.findPractitioner(tx, id, true))) throw notFound('The practitioner');
  }

  private async assertAccountFree(tx: Queryable, userId: string | null | undefined, practitionerId: string) {
    if (!userId) return;
    if (!(await findUser(tx, userId))) {
      throw badRequest('The account to link does not exist.', [
        { path: 'body.userId', message: 'is not an account', code: 'invalid_value' },
      ]);
    }
    const other = await repo.practitionerOfUser(tx, userId, practitionerId);
    if (other) throw conflict(`That account is already linked to ${other.name}.`, { practitionerId: other.id });
  }
}
