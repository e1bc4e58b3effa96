import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeFixtures } from '../../scripts/make-fixtures.mjs';
import { startSseServer } from './sse-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of ../shared/evaldata/scifact, or "" where it is missing. */
    scifactDir: string;
    /** Base URL of the local OpenAI-compatible SSE test server. */
    sseServer: string;
  }
}

/** Builds the fixture models when missing (fast no-op when they are up to date) and tells tests where the eval data is. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  makeFixtures();
  const sse = await startSseServer();
  project.provide('sseServer', sse.url);
  const dir = resolve(process.env.PAGERAG_SHARED_DIR ?? resolve(import.meta.dirname, '../../../shared'), 'evaldata', 'scifact');
  project.provide('scifactDir', existsSync(resolve(dir, 'corpus.jsonl')) ? dir : '');
  return sse.close;
}
