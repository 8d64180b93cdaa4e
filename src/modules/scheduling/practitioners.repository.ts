import type { Queryable } from '../../platform/db/database.js';
import type { Span } from './availability.js';
import type {
  ExceptionInput,
  Practitioner,
  PractitionerException,
  PractitionerInput,
  Treatment,
  TreatmentInput,
  WorkingInterval,
} from './practitioners.schemas.js';

// Treatments ----------------------------------------------------------------------------

interface TreatmentRow {
  id: string;
  code: string;
  name: string;
  duration_minutes: number;
  cost: string;
  is_dental: boolean;
  active: boolean;
}

const TREATMENT_COLUMNS = 'id, code, name, duration_minutes, cost::text as cost, is_dental, active';

const toTreatment = (r: TreatmentRow): Treatment => ({
  id: r.id,
  code: r.code,
  name: r.name,
  durationMinutes: r.duration_minutes,
  cost: r.cost,
  isDental: r.is_dental,
  active: r.active,
});

export async function insertTreatment(q: Queryable, id: string, t: TreatmentInput): Promise<Treatment> {
  const { rows } = await q.query<TreatmentRow>(
    `insert into treatments (id, code, name, duration_minutes, cost, is_dental, active)
     values ($1, $2, $3, $4, $5, $6, $7) returning ${TREATMENT_COLUMNS}`,
    [id, t.code, t.name, t.durationMinutes, t.cost, t.isDental, t.active],
  );
  return toTreatment(rows[0] as TreatmentRow);
}

export async function updateTreatment(q: Queryable, id: string, t: TreatmentInput): Promise<Treatment | undefined> {
  const { rows } = await q.query<TreatmentRow>(
    `update treatments set code = $2, name = $3, duration_minutes = $4, cost = $5, is_dental = $6, active = $7,
       updated_at = now()
     where id = $1 returning ${TREATMENT_COLUMNS}`,
    [id, t.code, t.name, t.durationMinutes, t.cost, t.isDental, t.active],
  );
  return rows[0] ? toTreatment(rows[0]) : undefined;
}

export async function findTreatment(q: Queryable, id: string): Promise<Treatment | undefined> {
  const { rows } = await q.query<TreatmentRow>(`select ${TREATMENT_COLUMNS} from treatments where id = $1`, [id]);
  return rows[0] ? toTreatment(rows[0]) : undefined;
}

export async function listTreatments(q: Queryable, includeInactive: boolean): Promise<Treatment[]> {
  const { rows } = await q.query<TreatmentRow>(
    `select ${TREATMENT_COLUMNS} from treatments where active or $1 order by lower(name), id`,
    [includeInactive],
  );
  return rows.map(toTreatment);
}

/** The active treatments among `ids`: the caller compares the count to spot unknown ones. */
export async function findActiveTreatments(q: Queryable, ids: string[]): Promise<Treatment[]> {
  const { rows } = await q.query<TreatmentRow>(
    `select ${TREATMENT_COLUMNS} from treatments where id = any($1::uuid[]) and active`,
    [ids],
  );
  return rows.map(toTreatment);
}

// Practitioners -------------------------------------------------------------------------

export interface PractitionerRow {
  id: string;
  name: string;
  specialty: string | null;
  email: string | null;
  mobile: string | null;
  is_dentist: boolean;
  user_id: string | null;
  active: boolean;
  working_hours: { day_of_week: number; starts: string; ends: string }[];
}

/** HH:MM of a time value; PostgreSQL's 24:00:00 stays 24:00. */
const hhmm = (t: string) => t.slice(0, 5);

export const toPractitioner = (r: PractitionerRow): Practitioner => ({
  id: r.id,
  name: r.name,
  ...(r.specialty ? { specialty: r.specialty } : {}),
  ...(r.email ? { email: r.email } : {}),
  ...(r.mobile ? { mobile: r.mobile } : {}),
  isDentist: r.is_dentist,
  ...(r.user_id ? { userId: r.user_id } : {}),
  active: r.active,
  workingHours: r.working_hours.map((h) => ({ dayOfWeek: h.day_of_week, start: hhmm(h.starts), end: hhmm(h.ends) })),
});

const PRACTITIONER_SELECT = `select p.id, p.name, p.specialty, p.email, p.mobile, p.is_dentist, p.user_id, p.active,
    coalesce((select json_agg(json_build_object('day_of_week', h.day_of_week, 'starts', h.starts, 'ends', h.ends)
                order by h.day_of_week, h.starts)
              from practitioner_hours h where h.practitioner_id = p.id), '[]') as working_hours
  from practitioners p`;

export async function findPractitioner(q: Queryable, id: string, forUpdate = false) {
  const { rows } = await q.query<PractitionerRow>(
    `${PRACTITIONER_SELECT} where p.id = $1${forUpdate ? ' for update of p' : ''}`,
    [id],
  );
  return rows[0];
}

export async function listPractitioners(q: Queryable, f: { includeInactive: boolean; isDentist?: boolean }) {
  const { rows } = await q.query<PractitionerRow>(
    `${PRACTITIONER_SELECT} where (p.active or $1) and ($2::boolean is null or p.is_dentist = $2)
     order by lower(p.name), p.id`,
    [f.includeInactive, f.isDentist ?? null],
  );
  return rows.map(toPractitioner);
}

const practitionerValues = (p: PractitionerInput) => [
  p.name,
  p.specialty ?? null,
  p.email ?? null,
  p.mobile ?? null,
  p.isDentist,
  p.userId ?? null,
  p.active,
];

export async function insertPractitioner(q: Queryable, id: string, p: PractitionerInput) {
  await q.query(
    `insert into practitioners (id, name, specialty, email, mobile, is_dentist, user_id, active)
     values ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [id, ...practitionerValues(p)],
  );
}

export async function updatePractitioner(q: Queryable, id: string, p: PractitionerInput) {
  await q.query(
    `update practitioners set name = $2, specialty = $3, email = $4, mobile = $5, is_dentist = $6, user_id = $7,
       active = $8, updated_at = now()
     where id = $1`,
    [id, ...practitionerValues(p)],
  );
}

/** The practitioner already linked to this account, other than `exceptId`. */
export async function practitionerOfUser(q: Queryable, userId: string, exceptId: string) {
  const { rows } = await q.query<{ id: string; name: string }>(
    'select id, name from practitioners where user_id = $1 and id <> $2',
    [userId, exceptId],
  );
  return rows[0];
}

export async function replaceWorkingHours(q: Queryable, practitionerId: string, hours: WorkingInterval[]) {
  await q.query('delete from practitioner_hours where practitioner_id = $1', [practitionerId]);
  if (hours.length === 0) return;
  await q.query(
    `insert into practitioner_hours (practitioner_id, day_of_week, starts, ends)
     select $1, x.day, x.starts::time, x.ends::time
       from jsonb_to_recordset($2::jsonb) as x(day smallint, starts text, ends text)`,
    [practitionerId, JSON.stringify(hours.map((h) => ({ day: h.dayOfWeek, starts: h.start, ends: h.end })))],
  );
}

// Exceptions ----------------------------------------------------------------------------

interface ExceptionRow {
  id: string;
  practitioner_id: string;
  starts: Date;
  ends: Date;
  start_date: string | null;
  end_date: string | null;
  reason: string;
}

const toException = (r: ExceptionRow): PractitionerException => ({
  id: r.id,
  practitionerId: r.practitioner_id,
  start: r.starts.toISOString(),
  end: r.ends.toISOString(),
  ...(r.start_date ? { startDate: r.start_date } : {}),
  ...(r.end_date ? { endDate: r.end_date } : {}),
  reason: r.reason,
});

const EXCEPTION_COLUMNS =
  'id, practitioner_id, lower(during) as starts, upper(during) as ends, start_date, end_date, reason';

/** Whole days run from local midnight of the first to local midnight after the last, in `timeZone`. */
export async function insertException(
  q: Queryable,
  id: string,
  practitionerId: string,
  x: ExceptionInput,
  timeZone: string,
): Promise<PractitionerException> {
  const { rows } = await q.query<ExceptionRow>(
    `insert into practitioner_exceptions (id, practitioner_id, during, start_date, end_date, reason)
     values ($1, $2,
       case when $3::date is null then tstzrange($5::timestamptz, $6::timestamptz)
            else tstzrange($3::date::timestamp at time zone $7, ($4::date + 1)::timestamp at time zone $7) end,
       $3::date, $4::date, $8)
     returning ${EXCEPTION_COLUMNS}`,
    [id, practitionerId, x.startDate ?? null, x.endDate ?? null, x.start ?? null, x.end ?? null, timeZone, x.reason],
  );
  return toException(rows[0] as ExceptionRow);
}

export async function listExceptions(q: Queryable, practitionerId: string, from: string) {
  const { rows } = await q.query<ExceptionRow>(
    `select ${EXCEPTION_COLUMNS} from practitioner_exceptions
      where practitioner_id = $1 and upper(during) > $2 order by lower(during), id`,
    [practitionerId, from],
  );
  return rows.map(toException);
}

export async function deleteException(q: Queryable, practitionerId: string, id: string): Promise<boolean> {
  const { rowCount } = await q.query('delete from practitioner_exceptions where id = $1 and practitioner_id = $2', [
    id,
    practitionerId,
  ]);
  return rowCount === 1;
}

// Diary ---------------------------------------------------------------------------------

/**
 * One local day of a practitioner's diary in one indexed query: the working intervals as
 * instants (local times placed on the date in `timeZone`, so DST days come out right), and
 * the busy spans that overlap the day (live bookings and exceptions).
 */
export async function diaryOfDay(
  q: Queryable,
  practitionerId: string,
  date: string,
  timeZone: string,
): Promise<{ working: Span[]; busy: Span[] }> {
  const { rows } = await q.query<{ kind: 'work' | 'busy'; starts: Date; ends: Date }>(
    `with day as (
       select $2::date as d,
              tstzrange($2::date::timestamp at time zone $3, ($2::date + 1)::timestamp at time zone $3) as span
     )
     select 'work' as kind, (day.d + h.starts) at time zone $3 as starts, (day.d + h.ends) at time zone $3 as ends
       from practitioner_hours h, day
      where h.practitioner_id = $1 and h.day_of_week = extract(isodow from day.d)
     union all
     select 'busy', lower(b.during), upper(b.during)
       from practitioner_bookings b, day where b.practitioner_id = $1 and b.during && day.span
     union all
     select 'busy', lower(x.during), upper(x.during)
       from practitioner_exceptions x, day where x.practitioner_id = $1 and x.during && day.span`,
    [practitionerId, date, timeZone],
  );
  const spans = (kind: string) =>
    rows.filter((r) => r.kind === kind).map((r) => ({ start: r.starts.getTime(), end: r.ends.getTime() }));
  return { working: spans('work'), busy: spans('busy') };
}

/**
 * Whether [start, end) lies inside one working interval of the local day it starts on,
 * and the reason of an exception it overlaps, if any.
 */
export async function fitsDiary(
  q: Queryable,
  practitionerId: string,
  start: string,
  end: string,
  timeZone: string,
): Promise<{ withinHours: boolean; exception: string | null }> {
  const { rows } = await q.query<{ within_hours: boolean; exception: string | null }>(
    `with day as (select ($2::timestamptz at time zone $4)::date as d)
     select exists (
         select 1 from practitioner_hours h, day
          where h.practitioner_id = $1 and h.day_of_week = extract(isodow from day.d)
            and tstzrange((day.d + h.starts) at time zone $4, (day.d + h.ends) at time zone $4)
                @> tstzrange($2::timestamptz, $3::timestamptz)
       ) as within_hours,
       (select x.reason from practitioner_exceptions x
         where x.practitioner_id = $1 and x.during && tstzrange($2::timestamptz, $3::timestamptz)
         order by lower(x.during) limit 1) as exception`,
    [practitionerId, start, end, timeZone],
  );
  const r = rows[0];
  return { withinHours: r?.within_hours ?? false, exception: r?.exception ?? null };
}
