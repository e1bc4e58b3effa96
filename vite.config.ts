import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_ARGS, chromiumExecutable } from './scripts/chromium.mjs';

/** Cross-origin isolation lets ONNX Runtime Web use threads (SharedArrayBuffer). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

const runtimeDependencies = ['@huggingface/transformers', '@mlc-ai/web-llm', 'idb'];

export default defineConfig({
  publicDir: false,
  server: { headers: ISOLATION_HEADERS },
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: true,
    lib: { entry: { index: 'src/index.ts', 'webllm-worker': 'src/worker/webllm-worker.ts' }, formats: ['es'] },
    rolldownOptions: {
      // `?url` imports stay for the app's bundler, so the ONNX Runtime wasm is served, never inlined.
      external: (id) => id.endsWith('?url') || runtimeDependencies.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    },
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    fileParallelism: false,
    browser: {
      enabled: true,
      headless: true,
      screenshotFailures: false,
      provider: playwright({
        launchOptions: { executablePath: chromiumExecutable(), args: CHROMIUM_ARGS },
      }),
      instances: [{ browser: 'chromium' }],
    },
  },
});
