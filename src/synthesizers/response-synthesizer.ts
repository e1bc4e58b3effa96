import { InvalidArgumentError, NotImplementedError, describeValue } from '../errors.js';
import { MetadataMode } from '../schema/metadata-mode.js';
import { deltaEvents, emit, type EventCallback } from '../events.js';
import { countLLMTokens, type LLM, type LLMStream } from '../llms/types.js';
import {
  PromptTemplate,
  defaultRefinePrompt,
  defaultSimpleInputPrompt,
  defaultSummaryPrompt,
  defaultTextQaPrompt,
} from '../prompts/prompt-template.js';
import { Response } from '../responses/response.js';
import { StreamingResponse } from '../responses/streaming-response.js';
import type { NodeWithScore } from '../schema/node.js';
import { PromptHelper } from './prompt-helper.js';

export type ResponseMode =
  | 'compact'
  | 'refine'
  | 'tree_summarize'
  | 'simple_summarize'
  | 'accumulate'
  | 'compact_accumulate'
  | 'generation'
  | 'no_text'
  | 'context_only';

const RESPONSE_MODES: readonly ResponseMode[] = [
  'compact',
  'refine',
  'tree_summarize',
  'simple_summarize',
  'accumulate',
  'compact_accumulate',
  'generation',
  'no_text',
  'context_only',
];

/** LlamaIndex's answer when there is nothing to answer from. */
export const EMPTY_RESPONSE = 'Empty Response';

/** Modes that never call the LLM and always give a plain {@link Response}. */
type TextOnlyMode = 'no_text' | 'context_only';

export interface ResponseSynthesizerOptions<S extends boolean = false, M extends ResponseMode = 'compact'> {
  llm: LLM;
  /** @default false */
  streaming?: S;
  /** @default "compact" */
  responseMode?: M;
  textQaTemplate?: PromptTemplate;
  refineTemplate?: PromptTemplate;
  summaryTemplate?: PromptTemplate;
  /** Prompt packing; @default a PromptHelper from the LLM's metadata and tokenizer */
  promptHelper?: PromptHelper;
  onEvent?: EventCallback;
}

export interface SynthesizeParams {
  query: string;
  nodes: NodeWithScore[];
  signal?: AbortSignal;
  /** `performance.now()` when the query started, for `firstTokenMs`. */
  startedAt?: number;
}

/** The answer type for a streaming flag: `StreamingResponse` when true, `Response` otherwise. */
export type SynthesizerResult<S extends boolean> = S extends true ? StreamingResponse : Response;

/**
 * Builds the answer from retrieved nodes with one of LlamaIndex's response modes. Only the last LLM
 * call streams; `synthesize` resolves as soon as that call has started.
 */
export class ResponseSynthesizer<S extends boolean = false> {
  readonly llm: LLM;
  readonly streaming: S;
  readonly responseMode: ResponseMode;
  readonly textQaTemplate: PromptTemplate;
  readonly refineTemplate: PromptTemplate;
  readonly summaryTemplate: PromptTemplate;
  readonly promptHelper: PromptHelper;
  readonly onEvent: EventCallback | undefined;

  constructor(options: ResponseSynthesizerOptions<S, ResponseMode>) {
    const { llm } = options ?? ({} as ResponseSynthesizerOptions<S, ResponseMode>);
    if (!llm || typeof llm.complete !== 'function' || !llm.metadata) {
      throw new InvalidArgumentError(`Expected llm to be an LLM (e.g. new TransformersLLM() or new WebLLM()), got ${describeValue(llm)}.`);
    }
    const mode = options.responseMode ?? 'compact';
    if (!RESPONSE_MODES.includes(mode)) {
      throw new InvalidArgumentError(`Unknown responseMode ${describeValue(mode)}. Expected one of ${RESPONSE_MODES.join(', ')}.`);
    }
    const streaming = (options.streaming ?? false) as S;
    if (streaming && (mode === 'accumulate' || mode === 'compact_accumulate')) {
      throw new InvalidArgumentError(`responseMode "${mode}" makes one LLM call per chunk and cannot stream. Use streaming: false, or another response mode.`);
    }
    if (streaming && mode !== 'no_text' && mode !== 'context_only' && (!llm.metadata.supportsStreaming || typeof llm.streamComplete !== 'function')) {
      throw new NotImplementedError(`LLM "${llm.metadata.model}" cannot stream (metadata.supportsStreaming is false). Use streaming: false, or an LLM that streams.`);
    }
    this.llm = llm;
    this.streaming = streaming;
    this.responseMode = mode;
    this.textQaTemplate = options.textQaTemplate ?? defaultTextQaPrompt;
    this.refineTemplate = options.refineTemplate ?? defaultRefinePrompt;
    this.summaryTemplate = options.summaryTemplate ?? defaultSummaryPrompt;
    this.onEvent = options.onEvent;
    this.promptHelper =
      options.promptHelper ??
      new PromptHelper({
        contextWindow: llm.metadata.contextWindow,
        numOutput: llm.metadata.numOutput,
        countTokens: (text) => countLLMTokens(llm, text),
      });
  }

  async synthesize(params: SynthesizeParams): Promise<SynthesizerResult<S>> {
    const { query, nodes, signal } = params;
    if (typeof query !== 'string') throw new InvalidArgumentError(`Expected the query to be a string, got ${describeValue(query)}.`);
    signal?.throwIfAborted();
    emit(this.onEvent, { type: 'synthesize-start', query, time: performance.now() });
    // What the LLM reads: each node's text after the metadata its LLM mode lets through (LlamaIndex's MetadataMode.LLM).
    const texts = nodes.map((n) => n.node.getContent(MetadataMode.LLM));
    const run = new SynthesisRun(this, query, params);
    let result: Response | StreamingResponse;
    // LlamaIndex's BaseSynthesizer.synthesize: nothing retrieved answers "Empty Response" before any mode runs.
    if (nodes.length === 0) {
      result = this.responseMode === 'no_text' || this.responseMode === 'context_only' ? new Response(EMPTY_RESPONSE, nodes) : run.empty();
      return result as SynthesizerResult<S>;
    }
    switch (this.responseMode) {
      case 'no_text':
        result = new Response('', nodes);
        break;
      case 'context_only':
        result = new Response(texts.join('\n\n'), nodes);
        break;
      case 'generation':
        result = await run.final(defaultSimpleInputPrompt.format({ query }));
        break;
      case 'accumulate':
      case 'compact_accumulate':
        result = await run.accumulate(this.responseMode === 'compact_accumulate' ? this.promptHelper.repack(this.textQaTemplate.partialFormat({ query }), texts) : texts);
        break;
      case 'simple_summarize': {
        const template = this.textQaTemplate.partialFormat({ query });
        const context = this.promptHelper.truncate(template, texts).join('\n\n');
        result = await run.final(template.format({ context }));
        break;
      }
      case 'tree_summarize':
        result = await run.treeSummarize(texts);
        break;
      case 'refine':
        result = await run.refine(texts.flatMap((t) => this.promptHelper.repack(this.textQaTemplate.partialFormat({ query }), [t])));
        break;
      case 'compact':
        result = await run.refine(this.promptHelper.repack(this.textQaTemplate.partialFormat({ query }), texts));
        break;
    }
    return result as SynthesizerResult<S>;
  }
}

/** The LLM calls of one synthesis; only `final` may stream. */
class SynthesisRun {
  constructor(
    private readonly synth: ResponseSynthesizer<boolean>,
    private readonly query: string,
    private readonly params: SynthesizeParams,
  ) {}

  private get signalOption() {
    return this.params.signal ? { signal: this.params.signal } : {};
  }

  /** A non-final call: never streamed. */
  async call(prompt: string): Promise<string> {
    this.params.signal?.throwIfAborted();
    const { llm, onEvent } = this.synth;
    emit(onEvent, { type: 'llm-start', prompt, streaming: false, time: performance.now() });
    const { text } = await llm.complete(prompt, this.signalOption);
    emit(onEvent, { type: 'llm-end', response: text, time: performance.now() });
    return text;
  }

  /** The last call: streamed when the synthesizer streams, and resolved as soon as it starts. */
  async final(prompt: string): Promise<Response | StreamingResponse> {
    this.params.signal?.throwIfAborted();
    const { llm, onEvent } = this.synth;
    if (!this.synth.streaming) {
      const text = await this.call(prompt);
      this.end(text);
      return new Response(text, this.params.nodes);
    }
    emit(onEvent, { type: 'llm-start', prompt, streaming: true, time: performance.now() });
    return this.streamingResponse(llm.streamComplete(prompt, this.signalOption));
  }

  /** What a query with nothing retrieved answers: the same type as any other answer. */
  empty(): Response | StreamingResponse {
    if (!this.synth.streaming) {
      this.end(EMPTY_RESPONSE);
      return new Response(EMPTY_RESPONSE, this.params.nodes);
    }
    async function* emptyStream() {
      yield EMPTY_RESPONSE;
    }
    return this.streamingResponse(emptyStream());
  }

  async refine(chunks: string[]): Promise<Response | StreamingResponse> {
    if (chunks.length === 0) return this.empty();
    const { textQaTemplate, refineTemplate, promptHelper } = this.synth;
    const qa = textQaTemplate.partialFormat({ query: this.query });
    if (chunks.length === 1) return this.final(qa.format({ context: chunks[0]! }));
    let answer = await this.call(qa.format({ context: chunks[0]! }));
    for (let i = 1; i < chunks.length; i++) {
      const refine = refineTemplate.partialFormat({ query: this.query, existingAnswer: answer });
      // The refine prompt grows with the answer: re-split the chunk if it no longer fits.
      const pieces = promptHelper.repack(refine, [chunks[i]!]);
      for (let p = 0; p < pieces.length; p++) {
        const prompt = refineTemplate.format({ query: this.query, existingAnswer: answer, context: pieces[p]! });
        if (i === chunks.length - 1 && p === pieces.length - 1) return this.final(prompt);
        answer = await this.call(prompt);
      }
    }
    throw new Error('unreachable');
  }

  async treeSummarize(texts: string[]): Promise<Response | StreamingResponse> {
    const template = this.synth.summaryTemplate.partialFormat({ query: this.query });
    let chunks = this.synth.promptHelper.repack(template, texts);
    if (chunks.length === 0) return this.empty();
    while (chunks.length > 1) {
      const summaries: string[] = [];
      // One at a time: a local model runs one generation at a time anyway.
      for (const chunk of chunks) summaries.push(await this.call(template.format({ context: chunk })));
      const repacked = this.synth.promptHelper.repack(template, summaries);
      // Guard against summaries that do not shrink: stop repacking and truncate instead.
      chunks = repacked.length >= chunks.length ? [this.synth.promptHelper.truncate(template, summaries).join('\n\n')] : repacked;
    }
    return this.final(template.format({ context: chunks[0]! }));
  }

  async accumulate(chunks: string[]): Promise<Response> {
    const qa = this.synth.textQaTemplate.partialFormat({ query: this.query });
    const answers: string[] = [];
    for (const chunk of chunks) answers.push(await this.call(qa.format({ context: chunk })));
    const text = answers.length === 0 ? EMPTY_RESPONSE : answers.map((a, i) => `Response ${i + 1}: ${a}`).join('\n---------------------\n');
    this.end(text);
    return new Response(text, this.params.nodes);
  }

  private streamingResponse(stream: LLMStream): StreamingResponse {
    const { onEvent } = this.synth;
    return new StreamingResponse({
      stream,
      onDelta: deltaEvents(onEvent),
      sourceNodes: this.params.nodes,
      ...(this.params.startedAt !== undefined && { startedAt: this.params.startedAt }),
      onEnd: (text) => {
        emit(onEvent, { type: 'llm-end', response: text, time: performance.now() });
        this.end(text);
      },
    });
  }

  private end(response: string): void {
    emit(this.synth.onEvent, { type: 'synthesize-end', query: this.query, response, time: performance.now() });
  }
}

/**
 * LlamaIndex's factory. The result type follows `streaming` and `responseMode`: `no_text` and
 * `context_only` never stream.
 *
 * @example
 * const responseSynthesizer = getResponseSynthesizer({ llm, streaming: true, responseMode: 'refine' });
 * const engine = new RetrieverQueryEngine({ retriever: index.asRetriever(), responseSynthesizer });
 */
export function getResponseSynthesizer<S extends boolean = false, M extends ResponseMode = 'compact'>(
  options: ResponseSynthesizerOptions<S, M>,
): ResponseSynthesizer<M extends TextOnlyMode ? false : S> {
  const textOnly = options.responseMode === 'no_text' || options.responseMode === 'context_only';
  return new ResponseSynthesizer({ ...options, streaming: (textOnly ? false : options.streaming) as boolean }) as ResponseSynthesizer<
    M extends TextOnlyMode ? false : S
  >;
}
