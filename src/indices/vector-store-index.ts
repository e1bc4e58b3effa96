import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Embedding } from '../embeddings/embedding.js';
import type { NodeParser } from '../ingestion/node-parser.js';
import type { SentenceSplitter } from '../ingestion/sentence-splitter.js';
import { nodeParserFor } from '../ingestion/default-node-parser.js';
import type { ProgressCallback } from '../progress.js';
import type { MetadataFilters } from '../retrieval/metadata-filters.js';
import { VectorIndexRetriever } from '../retrieval/vector-index-retriever.js';
import { BM25Retriever } from '../retrieval/bm25-retriever.js';
import { QueryFusionRetriever, type FusionMode } from '../retrieval/query-fusion-retriever.js';
import type { BaseRetriever } from '../retrieval/retriever.js';
import { Document, documentHash } from '../schema/document.js';
import type { IndexedDBVectorStore, StoredDocument } from '../storage/indexeddb-vector-store.js';
import { throwIfAborted } from '../util/abort.js';
import type { EventCallback } from '../events.js';
import type { ChatMessage, LLM } from '../llms/types.js';
import type { BaseNodePostprocessor } from '../postprocessors/similarity-postprocessor.js';
import type { PromptTemplate } from '../prompts/prompt-template.js';
import { RetrieverQueryEngine } from '../engines/retriever-query-engine.js';
import { ContextChatEngine } from '../engines/chat/context-chat-engine.js';
import { CondensePlusContextChatEngine } from '../engines/chat/condense-plus-context-chat-engine.js';
import { CondenseQuestionChatEngine } from '../engines/chat/condense-question-chat-engine.js';
import { getResponseSynthesizer, type ResponseMode } from '../synthesizers/response-synthesizer.js';
import { readSnapshotSource, type SnapshotSource } from '../snapshot/read-source.js';
import { encodeSnapshot, type EncodeSnapshotOptions, type SnapshotChunker } from '../snapshot/snapshot-format.js';
import { loadSnapshot, snapshotData, storedSnapshot, type LoadSnapshotResult } from '../snapshot/store-snapshot.js';

export interface QueryEngineOptions<S extends boolean, M extends ResponseMode> {
  /** The LLM that writes the answer (no hidden global default). */
  llm: LLM;
  /** @default false */
  streaming?: S;
  /** @default 2 */
  similarityTopK?: number;
  /** Retrieval: "vector", "bm25" or "hybrid". @default "vector" */
  retrieverMode?: RetrieverOptions['mode'];
  /** Hybrid weight of the vector side. @default 0.5 */
  alpha?: number;
  /** @default "compact" */
  responseMode?: M;
  filters?: MetadataFilters;
  nodePostprocessors?: BaseNodePostprocessor[];
  textQaTemplate?: PromptTemplate;
  refineTemplate?: PromptTemplate;
  summaryTemplate?: PromptTemplate;
  onEvent?: EventCallback;
}

export interface RetrieverOptions {
  /** @default "vector" */
  mode?: 'vector' | 'bm25' | 'hybrid';
  /** @default 2 */
  similarityTopK?: number;
  filters?: MetadataFilters;
  /** Hybrid only: weight of the vector side, 1 − alpha for keywords. @default 0.5 */
  alpha?: number;
  /** Hybrid only. @default "relative_score" */
  fusionMode?: FusionMode;
}

export type ChatMode = 'condense_plus_context' | 'context' | 'condense_question';

export interface ChatEngineOptions<S extends boolean, C extends ChatMode> {
  llm: LLM;
  /** @default "condense_plus_context" */
  chatMode?: C;
  /** @default false */
  streaming?: S;
  /** @default 2 */
  similarityTopK?: number;
  filters?: MetadataFilters;
  chatHistory?: ChatMessage[];
  onEvent?: EventCallback;
}

type ChatEngineFor<S extends boolean, C extends ChatMode> = C extends 'context'
  ? ContextChatEngine<S>
  : C extends 'condense_question'
    ? CondenseQuestionChatEngine<S>
    : CondensePlusContextChatEngine<S>;

export interface IngestOptions {
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface FromSnapshotOptions extends IngestOptions {
  /** The index to load into; documents it holds that the snapshot does not have are kept. */
  vectorStore: IndexedDBVectorStore;
  /** Must be the model the snapshot was built with (it embeds the queries). */
  embedModel: Embedding;
  /**
   * Names this snapshot in the index: a later snapshot of the same name replaces it (documents it
   * dropped are removed), the same one again is a no-op.
   * @default the URL's path, or "default" for bytes and streams
   */
  name?: string;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

export interface VectorStoreIndexOptions extends IngestOptions {
  embedModel: Embedding;
  vectorStore: IndexedDBVectorStore;
  /**
   * The node parser that splits documents (one element, LlamaIndex-style).
   * @default [new SentenceSplitter()] sized to the embedding model: chunks of its max input minus
   * its special tokens (254 tokens for all-MiniLM-L6-v2), overlap an eighth of that
   */
  transformations?: NodeParser[];
  /**
   * Nodes embedded and written per transaction; each transaction holds whole documents only.
   * @default 256
   */
  nodesPerWrite?: number;
}

/**
 * A vector index over documents, persisted in IndexedDB: split, embed, store, retrieve.
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
  readonly vectorStore: IndexedDBVectorStore;
  private readonly parser: NodeParser | undefined;
  private readonly nodesPerWrite: number;
  /** What the last {@link fromSnapshot} did (undefined for indexes made otherwise). */
  lastSnapshotLoad: LoadSnapshotResult | undefined;

  protected constructor(options: Omit<VectorStoreIndexOptions, keyof IngestOptions>) {
    if (!options?.embedModel || typeof options.embedModel.getTextEmbeddings !== 'function') {
      throw new InvalidArgumentError(`Expected embedModel to be an Embedding (e.g. new TransformersEmbedding()), got ${describeValue(options?.embedModel)}.`);
    }
    if (!options.vectorStore || typeof options.vectorStore.addDocuments !== 'function') {
      throw new InvalidArgumentError(`Expected vectorStore to be an IndexedDBVectorStore (await IndexedDBVectorStore.open(name)), got ${describeValue(options.vectorStore)}.`);
    }
    const transformations = options.transformations;
    if (transformations !== undefined && (!Array.isArray(transformations) || transformations.length !== 1 || typeof transformations[0]?.getNodesFromDocuments !== 'function')) {
      throw new InvalidArgumentError(`Expected transformations to be [nodeParser] (e.g. [new SentenceSplitter({...})]), got ${describeValue(transformations)}.`);
    }
    this.embedModel = options.embedModel;
    this.vectorStore = options.vectorStore;
    this.parser = transformations?.[0];
    this.nodesPerWrite = options.nodesPerWrite ?? 256;
  }

  /** Splits, embeds and stores `documents`; documents already stored with the same content are skipped. */
  static async fromDocuments(documents: readonly Document[], options: VectorStoreIndexOptions): Promise<VectorStoreIndex> {
    const index = new VectorStoreIndex(options);
    await index.ingest(documents, options, { skipUnchanged: true });
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
    const name = options.name ?? (typeof source === 'string' || source instanceof URL ? new URL(String(source), globalThis.location?.href).pathname : 'default');
    const target = { vectorStore: index.vectorStore, embedModel: index.embedModel, name, signal, onProgress };
    // The header alone tells whether this snapshot is stored already: then the rest is not read.
    let stored: LoadSnapshotResult | undefined;
    const { bytes } = await readSnapshotSource(source, { signal, onProgress, fetch: options.fetch, peek: async (head) => Boolean((stored = await storedSnapshot(head, target))) });
    index.lastSnapshotLoad = stored ?? (await loadSnapshot(bytes, target));
    return index;
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
    const data = await snapshotData(this.vectorStore, this.embedModel);
    const splitter = this.parser as Partial<SentenceSplitter> | undefined;
    const chunker = options.chunker ?? (typeof splitter?.chunkSize === 'number' && typeof splitter.chunkOverlap === 'number' ? { chunkSize: splitter.chunkSize, chunkOverlap: splitter.chunkOverlap } : undefined);
    return encodeSnapshot({ ...data, ...(chunker && { chunker }) }, options);
  }

  /** Re-opens an index stored earlier (e.g. after a page reload). */
  static async fromVectorStore(vectorStore: IndexedDBVectorStore, options: { embedModel: Embedding; transformations?: NodeParser[] }): Promise<VectorStoreIndex> {
    const index = new VectorStoreIndex({ ...options, vectorStore });
    await index.embedModel.load();
    vectorStore.assertEmbedModel({ model: index.embedModel.modelId, dimensions: index.embedModel.dimensions });
    return index;
  }

  /** Adds (or replaces) one document. */
  async insert(document: Document, options: IngestOptions = {}): Promise<void> {
    await this.ingest([document], options, { skipUnchanged: false });
  }

  /** Removes a document and all its nodes. Resolves `false` when it was not stored. */
  async deleteRefDoc(refDocId: string): Promise<boolean> {
    if (typeof refDocId !== 'string') throw new InvalidArgumentError(`Expected refDocId to be a string, got ${describeValue(refDocId)}.`);
    return this.vectorStore.deleteRefDoc(refDocId);
  }

  /** Replaces a stored document by one with the same id (one transaction: never half-updated). */
  async updateRefDoc(document: Document, options: IngestOptions = {}): Promise<void> {
    await this.ingest([document], options, { skipUnchanged: false });
  }

  /**
   * Re-embeds only the documents whose text or metadata changed (or that are new), by content hash.
   * Returns, per document, whether it was refreshed.
   */
  async refreshRefDocs(documents: readonly Document[], options: IngestOptions = {}): Promise<boolean[]> {
    return this.ingest(documents, options, { skipUnchanged: true });
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
    const { mode = 'vector', similarityTopK, filters, alpha = 0.5, fusionMode = 'relative_score' } = options;
    const common = { vectorStore: this.vectorStore, ...(similarityTopK !== undefined && { similarityTopK }), ...(filters && { filters }) };
    switch (mode) {
      case 'vector':
        return new VectorIndexRetriever({ ...common, embedModel: this.embedModel });
      case 'bm25':
        return new BM25Retriever(common);
      case 'hybrid': {
        if (!(alpha >= 0 && alpha <= 1)) throw new InvalidArgumentError(`Expected alpha to be a number from 0 (keywords only) to 1 (vectors only), got ${describeValue(alpha)}.`);
        // Each side fetches a deeper list so fusion can promote what only one of them found.
        const depth = Math.max(10, 4 * (similarityTopK ?? 2));
        return new QueryFusionRetriever({
          retrievers: [
            new VectorIndexRetriever({ ...common, similarityTopK: depth, embedModel: this.embedModel }),
            new BM25Retriever({ ...common, similarityTopK: depth }),
          ],
          mode: fusionMode,
          retrieverWeights: [alpha, 1 - alpha],
          ...(similarityTopK !== undefined && { similarityTopK }),
        });
      }
      default:
        throw new InvalidArgumentError(`Unknown retriever mode ${describeValue(mode)}. Expected "vector", "bm25" or "hybrid".`);
    }
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
    const { similarityTopK, filters, retrieverMode, alpha, nodePostprocessors, onEvent, ...synthesizerOptions } = options ?? ({} as QueryEngineOptions<S, M>);
    const retriever = this.asRetriever({
      ...(retrieverMode && { mode: retrieverMode }),
      ...(alpha !== undefined && { alpha }),
      ...(similarityTopK !== undefined && { similarityTopK }),
      ...(filters && { filters }),
    });
    const responseSynthesizer = getResponseSynthesizer({ ...synthesizerOptions, ...(onEvent && { onEvent }) });
    return new RetrieverQueryEngine({ retriever, responseSynthesizer, ...(nodePostprocessors && { nodePostprocessors }), ...(onEvent && { onEvent }) });
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
    const { llm, chatMode = 'condense_plus_context', streaming, similarityTopK, filters, chatHistory, onEvent } = options ?? ({} as ChatEngineOptions<S, C>);
    const retriever = this.asRetriever({ ...(similarityTopK !== undefined && { similarityTopK }), ...(filters && { filters }) });
    const common = { llm, ...(streaming !== undefined && { streaming }), ...(chatHistory && { chatHistory }), ...(onEvent && { onEvent }) };
    switch (chatMode) {
      case 'context':
        return new ContextChatEngine({ retriever, ...common }) as ChatEngineFor<S, C>;
      case 'condense_plus_context':
        return new CondensePlusContextChatEngine({ retriever, ...common }) as ChatEngineFor<S, C>;
      case 'condense_question':
        return new CondenseQuestionChatEngine({
          llm,
          queryEngine: this.asQueryEngine({ llm, ...(streaming !== undefined && { streaming }), ...(similarityTopK !== undefined && { similarityTopK }), ...(filters && { filters }) }),
          ...(chatHistory && { chatHistory }),
        }) as unknown as ChatEngineFor<S, C>;
      default:
        throw new InvalidArgumentError(`Unknown chatMode ${describeValue(chatMode)}. Expected "condense_plus_context", "context" or "condense_question".`);
    }
  }

  private async ingest(documents: readonly Document[], options: IngestOptions, mode: { skipUnchanged: boolean }): Promise<boolean[]> {
    if (!Array.isArray(documents)) throw new InvalidArgumentError(`Expected an array of Documents, got ${describeValue(documents)}.`);
    documents.forEach((doc, i) => {
      if (!(doc instanceof Document) && (typeof doc !== 'object' || doc === null || typeof (doc as Document).text !== 'string')) {
        throw new InvalidArgumentError(`Expected documents[${i}] to be a Document with string text, got ${describeValue(doc)}.`);
      }
      if (typeof doc.text !== 'string') throw new InvalidArgumentError(`Expected documents[${i}].text to be a string, got ${describeValue(doc.text)}.`);
    });
    const { signal, onProgress } = options;
    throwIfAborted(signal);
    await this.embedModel.load({ ...(signal && { signal }), ...(onProgress && { onProgress }) });
    const embedInfo = { model: this.embedModel.modelId, dimensions: this.embedModel.dimensions };
    this.vectorStore.assertEmbedModel(embedInfo);
    const parser = nodeParserFor(this.embedModel, this.parser);

    // Later duplicates of an id win, as if inserted one after another.
    const unique = [...new Map(documents.map((d) => [d.id, d])).values()];
    const hashes = await Promise.all(unique.map((d) => documentHash(d)));
    const todo: { doc: Document; hash: string }[] = [];
    for (let i = 0; i < unique.length; i++) {
      const stored = mode.skipUnchanged ? await this.vectorStore.getRefDoc(unique[i]!.id) : undefined;
      if (!stored || stored.hash !== hashes[i]) todo.push({ doc: unique[i]!, hash: hashes[i]! });
    }

    const split: StoredDocument[] = [];
    for (const [i, { doc, hash }] of todo.entries()) {
      throwIfAborted(signal);
      split.push({ refDocId: doc.id, hash, metadata: doc.metadata, nodes: parser.getNodesFromDocuments([doc]), vectors: [] });
      onProgress?.({ phase: 'split', done: i + 1, total: todo.length });
    }
    const totalNodes = split.reduce((n, d) => n + d.nodes.length, 0);
    let embedded = 0;
    let stored = 0;
    for (let start = 0; start < split.length; ) {
      // Whole documents per transaction, about nodesPerWrite nodes each.
      let end = start;
      let nodes = 0;
      while (end < split.length && (end === start || nodes + split[end]!.nodes.length <= this.nodesPerWrite)) nodes += split[end++]!.nodes.length;
      const group = split.slice(start, end);
      throwIfAborted(signal);
      const texts = group.flatMap((d) => d.nodes.map((n) => n.text));
      const vectors = await this.embedModel.getTextEmbeddings(texts, {
        ...(signal && { signal }),
        ...(onProgress && { onProgress: (e) => onProgress({ phase: 'embed', done: embedded + e.done, total: totalNodes }) }),
      });
      embedded += texts.length;
      let at = 0;
      const batch = group.map((d) => ({ ...d, vectors: vectors.slice(at, (at += d.nodes.length)) }));
      throwIfAborted(signal);
      await this.vectorStore.addDocuments(batch, embedInfo, signal ? { signal } : {});
      stored += texts.length;
      onProgress?.({ phase: 'store', done: stored, total: totalNodes });
      start = end;
    }
    if (split.length > 1) await this.vectorStore.compact();
    const refreshed = new Set(todo.map((t) => t.doc.id));
    return documents.map((d) => refreshed.has(d.id));
  }
}
