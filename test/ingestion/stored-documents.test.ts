import { afterAll, describe, expect, test } from 'vitest';
import { IngestionPipeline } from '../../src/ingestion/ingestion-pipeline.js';
import { SentenceSplitter } from '../../src/ingestion/sentence-splitter.js';
import { readStoredDocuments } from '../../src/ingestion/stored-documents.js';
import { Document } from '../../src/schema/document.js';
import { TextNode } from '../../src/schema/node.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { MemoryVectorStore } from '../../src/storage/memory-vector-store.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';

const oldName = uniqueName('stored-old');
const newName = uniqueName('stored-new');
afterAll(async () => {
  await IndexedDBVectorStore.delete(oldName);
  await IndexedDBVectorStore.delete(newName);
});

const paragraphs = (n: number) =>
  Array.from({ length: n }, (_, i) => `Paragraph ${i} tells how the river ${i % 3 === 0 ? 'floods the low fields' : 'runs past the mill'} and why the town ${i} keeps boats.`).join('\n\n');

const squash = (text: string) => text.replace(/\s+/g, ' ').trim();

describe('readStoredDocuments', () => {
  test('rebuilds each document from its overlapping chunks: same id, metadata and words, in order', async () => {
    const vectorStore = new MemoryVectorStore();
    const embedModel = fixtureEmbedding();
    const splitter = new SentenceSplitter({ chunkSize: 24, chunkOverlap: 8, countTokens: (t) => embedModel.countTokens(t) });
    const documents = [
      new Document({ id: 'river', text: paragraphs(12), metadata: { name: 'river.md', tags: ['a', 'b'] } }),
      new Document({ id: 'short', text: '  One line only.  ', metadata: { name: 'short.txt' } }),
    ];
    await new IngestionPipeline({ embedModel, vectorStore, transformations: [splitter] }).run(documents);
    // The splitter made many overlapping chunks of the long one: the case worth rebuilding.
    const chunks = await vectorStore.getNodesOfRefDoc('river');
    expect(chunks.length).toBeGreaterThan(5);
    expect(chunks.some((c, i) => i > 0 && c.startCharIdx! < chunks[i - 1]!.endCharIdx!)).toBe(true);

    const rebuilt = await readStoredDocuments(vectorStore);
    expect(rebuilt.map((d) => [d.id, d.metadata])).toEqual([
      ['river', { name: 'river.md', tags: ['a', 'b'] }],
      ['short', { name: 'short.txt' }],
    ]);
    expect(squash(rebuilt[0]!.text)).toBe(squash(documents[0]!.text));
    // Blank lines between chunks come back as blank lines, so paragraphs still split as paragraphs.
    expect(rebuilt[0]!.text.split('\n\n').length).toBeGreaterThan(1);
    expect(rebuilt[1]!.text).toBe('One line only.');
  });

  test('chunks stored without offsets are joined with blank lines', async () => {
    const vectorStore = new MemoryVectorStore();
    const nodes = [new TextNode({ id: 'n1', text: 'First part.' }), new TextNode({ id: 'n2', text: 'Second part.' })];
    await vectorStore.add([{ refDocId: 'plain', hash: 'h', metadata: {}, nodes, vectors: [new Float32Array(2).fill(0.5), new Float32Array(2).fill(0.5)] }], { model: 'm', dimensions: 2 });
    expect((await readStoredDocuments(vectorStore)).map((d) => d.text)).toEqual(['First part.\n\nSecond part.']);
  });

  test('another embedding model: every document of the old IndexedDB index embedded into a new one, answerable there', async () => {
    const old = await IndexedDBVectorStore.open(oldName);
    const documents = [new Document({ id: 'a', text: paragraphs(4) }), new Document({ id: 'b', text: 'The bakery opens at dawn.' })];
    await new IngestionPipeline({ embedModel: fixtureEmbedding(), vectorStore: old }).run(documents);
    expect(await IndexedDBVectorStore.list()).toContain(oldName);

    const target = await IndexedDBVectorStore.open(newName);
    const other = fixtureEmbedding('fixtures/all-MiniLM-L6-v2-random');
    await new IngestionPipeline({ embedModel: other, vectorStore: target }).run(await readStoredDocuments(old));
    expect(target.embedModel?.model).toBe('fixtures/all-MiniLM-L6-v2-random');
    expect((await target.listRefDocs()).map((d) => d.id).sort()).toEqual(['a', 'b']);
    const [hit] = await target.query({ mode: 'keyword', queryStr: 'bakery dawn', similarityTopK: 1 });
    expect(hit!.node.refDocId).toBe('b');
    old.close();
    await IndexedDBVectorStore.delete(oldName);
    expect(await IndexedDBVectorStore.list()).not.toContain(oldName);
    target.close();
  });
});
