import type { EventCallback } from '../../events.js';
import type { ChatMessage, LLM } from '../../llms/types.js';
import { defaultContextSystemPrompt, type PromptTemplate } from '../../prompts/prompt-template.js';
import type { BaseRetriever } from '../../retrieval/retriever.js';
import { BaseChatEngine, type ChatOptions } from './chat-engine.js';

export interface ContextChatEngineOptions<S extends boolean> {
  retriever: BaseRetriever;
  llm: LLM;
  streaming?: S;
  chatHistory?: ChatMessage[];
  /** System prompt with a `{context}` slot. @default LlamaIndex's context prompt */
  contextSystemPrompt?: PromptTemplate;
  onEvent?: EventCallback;
}

/**
 * Retrieves with the user's message, puts the context in the system prompt, answers with the history.
 *
 * @example
 * const chat = index.asChatEngine({ llm, chatMode: 'context', streaming: true });
 * const response = await chat.chat('What is pagerag?');
 */
export class ContextChatEngine<S extends boolean = false> extends BaseChatEngine<S> {
  readonly retriever: BaseRetriever;
  readonly contextSystemPrompt: PromptTemplate;

  constructor(options: ContextChatEngineOptions<S>) {
    super(options);
    this.retriever = options.retriever;
    this.contextSystemPrompt = options.contextSystemPrompt ?? defaultContextSystemPrompt;
  }

  protected async prepare(message: string, options: ChatOptions) {
    const sourceNodes = await this.retriever.retrieve(message, options);
    const messages = this.contextMessages(this.contextSystemPrompt, sourceNodes, message);
    return { messages, sourceNodes };
  }
}
