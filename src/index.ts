// pagerag: retrieval-augmented generation in the web page.
export {
  PageragError,
  InvalidArgumentError,
  DimensionMismatchError,
  EmbeddingModelMismatchError,
  StorageWriteError,
  StorageQuotaError,
  StorageVersionError,
  NotImplementedError,
  ModelLoadError,
} from './errors.js';
export type { ProgressEvent, ProgressCallback } from './progress.js';

export { TextNode } from './schema/node.js';
export type { Metadata, MetadataValue, NodeWithScore } from './schema/node.js';
export { Document, documentHash } from './schema/document.js';

export { SentenceSplitter } from './ingestion/sentence-splitter.js';
export type { SentenceSplitterOptions, TextChunk, TokenCounter } from './ingestion/sentence-splitter.js';
export type { NodeParser } from './ingestion/node-parser.js';

export type { Embedding, EmbedOptions } from './embeddings/embedding.js';
export { TransformersEmbedding } from './embeddings/transformers-embedding.js';
export type { TransformersEmbeddingOptions, Device } from './embeddings/transformers-embedding.js';

export { IndexedDBVectorStore } from './storage/indexeddb-vector-store.js';
export type { StoredDocument, VectorStoreQuery, EmbedModelInfo } from './storage/indexeddb-vector-store.js';

export { VectorIndexRetriever } from './retrieval/vector-index-retriever.js';
export type { BaseRetriever, RetrieveOptions } from './retrieval/retriever.js';
export { matchesFilters, validateFilters } from './retrieval/metadata-filters.js';
export type { MetadataFilter, MetadataFilters, FilterOperator } from './retrieval/metadata-filters.js';
export { SimilarityPostprocessor } from './postprocessors/similarity-postprocessor.js';
export type { BaseNodePostprocessor } from './postprocessors/similarity-postprocessor.js';

export { VectorStoreIndex } from './indices/vector-store-index.js';
export type { VectorStoreIndexOptions, IngestOptions, FromSnapshotOptions } from './indices/vector-store-index.js';

export { applyModelSource } from './runtime/transformers-env.js';
export type { ModelSource, WasmPaths } from './runtime/transformers-env.js';
export { detectCapabilities } from './runtime/capabilities.js';
export type { Capabilities } from './runtime/capabilities.js';

export type { ChatMessage, MessageRole, LLM, LLMMetadata, LLMCallOptions, LLMUsage, LLMStream, CompletionResponse } from './llms/types.js';
export { TransformersLLM } from './llms/transformers-llm.js';
export type { TransformersLLMOptions } from './llms/transformers-llm.js';
export { pushIterator } from './llms/push-iterator.js';
export { BaseLLM } from './llms/base-llm.js';
export type { PushSink, PushIteratorOptions } from './llms/push-iterator.js';

export {
  PromptTemplate,
  defaultTextQaPrompt,
  defaultRefinePrompt,
  defaultSummaryPrompt,
  defaultCondenseQuestionPrompt,
  defaultContextSystemPrompt,
  defaultCondensePlusContextSystemPrompt,
} from './prompts/prompt-template.js';
export { PromptHelper } from './synthesizers/prompt-helper.js';
export type { PromptHelperOptions } from './synthesizers/prompt-helper.js';
export { ResponseSynthesizer, getResponseSynthesizer, EMPTY_RESPONSE } from './synthesizers/response-synthesizer.js';
export type { ResponseMode, ResponseSynthesizerOptions, SynthesizeParams, SynthesizerResult } from './synthesizers/response-synthesizer.js';
export { Response } from './responses/response.js';
export { StreamingResponse } from './responses/streaming-response.js';
export type { PrintTarget } from './responses/streaming-response.js';

export { RetrieverQueryEngine } from './engines/retriever-query-engine.js';
export type { RetrieverQueryEngineOptions, QueryOptions } from './engines/retriever-query-engine.js';
export { BaseChatEngine } from './engines/chat/chat-engine.js';
export type { ChatOptions, ChatResult } from './engines/chat/chat-engine.js';
export { ContextChatEngine } from './engines/chat/context-chat-engine.js';
export { CondensePlusContextChatEngine } from './engines/chat/condense-plus-context-chat-engine.js';
export { CondenseQuestionChatEngine } from './engines/chat/condense-question-chat-engine.js';
export type { QueryEngineOptions, ChatEngineOptions, ChatMode } from './indices/vector-store-index.js';
export type { PageragEvent, EventCallback } from './events.js';

export { WebGPUUnavailableError, ModelStorageError, SnapshotFormatError, SnapshotFetchError } from './errors.js';
export { encodeSnapshot, decodeSnapshot, readSnapshotHeader, SNAPSHOT_FORMAT_VERSION } from './snapshot/snapshot-format.js';
export type {
  SnapshotData,
  SnapshotHeader,
  SnapshotDocument,
  SnapshotNode,
  SnapshotEmbedModel,
  SnapshotChunker,
  EncodeSnapshotOptions,
  KeywordTerms,
} from './snapshot/snapshot-format.js';
export type { SnapshotSource } from './snapshot/read-source.js';
export type { LoadSnapshotResult } from './snapshot/store-snapshot.js';
export { WebLLM, isWebLLMModelCached, deleteWebLLMModel } from './llms/webllm/web-llm.js';
export type { WebLLMOptions, WebLLMEngine } from './llms/webllm/web-llm.js';
export { chooseWebLLMModel, selfHostedAppConfig, DEFAULT_WEBLLM_FAMILY } from './llms/webllm/web-llm-config.js';
export type { CacheBackend, SelfHostedOptions } from './llms/webllm/web-llm-config.js';
export { createLocalLLM } from './llms/create-local-llm.js';
export type { CreateLocalLLMOptions } from './llms/create-local-llm.js';
export { exposeLLM } from './worker/expose-llm.js';
export { WorkerLLM, createWorkerEngine } from './worker/worker-llm.js';
export type { WorkerRequest, WorkerReply, SerializedError, MessagePortLike } from './worker/protocol.js';

export { BM25Retriever } from './retrieval/bm25-retriever.js';
export { QueryFusionRetriever } from './retrieval/query-fusion-retriever.js';
export type { FusionMode, QueryFusionRetrieverOptions } from './retrieval/query-fusion-retriever.js';
export { analyze as englishAnalyzer, ENGLISH_STOP_WORDS } from './retrieval/bm25/english-analyzer.js';
export { porterStem } from './retrieval/bm25/porter-stemmer.js';
export type { BM25Params } from './retrieval/bm25/bm25-index.js';
export type { KeywordQuery, VectorStoreOptions } from './storage/indexeddb-vector-store.js';
export type { RetrieverOptions } from './indices/vector-store-index.js';

export { LLMHttpError, ModelUnavailableError } from './errors.js';
export { OpenAICompatibleLLM } from './llms/remote/openai-compatible-llm.js';
export type { OpenAICompatibleLLMOptions } from './llms/remote/openai-compatible-llm.js';
export { readServerSentEvents } from './llms/remote/sse.js';
export { ChromeBuiltinLLM, promptApi } from './llms/builtin/chrome-builtin-llm.js';
export type { ChromeBuiltinLLMOptions, BuiltinAvailability, PromptApi, PromptSession } from './llms/builtin/chrome-builtin-llm.js';
