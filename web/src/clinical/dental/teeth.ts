// Only plain types here: the server's tests import this file too, without the web app's API types.
export type Surface = 'mesial' | 'distal' | 'occlusal' | 'buccal' | 'lingual';
type Finding = string;
/** What the chart needs of an entry (api/types' CurrentEntry has it). */
interface Entry {
  kind: 'finding' | 'treatment';
  finding?: Finding | undefined;
  status?: 'planned' | 'done' | undefined;
  currentFor: ('whole' | Surface)[];
}

/*
 * The odontogram as a dentist reads it: the patient faces the viewer, so the patient's right
 * (quadrants 1 and 4, primary 5 and 8) is on the viewer's left, upper teeth above lower ones,
 * and each half runs from the back teeth to the midline.
 */

export type Dentition = 'permanent' | 'primary';

const run = (quadrant: number, from: number, to: number) => {
  const step = from < to ? 1 : -1;
  return Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => quadrant * 10 + from + i * step);
};

/** Rows of the chart, each in two halves (viewer's left | right): 18..11 | 21..28 over 48..41 | 31..38. */
export const LAYOUT: Record<Dentition, { upper: [number[], number[]]; lower: [number[], number[]] }> = {
  permanent: { upper: [run(1, 8, 1), run(2, 1, 8)], lower: [run(4, 8, 1), run(3, 1, 8)] },
  primary: { upper: [run(5, 5, 1), run(6, 1, 5)], lower: [run(8, 5, 1), run(7, 1, 5)] },
};

export const SURFACES: Surface[] = ['mesial', 'distal', 'occlusal', 'buccal', 'lingual'];

const quadrant = (tooth: number) => Math.floor(tooth / 10);
export const isUpper = (tooth: number) => [1, 2, 5, 6].includes(quadrant(tooth));
/** On the patient's right, drawn on the viewer's left. */
const isPatientRight = (tooth: number) => [1, 4, 5, 8].includes(quadrant(tooth));

export type Side = 'top' | 'right' | 'bottom' | 'left' | 'centre';

/**
 * Where a surface is drawn on a tooth: the cheek side (buccal) faces out of the mouth, up for
 * upper teeth and down for lower ones; the mesial side faces the midline.
 */
export function sideOf(tooth: number, surface: Surface): Side {
  switch (surface) {
    case 'occlusal':
      return 'centre';
    case 'buccal':
      return isUpper(tooth) ? 'top' : 'bottom';
    case 'lingual':
      return isUpper(tooth) ? 'bottom' : 'top';
    case 'mesial':
      return isPatientRight(tooth) ? 'right' : 'left';
    case 'distal':
      return isPatientRight(tooth) ? 'left' : 'right';
  }
}

/** The five areas of a tooth drawn in a 40 × 40 box: four trapezoids around an occlusal square. */
export const SHAPES: Record<Side, string> = {
  top: '2,2 38,2 27,13 13,13',
  right: '38,2 38,38 27,27 27,13',
  bottom: '38,38 2,38 13,27 27,27',
  left: '2,38 2,2 13,13 13,27',
  centre: '13,13 27,13 27,27 13,27',
};

/** How an entry shows on the chart: the usual odontogram colours, red to treat and blue done. */
export type Mark = 'sound' | 'pathology' | 'restored' | 'planned' | 'missing' | 'other';

const PATHOLOGY: Finding[] = ['caries', 'fracture', 'abscess', 'mobility', 'impacted', 'extraction_indicated'];
const RESTORED: Finding[] = ['filling', 'crown', 'bridge', 'implant', 'root_canal', 'sealant', 'veneer'];

export function markOf(entry: Pick<Entry, 'kind' | 'finding' | 'status'>): Mark {
  if (entry.kind === 'treatment') return entry.status === 'planned' ? 'planned' : 'restored';
  const finding = entry.finding ?? 'other';
  if (finding === 'sound') return 'sound';
  if (finding === 'missing') return 'missing';
  if (PATHOLOGY.includes(finding)) return 'pathology';
  if (RESTORED.includes(finding)) return 'restored';
  return 'other';
}

export const MARKS: Mark[] = ['pathology', 'restored', 'planned', 'missing', 'sound', 'other'];

export const MARK_FILL: Record<Mark | 'none', string> = {
  pathology: 'var(--mantine-color-red-7)',
  restored: 'var(--mantine-color-blue-7)',
  planned: 'var(--mantine-color-orange-5)',
  missing: 'var(--mantine-color-gray-6)',
  sound: 'var(--mantine-color-green-2)',
  other: 'var(--mantine-color-grape-4)',
  none: 'var(--mantine-color-white)',
};

/** The latest entry on each surface of a tooth (a whole-tooth entry covers them all, if it is the latest). */
export function surfaceEntries<E extends Entry>(entries: E[]): Partial<Record<Surface, E>> {
  const out: Partial<Record<Surface, E>> = {};
  for (const e of entries) for (const key of e.currentFor) if (key !== 'whole') out[key] = e;
  return out;
}

/** A tooth is drawn crossed out when its latest entry everywhere says it is missing. */
export function isMissing(entries: Entry[]): boolean {
  const bySurface = surfaceEntries(entries);
  return SURFACES.every((s) => bySurface[s]?.kind === 'finding' && bySurface[s]?.finding === 'missing');
}
