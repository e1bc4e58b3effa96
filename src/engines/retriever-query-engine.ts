import { InvalidArgumentError, describeValue } from '../errors.js';
import { emit, type EventCallback } from '../events.js';
import { applyPostprocessors, type BaseNodePostprocessor } from '../postprocessors/similarity-postprocessor.js';
import type { BaseRetriever } from '../retrieval/retriever.js';
import type { NodeWithScore } from '../schema/node.js';
import type { ResponseSynthesizer, SynthesizerResult } from '../synthesizers/response-synthesizer.js';

export interface QueryOptions {
  signal?: AbortSignal;
}

export interface RetrieverQueryEngineOptions<S extends boolean> {
  retriever: BaseRetriever;
  responseSynthesizer: ResponseSynthesizer<S>;
  nodePostprocessors?: BaseNodePostprocessor[];
  onEvent?: EventCallback;
}

/**
 * Retrieve, post-process, synthesize. With a streaming synthesizer, `query()` resolves to a
 * `StreamingResponse` as soon as the last LLM call has started.
 *
 * @example
 * const engine = new RetrieverQueryEngine({ retriever: index.asRetriever({ similarityTopK: 2 }), responseSynthesizer: getResponseSynthesizer({ llm, streaming: true }) });
 * const response = await engine.query('What did the author do growing up?');
 * await response.printResponseStream();
 */
export class RetrieverQueryEngine<S extends boolean = false> {
  readonly retriever: BaseRetriever;
  readonly responseSynthesizer: ResponseSynthesizer<S>;
  readonly nodePostprocessors: BaseNodePostprocessor[];
  private readonly onEvent: EventCallback | undefined;

  constructor(options: RetrieverQueryEngineOptions<S>) {
    if (!options?.retriever || typeof options.retriever.retrieve !== 'function') {
      throw new InvalidArgumentError(`Expected retriever to have a retrieve(query) method, got ${describeValue(options?.retriever)}.`);
    }
    if (!options.responseSynthesizer || typeof options.responseSynthesizer.synthesize !== 'function') {
      throw new InvalidArgumentError(`Expected responseSynthesizer (from getResponseSynthesizer), got ${describeValue(options.responseSynthesizer)}.`);
    }
    this.retriever = options.retriever;
    this.responseSynthesizer = options.responseSynthesizer;
    this.nodePostprocessors = options.nodePostprocessors ?? [];
    this.onEvent = options.onEvent ?? options.responseSynthesizer.onEvent;
  }

  /** Retrieves and post-processes nodes for a query, without synthesis. */
  async retrieve(query: string, options: QueryOptions = {}): Promise<NodeWithScore[]> {
    emit(this.onEvent, { type: 'retrieve-start', query, time: performance.now() });
    const nodes = await applyPostprocessors(this.nodePostprocessors, await this.retriever.retrieve(query, options), query, options);
    emit(this.onEvent, { type: 'retrieve-end', query, nodes, time: performance.now() });
    return nodes;
  }

  async query(query: string | { query: string }, options: QueryOptions = {}): Promise<SynthesizerResult<S>> {
    const startedAt = performance.now();
    const text = typeof query === 'object' && query !== null ? query.query : query;
    if (typeof text !== 'string') throw new InvalidArgumentError(`Expected the query to be a string, got ${describeValue(text)}.`);
    options.signal?.throwIfAborted();
    const nodes = await this.retrieve(text, options);
    options.signal?.throwIfAborted();
    return this.responseSynthesizer.synthesize({ query: text, nodes, startedAt, ...(options.signal && { signal: options.signal }) });
  }
}
