import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateApiTypes, SCHEMA_FILE } from '../../web/scripts/api-types.js';

describe('typed API client', () => {
  it('web/src/api/schema.d.ts matches the server’s OpenAPI document (run `npm run api:types` if not)', async () => {
    const fresh = await generateApiTypes();
    const committed = fs.readFileSync(SCHEMA_FILE, 'utf8');
    // Compare as text but fail with a short message, not a 3000-line diff.
    expect(committed === fresh, 'web/src/api/schema.d.ts is stale: run `npm run api:types`').toBe(true);
  });
});
