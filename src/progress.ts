/**
 * Progress of long work, for progress bars: `done` of `total` units in the current phase.
 * `load-model` and `download` count bytes (`total` is 0 while unknown), `split` documents,
 * `embed` and `store` nodes.
 */
export interface ProgressEvent {
  phase: 'load-model' | 'download' | 'split' | 'embed' | 'store';
  done: number;
  total: number;
  /** Free text, e.g. the file being downloaded. */
  text?: string;
}

export type ProgressCallback = (event: ProgressEvent) => void;
