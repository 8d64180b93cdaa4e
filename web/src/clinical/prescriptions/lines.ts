import type { DrugForm, FoodTiming, Prescription, PrescriptionInput, PrescriptionLineInput } from '../../api/types';

// Records, not lists: the compiler then insists on every value the API has, in the order shown.
const FORM_ORDER: Record<DrugForm, true> = {
  tablet: true,
  capsule: true,
  liquid: true,
  drops: true,
  cream: true,
  ointment: true,
  gel: true,
  mouthwash: true,
  injection: true,
  inhaler: true,
  patch: true,
  suppository: true,
  powder: true,
  other: true,
};
export const FORMS = Object.keys(FORM_ORDER) as DrugForm[];
const FOOD_ORDER: Record<FoodTiming, true> = { after: true, before: true, with: true, any: true };
export const FOOD_TIMINGS = Object.keys(FOOD_ORDER) as FoodTiming[];

/** A medication line as typed: numbers and the price stay text until they are sent. */
export interface LineDraft {
  medicament: string;
  genericName: string;
  strength: string;
  form: DrugForm;
  quantity: string;
  price: string;
  foodTiming: FoodTiming;
  morning: boolean;
  afternoon: boolean;
  night: boolean;
  days: string;
  instructions: string;
}

export interface PrescriptionDraft {
  treatmentId: string | null;
  teeth: string[];
  referredPractitionerId: string | null;
  nextAppointmentDate: string;
  notes: string;
  lines: LineDraft[];
}

export const emptyLine = (): LineDraft => ({
  medicament: '',
  genericName: '',
  strength: '',
  form: 'tablet',
  quantity: '',
  price: '',
  foodTiming: 'after',
  morning: false,
  afternoon: false,
  night: false,
  days: '',
  instructions: '',
});

/** What the form starts from: a new prescription, or a saved draft. */
export function draftOf(p: Prescription | null): PrescriptionDraft {
  if (!p) {
    return {
      treatmentId: null,
      teeth: [],
      referredPractitionerId: null,
      nextAppointmentDate: '',
      notes: '',
      lines: [emptyLine()],
    };
  }
  return {
    treatmentId: p.treatmentId ?? null,
    teeth: p.teeth.map(String),
    referredPractitionerId: p.referredPractitionerId ?? null,
    nextAppointmentDate: p.nextAppointmentDate ?? '',
    notes: p.notes ?? '',
    lines: p.lines.map((l) => ({
      medicament: l.medicament,
      genericName: l.genericName ?? '',
      strength: l.strength ?? '',
      form: l.form,
      quantity: String(l.quantity),
      price: l.price ?? '',
      foodTiming: l.foodTiming,
      morning: l.morning,
      afternoon: l.afternoon,
      night: l.night,
      days: String(l.days),
      instructions: l.instructions ?? '',
    })),
  };
}

const optional = (text: string) => (text.trim() ? text.trim() : undefined);
/** A count as typed; an empty or wrong one is refused by the server, which names the field. */
const count = (text: string) => Number(text.trim());

function lineBody(l: LineDraft): PrescriptionLineInput {
  return {
    medicament: l.medicament,
    genericName: optional(l.genericName),
    strength: optional(l.strength),
    form: l.form,
    quantity: count(l.quantity),
    // An exact decimal: a string, never a float ("4,95" typed the Spanish way is "4.95").
    price: optional(l.price.replace(',', '.')),
    foodTiming: l.foodTiming,
    morning: l.morning,
    afternoon: l.afternoon,
    night: l.night,
    days: count(l.days),
    instructions: optional(l.instructions),
  };
}

/** The body of a create (with the patient) or of a replacement of the draft. */
export function bodyOf(d: PrescriptionDraft): Omit<PrescriptionInput, 'patientId'> {
  return {
    treatmentId: d.treatmentId ?? undefined,
    teeth: d.teeth.map(Number),
    referredPractitionerId: d.referredPractitionerId ?? undefined,
    nextAppointmentDate: optional(d.nextAppointmentDate),
    notes: optional(d.notes),
    lines: d.lines.map(lineBody),
  };
}
