import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ConstraintStrategy, Handler, HTTPVersion } from 'find-my-way';

/** The built web app (`vite build --config web/vite.config.ts`), beside `src/` and `dist/`. */
export const WEB_DIST = fileURLToPath(new URL('../../../web/dist', import.meta.url));

/** Paths that belong to the API and never fall back to the web app. */
const NOT_WEB = /^\/(api|fhir|docs|metrics|healthz|readyz|\.well-known)(\/|$)/;

const NOT_BUILT = `<!doctype html>
<html lang="es"><head><meta charset="utf-8"><title>Clinica</title></head>
<body><h1>Clinica</h1>
<p>La aplicación web no está compilada. Ejecute <code>npm run build</code> y reinicie el servidor.</p>
<p>The web app is not built. Run <code>npm run build</code> and restart the server.</p>
<p>API: <a href="/docs">/docs</a></p></body></html>`;

/** A browser navigation (an HTML page request), as opposed to an API or asset request. */
const navigation: ConstraintStrategy<HTTPVersion.V1> = {
  name: 'navigation',
  storage() {
    const handlers = new Map<string, Handler<HTTPVersion.V1>>();
    return {
      get: (value: string) => handlers.get(value) ?? null,
      set: (value: string, store: Handler<HTTPVersion.V1>) => {
        handlers.set(value, store);
      },
    };
  },
  deriveConstraint: (req) => (String(req.headers.accept ?? '').includes('text/html') ? 'html' : 'other'),
  mustMatchWhenDerived: false,
};

/**
 * Serves the web app at `/`: its hashed assets under /assets (cached for good), index.html
 * for `/` and, as the single-page app's fallback, for any other browser navigation outside
 * the API. Requests that are not navigations (fetch, curl) to unknown paths still get the
 * API's 404 problem. Without a build, `/` explains how to build it.
 */
export async function registerWeb(app: FastifyInstance, root = WEB_DIST) {
  const built = fs.existsSync(path.join(root, 'index.html'));
  app.addConstraintStrategy(navigation);
  await app.register(async (web) => {
    web.addHook('onRoute', (route) => {
      route.config = { ...route.config, access: 'public' };
      route.schema = { ...route.schema, hide: true };
    });
    await web.register(fastifyStatic, { root, serve: false, preCompressed: true });
    const index = async (req: FastifyRequest, reply: FastifyReply) => {
      if (NOT_WEB.test(req.url)) return reply.callNotFound();
      if (!built) return reply.type('text/html; charset=utf-8').send(NOT_BUILT);
      return reply.header('cache-control', 'no-cache').sendFile('index.html', { cacheControl: false });
    };
    web.get('/', index);
    web.get('/*', { constraints: { navigation: 'html' } }, index);
    web.get('/assets/*', async (req, reply) => {
      const file = (req.params as { '*': string })['*'];
      if (!fs.existsSync(path.join(root, 'assets', path.normalize(`/${file}`)))) return reply.callNotFound();
      return reply.sendFile(`assets/${file}`, { maxAge: '365d', immutable: true });
    });
  });
}
