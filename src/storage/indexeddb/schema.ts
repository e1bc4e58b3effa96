import type { DBSchema } from 'idb';
import type { Metadata } from '../../schema/node.js';
import type { NodeFormat } from '../../schema/metadata-mode.js';
import type { VectorCodes } from '../../search/vector-codes.js';
import type { RefDocInfo, SnapshotRecord } from '../vector-store.js';

/**
 * Bumped when the layout changes; `upgrade` migrates older databases in place.
 * 1: meta, segments (keywords in their JSON), nodes (pages per document), docs.
 * 2: node pages per write (`pages`, keyed [group, page]) so a write of many small documents is a
 *    few records instead of two per document; keyword rows as bytes; `snapshots`.
 * 3: segments hold the vectors' codes (int8, 1-bit, norms: what the search reads at open) and
 *    the float32 rows move to `vectors` pages of {@link vectorsPerPage}, read only for the rows
 *    a query re-ranks (or all of them, for a small index kept in memory).
 * 4: the docstore holds one record per write (`docGroups`, found by document id through its
 *    `byDoc` index) instead of one per document.
 */
export const SCHEMA_VERSION = 4;

export interface IndexConfig {
  schemaVersion: number;
  embedModel: string;
  dimensions: number;
  /** Absent in indexes written before pagerag embedded metadata (read as false). */
  embedsMetadata?: boolean;
  createdAt: number;
  /**
   * Rows stored, kept by every write and delete: opening sizes its memory for them at once (grown
   * as segments arrived, a million rows held 15% more WebAssembly memory than they need). Absent in
   * indexes written before; the next write records it.
   */
  rows?: number;
  /**
   * Counts the writes and deletes committed, so a tab can tell whether its memory (loaded or kept
   * at a known count) still holds every stored document: a write then finds the documents it
   * replaces there instead of asking IndexedDB for each id. Absent in indexes written before.
   */
  changes?: number;
  /**
   * Stored documents without nodes, which memory (rows only) cannot know. Absent in indexes
   * written before: their writes ask IndexedDB for each id.
   */
  emptyDocs?: number;
}

/**
 * Rows are stored in segments: many rows' codes with their ids beside them, so opening a large
 * index reads a few large records instead of one record per chunk.
 */
export interface SegmentRecord {
  id?: number;
  nodeIds: string[];
  refDocIds: string[];
  metadata: Metadata[];
  codes: VectorCodes;
  /** Per row: analyzed terms and their counts, for BM25 (same order as `nodeIds`). */
  keywords: { terms: string[]; freqs: number[] }[];
  /**
   * Per row, {@link LOCATION_FIELDS} numbers: the node page holding its text as [group, page]
   * (see {@link NodePage}), then the key of the {@link VectorPage} holding its float32 vector.
   */
  locations: Uint32Array;
}

export const LOCATION_FIELDS = 3;

/** How a segment is stored: the codes, the ids as one string, the metadata as one JSON string, the keyword rows and locations as bytes (see segment-codec.ts). */
export interface StoredSegment {
  id?: number;
  /** Schema 3. */
  int8?: Int8Array;
  scales?: Float32Array;
  bits?: Uint8Array;
  inverseNorms?: Float32Array;
  /** Schemas 1 and 2 held the float32 rows here; the upgrade to 3 moves them to `vectors`. */
  vectors?: Float32Array;
  /** Schema 4: the rows' node ids, then the segment's document ids, back to back. */
  ids?: string;
  /** Schema 4: the length of each string in `ids`. */
  idLengths?: Uint32Array;
  /** Schema 4: per row, its document (the index of its id among the document ids in `ids`). */
  docOfRow?: Uint32Array;
  /** JSON: [metadata table, per row its metadata's index]; before schema 4, [nodeIds, refDocIds, table, metadataIndex] (and keywords in schema 1). */
  rows: string;
  /** Absent in segments of schema 1 (their keywords are in `rows`); those are migrated on open. */
  keywords?: Uint8Array;
  /** Group 0 stands for the segment's own id (unknown until it is added). Schema 2 had two fields per row. */
  locations?: Uint32Array;
}

/**
 * Float32 rows are stored in pages of up to this many bytes of vectors, in the order they were
 * written: with their ids under 64 KiB, the size above which Chromium compresses a value and
 * keeps it in a file of its own (both slower to write and read back).
 */
export const VECTOR_PAGE_BYTES = 56 * 1024;

/** The rows of a vector page at `dims` dimensions (37 at 384, 18 at 768). */
export function vectorsPerPage(dims: number): number {
  return Math.max(1, Math.floor(VECTOR_PAGE_BYTES / (dims * 4)));
}

/**
 * A page of float32 vectors (auto-numbered): small, so re-ranking a query's shortlist reads about
 * 48 KB per row at 384 dimensions; not smaller, because each record costs a write its own time
 * (16 rows a page wrote 25% slower). Rows leave it when their document is removed.
 */
export interface VectorPage {
  id?: number;
  nodeIds: string[];
  vectors: Float32Array;
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

/**
 * The docstore entries of one write's documents (from schema 3: of one segment's), found by
 * document id through the `byDoc` index over `ids` (unique: a document is in one group).
 */
export interface DocGroup {
  group?: number;
  /** The documents' ids, in the order of `docs`: what the index covers. */
  ids: string[];
  docs: DocRecord[];
}

export interface PageragDBSchema extends DBSchema {
  meta: { key: string; value: IndexConfig };
  snapshots: { key: string; value: SnapshotRecord };
  segments: { key: number; value: StoredSegment };
  pages: { key: [number, number]; value: NodePage };
  vectors: { key: number; value: VectorPage };
  docGroups: { key: number; value: DocGroup; indexes: { byDoc: string } };
}
