import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';
import { pageragSnapshot } from './src/node/vite-plugin.js';
import { ISOLATION_HEADERS } from './scripts/static-server.mjs';

// Loaded with `--configLoader runner` (package.json scripts): the plugin's TypeScript source runs
// through Vite's module runner instead of being bundled into the config.

/**
 * The sample documents are prebuilt into a snapshot at build time, with the first embedding model
 * found under models/ (or PAGERAG_DEMO_SNAPSHOT_MODEL): the real all-MiniLM-L6-v2 after
 * `npm run fetch-models`, else the fixture encoder (`?models=fixtures`). A visitor whose embedding
 * model differs gets the samples embedded in the browser instead.
 */
function samplesSnapshot(): Plugin {
  const model = process.env.PAGERAG_DEMO_SNAPSHOT_MODEL ?? ['Xenova/all-MiniLM-L6-v2', 'fixtures/bert-tiny'].find((id) => existsSync(`models/${id}/onnx`));
  if (model) return pageragSnapshot({ input: 'demo/sample-corpus', model, modelsDir: 'models', fileName: 'samples.pagerag' });
  // No model to build with: the module exists, without a snapshot.
  return {
    name: 'pagerag-snapshot-none',
    resolveId: (id) => (id === 'virtual:pagerag-snapshot' ? '\0virtual:pagerag-snapshot' : undefined),
    load: (id) => (id === '\0virtual:pagerag-snapshot' ? 'export default null; export const header = null;' : undefined),
  };
}

/**
 * Writes `sw.js` with the list of every file of this build, so the service worker precaches the
 * whole app shell at install (one visit is enough to work offline), under a cache named after the
 * files' hashes (a new deploy gets a new cache).
 */
function serviceWorker(): Plugin {
  return {
    name: 'pagerag-demo-service-worker',
    apply: 'build',
    enforce: 'post',
    generateBundle(_, bundle) {
      const files = Object.keys(bundle).filter((file) => !file.endsWith('.map')).sort();
      const version = createHash('sha256').update(files.join('\n')).digest('hex').slice(0, 16);
      const template = readFileSync(new URL('demo/sw.js', import.meta.url), 'utf8');
      const source = template.replace('self.__PRECACHE__', JSON.stringify({ version, files }));
      this.emitFile({ type: 'asset', fileName: 'sw.js', source });
    },
  };
}

/** The demo as a static site: relative asset paths, so it works from any folder of any static host. */
export default defineConfig({
  base: './',
  // The demo imports the package by its public entries, as an app would; here they are the sources.
  resolve: {
    alias: [
      { find: /^pagerag$/, replacement: fileURLToPath(new URL('src/index.ts', import.meta.url)) },
      { find: /^pagerag\/client$/, replacement: fileURLToPath(new URL('src/client.ts', import.meta.url)) },
      { find: /^pagerag\/webllm$/, replacement: fileURLToPath(new URL('src/webllm.ts', import.meta.url)) },
      { find: /^pagerag\/pdf$/, replacement: fileURLToPath(new URL('src/pdf.ts', import.meta.url)) },
      { find: /^pagerag\/docx$/, replacement: fileURLToPath(new URL('src/docx.ts', import.meta.url)) },
      { find: /^pagerag\/ui$/, replacement: fileURLToPath(new URL('src/ui/pagerag-ui.ts', import.meta.url)) },
    ],
  },
  plugins: [samplesSnapshot(), serviceWorker()],
  publicDir: 'demo/public',
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  // The page imports the snapshot (`virtual:pagerag-snapshot`) and hands its URL to the engine worker.
  worker: { format: 'es' },
  build: {
    outDir: 'dist-demo',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 8000,
    rolldownOptions: { input: { main: fileURLToPath(new URL('index.html', import.meta.url)), search: fileURLToPath(new URL('demo/search.html', import.meta.url)) } },
  },
});
