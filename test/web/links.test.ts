import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (relative: string) => fs.readFileSync(new URL(`../../${relative}`, import.meta.url), 'utf8');

/** The account e-mails link into the web app: each page they name must be one the app routes. */
describe('links in account e-mails', () => {
  it('lead to pages of the web app', () => {
    const mail = ['account.ts', 'compose.ts']
      .map((f) => read(`src/modules/notifications/templates/${f}`))
      .concat(read('src/modules/identity/password-reset.ts'))
      .join('\n');
    const linked = new Set([...mail.matchAll(/\$\{(?:context\.)?publicUrl\}(\/[\w/-]*)/g)].map((m) => m[1]));
    expect([...linked].sort()).toEqual(['/', '/account', '/forgot-password', '/reset-password']);
    const app = read('web/src/App.tsx');
    // <Route path="/x"> inside the app, and the keys of its public pages ('/x': Page).
    const routed = new Set([...app.matchAll(/(?:path="|^\s*')(\/[\w/:-]*)["']/gm)].map((m) => m[1]));
    expect([...linked].filter((p) => !routed.has(p))).toEqual([]);
  });
});
