// A Web Worker that serves a RAGEngine on the fixture models; the page passes { name, maxNewTokens }.
import { LocalRAGEngine } from '../../src/engines/rag-engine.js';
import { documentFromPdf } from '../../src/ingestion/pdf-document.js';
import { documentFromDocx } from '../../src/ingestion/docx-document.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { TransformersLLM } from '../../src/llms/transformers-llm.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { exposeRAGEngine } from '../../src/worker/expose-rag-engine.js';
import { FIXTURE_DECODER, FIXTURE_SOURCE } from './fixtures.js';
import { fixtureEmbedding } from './models.js';

exposeRAGEngine<{ name: string; maxNewTokens: number }>(async ({ name, maxNewTokens }, { onProgress }) => {
  const embedModel = fixtureEmbedding();
  await embedModel.load({ onProgress });
  const index = await VectorStoreIndex.fromVectorStore(await IndexedDBVectorStore.open(name), { embedModel });
  const llm = new TransformersLLM({ model: FIXTURE_DECODER, device: 'wasm', maxNewTokens, modelSource: FIXTURE_SOURCE });
  return new LocalRAGEngine({ index, llm, similarityTopK: 1, fileReaders: { '.pdf': documentFromPdf, '.docx': documentFromDocx } });
});
