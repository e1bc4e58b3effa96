import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { makeFixtures } from '../../scripts/make-fixtures.mjs';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Absolute path of ../shared/evaldata/scifact, or "" where it is missing. */
    scifactDir: string;
  }
}

/** Builds the fixture models when missing (fast no-op when they are up to date) and tells tests where the eval data is. */
export default function setup(project: TestProject): void {
  makeFixtures();
  const dir = resolve(process.env.PAGERAG_SHARED_DIR ?? resolve(import.meta.dirname, '../../../shared'), 'evaldata', 'scifact');
  project.provide('scifactDir', existsSync(resolve(dir, 'corpus.jsonl')) ? dir : '');
}
