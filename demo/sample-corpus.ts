// pagerag's own docs, so the demo has something to answer from on first load.
export const SAMPLE_CORPUS: { id: string; name: string; text: string }[] = [
  {
    id: 'sample:what-is-pagerag',
    name: 'What is pagerag.md',
    text: `# What is pagerag

pagerag is a TypeScript library for retrieval-augmented generation that runs entirely inside the web page. There is no server and no API key: documents are split into chunks, embedded with transformers.js, stored in an IndexedDB vector index, retrieved for each question, and answered by a local language model whose tokens stream to the page as the model produces them.

It serves three uses: AI search and answers embedded in static sites, querying documents offline in the browser, and demos that need no server keys.

The API follows LlamaIndex, so a LlamaIndex user recognises every name: Document, SentenceSplitter, VectorStoreIndex, asQueryEngine, StreamingResponse, responseGen and printResponseStream.`,
  },
  {
    id: 'sample:retrieval',
    name: 'How retrieval works.md',
    text: `# How retrieval works

Each document is split by the SentenceSplitter into chunks that fit the embedding model: paragraphs first, then sentences, then words. Every chunk is turned into a vector by the embedding model, by default all-MiniLM-L6-v2 with 384 dimensions.

The vectors are stored in IndexedDB in large segments, one transaction per batch of whole documents, so a closed tab never leaves half a document behind. When the page opens, the vectors are read into one contiguous matrix in memory.

A question is embedded the same way, and the chunks with the highest cosine similarity are returned, highest score first. Metadata filters and a similarity cutoff narrow the results.`,
  },
  {
    id: 'sample:streaming',
    name: 'Streaming answers.md',
    text: `# Streaming answers

The query engine resolves with a StreamingResponse as soon as the language model starts generating. The source chunks are available before the first token, and responseGen yields the text as it arrives. Pressing Stop aborts the generation inside the model, and the next question works right away.

Two local models are supported: web-llm on WebGPU, which is fast on a good graphics card, and transformers.js on WebAssembly, which runs in every modern browser. The models run in a Web Worker, so the page never freezes while an answer is written.`,
  },
  {
    id: 'sample:privacy',
    name: 'Privacy and offline use.md',
    text: `# Privacy and offline use

Nothing you add here leaves your browser. The documents, the vectors and the answers stay on this device. The only network requests are for model files, from the Hugging Face Hub or from the models base URL set in the settings, and the browser caches them after the first visit.

After the first visit the demo works offline: the app shell is cached by a service worker, the models by the browser, and the index lives in IndexedDB.`,
  },
];
