#!/usr/bin/env node
// npm test: the browser project, then the node project (Playwright on the built demo, crash test),
// in two Vitest runs so Playwright and the browser tests never share the 2 cores. The summary reporter
// adds both runs up, so the last line is the plain total CI reads.
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const summary = join(root, 'node_modules', '.cache', 'pagerag-test-summary.json');
rmSync(summary, { force: true });
const vitest = join(root, 'node_modules', '.bin', 'vitest');
// Tests on the real tokenizers (and the SciFact figures) skip without ../shared: say so before the runs (the last line stays the total CI reads).
const shared = process.env.PAGERAG_SHARED_DIR ?? join(root, '..', 'shared');
if (!existsSync(join(shared, 'models'))) {
  console.warn(`Note: ${join(shared, 'models')} is missing, so the tests on the real all-MiniLM-L6-v2 and SmolLM tokenizers will be skipped (they count as skipped).`);
}
// The type check first: it holds the public API's type tests (test/api/public-api.test.ts).
const typecheck = spawnSync(join(root, 'node_modules', '.bin', 'tsc'), ['--noEmit'], { cwd: root, stdio: 'inherit' });
let failed = typecheck.status !== 0;
if (failed) console.error('Type check failed (tsc --noEmit): see the errors above.');
for (const project of ['browser', 'node']) {
  const run = spawnSync(vitest, ['run', '--project', project, ...process.argv.slice(2)], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, PAGERAG_TEST_SUMMARY: summary },
  });
  if (run.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
