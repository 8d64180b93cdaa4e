import type { Content, TableCell } from 'pdfmake/interfaces.js';
import { dataTable, fields, heading, muted } from '../../platform/pdf/document.js';
import type { Formats, Language } from '../../platform/pdf/language.js';
import type { PatientRow } from '../patients/patients.repository.js';
import type { Prescription, PrescriptionLine } from './prescriptions.schemas.js';

const LABELS = {
  es: {
    title: 'Receta',
    heading: 'Receta médica',
    draft: 'BORRADOR: sin firmar, no válida para dispensar',
    patient: 'Paciente',
    patientNumber: 'N.º de paciente',
    document: 'Documento',
    birthDate: 'Fecha de nacimiento',
    allergies: 'Alergias',
    none: 'Ninguna conocida',
    date: 'Fecha',
    prescriber: 'Médico prescriptor',
    referred: 'Dentista de referencia',
    appointment: 'Cita',
    treatment: 'Tratamiento',
    cost: 'Coste del tratamiento',
    teeth: 'Piezas dentales',
    next: 'Próxima cita',
    medication: 'Medicación',
    columns: ['#', 'Medicamento', 'Forma', 'Cant.', 'Posología', 'Días', 'Precio'],
    noLines: 'Sin líneas.',
    total: 'Total medicación',
    notes: 'Observaciones',
    signedBy: 'Firmada electrónicamente por',
    on: 'el',
    unsigned: 'Pendiente de firma',
    morning: 'mañana',
    afternoon: 'tarde',
    night: 'noche',
    food: { before: 'antes de comer', after: 'después de comer', with: 'con la comida', any: 'en cualquier momento' },
    forms: {
      tablet: 'comprimido',
      capsule: 'cápsula',
      liquid: 'líquido',
      drops: 'gotas',
      cream: 'crema',
      ointment: 'pomada',
      gel: 'gel',
      mouthwash: 'colutorio',
      injection: 'inyectable',
      inhaler: 'inhalador',
      patch: 'parche',
      suppository: 'supositorio',
      powder: 'polvo',
      other: 'otra',
    },
  },
  en: {
    title: 'Prescription',
    heading: 'Medical prescription',
    draft: 'DRAFT: not signed, not valid for dispensing',
    patient: 'Patient',
    patientNumber: 'Patient no.',
    document: 'Document',
    birthDate: 'Date of birth',
    allergies: 'Allergies',
    none: 'None known',
    date: 'Date',
    prescriber: 'Prescribing doctor',
    referred: 'Referred dentist',
    appointment: 'Appointment',
    treatment: 'Treatment',
    cost: 'Treatment cost',
    teeth: 'Teeth',
    next: 'Next appointment',
    medication: 'Medication',
    columns: ['#', 'Medicament', 'Form', 'Qty', 'Dosage', 'Days', 'Price'],
    noLines: 'No lines.',
    total: 'Medication total',
    notes: 'Notes',
    signedBy: 'Signed electronically by',
    on: 'on',
    unsigned: 'Awaiting signature',
    morning: 'morning',
    afternoon: 'afternoon',
    night: 'night',
    food: { before: 'before food', after: 'after food', with: 'with food', any: 'at any time' },
    forms: {
      tablet: 'tablet',
      capsule: 'capsule',
      liquid: 'liquid',
      drops: 'drops',
      cream: 'cream',
      ointment: 'ointment',
      gel: 'gel',
      mouthwash: 'mouthwash',
      injection: 'injection',
      inhaler: 'inhaler',
      patch: 'patch',
      suppository: 'suppository',
      powder: 'powder',
      other: 'other',
    },
  },
} as const;

export type PrescriptionLabels = (typeof LABELS)[Language];
export const prescriptionLabels = (lang: Language): PrescriptionLabels => LABELS[lang];

export const patientName = (p: PatientRow) => `${p.first_name} ${p.last_name}`;

/** "mañana, noche · después de comer" */
export function dosage(line: PrescriptionLine, l: PrescriptionLabels): string {
  const times = (['morning', 'afternoon', 'night'] as const).filter((k) => line[k]).map((k) => l[k]);
  return [times.join(', '), l.food[line.foodTiming]].filter(Boolean).join(' · ');
}

/** The lines table, shared with the clinical-history export. */
export function linesTable(p: Prescription, f: Formats): Content {
  const l = LABELS[f.lang];
  const rows: TableCell[][] = p.lines.map((line) => [
    String(line.lineNo),
    {
      stack: [
        { text: [line.medicament, line.strength ? ` ${line.strength}` : ''].join(''), bold: true },
        ...(line.genericName ? [{ text: line.genericName, style: 'label' }] : []),
        ...(line.instructions ? [{ text: line.instructions, italics: true }] : []),
      ],
    },
    l.forms[line.form],
    String(line.quantity),
    dosage(line, l),
    String(line.days),
    { text: f.money(line.price), alignment: 'right' },
  ]);
  return dataTable([...l.columns], rows, { widths: [14, '*', 58, 28, 110, 26, 52], empty: l.noLines });
}

export function prescriptionContent(p: Prescription, patient: PatientRow, f: Formats): Content[] {
  const l = LABELS[f.lang];
  const content: Content[] = [{ text: `${l.heading} ${p.number}`, style: 'title' }];
  if (p.status !== 'signed') content.push({ text: l.draft, bold: true, color: '#b42318', margin: [0, 0, 0, 8] });
  content.push(
    heading(l.patient),
    fields([
      [l.patient, patientName(patient)],
      [l.patientNumber, patient.patient_number],
      [l.document, patient.document_number],
      [l.birthDate, f.day(patient.birth_date)],
      [l.allergies, patient.allergies.length ? patient.allergies.join(', ') : l.none],
    ]),
    heading(l.heading),
    fields([
      [l.date, f.day(p.date)],
      [l.prescriber, p.prescriberName],
      [l.referred, p.referredPractitionerName],
      [l.appointment, p.appointmentNumber],
      [l.treatment, p.treatmentName],
      [l.cost, f.money(p.treatmentCost)],
      [l.teeth, p.teeth.join(', ')],
      [l.next, f.day(p.nextAppointmentDate)],
    ]),
    heading(l.medication),
    linesTable(p, f),
    { text: `${l.total}: ${f.money(p.linesTotal)}`, alignment: 'right', bold: true, margin: [0, 6, 0, 0] },
  );
  if (p.notes) content.push(heading(l.notes), { text: p.notes });
  content.push({
    margin: [0, 28, 0, 0],
    unbreakable: true,
    stack: p.signedAt
      ? [
          { canvas: [{ type: 'line', x1: 0, y1: 0, x2: 220, y2: 0, lineWidth: 0.6 }] },
          { text: `${l.signedBy} ${p.prescriberName ?? ''}`, margin: [0, 4, 0, 0] },
          { text: `${l.on} ${f.at(p.signedAt)}`, style: 'label' },
        ]
      : [muted(l.unsigned)],
  });
  return content;
}
