import { defineConfig } from 'vitest/config';
import { playwright } from '@vitest/browser-playwright';
import { CHROMIUM_ARGS, chromiumExecutable } from './scripts/chromium.mjs';
// Cross-origin isolation lets ONNX Runtime Web use threads (SharedArrayBuffer).
import { ISOLATION_HEADERS } from './scripts/static-server.mjs';
import { ortWasmAssets } from './scripts/build/ort-wasm-assets.mjs';

const runtimeDependencies = ['@huggingface/transformers', '@mlc-ai/web-llm', 'idb', 'onnxruntime-web', '@langchain/core', 'pdfjs-dist', 'mammoth'];

export default defineConfig({
  publicDir: false,
  plugins: [ortWasmAssets()],
  // The shared eval data beside the repo is read by the SciFact test through /@fs/.
  server: { headers: ISOLATION_HEADERS, fs: { allow: ['.', '../shared'] } },
  build: {
    outDir: 'dist',
    target: 'es2022',
    sourcemap: true,
    lib: {
      entry: { index: 'src/index.ts', client: 'src/client.ts', webllm: 'src/webllm.ts', pdf: 'src/pdf.ts', docx: 'src/docx.ts', langchain: 'src/langchain.ts', 'webllm-worker': 'src/worker/webllm-worker.ts', cli: 'src/node/cli.ts', vite: 'src/node/vite-plugin.ts' },
      formats: ['es'],
    },
    rolldownOptions: {
      // `?url` imports stay for the app's bundler, so the ONNX Runtime wasm is served, never inlined.
      // The CLI and the Vite plugin run in Node: its modules and Vite stay imports too.
      external: (id) => id.endsWith('?url') || id.startsWith('node:') || id === 'vite' || runtimeDependencies.some((dep) => id === dep || id.startsWith(`${dep}/`)),
    },
  },
  test: {
    globalSetup: ['test/support/global-setup.ts'],
    reporters: ['default', './test/support/summary-reporter.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    projects: [
      {
        extends: true,
        test: {
          name: 'browser',
          include: ['test/**/*.test.ts'],
          exclude: ['test/e2e/**', 'test/node/**'],
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
      },
      {
        // Playwright driving the built demo, and Node-side tools: run in Node.
        extends: true,
        // npm test runs this project after the browser one (scripts/test.mjs).
        test: {
          name: 'node',
          include: ['test/e2e/**/*.test.ts', 'test/node/**/*.test.ts'],
          environment: 'node',
        },
      },
    ],
  },
});
