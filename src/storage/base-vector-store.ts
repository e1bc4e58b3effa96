import { EmbeddingModelMismatchError } from '../errors.js';
import type { NodeWithScore, TextNode } from '../schema/node.js';
import { checkStoreQuery, checkVector } from '../search/query-checks.js';
import { SearchIndex, type ReadVectors, type SearchRow } from '../search/search-index.js';
import type { BM25Params } from '../search/bm25-index.js';
import type { AddOptions, EmbedModelInfo, RefDocInfo, SnapshotRecord, StoreContents, StoredDocument, VectorStore, VectorStoreCapabilities, VectorStoreQuery } from './vector-store.js';

/**
 * What every store shares: the in-memory {@link SearchIndex} over its rows, the embedding-model
 * check and the query path (checks, search, then the store's own node lookup).
 */
export abstract class BaseVectorStore<R extends SearchRow> implements VectorStore {
  abstract readonly name: string;
  abstract readonly capabilities: VectorStoreCapabilities;
  protected index: SearchIndex<R> | undefined;
  protected model: EmbedModelInfo | undefined;

  protected constructor(protected readonly bm25: BM25Params = {}) {}

  get embedModel(): EmbedModelInfo | undefined {
    return this.model && { model: this.model.model, dimensions: this.model.dimensions, embedsMetadata: this.model.embedsMetadata ?? false };
  }

  get count(): number {
    return this.index?.size ?? 0;
  }

  assertEmbedModel(given: EmbedModelInfo): void {
    const stored = this.model;
    if (stored && (stored.model !== given.model || stored.dimensions !== given.dimensions || differentMetadata(stored, given))) {
      throw new EmbeddingModelMismatchError(stored, given);
    }
  }

  async query(query: VectorStoreQuery): Promise<NodeWithScore[]> {
    const mode = checkStoreQuery(query);
    await this.beforeRead();
    const index = this.index;
    if (!index || index.size === 0) return [];
    const hits = await index.search({
      mode,
      similarityTopK: query.similarityTopK,
      filters: query.filters,
      exact: query.exact,
      alpha: query.alpha,
      ...(mode !== 'keyword' && { queryEmbedding: checkVector(query.queryEmbedding!, index.dimensions, 'the query embedding') }),
      ...(mode !== 'vector' && { queryStr: query.queryStr! }),
    });
    const nodes = await this.nodesOf(hits.map((h) => h.row));
    return hits.flatMap((hit, i) => (nodes[i] ? [{ node: nodes[i]!, score: hit.score }] : []));
  }

  /**
   * The search index for vectors of `dimensions`, made on the first write. `readVectors`: keep
   * only the vectors' codes in memory and read float32 rows with it (see SearchIndexOptions).
   */
  protected async searchIndex(dimensions: number, capacity = 1024, readVectors?: ReadVectors<R>): Promise<SearchIndex<R>> {
    if (!this.index) {
      const index = await SearchIndex.create<R>(dimensions, capacity, { bm25: this.bm25, readVectors });
      // Another write may have made one while this one was being made.
      this.index ??= index;
    }
    return this.index;
  }

  /** Memory and storage agree on the number of rows; the problems found otherwise. */
  protected memoryProblems(storedRows: number): string[] {
    const problems: string[] = [];
    const index = this.index;
    if (index && index.size !== storedRows) problems.push(`memory holds ${index.size} vectors, storage ${storedRows}`);
    if ((index?.keywordSize ?? 0) !== storedRows) problems.push(`the keyword index holds ${index?.keywordSize ?? 0} rows, storage ${storedRows}`);
    return problems;
  }

  /** Runs before every read (a store that other tabs write reloads here). */
  protected async beforeRead(): Promise<void> {}

  /** The nodes of search hits, in the same order (undefined where gone). */
  protected abstract nodesOf(rows: readonly R[]): Promise<(TextNode | undefined)[]>;

  abstract add(documents: readonly StoredDocument[], embedModel: EmbedModelInfo, options?: AddOptions): Promise<void>;
  abstract delete(refDocId: string): Promise<boolean>;
  abstract getRefDocs(refDocIds: readonly string[]): Promise<(RefDocInfo | undefined)[]>;
  abstract listRefDocs(): Promise<RefDocInfo[]>;
  abstract getNodesOfRefDoc(refDocId: string): Promise<TextNode[]>;
  abstract exportContents(): Promise<StoreContents>;
  abstract getSnapshotRecord(name: string): Promise<SnapshotRecord | undefined>;
  abstract putSnapshotRecord(record: SnapshotRecord): Promise<void>;
  abstract verify(): Promise<string[]>;
  abstract compact(): Promise<void>;
  abstract clear(): Promise<void>;
  abstract close(): void;
}

/** Only where the caller says how it embeds (a query embeds bare text either way). */
export function differentMetadata(stored: EmbedModelInfo, given: EmbedModelInfo): boolean {
  return given.embedsMetadata !== undefined && (stored.embedsMetadata ?? false) !== given.embedsMetadata;
}
