// Messages between the demo page and its engine worker (discriminated on `type`).
import type { Capabilities } from '../src/index.js';

export interface DemoSettings {
  /** Embedding model id. */
  embedModel: string;
  /** "webllm" needs WebGPU; "transformers" runs anywhere. */
  llmKind: 'webllm' | 'transformers';
  llmModel: string;
  /** Base URL of self-hosted models ("" = the Hugging Face Hub). */
  modelsBaseUrl: string;
  similarityTopK: number;
  responseMode: 'compact' | 'refine' | 'tree_summarize' | 'simple_summarize';
  maxNewTokens: number;
}

export interface DocInfo {
  id: string;
  name: string;
  chunks: number;
}

export type PageMessage =
  /** `seed`: load the sample documents (first visit). */
  | { type: 'init'; settings: DemoSettings; seed: boolean }
  | { type: 'samples' }
  | { type: 'add'; docs: { id: string; name: string; text: string }[] }
  | { type: 'delete'; id: string }
  | { type: 'clear' }
  | { type: 'query'; id: number; question: string }
  | { type: 'stop'; id: number };

export type WorkerMessage =
  | { type: 'ready'; capabilities: Capabilities; llm: string; embedModel: string }
  | { type: 'progress'; phase: string; done: number; total: number; text?: string }
  | { type: 'docs'; docs: DocInfo[] }
  /** The samples were loaded: from the prebuilt snapshot, or embedded in the browser. */
  | { type: 'samples'; prebuilt: boolean }
  | { type: 'sources'; id: number; retrievalMs: number; nodes: { name: string; text: string; score: number }[] }
  | { type: 'delta'; id: number; delta: string }
  | { type: 'done'; id: number; stopped: boolean; firstTokenMs?: number; tokens: number; tokensPerSecond?: number }
  | { type: 'error'; id?: number; name: string; message: string };
