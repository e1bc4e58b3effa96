import { InvalidArgumentError, describeValue } from '../errors.js';
import type { EventCallback } from '../events.js';
import type { ChatMessage, LLM } from '../llms/types.js';
import { applyPostprocessors, type BaseNodePostprocessor } from '../postprocessors/similarity-postprocessor.js';
import type { PromptTemplate } from '../prompts/prompt-template.js';
import type { BaseRetriever } from '../retrieval/retriever.js';
import type { MetadataFilters } from '../search/metadata-filters.js';
import { getResponseSynthesizer, type ResponseMode } from '../synthesizers/response-synthesizer.js';
import { RetrieverQueryEngine } from '../engines/retriever-query-engine.js';
import { ContextChatEngine } from '../engines/chat/context-chat-engine.js';
import { CondensePlusContextChatEngine } from '../engines/chat/condense-plus-context-chat-engine.js';
import { CondenseQuestionChatEngine } from '../engines/chat/condense-question-chat-engine.js';
import type { RetrieverOptions } from './index-retriever.js';

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
  /** Applied to each turn's retrieved nodes (a reranker, a cutoff), as LlamaIndex's chat engines do. */
  nodePostprocessors?: BaseNodePostprocessor[];
  chatHistory?: ChatMessage[];
  onEvent?: EventCallback;
}

export type ChatEngineFor<S extends boolean, C extends ChatMode> = C extends 'context'
  ? ContextChatEngine<S>
  : C extends 'condense_question'
    ? CondenseQuestionChatEngine<S>
    : CondensePlusContextChatEngine<S>;

type RetrieverFor = (options: RetrieverOptions) => BaseRetriever;

/** The engine of `VectorStoreIndex.asQueryEngine`. */
export function indexQueryEngine<S extends boolean, M extends ResponseMode>(retrieverFor: RetrieverFor, options: QueryEngineOptions<S, M>) {
  const { similarityTopK, filters, retrieverMode, alpha, nodePostprocessors, onEvent, ...synthesizerOptions } = options ?? ({} as QueryEngineOptions<S, M>);
  const retriever = retrieverFor({
    ...(retrieverMode && { mode: retrieverMode }),
    ...(alpha !== undefined && { alpha }),
    ...(similarityTopK !== undefined && { similarityTopK }),
    ...(filters && { filters }),
  });
  const responseSynthesizer = getResponseSynthesizer({ ...synthesizerOptions, ...(onEvent && { onEvent }) });
  return new RetrieverQueryEngine({ retriever, responseSynthesizer, ...(nodePostprocessors && { nodePostprocessors }), ...(onEvent && { onEvent }) });
}

/** The engine of `VectorStoreIndex.asChatEngine`. */
export function indexChatEngine<S extends boolean, C extends ChatMode>(retrieverFor: RetrieverFor, options: ChatEngineOptions<S, C>): ChatEngineFor<S, C> {
  const { llm, chatMode = 'condense_plus_context', streaming, similarityTopK, filters, nodePostprocessors, chatHistory, onEvent } = options ?? ({} as ChatEngineOptions<S, C>);
  const retriever = postprocessed(retrieverFor({ ...(similarityTopK !== undefined && { similarityTopK }), ...(filters && { filters }) }), nodePostprocessors);
  const common = { llm, ...(streaming !== undefined && { streaming }), ...(chatHistory && { chatHistory }), ...(onEvent && { onEvent }) };
  switch (chatMode) {
    case 'context':
      return new ContextChatEngine({ retriever, ...common }) as ChatEngineFor<S, C>;
    case 'condense_plus_context':
      return new CondensePlusContextChatEngine({ retriever, ...common }) as ChatEngineFor<S, C>;
    case 'condense_question':
      return new CondenseQuestionChatEngine({
        llm,
        queryEngine: indexQueryEngine(retrieverFor, { llm, ...(streaming !== undefined && { streaming }), ...(similarityTopK !== undefined && { similarityTopK }), ...(filters && { filters }), ...(nodePostprocessors && { nodePostprocessors }) }),
        ...(chatHistory && { chatHistory }),
      }) as unknown as ChatEngineFor<S, C>;
    default:
      throw new InvalidArgumentError(`Unknown chatMode ${describeValue(chatMode)}. Expected "condense_plus_context", "context" or "condense_question".`);
  }
}

/** A retriever whose nodes pass through `postprocessors` (with the query), in order. */
function postprocessed(retriever: BaseRetriever, postprocessors: BaseNodePostprocessor[] | undefined): BaseRetriever {
  if (!postprocessors?.length) return retriever;
  return {
    retrieve: async (query, options = {}) => applyPostprocessors(postprocessors, await retriever.retrieve(query, options), query, options),
  };
}
