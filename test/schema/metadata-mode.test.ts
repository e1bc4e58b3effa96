// Metadata in what is embedded and what the LLM reads, as LlamaIndex does it (its TextNode
// get_content / get_metadata_str and MetadataAwareTextSplitter), through the real pipeline,
// fixture encoder and IndexedDB.
import { afterAll, describe, expect, test } from 'vitest';
import { EmbeddingModelMismatchError, InvalidArgumentError } from '../../src/errors.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { documentFromFile } from '../../src/ingestion/file-document.js';
import { SentenceSplitter } from '../../src/ingestion/sentence-splitter.js';
import { Document } from '../../src/schema/document.js';
import { MetadataMode } from '../../src/schema/metadata-mode.js';
import { TextNode } from '../../src/schema/node.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { MemoryVectorStore } from '../../src/storage/memory-vector-store.js';
import { ScriptedLLM } from '../support/scripted-llm.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';

const name = uniqueName('metadata-mode');
afterAll(() => IndexedDBVectorStore.delete(name));

describe('MetadataMode', () => {
  test("getContent renders LlamaIndex's defaults, and each mode leaves out its excluded keys", () => {
    const node = new TextNode({
      text: 'Streaming is supported.',
      metadata: { title: 'Guide', section: 'LLMs', internal_id: 7 },
      excludedEmbedMetadataKeys: ['internal_id'],
      excludedLlmMetadataKeys: ['section', 'internal_id'],
    });
    expect(node.getContent()).toBe('Streaming is supported.');
    expect(node.getContent(MetadataMode.NONE)).toBe('Streaming is supported.');
    expect(node.getContent(MetadataMode.ALL)).toBe('title: Guide\nsection: LLMs\ninternal_id: 7\n\nStreaming is supported.');
    expect(node.getContent(MetadataMode.EMBED)).toBe('title: Guide\nsection: LLMs\n\nStreaming is supported.');
    expect(node.getContent(MetadataMode.LLM)).toBe('title: Guide\n\nStreaming is supported.');
    expect(node.getMetadataStr(MetadataMode.LLM)).toBe('title: Guide');
    // Only what differs from the defaults is kept (and stored).
    expect(node.format).toEqual({ excludedEmbedMetadataKeys: ['internal_id'], excludedLlmMetadataKeys: ['section', 'internal_id'] });

    const custom = new TextNode({ text: 'body {content}', metadata: { a: '{value}', b: [1, 2] }, metadataTemplate: '[{key}={value}]', metadataSeparator: ' ', textTemplate: '{content} <- {metadata_str}' });
    // Filled in one pass, as Python's str.format: braces inside values are not templates.
    expect(custom.getContent(MetadataMode.ALL)).toBe('body {content} <- [a={value}] [b=[1,2]]');
    expect(new TextNode({ text: 'bare' }).getContent(MetadataMode.ALL)).toBe('bare');
    expect(() => new TextNode({ text: 'x', excludedLlmMetadataKeys: 'title' as unknown as string[] })).toThrow(InvalidArgumentError);
  });

  test('nodes inherit their document’s exclusions; chunks leave room for the metadata they will carry', async () => {
    const embedModel = fixtureEmbedding();
    await embedModel.load();
    const countTokens = (t: string) => embedModel.countTokens(t);
    const splitter = new SentenceSplitter({ chunkSize: 120, chunkOverlap: 0, countTokens });
    const text = Array.from({ length: 30 }, (_, i) => `Sentence ${i} says the river floods the fields.`).join(' ');
    const metadata = { title: 'Rivers, fields and mills', file_name: 'rivers.md' };
    const doc = new Document({ id: 'rivers', text, metadata, excludedEmbedMetadataKeys: ['file_name'] });
    const nodes = splitter.getNodesFromDocuments([doc]);
    expect(nodes.every((n) => n.excludedEmbedMetadataKeys.join() === 'file_name')).toBe(true);
    // Everything the embedding model and the LLM will read fits the chunk size.
    expect(Math.max(...nodes.map((n) => countTokens(n.getContent(MetadataMode.EMBED))))).toBeLessThanOrEqual(120);
    expect(Math.max(...nodes.map((n) => countTokens(n.getContent(MetadataMode.LLM))))).toBeLessThanOrEqual(120);
    const bare = splitter.getNodesFromDocuments([new Document({ id: 'bare', text })]);
    expect(nodes.length).toBeGreaterThan(bare.length);

    const huge = new Document({ id: 'huge', text, metadata: { title: 'word '.repeat(200) } });
    expect(() => splitter.getNodesFromDocuments([huge])).toThrow(/metadata of document "huge" takes \d+ tokens, as much as chunkSize \(120\)/);
  });

  test('embedded with EMBED content, prompted with LLM content, keywords from the bare text; the store keeps formats and the setting', async () => {
    const embedModel = fixtureEmbedding();
    const vectorStore = await IndexedDBVectorStore.open(name);
    const doc = new Document({
      id: 'mill',
      text: 'The mill grinds wheat every morning.',
      metadata: { title: 'Harbour guide', secret: 'zebra' },
      excludedEmbedMetadataKeys: ['secret'],
      excludedLlmMetadataKeys: ['secret'],
    });
    const index = await VectorStoreIndex.fromDocuments([doc], { embedModel, vectorStore });
    expect(embedModel.embeddedTexts).toContain('title: Harbour guide\n\nThe mill grinds wheat every morning.');
    expect(vectorStore.embedModel?.embedsMetadata).toBe(true);

    const llm = new ScriptedLLM();
    await index.asQueryEngine({ llm, similarityTopK: 1 }).query('What does the mill grind?');
    expect(llm.calls[0]!.prompt).toContain('title: Harbour guide\n\nThe mill grinds wheat every morning.');
    expect(llm.calls[0]!.prompt).not.toContain('zebra');
    // The analyzer reads the text only: metadata words are not keywords (BM25 stays Lucene's).
    expect(await index.asRetriever({ mode: 'bm25', similarityTopK: 1 }).retrieve('harbour')).toEqual([]);

    // Reopened: the node's format and the store's setting came back from IndexedDB.
    vectorStore.close();
    const reopened = await IndexedDBVectorStore.open(name);
    const [node] = await reopened.getNodesOfRefDoc('mill');
    expect(node!.excludedLlmMetadataKeys).toEqual(['secret']);
    expect(reopened.embedModel?.embedsMetadata).toBe(true);
    const again = await VectorStoreIndex.fromVectorStore(reopened, { embedModel });
    expect(again.vectorStore.embedModel?.embedsMetadata).toBe(true);
    // Another setting than the store's is refused, saying what to do.
    const refused = await VectorStoreIndex.fromVectorStore(reopened, { embedModel, embedMetadata: false }).catch((e: unknown) => e as Error);
    expect(refused).toBeInstanceOf(EmbeddingModelMismatchError);
    expect((refused as Error).message).toMatch(/embedded its nodes with their metadata \(embedMetadata: true\), but this pipeline embeds them as bare text.*readStoredDocuments/);

    // A snapshot carries both too.
    const restored = await VectorStoreIndex.fromSnapshot(await again.toSnapshot(), { vectorStore: new MemoryVectorStore(), embedModel, name: 'metadata' });
    expect(restored.vectorStore.embedModel?.embedsMetadata).toBe(true);
    const [fromSnapshot] = await restored.vectorStore.getNodesOfRefDoc('mill');
    expect(fromSnapshot!.getContent(MetadataMode.LLM)).toBe('title: Harbour guide\n\nThe mill grinds wheat every morning.');
    reopened.close();
  });

  test('embedMetadata: false embeds bare text, as stores written before did; such a store opens as it is', async () => {
    const embedModel = fixtureEmbedding();
    const vectorStore = new MemoryVectorStore();
    await VectorStoreIndex.fromDocuments([new Document({ id: 'd', text: 'Plain words.', metadata: { title: 'T' } })], { embedModel, vectorStore, embedMetadata: false });
    expect(embedModel.embeddedTexts).toEqual(['Plain words.']);
    expect(vectorStore.embedModel?.embedsMetadata).toBe(false);
    const reopened = await VectorStoreIndex.fromVectorStore(vectorStore, { embedModel });
    await reopened.insert(new Document({ id: 'e', text: 'More words.', metadata: { title: 'T' } }));
    expect(embedModel.embeddedTexts.at(-1)).toBe('More words.');
  });

  test('files: title from the heading, file_path kept, file_name and file_type left out (SimpleDirectoryReader)', () => {
    const md = documentFromFile('guide/intro.md', '# Getting started\n\nInstall it.');
    expect(md.metadata).toEqual({ file_path: 'guide/intro.md', file_name: 'intro.md', file_type: 'text/markdown', title: 'Getting started' });
    expect(md.getContent(MetadataMode.EMBED)).toBe('file_path: guide/intro.md\ntitle: Getting started\n\n# Getting started\n\nInstall it.');
    expect(documentFromFile('a.html', '<html><head><title>Boats &amp; more</title></head><body><p>x</p></body></html>').metadata.title).toBe('Boats & more');
    expect(documentFromFile('notes.txt', 'plain').metadata.title).toBeUndefined();
  });
});
