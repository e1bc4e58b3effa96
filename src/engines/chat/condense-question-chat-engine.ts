import { InvalidArgumentError, describeValue } from '../../errors.js';
import type { EventCallback } from '../../events.js';
import type { ChatMessage, LLM } from '../../llms/types.js';
import { defaultCondenseQuestionPrompt, type PromptTemplate } from '../../prompts/prompt-template.js';
import type { Response } from '../../responses/response.js';
import type { StreamingResponse } from '../../responses/streaming-response.js';
import type { RetrieverQueryEngine } from '../retriever-query-engine.js';
import type { ChatOptions, ChatResult } from './chat-engine.js';
import { condenseQuestion } from './condense.js';

export interface CondenseQuestionChatEngineOptions<S extends boolean> {
  queryEngine: RetrieverQueryEngine<S>;
  llm: LLM;
  chatHistory?: ChatMessage[];
  condenseQuestionPrompt?: PromptTemplate;
  onEvent?: EventCallback;
}

/**
 * Condenses the conversation and the new message into a standalone question, then asks the query
 * engine; its streaming setting decides the answer type.
 */
export class CondenseQuestionChatEngine<S extends boolean = false> {
  readonly queryEngine: RetrieverQueryEngine<S>;
  readonly llm: LLM;
  readonly chatHistory: ChatMessage[];
  readonly condenseQuestionPrompt: PromptTemplate;

  constructor(options: CondenseQuestionChatEngineOptions<S>) {
    if (!options?.queryEngine) throw new InvalidArgumentError(`Expected a queryEngine, got ${describeValue(options?.queryEngine)}.`);
    this.queryEngine = options.queryEngine;
    this.llm = options.llm;
    this.chatHistory = [...(options.chatHistory ?? [])];
    this.condenseQuestionPrompt = options.condenseQuestionPrompt ?? defaultCondenseQuestionPrompt;
  }

  async chat(message: string, options: ChatOptions = {}): Promise<ChatResult<S>> {
    if (typeof message !== 'string') throw new InvalidArgumentError(`Expected the chat message to be a string, got ${describeValue(message)}.`);
    const question = await condenseQuestion(this.llm, this.condenseQuestionPrompt, this.chatHistory, message, options.signal);
    const response = (await this.queryEngine.query(question, options)) as Response | StreamingResponse;
    const remember = (answer: string) => {
      this.chatHistory.push({ role: 'user', content: message });
      if (answer) this.chatHistory.push({ role: 'assistant', content: answer });
    };
    if ('responseGen' in response) {
      void response.getResponse().then((r) => remember(r.response), () => remember(response.toString()));
    } else {
      remember(response.response);
    }
    return response as ChatResult<S>;
  }

  /** Streams when the query engine streams. */
  streamChat(message: string, options: ChatOptions = {}): Promise<ChatResult<S>> {
    return this.chat(message, options);
  }

  reset(): void {
    this.chatHistory.length = 0;
  }
}
