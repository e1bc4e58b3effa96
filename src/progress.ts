/**
 * Progress of long work, for progress bars: `done` of `total` units in the current phase.
 * `load-model` counts bytes of model files, `split` documents, `embed` and `store` nodes.
 */
export interface ProgressEvent {
  phase: 'load-model' | 'split' | 'embed' | 'store';
  done: number;
  total: number;
  /** Free text, e.g. the file being downloaded. */
  text?: string;
}

export type ProgressCallback = (event: ProgressEvent) => void;
