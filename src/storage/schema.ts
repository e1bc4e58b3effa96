import type { DBSchema } from 'idb';
import type { Metadata } from '../schema/node.js';

/** Bumped when the layout changes; `upgrade` migrates older databases in place. */
export const SCHEMA_VERSION = 1;

export interface IndexConfig {
  schemaVersion: number;
  embedModel: string;
  dimensions: number;
  createdAt: number;
}

/**
 * Vectors are stored in segments: many rows of one Float32Array with their ids beside them, so
 * opening a large index reads a few large records instead of one record per chunk.
 */
export interface SegmentRecord {
  id?: number;
  nodeIds: string[];
  refDocIds: string[];
  metadata: Metadata[];
  vectors: Float32Array;
  /** Per row: analyzed terms and their counts, for BM25 (same order as `nodeIds`). */
  keywords: { terms: string[]; freqs: number[] }[];
}

export interface NodeRecord {
  id: string;
  text: string;
  refDocId: string;
  metadata: Metadata;
  startCharIdx?: number;
  endCharIdx?: number;
}

/** The docstore: what was stored for each source document. */
export interface DocRecord {
  id: string;
  /** Content hash (text + metadata) used by `refreshRefDocs`. */
  hash: string;
  nodeIds: string[];
  /** The segment holding this document's vectors (all of them: a document is never split across segments). */
  segment: number;
  metadata: Metadata;
}

export interface PageragDBSchema extends DBSchema {
  meta: { key: string; value: IndexConfig };
  segments: { key: number; value: SegmentRecord };
  nodes: { key: string; value: NodeRecord; indexes: { refDocId: string } };
  docs: { key: string; value: DocRecord };
}
