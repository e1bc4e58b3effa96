import type { Plugin } from 'vite';
export function ortWasmAssets(options?: { directory?: string; emit?: boolean }): Plugin;
