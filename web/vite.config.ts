import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const api = process.env.CLINICA_URL ?? 'http://127.0.0.1:3000';

/** The web app; `npm run dev:web` serves it with hot reload and proxies the API to a running server. */
export default defineConfig({
  root,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false, chunkSizeWarningLimit: 1000 },
  server: {
    port: 5173,
    proxy: Object.fromEntries(['/api', '/docs', '/healthz', '/readyz', '/.well-known'].map((p) => [p, api])),
  },
});
