#!/usr/bin/env node
// npm test: the browser project, then the node project (Playwright on the built demo, crash test),
// in two Vitest runs so the timing-sensitive checks never share the 2 cores. The summary reporter
// adds both runs up, so the last line is the plain total CI reads.
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const summary = join(root, 'node_modules', '.cache', 'pagerag-test-summary.json');
rmSync(summary, { force: true });
const vitest = join(root, 'node_modules', '.bin', 'vitest');
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
