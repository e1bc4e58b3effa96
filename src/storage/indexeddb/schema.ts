import type { DBSchema } from 'idb';
import type { Metadata } from '../../schema/node.js';
import type { NodeFormat } from '../../schema/metadata-mode.js';
import type { RefDocInfo, SnapshotRecord } from '../vector-store.js';

/**
 * Bumped when the layout changes; `upgrade` migrates older databases in place.
 * 1: meta, segments (keywords in their JSON), nodes (pages per document), docs.
 * 2: node pages per write (`pages`, keyed [group, page]) so a write of many small documents is a
 *    few records instead of two per document; keyword rows as bytes; `snapshots`.
 */
export const SCHEMA_VERSION = 2;

export interface IndexConfig {
  schemaVersion: number;
  embedModel: string;
  dimensions: number;
  /** Absent in indexes written before pagerag embedded metadata (read as false). */
  embedsMetadata?: boolean;
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
  /** Per row, two numbers: the node page holding its text, as [group, page] (see {@link NodePage}). */
  locations: Uint32Array;
}

/** How a segment is stored: the vectors, the row data as one JSON string, the keyword rows and locations as bytes (see segment-codec.ts). */
export interface StoredSegment {
  id?: number;
  vectors: Float32Array;
  rows: string;
  /** Absent in segments of schema 1 (their keywords are in `rows`); those are migrated on open. */
  keywords?: Uint8Array;
  /** Group 0 stands for the segment's own id (unknown until it is added). */
  locations?: Uint32Array;
}

/** Node texts are stored in pages of up to NODES_PER_PAGE, in the order they were written. */
export const NODES_PER_PAGE = 128;

/**
 * A page of node texts, keyed [group, page]. A group is the nodes of one write (named by the id
 * its segment got); pages hold nodes of several documents, and keep their key when segments merge.
 */
export interface NodePage {
  group: number;
  page: number;
  nodes: NodeRecord[];
}

export interface NodeRecord {
  id: string;
  text: string;
  refDocId: string;
  metadata: Metadata;
  startCharIdx?: number;
  endCharIdx?: number;
  /** Only when it differs from LlamaIndex's defaults. */
  format?: NodeFormat;
}

/** The docstore: what was stored for each source document. */
export interface DocRecord extends RefDocInfo {
  /** The segment holding this document's vectors (all of them: a document is never split across segments). */
  segment: number;
}

export interface PageragDBSchema extends DBSchema {
  meta: { key: string; value: IndexConfig };
  snapshots: { key: string; value: SnapshotRecord };
  segments: { key: number; value: StoredSegment };
  pages: { key: [number, number]; value: NodePage };
  docs: { key: string; value: DocRecord };
}
