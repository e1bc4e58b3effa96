import type { PageragEvent } from '../events.js';
import type { ChatMessage, LLMMetadata, LLMUsage } from '../llms/types.js';
import type { ProgressUpdate } from '../progress.js';
import type { NodeWithScore } from '../schema/node.js';

/** The methods of a {@link RAGEngine} that are one request and one result. */
export type RAGEngineMethod = 'load' | 'retrieve' | 'refreshRefDocs' | 'addFiles' | 'deleteRefDoc' | 'listRefDocs' | 'loadSnapshot' | 'clear';

/** Page → worker. `id` pairs a request with its replies. */
export type WorkerRequest =
  | { type: 'metadata'; id: number }
  | { type: 'count-tokens'; id: number; texts: string[] }
  | { type: 'stream'; id: number; messages: ChatMessage[] }
  | { type: 'engine-init'; id: number; config: unknown }
  | { type: 'call'; id: number; method: RAGEngineMethod; args: unknown[] }
  | { type: 'query'; id: number; question: string; chatHistory?: ChatMessage[] }
  | { type: 'cancel'; id: number; reason: 'stop' | 'abort' };

/** An error as it crosses the boundary: name and message survive, so the page can rethrow the same kind. */
export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  /** `LLMHttpError`'s HTTP status. */
  status?: number;
}

/** Worker → page. */
export type WorkerReply =
  | { type: 'metadata'; id: number; metadata: LLMMetadata }
  | { type: 'token-counts'; id: number; counts: number[] }
  | { type: 'engine-ready'; id: number; info: { llm: string; embedModel: string } }
  | { type: 'progress'; id: number; update: ProgressUpdate }
  | { type: 'result'; id: number; value: unknown }
  /** A query's retrieved nodes, sent when its last LLM call has started (TextNodes arrive as plain objects). */
  | { type: 'sources'; id: number; nodes: NodeWithScore[] }
  | { type: 'event'; id: number; event: PageragEvent }
  | { type: 'delta'; id: number; delta: string }
  | { type: 'end'; id: number; usage?: LLMUsage }
  | { type: 'error'; id: number; error: SerializedError };

/**
 * The minimal port both a `Worker` and a worker's global scope provide. On the page, a `Worker`'s
 * `error` and `messageerror` events end the calls in flight, and its `terminate` is used by `terminate()`.
 */
export interface MessagePortLike {
  postMessage(message: unknown): void;
  addEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: MessageEvent) => void): void;
  removeEventListener(type: 'message' | 'error' | 'messageerror', listener: (event: MessageEvent) => void): void;
  terminate?(): void;
}

/** Each message kind without its `id` (the connection or the serving loop adds it). */
type WithoutId<M> = M extends unknown ? Omit<M, 'id'> : never;

/** A request as the page writes it. */
export type NewRequest = WithoutId<WorkerRequest>;

/** A reply as the worker writes it. */
export type NewReply = WithoutId<WorkerReply>;
