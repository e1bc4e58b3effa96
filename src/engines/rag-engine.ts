import type { EventCallback } from '../events.js';
import { InvalidArgumentError, describeValue } from '../errors.js';
import { DOCUMENT_FILE_TYPES, documentFileType, documentFromFile } from '../ingestion/file-document.js';
import { VectorStoreIndex } from '../indices/vector-store-index.js';
import { CitationQueryEngine } from './citation-query-engine.js';
import { CondenseQuestionChatEngine } from './chat/condense-question-chat-engine.js';
import type { ChatMessage } from '../llms/types.js';
import type { NodeWithScore } from '../schema/node.js';
import type { RetrieverOptions } from '../indices/index-retriever.js';
import type { QueryEngineOptions } from '../indices/index-engines.js';
import type { IngestOptions } from '../ingestion/ingestion-pipeline.js';
import type { ProgressCallback } from '../progress.js';
import type { StreamingResponse } from '../responses/streaming-response.js';
import type { Document } from '../schema/document.js';
import type { LoadSnapshotResult } from '../snapshot/store-snapshot.js';
import type { RefDocInfo } from '../storage/vector-store.js';
import type { ResponseMode } from '../synthesizers/response-synthesizer.js';

export interface RAGQueryOptions {
  signal?: AbortSignal;
  /** Retrieval and LLM events (`llm-delta` too), as `asQueryEngine`'s `onEvent` reports them. */
  onEvent?: EventCallback;
  /**
   * Earlier turns, oldest first: the question is a follow-up, made standalone with them first
   * (LlamaIndex's `CondenseQuestionChatEngine`; that LLM call is not streamed, the answer is).
   * @default none
   */
  chatHistory?: readonly ChatMessage[];
}

export interface RAGRetrieveOptions {
  signal?: AbortSignal;
  /** @default the engine's `similarityTopK` */
  similarityTopK?: number;
  /** @default the engine's `retrieverMode` */
  mode?: RetrieverOptions['mode'];
}

/** A file as the page has it: its name (its extension picks the reader) and its bytes. */
export interface FileInput {
  name: string;
  bytes: Uint8Array;
}

/**
 * Readers by file extension (".pdf"), for files other than text, Markdown and HTML, e.g.
 * `{ '.pdf': documentFromPdf }` from `pagerag/pdf`.
 */
export type FileReaders = Record<string, (path: string, bytes: Uint8Array, options?: { signal?: AbortSignal; onProgress?: ProgressCallback }) => Promise<Document>>;

export interface LoadSnapshotOptions extends IngestOptions {
  /** Names the snapshot in the store. @default the URL's path */
  name?: string;
}

/**
 * The whole pipeline behind one interface, as web-llm's `MLCEngineInterface` is for a model: an
 * index and an LLM that answer questions with streamed answers and keep their documents.
 * {@link LocalRAGEngine} runs in the calling thread; `WorkerRAGEngine` (entry `pagerag/client`)
 * runs one in a Web Worker, served there by `exposeRAGEngine`, so nothing heavy runs on the page.
 */
export interface RAGEngine {
  /** The models in use. */
  readonly info: { llm: string; embedModel: string };
  /** Loads the embedding model and the LLM ahead of the first question. */
  load(options?: { onProgress?: ProgressCallback }): Promise<void>;
  /** Retrieves, then streams the answer: resolves when the LLM has started, with `sourceNodes` already there. */
  query(question: string, options?: RAGQueryOptions): Promise<StreamingResponse>;
  /** Retrieval only, no LLM: the nodes a query would answer from (instant search results). */
  retrieve(question: string, options?: RAGRetrieveOptions): Promise<NodeWithScore[]>;
  /** Adds new documents and re-embeds changed ones (by content hash); per document, whether it was written. */
  refreshRefDocs(documents: readonly Document[], options?: IngestOptions): Promise<boolean[]>;
  /**
   * Reads files (text, Markdown and HTML; other types through the engine's `fileReaders`) into
   * documents, then refreshes them: where the engine runs, so a PDF is parsed in the worker.
   */
  addFiles(files: readonly FileInput[], options?: IngestOptions): Promise<boolean[]>;
  /** Removes a document; `false` when it was not stored. */
  deleteRefDoc(refDocId: string): Promise<boolean>;
  listRefDocs(): Promise<RefDocInfo[]>;
  /** Loads a prebuilt snapshot (from `pagerag build-index` or `pagerag/vite`) into the store. */
  loadSnapshot(url: string | URL, options?: LoadSnapshotOptions): Promise<LoadSnapshotResult | undefined>;
  /** Deletes every document. */
  clear(): Promise<void>;
}

/** The response modes whose answer streams (one final LLM call). */
export type StreamingResponseMode = Exclude<ResponseMode, 'no_text' | 'context_only' | 'accumulate' | 'compact_accumulate'>;

export interface LocalRAGEngineOptions extends Omit<QueryEngineOptions<true, StreamingResponseMode>, 'streaming' | 'onEvent'> {
  index: VectorStoreIndex;
  /**
   * Answer with numbered sources cited as [1], [2] (LlamaIndex's `CitationQueryEngine`); the
   * response's `sourceNodes` are then those numbered sources ("Source 1:\n…").
   * @default false
   */
  citations?: boolean | { citationChunkSize?: number; citationChunkOverlap?: number };
  /**
   * Readers for `addFiles` beyond text, Markdown and HTML, by extension.
   * @example
   * import { documentFromPdf } from 'pagerag/pdf';
   * new LocalRAGEngine({ index, llm, fileReaders: { '.pdf': documentFromPdf } });
   * @default {} (text, Markdown and HTML only)
   */
  fileReaders?: FileReaders;
}

/** What to give `fileReaders` for the types pagerag reads through an optional package. */
const READER_HINTS: Record<string, string> = {
  '.pdf': ' For PDFs give the engine fileReaders: { ".pdf": documentFromPdf } from "pagerag/pdf".',
  '.docx': ' For Word files give the engine fileReaders: { ".docx": documentFromDocx } from "pagerag/docx".',
};

/**
 * A {@link RAGEngine} in this thread: a `VectorStoreIndex` and an LLM with the query settings of
 * `asQueryEngine`, always streaming. In a worker, hand it to `exposeRAGEngine`.
 *
 * @example
 * const engine = new LocalRAGEngine({ index, llm, similarityTopK: 2 });
 * const response = await engine.query('What did the author do growing up?');
 * for await (const delta of response.responseGen) output.append(delta);
 */
export class LocalRAGEngine implements RAGEngine {
  readonly index: VectorStoreIndex;
  private readonly options: LocalRAGEngineOptions;

  constructor(options: LocalRAGEngineOptions) {
    this.index = options.index;
    this.options = options;
  }

  get info(): { llm: string; embedModel: string } {
    return { llm: this.options.llm.metadata.model, embedModel: this.index.embedModel.modelId };
  }

  async load(options: { onProgress?: ProgressCallback } = {}): Promise<void> {
    await this.index.embedModel.load(options);
    await this.options.llm.load?.(options);
  }

  async query(question: string, options: RAGQueryOptions = {}): Promise<StreamingResponse> {
    const { index: _, citations, ...queryOptions } = this.options;
    const onEvent = options.onEvent && { onEvent: options.onEvent };
    const engine = citations
      ? CitationQueryEngine.fromArgs<true>(this.index, { ...queryOptions, ...(typeof citations === 'object' && citations), streaming: true, ...onEvent })
      : this.index.asQueryEngine({ ...queryOptions, streaming: true, ...onEvent });
    const signal = options.signal ? { signal: options.signal } : {};
    if (options.chatHistory?.length) {
      const chat = new CondenseQuestionChatEngine<true>({ queryEngine: engine, llm: this.options.llm, chatHistory: [...options.chatHistory] });
      return chat.chat(question, signal);
    }
    return engine.query(question, signal) as Promise<StreamingResponse>;
  }

  retrieve(question: string, options: RAGRetrieveOptions = {}): Promise<NodeWithScore[]> {
    const { similarityTopK, retrieverMode, alpha, filters } = this.options;
    const retriever = this.index.asRetriever({
      mode: options.mode ?? retrieverMode ?? 'vector',
      ...((options.similarityTopK ?? similarityTopK) !== undefined && { similarityTopK: options.similarityTopK ?? similarityTopK }),
      ...(alpha !== undefined && { alpha }),
      ...(filters && { filters }),
    });
    return retriever.retrieve(question, options.signal ? { signal: options.signal } : {});
  }

  refreshRefDocs(documents: readonly Document[], options: IngestOptions = {}): Promise<boolean[]> {
    return this.index.refreshRefDocs(documents, options);
  }

  async addFiles(files: readonly FileInput[], options: IngestOptions = {}): Promise<boolean[]> {
    if (!Array.isArray(files)) throw new InvalidArgumentError(`Expected an array of { name, bytes } files, got ${describeValue(files)}.`);
    const readers = this.options.fileReaders ?? {};
    const documents: Document[] = [];
    for (const file of files) {
      options.signal?.throwIfAborted();
      if (typeof file?.name !== 'string' || !(file.bytes instanceof Uint8Array)) throw new InvalidArgumentError(`Expected a file as { name, bytes: Uint8Array }, got ${describeValue(file)}.`);
      const extension = file.name.slice(file.name.lastIndexOf('.')).toLowerCase();
      const reader = readers[extension];
      if (reader) documents.push(await reader(file.name, file.bytes, options));
      else if (documentFileType(file.name)) documents.push(documentFromFile(file.name, new TextDecoder().decode(file.bytes)));
      else throw new InvalidArgumentError(`Cannot read "${file.name}": expected ${[...Object.keys(DOCUMENT_FILE_TYPES), ...Object.keys(readers)].join(', ')} files.${READER_HINTS[extension] ?? ''}`);
    }
    return this.index.refreshRefDocs(documents, options);
  }

  deleteRefDoc(refDocId: string): Promise<boolean> {
    return this.index.deleteRefDoc(refDocId);
  }

  listRefDocs(): Promise<RefDocInfo[]> {
    return this.index.vectorStore.listRefDocs();
  }

  async loadSnapshot(url: string | URL, options: LoadSnapshotOptions = {}): Promise<LoadSnapshotResult | undefined> {
    const loaded = await VectorStoreIndex.fromSnapshot(url, { ...options, vectorStore: this.index.vectorStore, embedModel: this.index.embedModel });
    return loaded.lastSnapshotLoad;
  }

  clear(): Promise<void> {
    return this.index.vectorStore.clear();
  }
}
