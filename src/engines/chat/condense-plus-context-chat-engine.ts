import type { EventCallback } from '../../events.js';
import type { ChatMessage, LLM } from '../../llms/types.js';
import { defaultCondensePlusContextSystemPrompt, defaultCondenseQuestionPrompt, type PromptTemplate } from '../../prompts/prompt-template.js';
import type { BaseRetriever } from '../../retrieval/retriever.js';
import { BaseChatEngine, type ChatOptions } from './chat-engine.js';
import { condenseQuestion } from './condense.js';

export interface CondensePlusContextChatEngineOptions<S extends boolean> {
  retriever: BaseRetriever;
  llm: LLM;
  streaming?: S;
  chatHistory?: ChatMessage[];
  condensePrompt?: PromptTemplate;
  /** System prompt with a `{context}` slot. */
  systemPrompt?: PromptTemplate;
  onEvent?: EventCallback;
}

/**
 * Condenses the follow-up into a standalone question, retrieves with it, and answers with the
 * context in the system prompt and the history as chat messages (LlamaIndex's default chat mode).
 */
export class CondensePlusContextChatEngine<S extends boolean = false> extends BaseChatEngine<S> {
  readonly retriever: BaseRetriever;
  readonly condensePrompt: PromptTemplate;
  readonly systemPrompt: PromptTemplate;

  constructor(options: CondensePlusContextChatEngineOptions<S>) {
    super(options);
    this.retriever = options.retriever;
    this.condensePrompt = options.condensePrompt ?? defaultCondenseQuestionPrompt;
    this.systemPrompt = options.systemPrompt ?? defaultCondensePlusContextSystemPrompt;
  }

  protected async prepare(message: string, options: ChatOptions) {
    const question = await condenseQuestion(this.llm, this.condensePrompt, this.chatHistory, message, options.signal);
    const sourceNodes = await this.retriever.retrieve(question, options);
    const messages = this.contextMessages(this.systemPrompt, sourceNodes, message);
    return { messages, sourceNodes };
  }
}
