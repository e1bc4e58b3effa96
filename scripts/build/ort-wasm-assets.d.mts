import type { Plugin } from 'vite';
export function ortWasmAssets(): Plugin;
