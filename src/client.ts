// Entry point `pagerag/client`: what a page needs to use a pipeline that runs in a Web Worker,
// without loading transformers.js, ONNX Runtime or web-llm on the main thread (the root entry
// pulls them in: transformers.js has side effects, so no bundler can drop it).
export { WorkerRAGEngine } from './worker/worker-rag-engine.js';
export { WorkerLLM } from './worker/worker-llm.js';
export type { RAGEngine, RAGQueryOptions, RAGRetrieveOptions, LoadSnapshotOptions, FileInput } from './engines/rag-engine.js';
export type { MessagePortLike } from './worker/protocol.js';
export { StreamingResponse } from './responses/streaming-response.js';
export type { PrintTarget } from './responses/streaming-response.js';
export { Response } from './responses/response.js';
export { Document } from './schema/document.js';
export { TextNode } from './schema/node.js';
export type { Metadata, MetadataValue, NodeWithScore } from './schema/node.js';
export { documentFromFile, documentFileType } from './ingestion/file-document.js';
export { htmlToText } from './ingestion/html-to-text.js';
export { detectCapabilities } from './runtime/capabilities.js';
export type { Capabilities } from './runtime/capabilities.js';
export { chooseWebLLMModel } from './llms/webllm/choose-web-llm-model.js';
export type { PageragEvent, EventCallback } from './events.js';
export type { ProgressUpdate, ProgressCallback } from './progress.js';
export type { RefDocInfo } from './storage/vector-store.js';
export type { LLMUsage } from './llms/types.js';
export { PageragError, InvalidArgumentError, InvalidStateError, WorkerError, ModelLoadError, LLMHttpError, StorageQuotaError, StorageWriteError, SnapshotFormatError, SnapshotFetchError } from './errors.js';
