import { execFileSync } from 'node:child_process';

/**
 * The text of a PDF as a reader's copy-and-paste would give it, from Debian's poppler-utils
 * (`pdftotext`, installed by .ci/run): a real PDF reader, not the library that wrote it.
 */
export function pdfText(pdf: Buffer, options: { layout?: boolean } = {}): string {
  return execFileSync('pdftotext', [...(options.layout ? ['-layout'] : []), '-enc', 'UTF-8', '-', '-'], {
    input: pdf,
    maxBuffer: 64 * 1024 * 1024,
  }).toString('utf8');
}

/** The page count a reader sees. */
export function pdfPages(pdf: Buffer): number {
  const info = execFileSync('pdfinfo', ['-'], { input: pdf }).toString('utf8');
  return Number(/^Pages:\s+(\d+)/m.exec(info)?.[1]);
}

/** The text of each page (pdftotext separates pages with a form feed). */
export function pdfPageTexts(pdf: Buffer): string[] {
  return pdfText(pdf).split('\f').slice(0, -1);
}
