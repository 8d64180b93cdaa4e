import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { registerWeb } from '../../src/platform/http/web.js';

/** How the server answers for the web app, with and without a build (no browser needed). */
describe('serving the web app', () => {
  let app: FastifyInstance;
  afterEach(() => app?.close());

  async function serve(root: string) {
    app = Fastify();
    app.setNotFoundHandler((_req, reply) => reply.code(404).send({ status: 404 }));
    await registerWeb(app, root);
    await app.ready();
    return app;
  }
  const html = { accept: 'text/html,application/xhtml+xml' };

  it('serves index.html at / and for any browser navigation, assets cached for good, the API left alone', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clinica-web-'));
    fs.mkdirSync(path.join(root, 'assets'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
    fs.writeFileSync(path.join(root, 'assets', 'index-abc.js'), 'console.log(1)');
    await serve(root);

    const index = await app.inject({ url: '/', headers: html });
    expect(index.statusCode).toBe(200);
    expect(index.body).toContain('<title>app</title>');
    expect(index.headers['cache-control']).toBe('no-cache');
    const deep = await app.inject({ url: '/patients/123/edit?x=1', headers: html });
    expect(deep.statusCode).toBe(200);
    expect(deep.body).toContain('<title>app</title>');

    const asset = await app.inject({ url: '/assets/index-abc.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    expect((await app.inject({ url: '/assets/missing.js' })).statusCode).toBe(404);
    expect((await app.inject({ url: '/assets/..%2f..%2fetc%2fpasswd' })).statusCode).toBe(404);

    // Not navigations (fetch, curl) and API paths get the API's 404, never the page.
    expect((await app.inject({ url: '/patients/123' })).statusCode).toBe(404);
    for (const url of ['/api/v1/nothing', '/fhir/R4/Nope', '/docs/nope']) {
      const res = await app.inject({ url, headers: html });
      expect(res.statusCode, url).toBe(404);
    }
  });

  it('sends an asset compressed when the build holds a compressed copy and the browser accepts it', async () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'clinica-web-'));
    fs.mkdirSync(path.join(root, 'assets'));
    fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html><title>app</title>');
    const source = `export const big = "${'x'.repeat(5000)}";`;
    fs.writeFileSync(path.join(root, 'assets', 'big.js'), source);
    fs.writeFileSync(path.join(root, 'assets', 'big.js.br'), zlib.brotliCompressSync(source));
    fs.writeFileSync(path.join(root, 'assets', 'plain.js'), source);
    await serve(root);

    const br = await app.inject({ url: '/assets/big.js', headers: { 'accept-encoding': 'gzip, br' } });
    expect(br.statusCode).toBe(200);
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toContain('immutable');
    expect(zlib.brotliDecompressSync(br.rawPayload).toString()).toBe(source);
    // No compressed copy, or a client that does not accept one: the file as it is.
    for (const [url, headers] of [
      ['/assets/plain.js', { 'accept-encoding': 'br' }],
      ['/assets/big.js', {}],
    ] as const) {
      const res = await app.inject({ url, headers });
      expect(res.headers['content-encoding'], url).toBeUndefined();
      expect(res.body, url).toBe(source);
    }
  });

  it('says how to build when web/dist is missing, and still starts', async () => {
    await serve(path.join(os.tmpdir(), 'clinica-no-such-build'));
    const res = await app.inject({ url: '/', headers: html });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('npm run build');
    expect((await app.inject({ url: '/patients', headers: html })).body).toContain('npm run build');
    expect((await app.inject({ url: '/assets/index.js' })).statusCode).toBe(404);
  });

  it('declares every web route public', async () => {
    // The web plugin's own onRoute hook declares the access after this root one sees the route.
    const routes: { url: string; config?: { access?: unknown } }[] = [];
    app = Fastify();
    app.addHook('onRoute', (r) => {
      routes.push(r);
    });
    await registerWeb(app, os.tmpdir());
    await app.ready();
    expect(routes.length).toBeGreaterThan(0);
    for (const r of routes) expect(r.config?.access, r.url).toBe('public');
  });
});
