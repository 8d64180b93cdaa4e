import type { Queryable } from '../../platform/db/database.js';
import { type ListQuery, num, present } from './clinical.schemas.js';
import { newestFirst, Params } from './paging.js';
import type { Vitals, VitalsInput } from './vitals.schemas.js';

export interface VitalsRow {
  patient_id: string;
  id: string;
  encounter_id: string | null;
  measured_at: Date;
  systolic: number | null;
  diastolic: number | null;
  heart_rate: number | null;
  respiratory_rate: number | null;
  temperature_c: string | null;
  spo2: number | null;
  weight_kg: string | null;
  height_cm: string | null;
  recorded_by: string | null;
  created_at: Date;
}

const COLUMNS = `patient_id, id, encounter_id, measured_at, systolic, diastolic, heart_rate, respiratory_rate,
  temperature_c, spo2, weight_kg, height_cm, recorded_by, created_at`;

/** Body mass index, kg/m² to one decimal. */
export function bmiOf(weightKg: number | undefined, heightCm: number | undefined): number | undefined {
  if (weightKg === undefined || heightCm === undefined) return undefined;
  const metres = heightCm / 100;
  return Math.round((weightKg / (metres * metres)) * 10) / 10;
}

export function toVitals(r: VitalsRow): Vitals {
  const weightKg = num(r.weight_kg);
  const heightCm = num(r.height_cm);
  return {
    id: r.id,
    patientId: r.patient_id,
    measuredAt: r.measured_at.toISOString(),
    ...present({
      encounterId: r.encounter_id,
      systolic: r.systolic,
      diastolic: r.diastolic,
      heartRate: r.heart_rate,
      respiratoryRate: r.respiratory_rate,
      temperatureC: num(r.temperature_c),
      spo2: r.spo2,
      weightKg,
      heightCm,
      bmi: bmiOf(weightKg, heightCm),
      recordedBy: r.recorded_by,
    }),
    createdAt: r.created_at.toISOString(),
  };
}

export async function insertVitals(
  q: Queryable,
  patientId: string,
  id: string,
  v: VitalsInput & { measuredAt: string },
  recordedBy: string | null,
) {
  const { rows } = await q.query<VitalsRow>(
    `insert into vital_signs (patient_id, id, encounter_id, measured_at, systolic, diastolic, heart_rate,
       respiratory_rate, temperature_c, spo2, weight_kg, height_cm, recorded_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) returning ${COLUMNS}`,
    [
      patientId,
      id,
      v.encounterId ?? null,
      v.measuredAt,
      v.systolic ?? null,
      v.diastolic ?? null,
      v.heartRate ?? null,
      v.respiratoryRate ?? null,
      v.temperatureC ?? null,
      v.spo2 ?? null,
      v.weightKg ?? null,
      v.heightCm ?? null,
      recordedBy,
    ],
  );
  return rows[0] as VitalsRow;
}

export async function listVitals(q: Queryable, patientId: string, query: Partial<ListQuery>) {
  const params = new Params();
  const where = [`patient_id = ${params.add(patientId)}`];
  if (query.encounterId) where.push(`encounter_id = ${params.add(query.encounterId)}`);
  return newestFirst<VitalsRow>(q, {
    select: `select ${COLUMNS} from vital_signs`,
    where,
    params,
    timeColumn: 'measured_at',
    timeOf: (r) => r.measured_at,
    cursor: query.cursor,
    limit: query.limit ?? 1000,
  });
}
