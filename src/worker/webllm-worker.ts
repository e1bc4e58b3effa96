// Worker entry for web-llm: `new WebLLM({ worker: new Worker(new URL('pagerag/webllm-worker', import.meta.url), { type: 'module' }) })`.
import { WebWorkerMLCEngineHandler } from '@mlc-ai/web-llm';

const handler = new WebWorkerMLCEngineHandler();
self.onmessage = (event: MessageEvent) => handler.onmessage(event);
