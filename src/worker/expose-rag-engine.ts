import { InvalidStateError } from '../errors.js';
import type { PageragEvent } from '../events.js';
import type { FileInput, RAGEngine, RAGRetrieveOptions } from '../engines/rag-engine.js';
import { Document } from '../schema/document.js';
import type { ProgressCallback, ProgressUpdate } from '../progress.js';
import type { MessagePortLike, RAGEngineMethod } from './protocol.js';
import { sendStream, serve, type ServedCall } from './serve.js';

/**
 * Serves a {@link RAGEngine} from inside a worker: index, embedding model and LLM all live there,
 * and the page talks to them through `WorkerRAGEngine.connect(worker, config)` (entry
 * `pagerag/client`). `create` receives that `config` (any structured-cloneable value, e.g. the
 * models the user chose) and builds the engine once. Returns a function that stops serving.
 *
 * @example
 * // rag-worker.ts
 * import { IndexedDBVectorStore, LocalRAGEngine, TransformersEmbedding, TransformersLLM, VectorStoreIndex, exposeRAGEngine } from 'pagerag';
 * exposeRAGEngine(async () => {
 *   const embedModel = new TransformersEmbedding();
 *   const index = await VectorStoreIndex.fromVectorStore(await IndexedDBVectorStore.open('docs'), { embedModel });
 *   return new LocalRAGEngine({ index, llm: new TransformersLLM(), similarityTopK: 2 });
 * });
 */
export function exposeRAGEngine<C = unknown>(create: (config: C, options: { onProgress: ProgressCallback }) => RAGEngine | Promise<RAGEngine>, port: MessagePortLike = globalThis as unknown as MessagePortLike): () => void {
  let engine: Promise<RAGEngine> | undefined;
  const ready = () => {
    if (!engine) throw new InvalidStateError('The RAG engine worker got a call before it was set up: connect with WorkerRAGEngine.connect(worker, config).');
    return engine;
  };
  const progress = (call: ServedCall) => ({ signal: call.signal, onProgress: (update: ProgressUpdate) => call.reply({ type: 'progress', update: { ...update } }) });

  const methods: Record<RAGEngineMethod, (engine: RAGEngine, args: unknown[], call: ServedCall) => Promise<unknown>> = {
    load: (e, _, call) => e.load({ onProgress: progress(call).onProgress }),
    retrieve: (e, [question, options], call) => e.retrieve(question as string, { ...(options as RAGRetrieveOptions), signal: call.signal }),
    refreshRefDocs: (e, [docs], call) => e.refreshRefDocs((docs as Document[]).map((d) => new Document(d)), progress(call)),
    addFiles: (e, [files], call) => e.addFiles(files as FileInput[], progress(call)),
    deleteRefDoc: (e, [id]) => e.deleteRefDoc(id as string),
    listRefDocs: (e) => e.listRefDocs(),
    loadSnapshot: (e, [url, name], call) => e.loadSnapshot(url as string, { ...progress(call), ...(typeof name === 'string' && { name }) }),
    clear: (e) => e.clear(),
  };

  return serve(port, {
    'engine-init': async (request, call) => {
      engine ??= Promise.resolve(create(request.config as C, { onProgress: progress(call).onProgress }));
      const { info } = await engine;
      call.reply({ type: 'engine-ready', info: { ...info } });
    },
    call: async (request, call) => {
      const value = await methods[request.method](await ready(), request.args, call);
      call.reply({ type: 'result', value });
    },
    query: async (request, call) => {
      const onEvent = (event: PageragEvent) => {
        // Deltas travel as deltas; each other event is sent once.
        if (event.type !== 'llm-delta') call.reply({ type: 'event', event });
      };
      const response = await (await ready()).query(request.question, { signal: call.signal, onEvent, ...(request.chatHistory && { chatHistory: request.chatHistory }) });
      call.reply({ type: 'sources', nodes: response.sourceNodes });
      await sendStream(call, response.responseGen, () => response.usage);
    },
  });
}
