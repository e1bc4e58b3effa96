import type { ProgressCallback } from '../progress.js';
import { onRuntimeDownload } from './model-requests.js';

interface TransformersProgress {
  status: string;
  file?: string;
  loaded?: number;
  total?: number;
}

/**
 * Turns transformers.js's per-file `progress_callback` into one `load-model` byte count across
 * all files, so a page draws a single bar.
 */
export function modelLoadProgress(onProgress: ProgressCallback | undefined, model: string): (info: unknown) => void {
  const files = new Map<string, { loaded: number; total: number }>();
  return (raw) => {
    if (!onProgress) return;
    const info = raw as TransformersProgress;
    if (info.status === 'progress_total') return;
    if (info.file && typeof info.loaded === 'number' && typeof info.total === 'number') {
      files.set(info.file, { loaded: info.loaded, total: info.total });
    } else if (info.file && info.status === 'done') {
      const entry = files.get(info.file);
      if (entry) entry.loaded = entry.total;
    } else if (info.status !== 'ready') {
      return;
    }
    let done = 0;
    let total = 0;
    for (const entry of files.values()) {
      done += entry.loaded;
      total += entry.total;
    }
    if (info.status === 'ready') done = total;
    onProgress({ phase: 'load-model', done, total, text: info.file ? `${model}: ${info.file}` : model });
  };
}

/**
 * Runs `load` with ONNX Runtime's wasm download counted as one more file of `progress`: it is the
 * biggest file of a first visit, and the bar would otherwise sit at 100% while it arrives.
 */
export async function countingRuntimeDownload<T>(progress: (info: unknown) => void, load: () => Promise<T>): Promise<T> {
  const stop = onRuntimeDownload((file, loaded, total) => progress({ status: 'progress', file, loaded, total }));
  try {
    return await load();
  } finally {
    stop();
  }
}
