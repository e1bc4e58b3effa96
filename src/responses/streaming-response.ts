import { InvalidArgumentError, describeValue } from '../errors.js';
import type { LLMStream, LLMUsage } from '../llms/types.js';
import type { Metadata, NodeWithScore } from '../schema/node.js';
import { Response, formattedSources, sourceMetadata } from './response.js';

/** Where `printResponseStream` writes: the console (default), an element (as text), a stream or a callback. */
export type PrintTarget = HTMLElement | WritableStream<string> | ((delta: string) => void);

export interface StreamingResponseInit {
  stream: LLMStream;
  sourceNodes: NodeWithScore[];
  /** `performance.now()` when `query()` was called, for `firstTokenMs`. */
  startedAt?: number;
  /** Called with each delta as it arrives (before the reader gets it). */
  onDelta?: (delta: string) => void;
  /** Called once with the text generated, when the stream ends or is stopped. */
  onEnd?: (text: string) => void;
}

/**
 * A streamed answer, LlamaIndex-style. `query()` resolves with it as soon as the last LLM call
 * has started; `sourceNodes` are there already, the text arrives through `responseGen`.
 *
 * @example
 * const response = await index.asQueryEngine({ llm, streaming: true, similarityTopK: 1 }).query('What did the author do growing up?');
 * for await (const delta of response.responseGen) output.append(delta);
 * // or: await response.printResponseStream(output);
 */
export class StreamingResponse {
  readonly sourceNodes: NodeWithScore[];
  readonly metadata: Record<string, Metadata>;
  /** Text deltas in order. One consumer: `break` stops generation in the model. */
  readonly responseGen: AsyncGenerator<string, void, undefined>;
  /** Milliseconds from the `query()` call to the first delta. */
  firstTokenMs: number | undefined;
  /** Deltas received so far. */
  deltaCount = 0;
  private text = '';
  private ended = false;
  private figures: LLMUsage | undefined;
  private readonly startedAt: number;

  constructor(init: StreamingResponseInit) {
    this.sourceNodes = init.sourceNodes;
    this.metadata = sourceMetadata(init.sourceNodes);
    this.startedAt = init.startedAt ?? performance.now();
    const iterator = init.stream[Symbol.asyncIterator]();
    // Start the model now, not at the first read: the call has started when query() resolves.
    const first = iterator.next();
    first.catch(() => {});
    this.responseGen = this.generate(iterator, first, init);
  }

  /** The model's figures for this answer (token counts, speed), complete once the stream ended. */
  get usage(): LLMUsage | undefined {
    return this.figures;
  }

  /** Whether the stream has ended (completed, stopped or failed). */
  get done(): boolean {
    return this.ended;
  }

  /** Reads the rest of the stream and returns the whole answer (also after a partial read of `responseGen`). */
  async getResponse(): Promise<Response> {
    for await (const _ of this.responseGen) {
      // Each delta is recorded by the generator itself.
    }
    return new Response(this.text, this.sourceNodes);
  }

  /**
   * Writes deltas as they arrive. An element gets them as text nodes: model output is never parsed as HTML.
   */
  async printResponseStream(target?: PrintTarget): Promise<void> {
    let write: (delta: string) => void | Promise<void>;
    let release = () => {};
    if (target === undefined) {
      const stdout = (globalThis as { process?: { stdout?: { write(s: string): void } } }).process?.stdout;
      write = stdout ? (d) => stdout.write(d) : (d) => console.log(d);
    } else if (typeof target === 'function') {
      write = target;
    } else if (typeof WritableStream !== 'undefined' && target instanceof WritableStream) {
      const writer = target.getWriter();
      write = (d) => writer.write(d);
      release = () => writer.releaseLock();
    } else if (typeof (target as HTMLElement)?.append === 'function' && (target as HTMLElement).ownerDocument) {
      const element = target as HTMLElement;
      write = (d) => element.append(element.ownerDocument.createTextNode(d));
      release = () => element.normalize();
    } else {
      throw new InvalidArgumentError(`Expected printResponseStream's target to be an HTMLElement, a WritableStream<string> or a function, got ${describeValue(target)}.`);
    }
    try {
      for await (const delta of this.responseGen) await write(delta);
    } finally {
      release();
    }
  }

  /** The text received so far (all of it once the stream ended). */
  toString(): string {
    return this.text;
  }

  /** The sources as "> Source (Doc id: …): text" paragraphs, each cut to `length` characters (there before the first delta). */
  getFormattedSources(length = 100): string {
    return formattedSources(this.sourceNodes, length);
  }

  private async *generate(
    iterator: AsyncIterator<string, LLMUsage | void>,
    first: Promise<IteratorResult<string, LLMUsage | void>>,
    { onDelta, onEnd }: StreamingResponseInit,
  ): AsyncGenerator<string, void, undefined> {
    let completed = false;
    try {
      let result = await first;
      while (!result.done) {
        const delta = result.value;
        if (delta !== '') {
          this.firstTokenMs ??= performance.now() - this.startedAt;
          this.text += delta;
          this.deltaCount++;
          onDelta?.(delta);
          yield delta;
        }
        result = await iterator.next();
      }
      this.figures = result.value || undefined;
      completed = true;
    } finally {
      // A consumer's break lands here: stop the model and wait until it is free. Adapters that
      // know the figures of the part generated return them.
      if (!completed) this.figures = ((await iterator.return?.())?.value as LLMUsage | void) || undefined;
      this.ended = true;
      onEnd?.(this.text);
    }
  }
}
