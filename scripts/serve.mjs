#!/usr/bin/env node
// Serves the built demo (dist-demo/) with COOP/COEP and the demo's Content-Security-Policy as
// headers (so the policy binds the engine worker too), plus models/ at /models/.
//
//   node scripts/serve.mjs [dir=dist-demo] [--port 5173] [--host 127.0.0.1]
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_CSP, startStaticServer } from './static-server.mjs';

const root = resolve(fileURLToPath(new URL('..', import.meta.url)));
const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const positional = args.filter((a, i) => !a.startsWith('--') && !args[i - 1]?.startsWith('--'));
const site = resolve(root, positional[0] ?? 'dist-demo');
if (!existsSync(join(site, 'index.html'))) {
  console.error(`No built site in ${site}: run "npm run build:demo" first.`);
  process.exit(1);
}
let url;
try {
  ({ url } = await startStaticServer({
    site,
    models: join(root, 'models'),
    port: Number(option('port', process.env.PORT ?? 5173)),
    host: option('host', '127.0.0.1'),
    headers: { 'Content-Security-Policy': DEMO_CSP },
  }));
} catch (error) {
  // A busy port is a message, not a stack.
  console.error(error.code === 'EADDRINUSE' ? error.message : error);
  process.exit(1);
}
console.log(`pagerag demo: ${url}`);
console.log(`  on the tiny local fixture models (no downloads): ${url}?models=fixtures`);
console.log('  Ctrl+C to stop.');
