import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Reporter, TestModule } from 'vitest/node';

interface Counts {
  passed: number;
  failed: number;
  skipped: number;
}

/**
 * Prints the plain `N passed, N failed, N skipped` line that CI reads, after Vitest's own summary.
 * With PAGERAG_TEST_SUMMARY set (scripts/test.mjs), counts add up across runs in that file, so the
 * last line printed is the total of all runs.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    const counts: Counts = { passed: 0, failed: 0, skipped: 0 };
    for (const module of testModules) {
      for (const test of module.children.allTests()) {
        const state = test.result().state;
        if (state === 'passed') counts.passed++;
        else if (state === 'failed') counts.failed++;
        else counts.skipped++;
      }
      // A file that failed to load has no tests but is still a failure.
      if (module.state() === 'failed' && [...module.children.allTests()].length === 0) counts.failed++;
    }
    counts.failed += unhandledErrors.length;
    const file = process.env.PAGERAG_TEST_SUMMARY;
    if (file) {
      const before: Counts = existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as Counts) : { passed: 0, failed: 0, skipped: 0 };
      counts.passed += before.passed;
      counts.failed += before.failed;
      counts.skipped += before.skipped;
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, JSON.stringify(counts));
    }
    console.log(`\n${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  }
}
