import type { Content, TableCell } from 'pdfmake/interfaces.js';
import { dataTable, fields, heading, muted } from '../../platform/pdf/document.js';
import type { Formats } from '../../platform/pdf/language.js';
import type { ChartEntry } from '../dentistry/dentistry.schemas.js';
import { ageOn } from '../patients/normalize.js';
import type { PatientRow } from '../patients/patients.repository.js';
import { linesTable } from '../prescriptions/prescriptions.pdf.js';
import type { Prescription } from '../prescriptions/prescriptions.schemas.js';
import { type HistoryLabels, historyLabels } from './history.labels.js';
import type { HistoryAppointmentRow } from './history.repository.js';

/** Everything the export prints, read in one snapshot before the layout starts. */
export interface HistoryRecord {
  patient: PatientRow;
  appointments: HistoryAppointmentRow[];
  dentalCurrent: ChartEntry[];
  dentalHistory: ChartEntry[];
  prescriptions: Prescription[];
  /** Sections other modules add (the clinical record), already laid out, in order. */
  clinical: Content[];
}

export function historyContent(r: HistoryRecord, f: Formats): Content[] {
  const l = historyLabels(f.lang);
  const p = r.patient;
  return [
    { text: `${l.title}: ${p.first_name} ${p.last_name}`, style: 'title' },
    heading(l.demographics),
    demographics(p, l, f),
    heading(l.allergies),
    p.allergies.length ? { ul: [...p.allergies] } : muted(l.noAllergies),
    ...r.clinical,
    heading(l.appointments),
    appointmentsTable(r.appointments, l, f),
    heading(l.dentalChart),
    { text: l.dentalCurrent, bold: true, margin: [0, 0, 0, 4] },
    dentalTable(r.dentalCurrent, l, f),
    { text: l.dentalHistory, bold: true, margin: [0, 10, 0, 4] },
    dentalTable(r.dentalHistory, l, f),
    heading(l.prescriptions),
    ...prescriptionsContent(r.prescriptions, l, f),
  ];
}

function demographics(p: PatientRow, l: HistoryLabels, f: Formats): Content {
  const address = p.address
    ? [p.address.street, p.address.postalCode, p.address.city, p.address.state, p.address.country]
        .filter(Boolean)
        .join(', ')
    : undefined;
  const contact = p.emergency_contact
    ? [p.emergency_contact.name, p.emergency_contact.relationship, p.emergency_contact.phone]
        .filter(Boolean)
        .join(' · ')
    : undefined;
  return fields([
    [l.name, `${p.first_name} ${p.last_name}`],
    [l.patientNumber, p.patient_number],
    [l.document, p.document_number],
    [l.birthDate, f.day(p.birth_date)],
    [l.age, `${ageOn(p.birth_date)} ${l.years}`],
    [l.sex, l.sexes[p.sex]],
    [l.bloodType, p.blood_type],
    [l.category, l.categories[p.category]],
    [l.phone, p.phone],
    [l.email, p.email],
    [l.address, address],
    [l.emergency, contact],
  ]);
}

function appointmentsTable(rows: HistoryAppointmentRow[], l: HistoryLabels, f: Formats): Content {
  const body: TableCell[][] = rows.map((a) => [
    `${f.at(a.starts_at)}–${f.clock(a.ends_at)}`,
    a.number,
    a.practitioner_name ?? '',
    l.types[a.type],
    l.statuses[a.status],
    a.treatments ?? '',
  ]);
  return dataTable([...l.appointmentColumns], body, {
    widths: [112, 56, 100, 58, 56, '*'],
    empty: l.noAppointments,
  });
}

function dentalTable(entries: ChartEntry[], l: HistoryLabels, f: Formats): Content {
  const body: TableCell[][] = entries.map((e) => [
    { text: String(e.tooth), bold: true },
    e.surfaces.length ? e.surfaces.map((s) => l.surfaces[s]).join(', ') : l.wholeTooth,
    e.kind === 'finding' && e.finding
      ? l.findings[e.finding]
      : `${e.treatmentName ?? ''} (${e.status ? l.treatmentStatus[e.status] : ''})`,
    e.note ?? '',
    f.at(e.recordedAt),
    e.recordedByName ?? '',
  ]);
  return dataTable([...l.dentalColumns], body, { widths: [30, 80, 100, '*', 80, 80], empty: l.noDental });
}

function prescriptionsContent(prescriptions: Prescription[], l: HistoryLabels, f: Formats): Content[] {
  if (prescriptions.length === 0) return [muted(l.noPrescriptions)];
  return prescriptions.flatMap((p): Content[] => [
    {
      text: [
        { text: `${p.number}  `, bold: true },
        `${f.day(p.date)} · ${l.prescriptionBy} ${p.prescriberName ?? ''}`,
        p.treatmentName ? ` · ${p.treatmentName} (${f.money(p.treatmentCost)})` : '',
        p.teeth.length ? ` · ${p.teeth.join(', ')}` : '',
      ],
      margin: [0, 8, 0, 4],
    },
    linesTable(p, f),
    dispensingContent(p, l, f),
  ]);
}

/** An exact decimal quantity as printed: "10.000" is 10, "2.500" is 2,5 in Spanish; never through a float. */
function quantity(value: string, f: Formats): string {
  const trimmed = value.includes('.') ? value.replace(/0+$/, '').replace(/\.$/, '') : value;
  return f.lang === 'es' ? trimmed.replace('.', ',') : trimmed;
}

/** Per line, what the pharmacy dispensed (less returns) of what was prescribed, and when it last did. */
function dispensingContent(p: Prescription, l: HistoryLabels, f: Formats): Content {
  if (!p.lines.some((line) => line.lastDispensedAt)) {
    return { text: l.notDispensed, style: 'muted', margin: [0, 4, 0, 0] };
  }
  const body: TableCell[][] = p.lines.map((line) => [
    String(line.lineNo),
    [line.medicament, line.strength].filter(Boolean).join(' '),
    `${quantity(line.dispensed, f)} ${l.dispensedOf} ${line.quantity}`,
    f.at(line.lastDispensedAt),
  ]);
  return {
    stack: [
      { text: l.dispensing, bold: true, margin: [0, 6, 0, 2] },
      dataTable([...l.dispensingColumns], body, { widths: [14, '*', 90, 120], empty: l.notDispensed }),
    ],
  };
}
