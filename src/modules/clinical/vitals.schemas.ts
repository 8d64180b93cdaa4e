import { z } from 'zod';
import { Instant, Uuid } from '../../platform/http/schemas.js';
import { PastInstant } from './clinical.schemas.js';

/**
 * Physiological bounds wide enough for any living patient, newborns included; a value outside
 * them is a typing error (a temperature of 375, a weight in grams), refused with a 400. The
 * database checks the same bounds.
 */
const measure = (min: number, max: number, unit: string, integer = true) => {
  const n = z.number({ message: 'must be a number' });
  return (integer ? n.int({ message: 'must be a whole number' }) : n)
    .min(min, { message: `must be at least ${min} ${unit}` })
    .max(max, { message: `must be at most ${max} ${unit}` });
};

export const VitalsInput = z
  .strictObject({
    measuredAt: PastInstant.optional().describe('Default: now'),
    encounterId: Uuid.optional(),
    systolic: measure(40, 300, 'mmHg').optional().describe('Blood pressure, mmHg'),
    diastolic: measure(20, 200, 'mmHg').optional().describe('Blood pressure, mmHg'),
    heartRate: measure(20, 300, 'beats/min').optional(),
    respiratoryRate: measure(4, 80, 'breaths/min').optional(),
    temperatureC: measure(25, 45, '°C', false).optional(),
    spo2: measure(50, 100, '%').optional().describe('Oxygen saturation, %'),
    weightKg: measure(0.2, 500, 'kg', false).optional(),
    heightCm: measure(20, 260, 'cm', false).optional(),
  })
  .superRefine((v, ctx) => {
    const measured = [v.systolic, v.heartRate, v.respiratoryRate, v.temperatureC, v.spo2, v.weightKg, v.heightCm];
    if (v.diastolic === undefined && measured.every((m) => m === undefined)) {
      ctx.addIssue({ code: 'custom', path: [], message: 'must contain at least one measurement' });
    }
    if ((v.systolic === undefined) !== (v.diastolic === undefined)) {
      const missing = v.systolic === undefined ? 'systolic' : 'diastolic';
      ctx.addIssue({ code: 'custom', path: [missing], message: 'is required with the other blood pressure value' });
    } else if (v.systolic !== undefined && v.diastolic !== undefined && v.diastolic >= v.systolic) {
      ctx.addIssue({ code: 'custom', path: ['diastolic'], message: 'must be lower than systolic' });
    }
  });
export type VitalsInput = z.output<typeof VitalsInput>;

export const Vitals = z.object({
  id: Uuid,
  patientId: Uuid,
  encounterId: Uuid.optional(),
  measuredAt: Instant,
  systolic: z.number().optional(),
  diastolic: z.number().optional(),
  heartRate: z.number().optional(),
  respiratoryRate: z.number().optional(),
  temperatureC: z.number().optional(),
  spo2: z.number().optional(),
  weightKg: z.number().optional(),
  heightCm: z.number().optional(),
  bmi: z.number().optional().describe('kg/m², one decimal, when weight and height were measured together'),
  recordedBy: Uuid.optional(),
  createdAt: Instant,
});
export type Vitals = z.output<typeof Vitals>;
