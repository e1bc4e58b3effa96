import { BaseLLM, checkMessages } from '../base-llm.js';
import { InvalidArgumentError, LLMHttpError, describeValue } from '../../errors.js';
import type { ChatMessage, LLMCallOptions, LLMMetadata, LLMStream, LLMUsage } from '../types.js';
import { readServerSentEvents } from '../../streams/server-sent-events.js';
import { errorDetail, parseBaseURL } from '../../util/http.js';

export interface OpenAICompatibleLLMOptions {
  /** e.g. "https://api.openai.com/v1" or a local server such as "http://localhost:8080/v1". */
  baseURL: string;
  model: string;
  /** Sent as `Authorization: Bearer …`, only to `baseURL`. */
  apiKey?: string;
  headers?: Record<string, string>;
  temperature?: number;
  /** @default 512 */
  maxTokens?: number;
  /** @default 8192 */
  contextWindow?: number;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
}

interface ChunkJson {
  choices?: { delta?: { content?: string | null } }[];
  usage?: { prompt_tokens?: number; completion_tokens?: number } | null;
  error?: { message?: string; type?: string } | string;
}

/**
 * Any server that speaks OpenAI's chat completions API (OpenAI, llama.cpp server, Ollama, vLLM,
 * LM Studio): streamed over server-sent events, parsed as bytes arrive. Breaking out of the stream
 * or aborting cancels the HTTP request.
 *
 * @example
 * const llm = new OpenAICompatibleLLM({ baseURL: 'http://localhost:11434/v1', model: 'llama3.2' });
 * const engine = index.asQueryEngine({ llm, streaming: true });
 */
export class OpenAICompatibleLLM extends BaseLLM {
  readonly metadata: LLMMetadata;
  private readonly options: OpenAICompatibleLLMOptions;
  private readonly endpoint: string;

  constructor(options: OpenAICompatibleLLMOptions) {
    super();
    const endpoint = parseBaseURL(options?.baseURL);
    if (typeof options.model !== 'string' || options.model === '') {
      throw new InvalidArgumentError(`Expected model to be the server's model name, got ${describeValue(options.model)}.`);
    }
    this.options = options;
    this.endpoint = `${endpoint.replace(/\/+$/, '')}/chat/completions`;
    this.metadata = { model: options.model, contextWindow: options.contextWindow ?? 8192, numOutput: options.maxTokens ?? 512, supportsStreaming: true };
  }

  streamChat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): LLMStream {
    checkMessages(messages);
    return this.request(messages, options.signal);
  }

  private async *request(messages: readonly ChatMessage[], signal: AbortSignal | undefined): AsyncGenerator<string, LLMUsage> {
    signal?.throwIfAborted();
    // Our own controller also cancels the request when the consumer breaks out of the stream.
    const controller = new AbortController();
    const forward = () => controller.abort(signal!.reason);
    signal?.addEventListener('abort', forward, { once: true });
    const usage: LLMUsage = {};
    const started = performance.now();
    try {
      const response = await (this.options.fetch ?? fetch)(this.endpoint, {
        method: 'POST',
        signal: controller.signal,
        headers: {
          'Content-Type': 'application/json',
          Accept: 'text/event-stream',
          ...(this.options.apiKey && { Authorization: `Bearer ${this.options.apiKey}` }),
          ...this.options.headers,
        },
        body: JSON.stringify({
          model: this.options.model,
          messages: messages.map((m) => ({ role: m.role, content: m.content })),
          stream: true,
          stream_options: { include_usage: true },
          max_tokens: this.options.maxTokens ?? 512,
          ...(this.options.temperature !== undefined && { temperature: this.options.temperature }),
        }),
      });
      if (!response.ok || !response.body) throw await httpError(response, this.endpoint);
      let finished = false;
      for await (const data of readServerSentEvents(response.body, { source: this.endpoint })) {
        if (data.trim() === '[DONE]') {
          finished = true;
          break;
        }
        const chunk = parseChunk(data, this.endpoint);
        const delta = chunk.choices?.[0]?.delta?.content;
        if (delta) {
          usage.timeToFirstTokenMs ??= performance.now() - started;
          yield delta;
        }
        if (chunk.usage) {
          if (typeof chunk.usage.prompt_tokens === 'number') usage.promptTokens = chunk.usage.prompt_tokens;
          if (typeof chunk.usage.completion_tokens === 'number') usage.completionTokens = chunk.usage.completion_tokens;
        }
      }
      if (!finished) {
        throw new LLMHttpError(`${this.endpoint} closed the stream before "data: [DONE]": the answer is incomplete (the text received so far is kept).`, 0);
      }
      return usage;
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      if (error instanceof LLMHttpError) throw error;
      throw new LLMHttpError(`Request to ${this.endpoint} failed: ${(error as Error)?.message ?? error}`, 0, { cause: error });
    } finally {
      signal?.removeEventListener('abort', forward);
      // A consumer's break lands here too: cancel the HTTP request so the server stops generating.
      controller.abort();
    }
  }
}

/** One event's JSON, checked against the shape chat completions chunks have. */
function parseChunk(data: string, endpoint: string): ChunkJson {
  let chunk: unknown;
  try {
    chunk = JSON.parse(data);
  } catch {
    throw new LLMHttpError(`${endpoint} sent an event that is not JSON: ${data.slice(0, 200)}`, 0);
  }
  const unexpected = (what: string) => new LLMHttpError(`${endpoint} sent an event that is not a chat completions chunk (${what}): ${data.slice(0, 200)}`, 0);
  if (typeof chunk !== 'object' || chunk === null || Array.isArray(chunk)) throw unexpected('expected a JSON object');
  const { error, choices, usage } = chunk as ChunkJson;
  if (error) {
    const message = typeof error === 'string' ? error : (error.message ?? JSON.stringify(error));
    throw new LLMHttpError(`The server reported an error mid-stream: ${String(message).slice(0, 500)}`, 0);
  }
  if (choices !== undefined && !Array.isArray(choices)) throw unexpected('"choices" is not an array');
  const content = choices?.[0]?.delta?.content;
  if (content !== undefined && content !== null && typeof content !== 'string') throw unexpected('"delta.content" is not a string');
  if (usage !== undefined && usage !== null && typeof usage !== 'object') throw unexpected('"usage" is not an object');
  return chunk as ChunkJson;
}

async function httpError(response: Response, endpoint: string): Promise<LLMHttpError> {
  const detail = await errorDetail(response);
  return new LLMHttpError(`${endpoint} answered ${response.status} ${response.statusText}${detail ? `: ${detail}` : ''}`, response.status);
}
