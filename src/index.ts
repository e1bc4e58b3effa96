// pagerag: retrieval-augmented generation in the web page. Grouped by the stage data flows through:
// documents → ingestion → embeddings → storage → retrieval → synthesizers → engines → responses.

// Errors
export {
  PageragError,
  InvalidArgumentError,
  InvalidStateError,
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  StorageWriteError,
  StorageQuotaError,
  StorageVersionError,
  StorageCorruptionError,
  NotImplementedError,
  ModelLoadError,
  ModelStorageError,
  DocumentReadError,
  PdfReadError,
  ModelUnavailableError,
  WebGPUUnavailableError,
  LLMHttpError,
  SnapshotFormatError,
  WorkerError,
  SnapshotFetchError,
  EmbeddingServerError,
} from './errors.js';
export type { ProgressUpdate, ProgressCallback, ProgressEvent } from './progress.js';

// Documents and nodes
export { Document, documentHash } from './schema/document.js';
export { TextNode } from './schema/node.js';
export type { Metadata, MetadataValue, NodeWithScore } from './schema/node.js';
export { MetadataMode } from './schema/metadata-mode.js';
export type { NodeFormat } from './schema/metadata-mode.js';

// Ingestion
export { SentenceSplitter } from './ingestion/sentence-splitter.js';
export type { SentenceSplitterOptions, TextChunk, TokenCounter } from './ingestion/sentence-splitter.js';
export type { NodeParser } from './ingestion/node-parser.js';
export { IngestionPipeline } from './ingestion/ingestion-pipeline.js';
export { readStoredDocuments } from './ingestion/stored-documents.js';
export type { IngestionPipelineOptions, IngestOptions, RunOptions } from './ingestion/ingestion-pipeline.js';
export { documentFromFile, documentFileType } from './ingestion/file-document.js';
export { htmlToText } from './ingestion/html-to-text.js';

// Embeddings
export type { Embedding, EmbedOptions } from './embeddings/embedding.js';
export { TransformersEmbedding } from './embeddings/transformers-embedding.js';
export type { TransformersEmbeddingOptions, Device } from './embeddings/transformers-embedding.js';

// Storage
export type {
  VectorStore,
  VectorStoreQuery,
  VectorStoreCapabilities,
  StoredDocument,
  EmbedModelInfo,
  RefDocInfo,
  SnapshotRecord,
  StoreContents,
  AddOptions,
} from './storage/vector-store.js';
export { IndexedDBVectorStore } from './storage/indexeddb-vector-store.js';
export type { IndexedDBVectorStoreOptions } from './storage/indexeddb-vector-store.js';
export { MemoryVectorStore } from './storage/memory-vector-store.js';
// A partitioned static index: VectorStoreIndex.fromStaticIndex(url) makes one.
export type { StaticVectorStore, StaticVectorStoreOptions } from './static/static-vector-store.js';
export type { StaticManifest } from './static/static-format.js';
export type { BM25Params } from './search/bm25-index.js';
export type { SearchMode } from './search/search-index.js';
export { analyze as englishAnalyzer } from './search/english-analyzer.js';
export { matchesFilters } from './search/metadata-filters.js';
export type { MetadataFilter, MetadataFilters, FilterOperator } from './search/metadata-filters.js';

// Retrieval
export type { BaseRetriever, RetrieveOptions } from './retrieval/retriever.js';
export { VectorIndexRetriever } from './retrieval/vector-index-retriever.js';
export type { VectorIndexRetrieverOptions } from './retrieval/vector-index-retriever.js';
export { BM25Retriever } from './retrieval/bm25-retriever.js';
export { QueryFusionRetriever } from './retrieval/query-fusion-retriever.js';
export type { FusionMode, QueryFusionRetrieverOptions } from './retrieval/query-fusion-retriever.js';
export { SimilarityPostprocessor } from './postprocessors/similarity-postprocessor.js';
export type { BaseNodePostprocessor, PostprocessOptions } from './postprocessors/similarity-postprocessor.js';
export { SentenceTransformerRerank } from './postprocessors/sentence-transformer-rerank.js';
export type { SentenceTransformerRerankOptions } from './postprocessors/sentence-transformer-rerank.js';

// Prompts and synthesis
export {
  PromptTemplate,
  defaultTextQaPrompt,
  defaultRefinePrompt,
  defaultSummaryPrompt,
  defaultCondenseQuestionPrompt,
  defaultContextSystemPrompt,
  defaultCondensePlusContextSystemPrompt,
  defaultCitationQaPrompt,
  defaultCitationRefinePrompt,
} from './prompts/prompt-template.js';
export { PromptHelper } from './synthesizers/prompt-helper.js';
export type { PromptHelperOptions } from './synthesizers/prompt-helper.js';
export { ResponseSynthesizer, getResponseSynthesizer } from './synthesizers/response-synthesizer.js';
export type { ResponseMode, ResponseSynthesizerOptions, SynthesizeParams, SynthesizerResult } from './synthesizers/response-synthesizer.js';
export { Response } from './responses/response.js';
export { StreamingResponse } from './responses/streaming-response.js';
export type { PrintTarget } from './responses/streaming-response.js';

// Engines and the index
export { RetrieverQueryEngine } from './engines/retriever-query-engine.js';
export type { RetrieverQueryEngineOptions, QueryOptions } from './engines/retriever-query-engine.js';
export { CitationQueryEngine } from './engines/citation-query-engine.js';
export type { CitationQueryEngineOptions } from './engines/citation-query-engine.js';
export { BaseChatEngine } from './engines/chat/chat-engine.js';
export type { ChatOptions, ChatResult } from './engines/chat/chat-engine.js';
export { ContextChatEngine } from './engines/chat/context-chat-engine.js';
export { CondensePlusContextChatEngine } from './engines/chat/condense-plus-context-chat-engine.js';
export { CondenseQuestionChatEngine } from './engines/chat/condense-question-chat-engine.js';
export type { PageragEvent, EventCallback } from './events.js';
export { VectorStoreIndex } from './indices/vector-store-index.js';
export type { VectorStoreIndexOptions, FromSnapshotOptions } from './indices/vector-store-index.js';
export type { RetrieverOptions } from './indices/index-retriever.js';
export type { QueryEngineOptions, ChatEngineOptions, ChatMode, ChatEngineFor } from './indices/index-engines.js';

// Snapshots (prebuilt indexes)
export { encodeSnapshot, decodeSnapshot, readSnapshotHeader } from './snapshot/snapshot-format.js';
export type { SnapshotData, SnapshotHeader, SnapshotDocument, SnapshotNode, SnapshotEmbedModel, SnapshotChunker, EncodeSnapshotOptions, KeywordTerms } from './snapshot/snapshot-format.js';
export type { SnapshotSource } from './snapshot/read-source.js';
export type { LoadSnapshotResult } from './snapshot/store-snapshot.js';

// LLMs
export type { ChatMessage, MessageRole, LLM, LLMMetadata, LLMCallOptions, LLMUsage, LLMStream, CompletionResponse } from './llms/types.js';
export { BaseLLM } from './llms/base-llm.js';
export { MockLLM } from './llms/mock-llm.js';
export type { MockLLMOptions } from './llms/mock-llm.js';
export { TransformersLLM } from './llms/transformers-llm.js';
export type { TransformersLLMOptions } from './llms/transformers-llm.js';
// web-llm (WebLLM, selfHostedAppConfig, …) is the entry `pagerag/webllm`: apps without it never bundle it.
export { chooseWebLLMModel } from './llms/webllm/choose-web-llm-model.js';
export { OpenAICompatibleLLM } from './llms/remote/openai-compatible-llm.js';
export type { OpenAICompatibleLLMOptions } from './llms/remote/openai-compatible-llm.js';
export { ChromeBuiltinLLM, promptApi } from './llms/builtin/chrome-builtin-llm.js';
export type { ChromeBuiltinLLMOptions, BuiltinAvailability, PromptApi, PromptSession } from './llms/builtin/chrome-builtin-llm.js';
export { createLocalLLM } from './llms/create-local-llm.js';
export type { CreateLocalLLMOptions } from './llms/create-local-llm.js';

// The whole pipeline behind one interface, here or off the main thread (the page side of a worker
// is also in the light entry pagerag/client)
export { LocalRAGEngine } from './engines/rag-engine.js';
export type { RAGEngine, LocalRAGEngineOptions, RAGQueryOptions, RAGRetrieveOptions, LoadSnapshotOptions, StreamingResponseMode, FileInput, FileReaders } from './engines/rag-engine.js';
export { exposeLLM } from './worker/expose-llm.js';
export { exposeRAGEngine } from './worker/expose-rag-engine.js';
export { WorkerLLM } from './worker/worker-llm.js';
export { WorkerRAGEngine } from './worker/worker-rag-engine.js';
export type { MessagePortLike } from './worker/protocol.js';

// Runtime
export { applyModelSource } from './runtime/transformers-env.js';
export type { ModelSource, WasmPaths } from './runtime/transformers-env.js';
export { detectCapabilities } from './runtime/capabilities.js';
export type { Capabilities } from './runtime/capabilities.js';
