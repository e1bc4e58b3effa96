import { InvalidArgumentError, describeValue } from '../errors.js';
import type { Embedding } from '../embeddings/embedding.js';
import type { ProgressCallback } from '../progress.js';
import { Document, documentHash } from '../schema/document.js';
import { MetadataMode } from '../schema/metadata-mode.js';
import type { StoredDocument, VectorStore } from '../storage/vector-store.js';
import { nodeParserFor } from './default-node-parser.js';
import { wholeDocumentBatches } from './document-batches.js';
import type { NodeParser } from './node-parser.js';

export interface IngestionPipelineOptions {
  embedModel: Embedding;
  vectorStore: VectorStore;
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
  /**
   * Embed each node's metadata with its text (`getContent(MetadataMode.EMBED)`, LlamaIndex's way:
   * a chunk then says which page it came from), or the bare text. A store holds one or the other;
   * another setting than the store's is refused.
   * @default the store's setting; true for a new store
   */
  embedMetadata?: boolean;
}

export interface IngestOptions {
  signal?: AbortSignal;
  onProgress?: ProgressCallback;
}

export interface RunOptions extends IngestOptions {
  /** Skip documents stored with the same content hash. @default true */
  skipUnchanged?: boolean;
}

/**
 * LlamaIndex's `IngestionPipeline`: documents → split → embed → store, in whole-document writes,
 * skipping documents whose content hash is stored already. Used by `VectorStoreIndex`, the
 * `pagerag build-index` CLI and the Vite plugin alike.
 *
 * @example
 * const pipeline = new IngestionPipeline({ embedModel, vectorStore: new MemoryVectorStore() });
 * const refreshed = await pipeline.run(documents, { onProgress: (e) => console.log(e.phase, e.done, e.total) });
 */
export class IngestionPipeline {
  readonly embedModel: Embedding;
  readonly vectorStore: VectorStore;
  /** The node parser given, if any (else one sized to the model is made once it has loaded). */
  readonly nodeParser: NodeParser | undefined;
  readonly nodesPerWrite: number;
  private readonly embedMetadataOption: boolean | undefined;

  constructor(options: IngestionPipelineOptions) {
    if (!options?.embedModel || typeof options.embedModel.getTextEmbeddings !== 'function') {
      throw new InvalidArgumentError(`Expected embedModel to be an Embedding (e.g. new TransformersEmbedding()), got ${describeValue(options?.embedModel)}.`);
    }
    if (!options.vectorStore || typeof options.vectorStore.add !== 'function' || typeof options.vectorStore.query !== 'function') {
      throw new InvalidArgumentError(`Expected vectorStore to be a VectorStore (await IndexedDBVectorStore.open(name), or new MemoryVectorStore()), got ${describeValue(options.vectorStore)}.`);
    }
    const transformations = options.transformations;
    if (transformations !== undefined && (!Array.isArray(transformations) || transformations.length !== 1 || typeof transformations[0]?.getNodesFromDocuments !== 'function')) {
      throw new InvalidArgumentError(`Expected transformations to be [nodeParser] (e.g. [new SentenceSplitter({...})]), got ${describeValue(transformations)}.`);
    }
    const nodesPerWrite = options.nodesPerWrite ?? 256;
    if (!Number.isInteger(nodesPerWrite) || nodesPerWrite < 1) throw new InvalidArgumentError(`Expected nodesPerWrite to be a positive integer, got ${describeValue(nodesPerWrite)}.`);
    this.embedModel = options.embedModel;
    this.vectorStore = options.vectorStore;
    this.nodeParser = transformations?.[0];
    this.nodesPerWrite = nodesPerWrite;
    if (options.embedMetadata !== undefined && typeof options.embedMetadata !== 'boolean') throw new InvalidArgumentError(`Expected embedMetadata to be true or false, got ${describeValue(options.embedMetadata)}.`);
    this.embedMetadataOption = options.embedMetadata;
  }

  /** Whether nodes are embedded with their metadata: as asked, else as the store already does, else true. */
  get embedMetadata(): boolean {
    return this.embedMetadataOption ?? this.vectorStore.embedModel?.embedsMetadata ?? true;
  }

  /** Ingests `documents`; returns, per document, whether it was (re)written. Later duplicates of an id win. */
  async run(documents: readonly Document[], options: RunOptions = {}): Promise<boolean[]> {
    checkDocuments(documents);
    const { signal, onProgress, skipUnchanged = true } = options;
    signal?.throwIfAborted();
    await this.embedModel.load({ ...(signal && { signal }), ...(onProgress && { onProgress }) });
    const embedMetadata = this.embedMetadata;
    const embedInfo = { model: this.embedModel.modelId, dimensions: this.embedModel.dimensions, embedsMetadata: embedMetadata };
    this.vectorStore.assertEmbedModel(embedInfo);
    const parser = nodeParserFor(this.embedModel, this.nodeParser);

    const unique = [...new Map(documents.map((d) => [d.id, d])).values()];
    const hashes = await Promise.all(unique.map((d) => documentHash(d)));
    // One read for all documents: a lookup each is what made re-runs over 100k documents slow.
    const stored = skipUnchanged ? await this.vectorStore.getRefDocs(unique.map((d) => d.id)) : [];
    const todo = unique.flatMap((doc, i) => (stored[i]?.hash === hashes[i] ? [] : [{ doc, hash: hashes[i]! }]));

    const split: StoredDocument[] = [];
    for (const [i, { doc, hash }] of todo.entries()) {
      signal?.throwIfAborted();
      split.push({ refDocId: doc.id, hash, metadata: doc.metadata, nodes: parser.getNodesFromDocuments([doc]), vectors: [] });
      onProgress?.({ phase: 'split', done: i + 1, total: todo.length });
    }
    const totalNodes = split.reduce((n, d) => n + d.nodes.length, 0);
    let embedded = 0;
    let written = 0;
    for (const { batch } of wholeDocumentBatches(split, (d) => d.nodes.length, this.nodesPerWrite)) {
      signal?.throwIfAborted();
      const mode = embedMetadata ? MetadataMode.EMBED : MetadataMode.NONE;
      const texts = batch.flatMap((d) => d.nodes.map((n) => n.getContent(mode)));
      const vectors = await this.embedModel.getTextEmbeddings(texts, {
        ...(signal && { signal }),
        ...(onProgress && { onProgress: (e) => onProgress({ phase: 'embed', done: embedded + e.done, total: totalNodes }) }),
      });
      embedded += texts.length;
      let at = 0;
      const withVectors = batch.map((d) => ({ ...d, vectors: vectors.slice(at, (at += d.nodes.length)) }));
      signal?.throwIfAborted();
      await this.vectorStore.add(withVectors, embedInfo, signal ? { signal } : {});
      written += texts.length;
      onProgress?.({ phase: 'store', done: written, total: totalNodes });
    }
    if (split.length > 1) await this.vectorStore.compact();
    const refreshed = new Set(todo.map((t) => t.doc.id));
    return documents.map((d) => refreshed.has(d.id));
  }
}

function checkDocuments(documents: readonly Document[]): void {
  if (!Array.isArray(documents)) throw new InvalidArgumentError(`Expected an array of Documents, got ${describeValue(documents)}.`);
  documents.forEach((doc, i) => {
    if (!(doc instanceof Document) && (typeof doc !== 'object' || doc === null || typeof (doc as Document).text !== 'string')) {
      throw new InvalidArgumentError(`Expected documents[${i}] to be a Document with string text, got ${describeValue(doc)}.`);
    }
    if (typeof doc.text !== 'string') throw new InvalidArgumentError(`Expected documents[${i}].text to be a string, got ${describeValue(doc.text)}.`);
  });
}
