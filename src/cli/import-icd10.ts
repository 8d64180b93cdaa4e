import fs from 'node:fs';
import path from 'node:path';
import { SingleBar } from 'cli-progress';
import { InvalidArgumentError } from 'commander';
import { countIcd10 } from '../modules/clinical/icd10.repository.js';
import { Icd10FormatError, importIcd10File } from '../modules/clinical/icd10-import.js';
import type { AuditTrail } from '../platform/audit/audit.js';
import type { Database } from '../platform/db/database.js';
import { SYSTEM_CONTEXT } from '../server.js';

/**
 * `clinica import icd10 <file>`: loads CMS's complete ICD-10-CM code list
 * (icd10cm_codes_YYYY.txt, public domain, https://www.cms.gov/medicare/coding-billing/icd-10-codes)
 * on top of the codes the migration ships. Progress by bytes read, so it needs no first pass.
 */
export async function importIcd10(
  db: Database,
  audit: AuditTrail,
  file: string,
  out: (line: string) => void,
  showProgress: boolean,
) {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new InvalidArgumentError(`there is no file ${file}`);
  }
  const before = await countIcd10(db);
  const bar = new SingleBar({
    format: 'ICD-10 [{bar}] {percentage}% | {codes} codes | {eta}s left',
    hideCursor: true,
  });
  const progress = showProgress
    ? {
        start: (total: number) => bar.start(total, 0, { codes: 0 }),
        update: (done: number, codes: number) => bar.update(done, { codes }),
        stop: () => bar.stop(),
      }
    : undefined;
  let read: number;
  try {
    read = await importIcd10File(db, file, progress);
  } catch (err) {
    if (err instanceof Icd10FormatError)
      throw new InvalidArgumentError(`${file}: ${err.message}; nothing was imported`);
    throw err;
  }
  const after = await countIcd10(db);
  await audit.record(SYSTEM_CONTEXT, {
    action: 'icd10.import',
    resourceType: 'CodeSystem',
    details: { file: path.basename(file), codesRead: read, codesAdded: after - before },
  });
  out(`Read ${read} ICD-10 codes from ${path.basename(file)}: ${after - before} new, ${after} in the catalogue.`);
}
