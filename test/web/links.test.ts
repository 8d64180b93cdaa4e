import fs from 'node:fs';
import { describe, expect, it } from 'vitest';

const read = (relative: string) => fs.readFileSync(new URL(`../../${relative}`, import.meta.url), 'utf8');
const TEMPLATES = 'src/modules/notifications/templates/';
/** <Route path="/x"> inside the app, and the keys of its public pages ('/x': Page). */
const routed = () =>
  new Set([...read('web/src/App.tsx').matchAll(/(?:path="|^\s*')(\/[\w/:-]*)["']/gm)].map((m) => m[1]));
/** The pages of this server that a text links to. */
const linkedIn = (text: string) =>
  new Set([...text.matchAll(/\$\{(?:context\.)?publicUrl\}(\/[\w/-]*)/g)].map((m) => m[1] as string));

/** The account e-mails link into the web app: each page they name must be one the app routes. */
describe('links in account e-mails', () => {
  it('lead to pages of the web app', () => {
    const mail = ['account.ts', 'compose.ts']
      .map((f) => read(`${TEMPLATES}${f}`))
      .concat(read('src/modules/identity/password-reset.ts'))
      .join('\n');
    const linked = linkedIn(mail);
    expect([...linked].sort()).toEqual(['/', '/account', '/forgot-password', '/reset-password']);
    const pages = routed();
    expect([...linked].filter((p) => !pages.has(p))).toEqual([]);
  });

  it('in every e-mail template (appointments too) lead to pages of the web app', () => {
    const linked = fs
      .readdirSync(new URL(`../../${TEMPLATES}`, import.meta.url))
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) => [...linkedIn(read(`${TEMPLATES}${f}`))]);
    expect(linked.length).toBeGreaterThanOrEqual(4);
    const pages = routed();
    expect(linked.filter((p) => !pages.has(p))).toEqual([]);
    // The portal's appointments page, where appointment e-mails lead.
    expect(pages.has('/portal/appointments')).toBe(true);
  });
});
