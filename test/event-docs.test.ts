import fs from 'node:fs';
import path from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { generateEventDocs, SCHEMA_DIR } from '../scripts/event-docs.js';
import { claimEvents } from '../src/platform/events/outbox.js';
import { createTestApp } from './support/app.js';

describe('the subscriber contract', () => {
  it('docs/events.md and docs/events/*.schema.json match the catalogue (run `npm run events:docs` if not)', () => {
    const generated = generateEventDocs();
    const stale = [...generated].filter(
      ([file, text]) => !fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== text,
    );
    expect(stale.map(([file]) => path.relative(process.cwd(), file))).toEqual([]);
    const extra = fs.readdirSync(SCHEMA_DIR).filter((f) => !generated.has(path.join(SCHEMA_DIR, f)));
    expect(extra).toEqual([]);
  });

  it('events the app writes validate against their published schema', async () => {
    const ajv = new Ajv2020({ strict: false });
    addFormats.default(ajv);
    const t = await createTestApp('pglite');
    try {
      const admin = await t.signIn(['admin']);
      await t.createPatient();
      await t.call({ method: 'PATCH', url: '/api/v1/auth/me', token: admin.token, payload: { language: 'en' } });
      const claimed = await claimEvents(t.database.db, 100, 60);
      expect(claimed.map((c) => c.envelope.type).sort()).toEqual(['patient.created', 'user.created', 'user.updated']);
      for (const { envelope } of claimed) {
        const schema = JSON.parse(
          fs.readFileSync(path.join(SCHEMA_DIR, `${envelope.type}.v${envelope.version}.schema.json`), 'utf8'),
        );
        const valid = ajv.validate(schema, envelope);
        expect(valid, `${envelope.type}: ${ajv.errorsText()}`).toBe(true);
        // A payload outside the schema is refused: the check has teeth.
        expect(ajv.validate(schema, { ...envelope, payload: { ...envelope.payload, diagnosis: 'J45' } })).toBe(false);
      }
    } finally {
      await t.close();
    }
  });
});
