import fs from 'node:fs';
import readline from 'node:readline';
import type { Database } from '../../platform/db/database.js';
import { CODE_SHAPE, dottedCode, type Icd10Code, upsertIcd10 } from './icd10.repository.js';

const BATCH = 2_000;

export interface ImportProgress {
  start(totalBytes: number): void;
  update(bytesRead: number, codes: number): void;
  stop(): void;
}

export class Icd10FormatError extends Error {
  override name = 'Icd10FormatError';
}

/**
 * One line of CMS's `icd10cm_codes_YYYY.txt`: the code without its dot, whitespace, the title
 * ("E119    Type 2 diabetes mellitus without complications"). Blank lines are skipped.
 */
export function parseIcd10Line(line: string, lineNumber: number): Icd10Code | null {
  const trimmed = line.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return null;
  const match = /^(\S+)\s+(.+)$/.exec(trimmed);
  const code = match?.[1] ?? '';
  const title = match?.[2]?.trim() ?? '';
  if (!CODE_SHAPE.test(code) || title === '' || title.length > 500 || title.includes('\u0000')) {
    throw new Icd10FormatError(
      `line ${lineNumber} is not "CODE  Title" as in CMS's icd10cm_codes_YYYY.txt: ${JSON.stringify(trimmed.slice(0, 80))}`,
    );
  }
  return { code: dottedCode(code), title };
}

/**
 * Loads a CMS ICD-10-CM code file in batches, one transaction for the whole file so that a
 * bad line leaves the catalogue as it was. Answers how many codes the file held.
 */
export async function importIcd10File(db: Database, file: string, progress?: ImportProgress): Promise<number> {
  const size = fs.statSync(file).size;
  progress?.start(size);
  const stream = fs.createReadStream(file, { encoding: 'utf8' });
  try {
    return await db.transaction(async (tx) => {
      const lines = readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      let batch: Icd10Code[] = [];
      let total = 0;
      let lineNumber = 0;
      for await (const line of lines) {
        lineNumber += 1;
        const code = parseIcd10Line(line, lineNumber);
        if (!code) continue;
        batch.push(code);
        if (batch.length >= BATCH) {
          await upsertIcd10(tx, batch);
          total += batch.length;
          batch = [];
          progress?.update(stream.bytesRead, total);
        }
      }
      await upsertIcd10(tx, batch);
      total += batch.length;
      progress?.update(size, total);
      return total;
    });
  } finally {
    stream.destroy();
    progress?.stop();
  }
}
