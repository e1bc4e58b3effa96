import { defineConfig } from 'vite';
import { ISOLATION_HEADERS } from './scripts/static-server.mjs';

/** The demo as a static site: relative asset paths, so it works from any folder of any static host. */
export default defineConfig({
  base: './',
  publicDir: 'demo/public',
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  worker: { format: 'es' },
  build: {
    outDir: 'dist-demo',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
  },
});
