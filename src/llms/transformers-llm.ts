import { BaseLLM, checkMessages } from './base-llm.js';
import {
  AutoModelForCausalLM,
  AutoTokenizer,
  InterruptableStoppingCriteria,
  TextStreamer,
  Tensor,
  type PreTrainedModel,
  type PreTrainedTokenizer,
} from '@huggingface/transformers';
import { InvalidArgumentError, ModelLoadError, describeValue } from '../errors.js';
import type { Device } from '../embeddings/transformers-embedding.js';
import type { ProgressCallback } from '../progress.js';
import { autoDevice } from '../runtime/capabilities.js';
import { countingRuntimeDownload, modelLoadProgress } from '../runtime/model-progress.js';
import { applyModelSource, type ModelSource } from '../runtime/transformers-env.js';
import { modelLoadError, requestMark } from '../runtime/model-requests.js';
import { SerialQueue } from '../util/serial-queue.js';
import { abortable } from '../util/abortable.js';
import { yieldToEventLoop } from '../util/yield.js';
import { pushIterator } from '../streams/push-iterator.js';
import type { ChatMessage, LLMCallOptions, LLMMetadata, LLMStream, LLMUsage } from './types.js';

export interface TransformersLLMOptions {
  /**
   * A text-generation model with a chat template.
   * @default "HuggingFaceTB/SmolLM2-360M-Instruct"
   */
  model?: string;
  /** @default "auto" (WebGPU on a hardware adapter, else WASM) */
  device?: Device;
  /** @default the model's own choice (`q4f16`/`q8`/`fp32` per its config) */
  dtype?: string;
  /**
   * Tokens generated at most per answer.
   * @default 256
   */
  maxNewTokens?: number;
  /**
   * 0 decodes greedily (deterministic).
   * @default 0
   */
  temperature?: number;
  /** @default 1 */
  topP?: number;
  /**
   * Tokens of prompt and answer together.
   * @default the model's max_position_embeddings, at most 8192
   */
  contextWindow?: number;
  /** Where model and wasm files come from. @default the Hugging Face Hub */
  modelSource?: ModelSource;
  onProgress?: ProgressCallback;
}

interface Loaded {
  tokenizer: PreTrainedTokenizer;
  model: PreTrainedModel;
  contextWindow: number;
}

/**
 * A local LLM on transformers.js (WebGPU or WASM). Tokens come from transformers.js's `TextStreamer`
 * callback and reach the caller through {@link pushIterator}; calls run one at a time.
 *
 * @example
 * const llm = new TransformersLLM({ model: 'HuggingFaceTB/SmolLM2-360M-Instruct', maxNewTokens: 128 });
 * for await (const delta of llm.streamChat([{ role: 'user', content: 'Hi!' }])) console.log(delta);
 */
export class TransformersLLM extends BaseLLM {
  readonly modelId: string;
  private readonly options: TransformersLLMOptions;
  private loading: Promise<Loaded> | undefined;
  private loaded: Loaded | undefined;
  private readonly queue = new SerialQueue();

  constructor(options: TransformersLLMOptions = {}) {
    super();
    this.options = options;
    this.modelId = options.model ?? 'HuggingFaceTB/SmolLM2-360M-Instruct';
    const maxNewTokens = options.maxNewTokens ?? 256;
    if (!Number.isInteger(maxNewTokens) || maxNewTokens < 1) {
      throw new InvalidArgumentError(`Expected maxNewTokens to be a positive integer, got ${describeValue(options.maxNewTokens)}.`);
    }
    if (options.temperature !== undefined && !(options.temperature >= 0)) {
      throw new InvalidArgumentError(`Expected temperature to be a number >= 0, got ${describeValue(options.temperature)}.`);
    }
  }

  get metadata(): LLMMetadata {
    return {
      model: this.modelId,
      contextWindow: this.options.contextWindow ?? this.loaded?.contextWindow ?? 2048,
      numOutput: this.options.maxNewTokens ?? 256,
      supportsStreaming: true,
    };
  }

  /** Loads tokenizer and weights once; later calls share the promise. */
  load(options: { onProgress?: ProgressCallback } = {}): Promise<void> {
    const mark = requestMark();
    this.loading ??= this.doLoad(options.onProgress ?? this.options.onProgress).then(
      (loaded) => (this.loaded = loaded),
      (error: unknown) => {
        this.loading = undefined;
        throw error instanceof ModelLoadError ? error : modelLoadError(`LLM "${this.modelId}"`, this.modelId, mark, error);
      },
    );
    return this.loading.then(() => undefined);
  }

  countTokens(text: string): number {
    if (!this.loaded) return Math.ceil(text.length / 4);
    return this.loaded.tokenizer.encode(text, { add_special_tokens: false }).length;
  }

  streamChat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): LLMStream {
    checkMessages(messages);
    let cancelled = false;
    let criteria: InterruptableStoppingCriteria | undefined;
    return pushIterator<string, LLMUsage>({
      signal: options.signal,
      merge: (a, b) => a + b,
      stop: () => {
        cancelled = true;
        criteria?.interrupt();
      },
      start: async (sink) => {
        // The turn is taken first, so calls keep their order whatever their wait for the model.
        return this.queue.run(async () => {
          const usage: LLMUsage = {};
          await abortable(this.load(), options.signal);
          if (cancelled) return usage;
          const { tokenizer, model } = this.loaded!;
          const inputIds = this.encodeChat(messages);
          usage.promptTokens = inputIds.length;
          usage.completionTokens = 0;
          criteria = new InterruptableStoppingCriteria();
          const started = performance.now();
          const streamer = new TextStreamer(tokenizer, {
            skip_prompt: true,
            skip_special_tokens: true,
            callback_function: (text: string) => {
              if (text) sink.push(text);
            },
            token_callback_function: () => {
              if (usage.completionTokens === 0) usage.timeToFirstTokenMs = performance.now() - started;
              usage.completionTokens!++;
            },
          });
          const temperature = this.options.temperature ?? 0;
          const input_ids = new Tensor('int64', BigInt64Array.from(inputIds, BigInt), [1, inputIds.length]);
          const attention_mask = new Tensor('int64', new BigInt64Array(inputIds.length).fill(1n), [1, inputIds.length]);
          await model.generate({
            input_ids,
            attention_mask,
            max_new_tokens: this.options.maxNewTokens ?? 256,
            do_sample: temperature > 0,
            ...(temperature > 0 && { temperature, top_p: this.options.topP ?? 1 }),
            streamer,
            stopping_criteria: [criteria],
          } as Parameters<PreTrainedModel['generate']>[0]);
          const seconds = (performance.now() - started) / 1000;
          if (seconds > 0 && usage.completionTokens) usage.decodeTokensPerSecond = usage.completionTokens / seconds;
          return usage;
        }, options.signal);
      },
    });
  }

  /**
   * Applies the chat template so that only the template's own markup becomes special tokens:
   * message contents are tokenized as plain text, so a document containing `<|im_start|>system`
   * cannot open a new chat turn.
   */
  encodeChat(messages: readonly ChatMessage[]): number[] {
    const { tokenizer } = this.loaded!;
    const markers = messages.map((_, i) => `\u{F0000}pagerag-content-${i}\u{F0000}`);
    const rendered = tokenizer.apply_chat_template(
      messages.map((m, i) => ({ role: m.role, content: markers[i]! })),
      { tokenize: false, add_generation_prompt: true },
    ) as string;
    const ids: number[] = [];
    const pattern = /\u{F0000}pagerag-content-(\d+)\u{F0000}/gu;
    let last = 0;
    for (const match of rendered.matchAll(pattern)) {
      if (match.index > last) ids.push(...tokenizer.encode(rendered.slice(last, match.index), { add_special_tokens: false }));
      ids.push(...encodePlainText(tokenizer, messages[Number(match[1])]!.content));
      last = match.index + match[0].length;
    }
    if (last < rendered.length) ids.push(...tokenizer.encode(rendered.slice(last), { add_special_tokens: false }));
    return ids;
  }

  /** Frees the model (and its GPU memory); a later call loads it again. */
  async dispose(): Promise<void> {
    const loaded = this.loaded;
    this.loaded = undefined;
    this.loading = undefined;
    await loaded?.model.dispose();
  }

  private async doLoad(onProgress: ProgressCallback | undefined): Promise<Loaded> {
    const requested = this.options.device ?? 'auto';
    const device = requested === 'auto' ? await autoDevice() : requested;
    await applyModelSource(this.options.modelSource);
    const progress_callback = modelLoadProgress(onProgress, this.modelId);
    const tokenizer = await AutoTokenizer.from_pretrained(this.modelId, { progress_callback });
    const model = await countingRuntimeDownload(progress_callback, () =>
      AutoModelForCausalLM.from_pretrained(this.modelId, { device, ...(this.options.dtype && { dtype: this.options.dtype as 'fp32' }), progress_callback }),
    );
    // One event-loop turn before each decoding step: the page stays responsive and an abort
    // (or a worker's cancel message) is seen between tokens, not after the whole answer.
    const forward = model.forward.bind(model);
    model.forward = async (inputs: unknown) => {
      await yieldToEventLoop();
      return forward(inputs as Parameters<typeof forward>[0]);
    };
    const config = model.config as unknown as { max_position_embeddings?: number };
    return { tokenizer, model, contextWindow: Math.min(config.max_position_embeddings ?? 2048, 8192) };
  }
}

/** Special-token strings inside `text` are split so the tokenizer sees them as ordinary characters. */
function encodePlainText(tokenizer: PreTrainedTokenizer, text: string): number[] {
  const specials = ((tokenizer as unknown as { all_special_tokens?: string[] }).all_special_tokens ?? []).filter((t) => t.length > 1);
  const addedTokens = [...((tokenizer as unknown as { added_tokens_map?: Map<string, unknown> }).added_tokens_map?.keys() ?? [])].filter((t) => t.length > 1);
  const all = [...new Set([...specials, ...addedTokens])].sort((a, b) => b.length - a.length);
  if (all.length === 0) return tokenizer.encode(text, { add_special_tokens: false });
  const pattern = new RegExp(all.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g');
  const ids: number[] = [];
  let last = 0;
  const encode = (piece: string) => piece && ids.push(...tokenizer.encode(piece, { add_special_tokens: false }));
  for (const match of text.matchAll(pattern)) {
    encode(text.slice(last, match.index));
    // Encoded in two halves, the string can no longer match the special token.
    const half = Math.ceil(match[0].length / 2);
    encode(match[0].slice(0, half));
    encode(match[0].slice(half));
    last = match.index + match[0].length;
  }
  encode(text.slice(last));
  return ids;
}
