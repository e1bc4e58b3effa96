import { InvalidArgumentError, NotImplementedError, describeValue } from '../../errors.js';
import { MetadataMode } from '../../schema/metadata-mode.js';
import { deltaEvents, emit, type EventCallback } from '../../events.js';
import { countLLMTokens, type ChatMessage, type LLM } from '../../llms/types.js';
import type { PromptTemplate } from '../../prompts/prompt-template.js';
import { Response } from '../../responses/response.js';
import { StreamingResponse } from '../../responses/streaming-response.js';
import type { NodeWithScore } from '../../schema/node.js';
import { PromptHelper } from '../../synthesizers/prompt-helper.js';

export interface ChatOptions {
  signal?: AbortSignal;
}

/** The answer type of `chat()`: `StreamingResponse` when the engine streams. */
export type ChatResult<S extends boolean> = S extends true ? StreamingResponse : Response;

/** Shared by the chat engines: history, the final LLM call, streaming or not. */
export abstract class BaseChatEngine<S extends boolean = false> {
  readonly llm: LLM;
  readonly streaming: S;
  /** The conversation so far; an answer is added when it has been generated (also when stopped early). */
  readonly chatHistory: ChatMessage[];
  protected readonly onEvent: EventCallback | undefined;

  constructor(options: { llm: LLM; streaming?: S; chatHistory?: ChatMessage[]; onEvent?: EventCallback }) {
    if (!options?.llm || typeof options.llm.chat !== 'function') {
      throw new InvalidArgumentError(`Expected llm to be an LLM, got ${describeValue(options?.llm)}.`);
    }
    this.llm = options.llm;
    this.streaming = (options.streaming ?? false) as S;
    this.chatHistory = [...(options.chatHistory ?? [])];
    this.onEvent = options.onEvent;
  }

  /** Answers `message` in the context of the conversation; streams when the engine was made with `streaming: true`. */
  async chat(message: string, options: ChatOptions = {}): Promise<ChatResult<S>> {
    return (this.streaming ? this.streamChat(message, options) : this.run(message, false, options)) as Promise<ChatResult<S>>;
  }

  /** Always streams. */
  async streamChat(message: string, options: ChatOptions = {}): Promise<StreamingResponse> {
    if (!this.llm.metadata.supportsStreaming) {
      throw new NotImplementedError(`LLM "${this.llm.metadata.model}" cannot stream. Use chat() on an engine made with streaming: false.`);
    }
    return this.run(message, true, options) as Promise<StreamingResponse>;
  }

  /** Forgets the conversation. */
  reset(): void {
    this.chatHistory.length = 0;
  }

  /** The messages for the final call, and the nodes they were built from. */
  protected abstract prepare(message: string, options: ChatOptions): Promise<{ messages: ChatMessage[]; sourceNodes: NodeWithScore[] }>;

  private async run(message: string, stream: boolean, options: ChatOptions): Promise<Response | StreamingResponse> {
    if (typeof message !== 'string') throw new InvalidArgumentError(`Expected the chat message to be a string, got ${describeValue(message)}.`);
    const startedAt = performance.now();
    options.signal?.throwIfAborted();
    const { messages, sourceNodes } = await this.prepare(message, options);
    options.signal?.throwIfAborted();
    const prompt = messages.map((m) => `${m.role}: ${m.content}`).join('\n');
    emit(this.onEvent, { type: 'llm-start', prompt, streaming: stream, time: performance.now() });
    const remember = (answer: string) => {
      this.chatHistory.push({ role: 'user', content: message });
      if (answer) this.chatHistory.push({ role: 'assistant', content: answer });
      emit(this.onEvent, { type: 'llm-end', response: answer, time: performance.now() });
    };
    const signal = options.signal ? { signal: options.signal } : {};
    if (!stream) {
      const { text } = await this.llm.chat(messages, signal);
      remember(text);
      return new Response(text, sourceNodes);
    }
    return new StreamingResponse({ stream: this.llm.streamChat(messages, signal), sourceNodes, startedAt, onDelta: deltaEvents(this.onEvent), onEnd: remember });
  }

  /**
   * The messages of a context chat: the system prompt with as much retrieved context as fits, the
   * history that fits (newest first, at most half the window), then the user's message.
   */
  protected contextMessages(systemPrompt: PromptTemplate, sourceNodes: NodeWithScore[], message: string): ChatMessage[] {
    const { contextWindow, numOutput } = this.llm.metadata;
    const reserved = countLLMTokens(this.llm, message) + 16;
    const history: ChatMessage[] = [];
    let historyTokens = 0;
    const historyRoom = contextWindow / 2 - numOutput - reserved;
    for (let i = this.chatHistory.length - 1; i >= 0; i--) {
      const tokens = countLLMTokens(this.llm, this.chatHistory[i]!.content) + 4;
      if (historyTokens + tokens > historyRoom) break;
      history.unshift(this.chatHistory[i]!);
      historyTokens += tokens;
    }
    const helper = new PromptHelper({
      contextWindow: contextWindow - reserved - historyTokens,
      numOutput,
      countTokens: (text) => countLLMTokens(this.llm, text),
    });
    const context = helper.truncate(systemPrompt, sourceNodes.map((n) => n.node.getContent(MetadataMode.LLM))).join('\n\n');
    return [{ role: 'system', content: systemPrompt.format({ context }) }, ...history, { role: 'user', content: message }];
  }
}
