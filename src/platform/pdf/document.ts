import { createRequire } from 'node:module';
import path from 'node:path';
import type { Readable } from 'node:stream';
import pdfmake from 'pdfmake';
import type { Content, TableCell, TDocumentDefinitions } from 'pdfmake/interfaces.js';
import type { Formats, Language } from './language.js';

/**
 * The one layout every printed document shares: the clinic's name and the document's title
 * at the top of each page, who generated it and when, and "page x / y" at the bottom.
 * Documents are declared with pdfmake (tables repeat their header row on every page).
 */

const FONT_DIR = path.join(path.dirname(createRequire(import.meta.url).resolve('pdfmake/package.json')), 'fonts');

// Roboto ships with pdfmake and covers Spanish (á, ñ, ¿, €, ...).
pdfmake.setFonts({
  Roboto: {
    normal: path.join(FONT_DIR, 'Roboto', 'Roboto-Regular.ttf'),
    bold: path.join(FONT_DIR, 'Roboto', 'Roboto-Medium.ttf'),
    italics: path.join(FONT_DIR, 'Roboto', 'Roboto-Italic.ttf'),
    bolditalics: path.join(FONT_DIR, 'Roboto', 'Roboto-MediumItalic.ttf'),
  },
});
// Documents hold patient-entered text: it must never make the server fetch a URL or read a
// file (an image with a path), so only the bundled fonts may be read.
pdfmake.setUrlAccessPolicy(() => false);
pdfmake.setLocalAccessPolicy((file) => path.resolve(file).startsWith(FONT_DIR + path.sep));

const FRAME_LABELS = {
  es: { generated: 'Generado el', by: 'por', page: 'Página' },
  en: { generated: 'Generated on', by: 'by', page: 'Page' },
} as const satisfies Record<Language, Record<string, string>>;

const GREY = '#5f6b7a';
const RULE = '#c9d1db';
const HEADER_FILL = '#eef2f6';

export interface DocumentFrame {
  clinicName: string;
  /** Printed at the top right of every page and as the PDF's title. */
  title: string;
  formats: Formats;
  generatedAt: Date;
  /** Who asked for it (their e-mail), printed on every page. */
  generatedBy: string;
}

/** Renders the document; answers a stream of the PDF bytes to send as the response. */
export async function renderPdf(frame: DocumentFrame, content: Content[]): Promise<Readable> {
  const labels = FRAME_LABELS[frame.formats.lang];
  const generated = `${labels.generated} ${frame.formats.at(frame.generatedAt)} ${labels.by} ${frame.generatedBy}`;
  const definition: TDocumentDefinitions = {
    pageSize: 'A4',
    pageMargins: [40, 64, 40, 52],
    info: { title: frame.title, author: frame.clinicName, creator: 'Clinica', producer: 'Clinica' },
    header: () => ({
      margin: [40, 24, 40, 0],
      stack: [
        {
          columns: [
            { text: frame.clinicName, style: 'clinic' },
            { text: frame.title, alignment: 'right', style: 'frameTitle' },
          ],
        },
        { canvas: [{ type: 'line', x1: 0, y1: 6, x2: 515, y2: 6, lineWidth: 0.7, lineColor: RULE }] },
      ],
    }),
    footer: (page, pages) => ({
      margin: [40, 18, 40, 0],
      columns: [
        { text: generated, style: 'frameNote' },
        { text: `${labels.page} ${page} / ${pages}`, alignment: 'right', style: 'frameNote', width: 90 },
      ],
    }),
    content,
    // No pageBreakBefore callback to keep headings with their sections: on a 50-page history
    // it made pdfmake lay the document out again and cost more than the rest of the export.
    defaultStyle: { font: 'Roboto', fontSize: 9, lineHeight: 1.15 },
    styles: {
      clinic: { fontSize: 11, bold: true },
      frameTitle: { fontSize: 10, color: GREY },
      frameNote: { fontSize: 7.5, color: GREY },
      title: { fontSize: 16, bold: true, margin: [0, 0, 0, 8] },
      heading: { fontSize: 12, bold: true, margin: [0, 14, 0, 6] },
      label: { color: GREY },
      tableHeader: { bold: true, fillColor: HEADER_FILL },
      muted: { color: GREY, italics: true },
    },
  };
  const doc = await pdfmake.createPdf(definition).getStream();
  // The bytes wait in the stream's buffer until the response reads them.
  doc.end();
  return doc as unknown as Readable;
}

/** A section heading. */
export const heading = (text: string): Content => ({ text, style: 'heading' });

export const muted = (text: string): Content => ({ text, style: 'muted' });

/**
 * A table whose header row repeats on every page it spans. An empty table prints `empty`
 * instead, so a reader sees the section was looked at.
 */
export function dataTable(
  headers: string[],
  rows: TableCell[][],
  options: { widths?: (number | '*' | 'auto')[]; empty: string },
): Content {
  if (rows.length === 0) return muted(options.empty);
  return {
    table: {
      headerRows: 1,
      // The header row never ends a page alone, and a row is never cut in two.
      keepWithHeaderRows: 1,
      dontBreakRows: true,
      widths: options.widths ?? headers.map(() => '*'),
      body: [headers.map((h) => ({ text: h, style: 'tableHeader' })), ...rows],
    },
    layout: {
      hLineWidth: (i) => (i === 1 ? 0.8 : 0.4),
      vLineWidth: () => 0,
      hLineColor: () => RULE,
      paddingTop: () => 3,
      paddingBottom: () => 3,
    },
  };
}

/** Label / value pairs in two columns of pairs, for demographics and document headers. */
export function fields(pairs: [string, string | undefined | null][]): Content {
  const shown = pairs.filter((p): p is [string, string] => !!p[1]);
  const cells = shown.map(([label, value]) => [{ text: label, style: 'label' }, { text: value }]);
  const body: TableCell[][] = [];
  for (let i = 0; i < cells.length; i += 2) {
    body.push([...(cells[i] ?? []), ...(cells[i + 1] ?? [{ text: '' }, { text: '' }])]);
  }
  if (body.length === 0) return { text: '' };
  return { table: { widths: [95, '*', 95, '*'], body }, layout: 'noBorders' };
}
