// One place that knows how to start Debian's Chromium headless on these machines: used by the
// Vitest browser tests, the demo's Playwright tests and the benchmark.
import { existsSync } from 'node:fs';

/** Flags that work headless as root with no network; `--enable-unsafe-webgpu` gives a SwiftShader WebGPU adapter. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu-sandbox',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--enable-unsafe-webgpu',
];

/** `CHROMIUM_PATH` if set, else Debian's binary, else its wrapper script. */
export function chromiumExecutable() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium'].filter(Boolean);
  const found = candidates.find((path) => existsSync(path));
  if (!found) {
    throw new Error(
      `No Chromium found (looked at ${candidates.join(', ')}). Install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`,
    );
  }
  return found;
}
