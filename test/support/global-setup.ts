import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeFixtures } from '../../scripts/fixtures/make-fixtures.mjs';
import { runCli } from '../../src/node/cli.js';
import { startSseServer } from './sse-server.js';

/** Built by the CLI from test/fixtures/site before the tests, served to the browser at /models/… */
export const SITE_SNAPSHOT = 'models/fixtures/snapshots/site.pagerag';
/** Built by the CLI with --partitioned from test/fixtures/site (3 partitions). */
export const STATIC_INDEX = 'models/fixtures/static-site';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of ../shared/evaldata/scifact, or "" where it is missing. */
    scifactDir: string;
    /** Base URL of the local OpenAI-compatible SSE test server. */
    sseServer: string;
    /** Path (from the repo root, also the URL path) of the snapshot the CLI built from test/fixtures/site. */
    siteSnapshot: string;
  }
}

/** Builds the fixture models when missing (fast no-op when they are up to date) and tells tests where the eval data is. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  makeFixtures();
  const root = resolve(import.meta.dirname, '../..');
  const output: string[] = [];
  const io = { stdout: (t: string) => output.push(t), stderr: (t: string) => output.push(t), isTTY: false, cwd: root };
  const code = await runCli(['build-index', 'test/fixtures/site', '--out', SITE_SNAPSHOT, '--model', 'fixtures/bert-tiny', '--models-dir', 'models', '--no-cache'], io);
  if (code !== 0) throw new Error(`pagerag build-index failed (${code}):\n${output.join('')}`);
  project.provide('siteSnapshot', SITE_SNAPSHOT);
  // The same folder as a partitioned static index, 3 partitions (served at /models/fixtures/static/).
  const partitioned = await runCli(['build-index', 'test/fixtures/site', '--out', STATIC_INDEX, '--partitioned', '--partitions', '3', '--model', 'fixtures/bert-tiny', '--models-dir', 'models', '--no-cache'], io);
  if (partitioned !== 0) throw new Error(`pagerag build-index --partitioned failed (${partitioned}):\n${output.join('')}`);
  // A later deploy of the same site: other partitions, other files (and no keyword chunks).
  const redeployed = await runCli(['build-index', 'test/fixtures/site', '--out', `${STATIC_INDEX}-2`, '--partitioned', '--partitions', '2', '--no-keywords', '--model', 'fixtures/bert-tiny', '--models-dir', 'models', '--no-cache'], io);
  if (redeployed !== 0) throw new Error(`pagerag build-index --partitioned failed (${redeployed}):\n${output.join('')}`);
  const sse = await startSseServer();
  project.provide('sseServer', sse.url);
  const dir = resolve(process.env.PAGERAG_SHARED_DIR ?? resolve(import.meta.dirname, '../../../shared'), 'evaldata', 'scifact');
  project.provide('scifactDir', existsSync(resolve(dir, 'corpus.jsonl')) ? dir : '');
  return sse.close;
}
