import type { Queryable } from '../../platform/db/database.js';
import { type ListQuery, num, present } from './clinical.schemas.js';
import { newestFirst, Params } from './paging.js';
import type { Result, ResultFlag, ResultStatus } from './results.schemas.js';

export interface ResultRow {
  patient_id: string;
  id: string;
  encounter_id: string | null;
  test_name: string;
  test_code: string | null;
  value_quantity: string | null;
  value_text: string | null;
  unit: string | null;
  reference_low: string | null;
  reference_high: string | null;
  reference_text: string | null;
  critical_low: string | null;
  critical_high: string | null;
  flag: ResultFlag | null;
  status: ResultStatus;
  observed_at: Date;
  performer: string | null;
  recorded_by: string | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = `patient_id, id, encounter_id, test_name, test_code, value_quantity, value_text, unit, reference_low,
  reference_high, reference_text, critical_low, critical_high, flag, status, observed_at, performer, recorded_by,
  created_at, updated_at`;

export interface ResultFields {
  encounterId: string | null;
  testName: string;
  testCode: string | null;
  valueQuantity: number | null;
  valueText: string | null;
  unit: string | null;
  referenceLow: number | null;
  referenceHigh: number | null;
  referenceText: string | null;
  criticalLow: number | null;
  criticalHigh: number | null;
  status: ResultStatus;
  observedAt: string;
  performer: string | null;
}

/**
 * The flag of a numeric value: critical at or beyond a critical limit, low or high outside the
 * reference range, normal inside it; none for a text value or a value without limits.
 */
export function flagOf(
  f: Pick<ResultFields, 'valueQuantity' | 'referenceLow' | 'referenceHigh' | 'criticalLow' | 'criticalHigh'>,
): ResultFlag | null {
  const v = f.valueQuantity;
  if (v === null) return null;
  if ((f.criticalLow !== null && v <= f.criticalLow) || (f.criticalHigh !== null && v >= f.criticalHigh)) {
    return 'critical';
  }
  if (f.referenceLow !== null && v < f.referenceLow) return 'low';
  if (f.referenceHigh !== null && v > f.referenceHigh) return 'high';
  if (f.referenceLow === null && f.referenceHigh === null) return null;
  return 'normal';
}

export function fieldsOf(r: ResultRow): ResultFields {
  const n = (v: string | null) => (v === null ? null : Number(v));
  return {
    encounterId: r.encounter_id,
    testName: r.test_name,
    testCode: r.test_code,
    valueQuantity: n(r.value_quantity),
    valueText: r.value_text,
    unit: r.unit,
    referenceLow: n(r.reference_low),
    referenceHigh: n(r.reference_high),
    referenceText: r.reference_text,
    criticalLow: n(r.critical_low),
    criticalHigh: n(r.critical_high),
    status: r.status,
    observedAt: r.observed_at.toISOString(),
    performer: r.performer,
  };
}

export function toResult(r: ResultRow): Result {
  return {
    id: r.id,
    patientId: r.patient_id,
    testName: r.test_name,
    status: r.status,
    observedAt: r.observed_at.toISOString(),
    ...present({
      encounterId: r.encounter_id,
      testCode: r.test_code,
      valueQuantity: num(r.value_quantity),
      valueText: r.value_text,
      unit: r.unit,
      referenceLow: num(r.reference_low),
      referenceHigh: num(r.reference_high),
      referenceText: r.reference_text,
      criticalLow: num(r.critical_low),
      criticalHigh: num(r.critical_high),
      flag: r.flag,
      performer: r.performer,
      recordedBy: r.recorded_by,
    }),
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  };
}

const values = (f: ResultFields) => [
  f.encounterId,
  f.testName,
  f.testCode,
  f.valueQuantity,
  f.valueText,
  f.unit,
  f.referenceLow,
  f.referenceHigh,
  f.referenceText,
  f.criticalLow,
  f.criticalHigh,
  flagOf(f),
  f.status,
  f.observedAt,
  f.performer,
];

export async function insertResult(q: Queryable, patientId: string, id: string, f: ResultFields, by: string | null) {
  const { rows } = await q.query<ResultRow>(
    `insert into results (patient_id, id, encounter_id, test_name, test_code, value_quantity, value_text, unit,
       reference_low, reference_high, reference_text, critical_low, critical_high, flag, status, observed_at,
       performer, recorded_by)
     values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18) returning ${COLUMNS}`,
    [patientId, id, ...values(f), by],
  );
  return rows[0] as ResultRow;
}

export async function updateResult(q: Queryable, row: ResultRow, f: ResultFields) {
  const { rows } = await q.query<ResultRow>(
    `update results set encounter_id = $3, test_name = $4, test_code = $5, value_quantity = $6, value_text = $7,
       unit = $8, reference_low = $9, reference_high = $10, reference_text = $11, critical_low = $12,
       critical_high = $13, flag = $14, status = $15, observed_at = $16, performer = $17, updated_at = now()
     where patient_id = $1 and id = $2 returning ${COLUMNS}`,
    [row.patient_id, row.id, ...values(f)],
  );
  return rows[0] as ResultRow;
}

export async function findResult(q: Queryable, patientId: string, id: string, forUpdate = false) {
  const { rows } = await q.query<ResultRow>(
    `select ${COLUMNS} from results where patient_id = $1 and id = $2${forUpdate ? ' for update' : ''}`,
    [patientId, id],
  );
  return rows[0];
}

export async function listResults(
  q: Queryable,
  patientId: string,
  query: Partial<ListQuery>,
  options: { releasedOnly: boolean },
) {
  const params = new Params();
  const where = [`patient_id = ${params.add(patientId)}`];
  if (query.encounterId) where.push(`encounter_id = ${params.add(query.encounterId)}`);
  if (options.releasedOnly) where.push(`status in ('final', 'amended')`);
  return newestFirst<ResultRow>(q, {
    select: `select ${COLUMNS} from results`,
    where,
    params,
    timeColumn: 'observed_at',
    timeOf: (r) => r.observed_at,
    cursor: query.cursor,
    limit: query.limit ?? 1000,
  });
}
