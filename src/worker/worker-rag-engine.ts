import type { FileInput, LoadSnapshotOptions, RAGEngine, RAGQueryOptions, RAGRetrieveOptions } from '../engines/rag-engine.js';
import type { PageragEvent } from '../events.js';
import type { IngestOptions } from '../ingestion/ingestion-pipeline.js';
import type { LLMUsage } from '../llms/types.js';
import type { ProgressCallback, ProgressUpdate } from '../progress.js';
import { StreamingResponse } from '../responses/streaming-response.js';
import type { Document } from '../schema/document.js';
import { TextNode, type NodeWithScore } from '../schema/node.js';
import type { LoadSnapshotResult } from '../snapshot/store-snapshot.js';
import type { RefDocInfo } from '../storage/vector-store.js';
import type { MessagePortLike, RAGEngineMethod, WorkerReply } from './protocol.js';
import { WorkerConnection, handshake } from './worker-connection.js';

const progressTo = (onProgress: ProgressCallback | undefined) => (reply: WorkerReply) => {
  if (reply.type === 'progress') onProgress?.(reply.update as ProgressUpdate);
};

/** TextNodes cross the boundary as plain objects: made TextNodes again. */
const revive = (nodes: NodeWithScore[]): NodeWithScore[] => nodes.map((n) => ({ node: new TextNode(n.node), score: n.score }));

function reviveEvent(event: PageragEvent): PageragEvent {
  return event.type === 'retrieve-end' ? { ...event, nodes: revive(event.nodes) } : event;
}

/**
 * The page side of a {@link RAGEngine} served by `exposeRAGEngine` in a Web Worker: the same
 * interface, with the index, the embedding model and the LLM all in the worker. Only documents,
 * progress, sources and text deltas cross over; errors keep their class. `query` resolves with a
 * `StreamingResponse` like a local engine's.
 *
 * @example
 * import { WorkerRAGEngine } from 'pagerag/client';
 * const engine = await WorkerRAGEngine.connect(new Worker(new URL('./rag-worker.ts', import.meta.url), { type: 'module' }));
 * const response = await engine.query('What did the author do growing up?');
 * await response.printResponseStream(output);
 */
export class WorkerRAGEngine implements RAGEngine {
  readonly info: { llm: string; embedModel: string };
  private readonly connection: WorkerConnection;

  /**
   * Sets the engine up in `worker` with `config` (passed to `exposeRAGEngine`'s `create`, with
   * `onProgress` for what it loads); rejects with the worker's error (class kept), or `WorkerError`
   * if the worker fails to load.
   */
  static async connect(worker: MessagePortLike, config?: unknown, options: { onProgress?: ProgressCallback } = {}): Promise<WorkerRAGEngine> {
    const { connection, reply } = await handshake(worker, 'RAG engine', { type: 'engine-init', config }, 'engine-ready', progressTo(options.onProgress));
    return new WorkerRAGEngine(connection, reply.info);
  }

  private constructor(connection: WorkerConnection, info: { llm: string; embedModel: string }) {
    this.connection = connection;
    this.info = info;
  }

  load(options: { onProgress?: ProgressCallback } = {}): Promise<void> {
    return this.call('load', [], options) as Promise<void>;
  }

  async query(question: string, options: RAGQueryOptions = {}): Promise<StreamingResponse> {
    const startedAt = performance.now();
    let onSources!: (nodes: NodeWithScore[]) => void;
    const sources = new Promise<NodeWithScore[]>((resolve) => (onSources = resolve));
    const deltas = this.connection.stream(
      { type: 'query', question, ...(options.chatHistory && { chatHistory: options.chatHistory.map(({ role, content }) => ({ role, content })) }) },
      {
        signal: options.signal,
        onOther: (reply) => {
          if (reply.type === 'sources') onSources(revive(reply.nodes));
          else if (reply.type === 'event') options.onEvent?.(reviveEvent(reply.event));
        },
      },
    );
    // Started now, so the request is sent; the first delta is handed to the response below.
    const first = deltas.next();
    const sourceNodes = await Promise.race([sources, first.then(async () => sources)]);
    let pending: Promise<IteratorResult<string, LLMUsage | undefined>> | undefined = first;
    const stream: AsyncIterable<string, LLMUsage | undefined, undefined> = {
      [Symbol.asyncIterator]: () => ({
        next: () => {
          const next = pending ?? deltas.next();
          pending = undefined;
          return next;
        },
        return: () => deltas.return!(),
      }),
    };
    return new StreamingResponse({
      stream,
      sourceNodes,
      startedAt,
      ...(options.onEvent && { onDelta: (delta: string) => options.onEvent!({ type: 'llm-delta', delta, time: performance.now() }) }),
    });
  }

  async retrieve(question: string, options: RAGRetrieveOptions = {}): Promise<NodeWithScore[]> {
    const { signal, ...settings } = options;
    return revive((await this.call('retrieve', [question, settings], signal ? { signal } : {})) as NodeWithScore[]);
  }

  refreshRefDocs(documents: readonly Document[], options: IngestOptions = {}): Promise<boolean[]> {
    // The format too: exclusion lists and templates decide what is embedded.
    const plain = documents.map((d) => ({ id: d.id, text: d.text, metadata: d.metadata, format: d.format }));
    return this.call('refreshRefDocs', [plain], options) as Promise<boolean[]>;
  }

  addFiles(files: readonly FileInput[], options: IngestOptions = {}): Promise<boolean[]> {
    return this.call('addFiles', [files.map(({ name, bytes }) => ({ name, bytes }))], options) as Promise<boolean[]>;
  }

  deleteRefDoc(refDocId: string): Promise<boolean> {
    return this.call('deleteRefDoc', [refDocId]) as Promise<boolean>;
  }

  listRefDocs(): Promise<RefDocInfo[]> {
    return this.call('listRefDocs', []) as Promise<RefDocInfo[]>;
  }

  loadSnapshot(url: string | URL, options: LoadSnapshotOptions = {}): Promise<LoadSnapshotResult | undefined> {
    // Resolved here: a relative URL means the page's location, not the worker script's.
    const absolute = new URL(String(url), globalThis.location?.href).href;
    return this.call('loadSnapshot', [absolute, options.name], options) as Promise<LoadSnapshotResult | undefined>;
  }

  clear(): Promise<void> {
    return this.call('clear', []) as Promise<void>;
  }

  /** Terminates the worker: calls in flight, and later ones, reject with a `WorkerError`. */
  terminate(): void {
    this.connection.terminate();
  }

  private async call(method: RAGEngineMethod, args: unknown[], options: { signal?: AbortSignal; onProgress?: ProgressCallback } = {}): Promise<unknown> {
    return (await this.connection.request({ type: 'call', method, args }, 'result', { signal: options.signal, onOther: progressTo(options.onProgress) })).value;
  }
}
