import { BaseLLM, checkMessages } from '../llms/base-llm.js';
import type { ChatMessage, LLMCallOptions, LLMMetadata, LLMStream } from '../llms/types.js';
import type { MessagePortLike } from './protocol.js';
import { WorkerConnection, handshake } from './worker-connection.js';

/**
 * The page side of an LLM that runs in a Web Worker ({@link exposeLLM} on the other side): the same
 * {@link LLM} interface, but the model never blocks the page; only text deltas cross over.
 * `countTokens` is an estimate on the page (pagerag's usual four characters a token); use
 * `countTokensExact` for the model's own count. A call ends on the page as soon as it is stopped
 * or aborted, and calls in flight reject with a `WorkerError` when the worker fails or is
 * terminated through {@link WorkerLLM.terminate}: nothing waits on a dead worker.
 *
 * @example
 * const llm = await WorkerLLM.connect(new Worker(new URL('./llm-worker.ts', import.meta.url), { type: 'module' }));
 * const engine = index.asQueryEngine({ llm, streaming: true });
 */
export class WorkerLLM extends BaseLLM {
  readonly metadata: LLMMetadata;
  private readonly connection: WorkerConnection;

  /** Connects to an LLM served by {@link exposeLLM} in `worker`; rejects with `WorkerError` if the worker fails to load. */
  static async connect(worker: MessagePortLike): Promise<WorkerLLM> {
    const { connection, reply } = await handshake(worker, 'LLM', { type: 'metadata' }, 'metadata');
    return new WorkerLLM(connection, reply.metadata);
  }

  private constructor(connection: WorkerConnection, metadata: LLMMetadata) {
    super();
    this.connection = connection;
    this.metadata = metadata;
    connection.label = `LLM (model "${metadata.model}")`;
  }

  countTokens(text: string): number {
    return Math.ceil(text.length / 4);
  }

  /** Token counts by the model's tokenizer, in the worker. */
  async countTokensExact(texts: string[]): Promise<number[]> {
    return (await this.connection.request({ type: 'count-tokens', texts }, 'token-counts')).counts;
  }

  streamChat(messages: readonly ChatMessage[], options: LLMCallOptions = {}): LLMStream {
    checkMessages(messages);
    return this.connection.stream({ type: 'stream', messages: messages.map((m) => ({ role: m.role, content: m.content })) }, { signal: options.signal });
  }

  /** Stops listening to the worker (the worker itself is the caller's to terminate). */
  dispose(): void {
    this.connection.dispose();
  }

  /** Terminates the worker: calls in flight, and later ones, reject with a `WorkerError`. */
  terminate(): void {
    this.connection.terminate();
  }
}
