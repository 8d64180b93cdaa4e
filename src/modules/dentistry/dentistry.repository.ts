import type { Queryable } from '../../platform/db/database.js';
import type { ChartEntry, ChartEntryInput, CurrentEntry } from './dentistry.schemas.js';

export interface ChartEntryRow {
  patient_id: string;
  id: string;
  tooth: number;
  surfaces: ChartEntry['surfaces'];
  kind: ChartEntry['kind'];
  finding: ChartEntry['finding'] | null;
  treatment_id: string | null;
  treatment_name: string | null;
  treatment_status: ChartEntry['status'] | null;
  note: string | null;
  encounter_id: string | null;
  appointment_id: string | null;
  recorded_by: string;
  recorded_at: Date;
}

const COLUMNS = `e.patient_id, e.id, e.tooth, e.surfaces, e.kind, e.finding, e.treatment_id, t.name as treatment_name,
  e.treatment_status, e.note, e.encounter_id, e.appointment_id, e.recorded_by, e.recorded_at`;

/** Treatments are a reference table: joining them stays local on Citus. */
const FROM = 'dental_chart_entries e left join treatments t on t.id = e.treatment_id';

export function toChartEntry(r: ChartEntryRow, names: Map<string, string>): ChartEntry {
  const optional = {
    finding: r.finding,
    treatmentId: r.treatment_id,
    treatmentName: r.treatment_name,
    status: r.treatment_status,
    note: r.note,
    encounterId: r.encounter_id,
    appointmentId: r.appointment_id,
    recordedByName: names.get(r.recorded_by),
  };
  return {
    id: r.id,
    patientId: r.patient_id,
    tooth: r.tooth,
    surfaces: r.surfaces,
    kind: r.kind,
    ...Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== null && v !== undefined)),
    recordedBy: r.recorded_by,
    recordedAt: r.recorded_at.toISOString(),
  };
}

export async function insertEntry(
  q: Queryable,
  e: ChartEntryInput & { patientId: string; id: string; recordedBy: string },
): Promise<ChartEntryRow> {
  await q.query(
    `insert into dental_chart_entries (patient_id, id, tooth, surfaces, kind, finding, treatment_id, treatment_status,
       note, encounter_id, appointment_id, recorded_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    [
      e.patientId,
      e.id,
      e.tooth,
      e.surfaces,
      e.kind,
      e.finding ?? null,
      e.treatmentId ?? null,
      e.status ?? null,
      e.note || null,
      e.encounterId ?? null,
      e.appointmentId ?? null,
      e.recordedBy,
    ],
  );
  const { rows } = await q.query<ChartEntryRow>(
    `select ${COLUMNS} from ${FROM} where e.patient_id = $1 and e.id = $2`,
    [e.patientId, e.id],
  );
  return rows[0] as ChartEntryRow;
}

/**
 * The current chart: for each tooth and each surface (and the whole tooth), the latest entry
 * that covers it. A whole-tooth entry covers every surface; a surface entry only its own.
 * Answers each current entry once, with the keys it is current for, in FDI order.
 */
export async function currentEntries(q: Queryable, patientId: string) {
  const { rows } = await q.query<ChartEntryRow & { current_for: CurrentEntry['currentFor'] }>(
    `with keyed as (
       select e.id, e.tooth, e.recorded_at, k.key
         from dental_chart_entries e
         cross join lateral unnest(case when cardinality(e.surfaces) = 0
             then array['whole', 'mesial', 'distal', 'occlusal', 'buccal', 'lingual']
             else e.surfaces end) as k(key)
        where e.patient_id = $1
     ), latest as (
       select distinct on (tooth, key) id, key from keyed order by tooth, key, recorded_at desc, id desc
     ), current as (
       select id, array_agg(key order by array_position(
           array['whole', 'mesial', 'distal', 'occlusal', 'buccal', 'lingual'], key)) as current_for
         from latest group by id
     )
     select ${COLUMNS}, c.current_for
       from current c join ${FROM} on e.patient_id = $1 and e.id = c.id
      order by e.tooth, e.recorded_at, e.id`,
    [patientId],
  );
  return rows;
}

/** Every entry of one tooth (or of all teeth), oldest first, superseded ones included. */
export async function entryHistory(q: Queryable, patientId: string, tooth?: number) {
  const { rows } = await q.query<ChartEntryRow>(
    `select ${COLUMNS} from ${FROM}
      where e.patient_id = $1 and ($2::smallint is null or e.tooth = $2)
      order by e.tooth, e.recorded_at, e.id`,
    [patientId, tooth ?? null],
  );
  return rows;
}

/** Whether the appointment belongs to this patient (the table is co-located by patient). */
export async function appointmentOfPatient(q: Queryable, patientId: string, appointmentId: string) {
  const { rows } = await q.query('select 1 from appointments where patient_id = $1 and id = $2', [
    patientId,
    appointmentId,
  ]);
  return rows.length > 0;
}

/**
 * Moves a merged duplicate's chart to the survivor (Citus cannot update patient_id in
 * place). Entries are append-only; the flag lets the trigger accept this one move.
 */
export async function moveDentalChart(q: Queryable, fromPatientId: string, toPatientId: string) {
  await q.query(`select set_config('clinica.moving_patient_rows', 'on', true)`);
  await q.query(
    `insert into dental_chart_entries (patient_id, id, tooth, surfaces, kind, finding, treatment_id, treatment_status,
       note, encounter_id, appointment_id, recorded_by, recorded_at)
     select $2, id, tooth, surfaces, kind, finding, treatment_id, treatment_status, note, encounter_id, appointment_id,
       recorded_by, recorded_at
       from dental_chart_entries where patient_id = $1`,
    [fromPatientId, toPatientId],
  );
  await q.query('delete from dental_chart_entries where patient_id = $1', [fromPatientId]);
  await q.query(`select set_config('clinica.moving_patient_rows', 'off', true)`);
}
