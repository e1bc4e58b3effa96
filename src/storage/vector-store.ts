import type { Metadata, NodeWithScore, TextNode } from '../schema/node.js';
import type { KeywordTerms } from '../search/keyword-codec.js';
import type { MetadataFilters } from '../search/metadata-filters.js';
import type { SearchMode } from '../search/search-index.js';

/** One source document as written: its nodes and their vectors, in the same order. */
export interface StoredDocument {
  refDocId: string;
  /** Content hash of the source document (see `documentHash`): unchanged documents are skipped by it. */
  hash: string;
  metadata?: Metadata;
  nodes: readonly TextNode[];
  vectors: readonly Float32Array[];
  /** Analyzed terms per node (from a snapshot, made by the same analyzer); analyzed by the store when absent. */
  keywords?: readonly KeywordTerms[];
}

/** The embedding model a store's vectors were made with. */
export interface EmbedModelInfo {
  model: string;
  dimensions: number;
  /**
   * Whether the vectors were made from each node's content with its metadata
   * (`getContent(MetadataMode.EMBED)`, LlamaIndex's way) rather than its bare text. Absent in
   * indexes written before pagerag embedded metadata: read as false.
   */
  embedsMetadata?: boolean;
}

/** The docstore entry of one document. */
export interface RefDocInfo {
  id: string;
  /** Content hash (text + metadata) used to skip unchanged documents. */
  hash: string;
  nodeIds: string[];
  metadata: Metadata;
}

/**
 * A query on a store, LlamaIndex's `VectorStoreQuery` with a `mode`: "vector" needs
 * `queryEmbedding`, "keyword" needs `queryStr`, "hybrid" needs both.
 */
export interface VectorStoreQuery {
  /** @default "vector" */
  mode?: SearchMode;
  queryEmbedding?: Float32Array | readonly number[];
  queryStr?: string;
  similarityTopK: number;
  filters?: MetadataFilters;
  /**
   * Vector side: scan float32 only. Otherwise indexes of 2,048 rows or more are searched in stages
   * (1-bit and int8 SIMD shortlists, float32 re-rank), which returns the same top-k in all but rare
   * near-ties.
   * @default false
   */
  exact?: boolean;
  /** Hybrid: weight of the vector side, 1 − alpha for keywords. @default 0.5 */
  alpha?: number;
  /** Cancels the query where it waits (a static index fetching its partitions). */
  signal?: AbortSignal;
}

/** A snapshot loaded into a store (see `VectorStoreIndex.fromSnapshot`), keyed by `name`. */
export interface SnapshotRecord {
  /** Where the snapshot came from (its URL, or a name the app gave); a newer one replaces it. */
  name: string;
  /** SHA-256 of the snapshot's body: the same hash again means nothing to load. */
  contentHash: string;
  /** The documents it brought, so a newer snapshot can remove the ones it dropped. */
  refDocIds: string[];
  loadedAt: number;
}

/** Everything a store holds, documents in id order, nodes in their order (for exporting a snapshot). */
export interface StoreContents {
  embedModel: EmbedModelInfo;
  documents: { id: string; hash: string; metadata: Metadata; nodes: TextNode[] }[];
  /** Every node's vector, in document then node order. */
  vectors: Float32Array;
  /** Every node's analyzed terms, same order. */
  keywords: KeywordTerms[];
}

/** What a store can do, for callers that take any store. */
export interface VectorStoreCapabilities {
  /** Survives a page reload. */
  persistent: boolean;
  /** Answers `mode: "keyword"` and `"hybrid"` queries. */
  keyword: boolean;
}

export interface AddOptions {
  signal?: AbortSignal;
  /**
   * The documents' keyword rows already encoded (from a snapshot), one per node in write order,
   * stored as they are and decoded when the keyword index is built (not analyzed again). They are
   * then the rows' only keywords: a document that also carries `keywords` is refused.
   */
  keywordBytes?: Uint8Array;
  /**
   * Recorded with these documents, atomically: the last write of a snapshot load, so the record
   * (which makes loading that snapshot again a no-op) is never stored without its last documents.
   */
  snapshotRecord?: SnapshotRecord;
}

/**
 * The store contract, in the spirit of LlamaIndex's `BaseVectorStore`: documents go in whole
 * (nodes, vectors and keyword rows together), come out by vector, keyword or hybrid query, and are
 * deleted by document id. {@link IndexedDBVectorStore} persists; {@link MemoryVectorStore} does not.
 * Every implementation passes the same contract tests (`test/storage/vector-store-contract.test.ts`).
 */
export interface VectorStore {
  /** Identifies the store in messages. */
  readonly name: string;
  readonly capabilities: VectorStoreCapabilities;
  /** The embedding model the stored vectors were made with (undefined while empty). */
  readonly embedModel: EmbedModelInfo | undefined;
  /** Number of stored nodes (vectors). */
  readonly count: number;
  /** Throws `EmbeddingModelMismatchError` when `given` is not the model the store was built with. */
  assertEmbedModel(given: EmbedModelInfo): void;
  /**
   * Writes documents atomically, replacing any stored document with the same `refDocId`; resolves
   * once durable. Each `refDocId` may appear once per call.
   */
  add(documents: readonly StoredDocument[], embedModel: EmbedModelInfo, options?: AddOptions): Promise<void>;
  /** Deletes a document's nodes, vectors and docstore entry. Resolves `false` if it was not stored. */
  delete(refDocId: string): Promise<boolean>;
  /** Nearest nodes, highest score first (cosine for "vector", BM25 for "keyword", fused for "hybrid"). */
  query(query: VectorStoreQuery): Promise<NodeWithScore[]>;
  /** Docstore entries of `refDocIds`, in the same order (undefined where not stored): one read for many. */
  getRefDocs(refDocIds: readonly string[]): Promise<(RefDocInfo | undefined)[]>;
  /** Every docstore entry. */
  listRefDocs(): Promise<RefDocInfo[]>;
  /** Every stored node of one document, in order. */
  getNodesOfRefDoc(refDocId: string): Promise<TextNode[]>;
  /** Everything stored, for exporting a snapshot. Throws when empty. */
  exportContents(): Promise<StoreContents>;
  getSnapshotRecord(name: string): Promise<SnapshotRecord | undefined>;
  /** Records that snapshot `record.name` is fully stored (written after its last document). */
  putSnapshotRecord(record: SnapshotRecord): Promise<void>;
  /** Checks that nodes, vectors, keyword rows and the docstore agree; returns the problems found. */
  verify(): Promise<string[]>;
  /** Merges storage written in many small batches; a no-op where there is nothing to merge. */
  compact(): Promise<void>;
  /** Deletes every document, snapshot record and the recorded embedding model. */
  clear(): Promise<void>;
  /** Releases the store; it cannot be used afterwards. */
  close(): void;
}
