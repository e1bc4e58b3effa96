/**
 * Progress of long work, for progress bars: `done` of `total` units in the current phase.
 * `load-model` and `download` count bytes (`total` is 0 while unknown), `split` documents,
 * `embed` and `store` nodes, `rerank` (query, node) pairs. (Not named ProgressEvent: that is the DOM's.)
 */
export interface ProgressUpdate {
  phase: 'load-model' | 'download' | 'split' | 'embed' | 'store' | 'rerank';
  done: number;
  total: number;
  /** Free text, e.g. the file being downloaded. */
  text?: string;
}

/** @deprecated Renamed {@link ProgressUpdate}: this name shadowed the DOM's `ProgressEvent`. */
export type ProgressEvent = ProgressUpdate;

export type ProgressCallback = (event: ProgressUpdate) => void;
