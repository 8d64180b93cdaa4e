import type { Content, TableCell } from 'pdfmake/interfaces.js';
import { dataTable, heading, muted } from '../../platform/pdf/document.js';
import type { Formats } from '../../platform/pdf/language.js';
import type { ClinicalRecord } from '../clinical/clinical.record.js';
import type { HistoryLabels } from './history.labels.js';

/** Names the clinical sections print: practitioners by id, note authors by account id. */
export interface ClinicalNames {
  practitioners: Map<string, string>;
  staff: Map<string, string>;
}

/** Oldest first, as a history is read; the clinical record answers newest first. */
const chronological = <T>(items: T[]) => [...items].reverse();

/** Encounters, signed notes, diagnoses, vital signs and released results. */
export function clinicalContent(r: ClinicalRecord, names: ClinicalNames, l: HistoryLabels, f: Formats): Content[] {
  return [
    heading(l.encounters),
    encountersTable(r, names, l, f),
    heading(l.notes),
    ...notesContent(r, names, l, f),
    heading(l.diagnoses),
    diagnosesTable(r, l, f),
    heading(l.vitals),
    vitalsTable(r, l, f),
    heading(l.results),
    resultsTable(r, l, f),
  ];
}

function encountersTable(r: ClinicalRecord, names: ClinicalNames, l: HistoryLabels, f: Formats): Content {
  const rows: TableCell[][] = chronological(r.encounters).map((e) => [
    f.at(e.admittedAt),
    l.encounterKinds[e.kind],
    e.reason ?? '',
    [e.service, e.practitionerId ? names.practitioners.get(e.practitionerId) : undefined].filter(Boolean).join(' · '),
    f.at(e.dischargedAt),
    l.encounterStatuses[e.status],
  ]);
  return dataTable([...l.encounterColumns], rows, { widths: [80, 62, '*', 100, 80, 52], empty: l.noEncounters });
}

function notesContent(r: ClinicalRecord, names: ClinicalNames, l: HistoryLabels, f: Formats): Content[] {
  const signed = chronological(r.notes).filter((n) => n.status === 'signed');
  if (signed.length === 0) return [muted(l.noNotes)];
  // Plain paragraphs, not a table per note: a long history has hundreds of notes, and
  // nested tables cost pdfmake several times as much layout work.
  return signed.map((n) => ({
    margin: [0, 0, 0, 8],
    stack: [
      {
        text: [
          { text: `${f.at(n.signedAt ?? n.createdAt)}  `, bold: true },
          n.amends ? `${l.addendum} · ` : '',
          `${l.signedBy} ${names.staff.get(n.signedBy ?? n.authorId) ?? ''}`,
        ],
        margin: [0, 0, 0, 2],
      },
      ...(['subjective', 'objective', 'assessment', 'plan'] as const).map((k) => ({
        text: [{ text: `${l.soap[k]}: `, bold: true, style: 'label' }, n[k]],
      })),
    ],
  }));
}

function diagnosesTable(r: ClinicalRecord, l: HistoryLabels, f: Formats): Content {
  const rows: TableCell[][] = chronological(r.diagnoses).map((d) => [
    { text: d.code, bold: true },
    d.display,
    l.diagnosisStatuses[d.status],
    f.day(d.onsetDate),
    d.notes ?? '',
  ]);
  return dataTable([...l.diagnosisColumns], rows, { widths: [44, '*', 58, 62, 130], empty: l.noDiagnoses });
}

function vitalsTable(r: ClinicalRecord, l: HistoryLabels, f: Formats): Content {
  const rows: TableCell[][] = chronological(r.vitals).map((v) => [
    f.at(v.measuredAt),
    v.systolic !== undefined && v.diastolic !== undefined ? `${v.systolic}/${v.diastolic}` : '',
    f.number(v.heartRate),
    f.number(v.respiratoryRate),
    f.number(v.temperatureC),
    f.number(v.spo2),
    f.number(v.weightKg),
    f.number(v.heightCm),
    f.number(v.bmi),
  ]);
  return dataTable([...l.vitalColumns], rows, { widths: [80, 52, 30, 30, 36, 40, 44, 44, '*'], empty: l.noVitals });
}

function resultsTable(r: ClinicalRecord, l: HistoryLabels, f: Formats): Content {
  const rows: TableCell[][] = chronological(r.results).map((x) => {
    const value = x.valueQuantity !== undefined ? f.number(x.valueQuantity) : (x.valueText ?? '');
    const range =
      x.referenceLow !== undefined || x.referenceHigh !== undefined
        ? `${f.number(x.referenceLow)}–${f.number(x.referenceHigh)}`
        : (x.referenceText ?? '');
    return [
      f.at(x.observedAt),
      [x.testName, x.testCode ? ` (${x.testCode})` : ''].join(''),
      [value, x.unit].filter(Boolean).join(' '),
      range,
      x.flag ? { text: l.resultFlags[x.flag], bold: x.flag !== 'normal' } : '',
      l.resultStatuses[x.status],
    ];
  });
  return dataTable([...l.resultColumns], rows, { widths: [80, '*', 70, 70, 50, 58], empty: l.noResults });
}
