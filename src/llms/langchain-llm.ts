// Entry point `pagerag/langchain`: the only module that imports @langchain/core.
import { BaseLLM, checkMessages } from './base-llm.js';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage, type MessageContent } from '@langchain/core/messages';
import { InvalidArgumentError, describeValue } from '../errors.js';
import type { ChatMessage, LLMCallOptions, LLMMetadata, LLMStream, LLMUsage } from './types.js';

function text(content: MessageContent): string {
  if (typeof content === 'string') return content;
  return content.map((part) => (typeof part === 'string' ? part : part.type === 'text' ? (part as unknown as { text: string }).text : '')).join('');
}

function toLangChain(message: ChatMessage): BaseMessage {
  if (message.role === 'system') return new SystemMessage(message.content);
  if (message.role === 'assistant') return new AIMessage(message.content);
  return new HumanMessage(message.content);
}

/**
 * Any LangChain.js chat model (e.g. `ChatWebLLM`, `ChatOpenAI`) behind pagerag's `LLM` interface,
 * streaming through its `.stream()`.
 *
 * @example
 * import { LangChainLLM } from 'pagerag/langchain';
 * const llm = new LangChainLLM(chatModel, { contextWindow: 8192 });
 */
export class LangChainLLM extends BaseLLM {
  readonly metadata: LLMMetadata;

  constructor(
    readonly chatModel: BaseChatModel,
    options: { contextWindow?: number; numOutput?: number; model?: string } = {},
  ) {
    super();
    if (!chatModel || typeof (chatModel as { stream?: unknown }).stream !== 'function') {
      throw new InvalidArgumentError(`Expected a LangChain chat model (with .stream()), got ${describeValue(chatModel)}.`);
    }
    this.metadata = {
      model: options.model ?? chatModel._llmType?.() ?? 'langchain',
      contextWindow: options.contextWindow ?? 4096,
      numOutput: options.numOutput ?? 512,
      supportsStreaming: true,
    };
  }

  streamChat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): LLMStream {
    checkMessages(messages);
    const model = this.chatModel;
    async function* run(): AsyncGenerator<string, LLMUsage> {
      const usage: LLMUsage = {};
      // LangChain's stream honours `signal`; breaking out of this generator returns its iterator.
      const stream = await model.stream(messages.map(toLangChain), options.signal ? { signal: options.signal } : {});
      for await (const chunk of stream) {
        const delta = text(chunk.content);
        if (delta) yield delta;
        const meta = chunk.usage_metadata;
        if (meta) {
          usage.promptTokens = meta.input_tokens;
          usage.completionTokens = meta.output_tokens;
        }
      }
      return usage;
    }
    return run();
  }
}
