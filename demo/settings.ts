// The demo's settings: chosen on the page, passed to the engine worker when it is set up.
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
  /** Numbered sources, cited as [n] in the answer (CitationQueryEngine). */
  citations: boolean;
  maxNewTokens: number;
}
