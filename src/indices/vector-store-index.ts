import { StaticVectorStore, type StaticVectorStoreOptions } from '../static/static-vector-store.js';
import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Embedding } from '../embeddings/embedding.js';
import { IngestionPipeline, type IngestionPipelineOptions, type IngestOptions } from '../ingestion/ingestion-pipeline.js';
import type { NodeParser } from '../ingestion/node-parser.js';
import type { MetadataFilters } from '../search/metadata-filters.js';
import type { VectorIndexRetriever } from '../retrieval/vector-index-retriever.js';
import type { BM25Retriever } from '../retrieval/bm25-retriever.js';
import type { QueryFusionRetriever } from '../retrieval/query-fusion-retriever.js';
import type { BaseRetriever } from '../retrieval/retriever.js';
import type { Document } from '../schema/document.js';
import type { VectorStore } from '../storage/vector-store.js';
import type { ResponseMode } from '../synthesizers/response-synthesizer.js';
import { readSnapshotSource, type SnapshotSource } from '../snapshot/read-source.js';
import { encodeSnapshot, type EncodeSnapshotOptions, type SnapshotChunker } from '../snapshot/snapshot-format.js';
import { loadSnapshot, snapshotDataOf, storedSnapshot, type LoadSnapshotResult } from '../snapshot/store-snapshot.js';
import { indexRetriever, type RetrieverOptions } from './index-retriever.js';
import { indexChatEngine, indexQueryEngine, type ChatEngineFor, type ChatEngineOptions, type ChatMode, type QueryEngineOptions } from './index-engines.js';

export type { IngestOptions } from '../ingestion/ingestion-pipeline.js';

export interface FromSnapshotOptions extends IngestOptions {
  /** The store to load into; documents it holds that the snapshot does not have are kept. */
  vectorStore: VectorStore;
  /** Must be the model the snapshot was built with (it embeds the queries). */
  embedModel: Embedding;
  /**
   * Names this snapshot in the store: a later snapshot of the same name replaces it (documents it
   * dropped are removed), the same one again is a no-op.
   * @default the URL's path, or "default" for bytes and streams
   */
  name?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

export interface VectorStoreIndexOptions extends IngestionPipelineOptions, IngestOptions {}

/**
 * A vector index over documents: split, embed, store (in any {@link VectorStore}), retrieve.
 *
 * @example
 * const index = await VectorStoreIndex.fromDocuments([new Document({ text })], {
 *   embedModel: new TransformersEmbedding(),
 *   vectorStore: await IndexedDBVectorStore.open('docs'),
 *   onProgress: ({ phase, done, total }) => console.log(phase, done, total),
 * });
 * const nodes = await index.asRetriever({ similarityTopK: 3 }).retrieve('question');
 */
export class VectorStoreIndex {
  readonly embedModel: Embedding;
  readonly vectorStore: VectorStore;
  private readonly pipeline: IngestionPipeline;
  /** What the last {@link fromSnapshot} did (undefined for indexes made otherwise). */
  lastSnapshotLoad: LoadSnapshotResult | undefined;

  protected constructor(options: Omit<VectorStoreIndexOptions, keyof IngestOptions>) {
    this.pipeline = new IngestionPipeline(options);
    this.embedModel = options.embedModel;
    this.vectorStore = options.vectorStore;
  }

  /** Splits, embeds and stores `documents`; documents already stored with the same content are skipped. */
  static async fromDocuments(documents: readonly Document[], options: VectorStoreIndexOptions): Promise<VectorStoreIndex> {
    const index = new VectorStoreIndex(options);
    await index.pipeline.run(documents, options);
    return index;
  }

  /**
   * Loads a prebuilt snapshot (from `pagerag build-index`, the `pagerag/vite` plugin or
   * {@link toSnapshot}) into `vectorStore`. The file is checked completely before anything is
   * written; loading the same snapshot again is a no-op; an embedding model other than the
   * snapshot's is refused. The model itself loads on the first query.
   *
   * @example
   * const index = await VectorStoreIndex.fromSnapshot('/docs.pagerag', {
   *   vectorStore: await IndexedDBVectorStore.open('docs'),
   *   embedModel: new TransformersEmbedding(),
   *   onProgress: ({ phase, done, total }) => console.log(phase, done, total),
   * });
   */
  static async fromSnapshot(source: SnapshotSource, options: FromSnapshotOptions): Promise<VectorStoreIndex> {
    const index = new VectorStoreIndex(options);
    const { signal, onProgress } = options;
    const name = options.name ?? (typeof source === 'string' || source instanceof URL ? snapshotUrl(source).pathname : 'default');
    const target = { vectorStore: index.vectorStore, embedModel: index.embedModel, name, signal, onProgress };
    // The header alone tells whether this snapshot is stored already: then the rest is not read.
    let stored: LoadSnapshotResult | undefined;
    const { bytes } = await readSnapshotSource(source, { signal, onProgress, fetch: options.fetch, peek: async (head) => Boolean((stored = await storedSnapshot(head, target))) });
    index.lastSnapshotLoad = stored ?? (await loadSnapshot(bytes, target));
    return index;
  }

  /**
   * An index over a partitioned static index (`pagerag build-index <folder> --out <dir>
   * --partitioned`) at `url` (its manifest.json): read-only, vector queries, each fetching only
   * the partitions nearest to it. Its store is a {@link StaticVectorStore} (`prefetch()` for
   * offline use).
   *
   * @example
   * const index = await VectorStoreIndex.fromStaticIndex('/docs-index/manifest.json', { embedModel: new TransformersEmbedding() });
   * const response = await index.asQueryEngine({ llm, streaming: true, similarityTopK: 3 }).query('How do I install it?');
   */
  static async fromStaticIndex(url: string | URL, options: StaticVectorStoreOptions & { embedModel: Embedding }): Promise<VectorStoreIndex> {
    const { embedModel, ...storeOptions } = options;
    return VectorStoreIndex.fromVectorStore(await StaticVectorStore.open(url, storeOptions), { embedModel });
  }

  /**
   * Exports the whole index as a snapshot file (documents in id order), e.g. to publish an index
   * built in the browser.
   *
   * @example
   * const bytes = await index.toSnapshot();
   * const url = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
   */
  async toSnapshot(options: EncodeSnapshotOptions & { chunker?: SnapshotChunker } = {}): Promise<Uint8Array> {
    const parser = this.pipeline.nodeParser;
    const chunker = options.chunker ?? (typeof parser?.chunkSize === 'number' && typeof parser.chunkOverlap === 'number' ? { chunkSize: parser.chunkSize, chunkOverlap: parser.chunkOverlap } : undefined);
    return encodeSnapshot(snapshotDataOf(await this.vectorStore.exportContents(), this.embedModel, chunker), options);
  }

  /** Re-opens an index stored earlier (e.g. after a page reload). */
  static async fromVectorStore(vectorStore: VectorStore, options: { embedModel: Embedding; transformations?: NodeParser[]; embedMetadata?: boolean }): Promise<VectorStoreIndex> {
    const index = new VectorStoreIndex({ ...options, vectorStore });
    await index.embedModel.load();
    vectorStore.assertEmbedModel({ model: index.embedModel.modelId, dimensions: index.embedModel.dimensions, embedsMetadata: index.pipeline.embedMetadata });
    return index;
  }

  /** Adds (or replaces) one document. */
  async insert(document: Document, options: IngestOptions = {}): Promise<void> {
    await this.pipeline.run([document], { ...options, skipUnchanged: false });
  }

  /** Removes a document and all its nodes. Resolves `false` when it was not stored. */
  async deleteRefDoc(refDocId: string): Promise<boolean> {
    if (typeof refDocId !== 'string') throw new InvalidArgumentError(`Expected refDocId to be a string, got ${describeValue(refDocId)}.`);
    return this.vectorStore.delete(refDocId);
  }

  /** Replaces a stored document by one with the same id (one transaction: never half-updated). */
  async updateRefDoc(document: Document, options: IngestOptions = {}): Promise<void> {
    await this.pipeline.run([document], { ...options, skipUnchanged: false });
  }

  /**
   * Re-embeds only the documents whose text or metadata changed (or that are new), by content hash.
   * Returns, per document, whether it was refreshed.
   */
  async refreshRefDocs(documents: readonly Document[], options: IngestOptions = {}): Promise<boolean[]> {
    return this.pipeline.run(documents, options);
  }

  /**
   * A retriever over this index: `vector` (cosine), `bm25` (keywords) or `hybrid` (both, fused).
   *
   * @example
   * const retriever = index.asRetriever({ similarityTopK: 5, filters: { filters: [{ key: 'lang', value: 'en' }] } });
   * const hybrid = index.asRetriever({ mode: 'hybrid', alpha: 0.5, similarityTopK: 5 });
   */
  asRetriever(options?: { mode?: 'vector'; similarityTopK?: number; filters?: MetadataFilters }): VectorIndexRetriever;
  asRetriever(options: RetrieverOptions & { mode: 'bm25' }): BM25Retriever;
  asRetriever(options: RetrieverOptions & { mode: 'hybrid' }): QueryFusionRetriever;
  asRetriever(options?: RetrieverOptions): BaseRetriever;
  asRetriever(options: RetrieverOptions = {}): BaseRetriever {
    return indexRetriever(this.vectorStore, this.embedModel, options);
  }

  /**
   * LlamaIndex's high-level entry point.
   *
   * @example
   * const queryEngine = index.asQueryEngine({ llm, streaming: true, similarityTopK: 1 });
   * const response = await queryEngine.query('What did the author do growing up?');
   * for await (const delta of response.responseGen) console.log(delta);
   */
  asQueryEngine<S extends boolean = false, M extends ResponseMode = 'compact'>(options: QueryEngineOptions<S, M>) {
    return indexQueryEngine((o) => this.asRetriever(o), options);
  }

  /**
   * A chat engine that keeps the conversation.
   *
   * @example
   * const chat = index.asChatEngine({ llm, chatMode: 'condense_plus_context', streaming: true });
   * const first = await chat.chat('What is pagerag?');
   * await first.printResponseStream(outputElement);
   */
  asChatEngine<S extends boolean = false, C extends ChatMode = 'condense_plus_context'>(options: ChatEngineOptions<S, C>): ChatEngineFor<S, C> {
    return indexChatEngine((o) => this.asRetriever(o), options);
  }
}

/** A snapshot URL, relative ones resolved against the page; a malformed one is an {@link InvalidArgumentError}. */
function snapshotUrl(source: string | URL): URL {
  try {
    return new URL(String(source), globalThis.location?.href);
  } catch (error) {
    throw new InvalidArgumentError(`Expected a snapshot URL such as "/docs.pagerag" or "https://example.com/docs.pagerag", got ${describeValue(String(source))}.`, { cause: error });
  }
}
