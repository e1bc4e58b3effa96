import { afterAll, describe, expect, inject, test } from 'vitest';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { BM25Index, analyzeKeywords } from '../../src/search/bm25-index.js';
import { analyze } from '../../src/search/english-analyzer.js';
import { decodeKeywordRows, encodeKeywordRows } from '../../src/search/keyword-codec.js';
import { porterStem } from '../../src/search/porter-stemmer.js';
import { SearchIndex } from '../../src/search/search-index.js';
import { QueryFusionRetriever } from '../../src/retrieval/query-fusion-retriever.js';
import type { BaseRetriever } from '../../src/retrieval/retriever.js';
import { Document } from '../../src/schema/document.js';
import { TextNode } from '../../src/schema/node.js';
import { IndexedDBVectorStore } from '../../src/storage/indexeddb-vector-store.js';
import { evaluate, indexScifact, parseScifact } from '../../eval/scifact.js';
import { corpusDocuments } from '../support/corpus.js';
import { fixtureEmbedding, uniqueName } from '../support/models.js';

const stores: IndexedDBVectorStore[] = [];
afterAll(async () => {
  for (const store of stores) {
    store.close();
    await IndexedDBVectorStore.delete(store.name);
  }
});

describe('BM25Index', () => {
  test('after removals (and the squeeze that drops removed rows and their terms) it scores as an index of the rows left', () => {
    // Seeded texts: words of a small shared vocabulary, and one word of each document's own.
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const vocabulary = ['river', 'fish', 'heron', 'bank', 'stone', 'water', 'bridge', 'mill', 'reed', 'otter', 'boat', 'rain'];
    const rows = Array.from({ length: 400 }, (_, i) => {
      const words = Array.from({ length: 3 + Math.floor(next() * 12) }, () => vocabulary[Math.floor(next() * vocabulary.length)]!);
      return { row: { nodeId: `n${i}`, refDocId: `d${Math.floor(i / 4)}`, metadata: { i } }, text: `${words.join(' ')} own${Math.floor(i / 4)}word` };
    });
    const index = new BM25Index<(typeof rows)[number]['row']>();
    for (const { row, text } of rows) index.add(row, analyzeKeywords(text));
    const queries = ['river fish', 'heron heron bank', 'stone bridge mill otter', 'rain', 'own3word', 'own90word river', 'nothing here'];
    const answers = (i: BM25Index<(typeof rows)[number]['row']>) => queries.map((q) => i.search(q, 15).map((hit) => [hit.row.nodeId, hit.score]));
    const removed = new Set<string>();
    // Rounds of removals: before a quarter is gone the postings still list removed rows; after, they are squeezed out.
    for (const round of [[0, 10], [10, 30], [30, 60]] as const) {
      for (let d = round[0]; d < round[1]; d++) {
        index.removeRefDoc(`d${d * 3 % 100}`);
        removed.add(`d${d * 3 % 100}`);
      }
      const fresh = new BM25Index<(typeof rows)[number]['row']>();
      for (const { row, text } of rows) if (!removed.has(row.refDocId)) fresh.add(row, analyzeKeywords(text));
      expect(index.size).toBe(fresh.size);
      expect(answers(index)).toEqual(answers(fresh));
    }
    // A removed document's own word finds nothing; rows added after the squeeze are found.
    expect(index.search('own3word', 5)).toEqual([]);
    index.add({ nodeId: 'late', refDocId: 'late', metadata: { i: -1 } }, analyzeKeywords('a late otter own3word'));
    expect(index.search('own3word', 5).map((hit) => hit.row.nodeId)).toEqual(['late']);
    expect(index.search('otter', 500).some((hit) => hit.row.nodeId === 'late')).toBe(true);
  });
});

describe('SearchIndex: deferred keyword work', () => {
  test('built in idle slices (a batch resumed where it stopped, removals in order), it answers as an index built at once', async () => {
    let seed = 11;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const vocabulary = Array.from({ length: 300 }, (_, i) => `word${i}`);
    const batches = Array.from({ length: 3 }, (_, b) =>
      Array.from({ length: 5000 }, (_, i) => {
        const n = b * 5000 + i;
        const text = Array.from({ length: 20 }, () => vocabulary[Math.floor(next() * vocabulary.length)]!).join(' ');
        return { row: { nodeId: `n${n}`, refDocId: `d${Math.floor(n / 5)}`, metadata: {} }, keywords: analyzeKeywords(text) };
      }),
    );
    const removed = ['d3', 'd1200', 'd2999'];
    const vectors = (count: number) => new Float32Array(count * 4).fill(0.5);
    const deferred = await SearchIndex.create<(typeof batches)[number][number]['row']>(4, 1024);
    let provided = 0;
    for (const batch of batches) {
      // Deferred, as an opening store gives them: made when the keyword index first needs them.
      deferred.add(batch.map((r) => r.row), vectors(batch.length), () => (provided++, batch.map((r) => r.keywords)));
    }
    for (const id of removed) deferred.removeRefDoc(id);
    expect(provided).toBe(0);
    const atOnce = await SearchIndex.create<(typeof batches)[number][number]['row']>(4, 1024);
    for (const batch of batches) atOnce.add(batch.map((r) => r.row), vectors(batch.length), batch.map((r) => r.keywords));
    for (const id of removed) atOnce.removeRefDoc(id);
    const answers = (index: typeof atOnce) => Promise.all(['word1 word2', 'word7', 'word250 word3 word99'].map((q) => index.search({ mode: 'keyword', queryStr: q, similarityTopK: 20 }).then((hits) => hits.map((h) => [h.row.nodeId, h.score]))));
    // Some idle periods pass (a slice of a batch each, or more), then a keyword query finishes the rest.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => requestIdleCallback(resolve));
    expect(await answers(deferred)).toEqual(await answers(atOnce));
    expect(deferred.keywordSize).toBe(15000 - removed.length * 5);
    // Each batch's keywords were asked for once, however many slices it took.
    expect(provided).toBe(3);
  });
});

describe('English analyzer', () => {
  test('Porter stems like the reference algorithm', () => {
    const pairs: [string, string][] = [
      ['caresses', 'caress'], ['ponies', 'poni'], ['cats', 'cat'], ['feed', 'feed'], ['agreed', 'agre'], ['plastered', 'plaster'],
      ['motoring', 'motor'], ['sing', 'sing'], ['conflated', 'conflat'], ['troubled', 'troubl'], ['sized', 'size'], ['hopping', 'hop'],
      ['falling', 'fall'], ['filing', 'file'], ['happy', 'happi'], ['relational', 'relat'], ['conditional', 'condit'], ['rational', 'ration'],
      ['valenci', 'valenc'], ['digitizer', 'digit'], ['operator', 'oper'], ['feudalism', 'feudal'], ['decisiveness', 'decis'],
      ['hopefulness', 'hope'], ['formaliti', 'formal'], ['sensibiliti', 'sensibl'], ['triplicate', 'triplic'], ['formative', 'form'],
      ['electrical', 'electr'], ['revival', 'reviv'], ['allowance', 'allow'], ['adjustment', 'adjust'], ['adoption', 'adopt'],
      ['generalizations', 'gener'], ['probate', 'probat'], ['controll', 'control'], ['roll', 'roll'], ['running', 'run'], ['proteins', 'protein'],
    ];
    for (const [word, stem] of pairs) expect([word, porterStem(word)]).toEqual([word, stem]);
  });

  test("lowercases, drops stop words and possessives, keeps numbers", () => {
    expect(analyze("The author's paintings were GROWING in 3.5 years, and it isn't over")).toEqual(['author', 'paint', 'were', 'grow', '3.5', 'year', "isn't", 'over']);
    // Numbers skip stemming; a token that only starts with digits, or other digits, does not.
    expect(analyze('In the 1990s 1,000 O’Neil’s cats ran 42 km, 0.5 each; ٣ rocks')).toEqual(['1990', '1,000', "o'neil", 'cat', 'ran', '42', 'km', '0.5', 'each', '٣', 'rock']);
  });

  test('keyword rows come back from their bytes as written: ASCII, other scripts, terms of any length', () => {
    const rows = [
      { terms: ['fox', 'café', '日本語', 'x'.repeat(127)], freqs: [1, 2, 3, 4] },
      { terms: [], freqs: [] },
      { terms: ['y'.repeat(128), 'fox', '😀', 'é'.repeat(50)], freqs: [300, 1, 1, 2] },
    ];
    expect([...decodeKeywordRows(encodeKeywordRows(rows), rows.length, (reason) => new Error(reason))]).toEqual(rows);
  });
});

describe('BM25 and hybrid retrieval on the index', () => {
  test('finds exact terms, persists across a reload, follows deletes and refreshes', async () => {
    const vectorStore = await IndexedDBVectorStore.open(uniqueName('bm25'));
    stores.push(vectorStore);
    const docs = [...corpusDocuments(), new Document({ id: 'codes', text: 'Error code XJ-9000 means the quota is exhausted.' })];
    const index = await VectorStoreIndex.fromDocuments(docs, { embedModel: fixtureEmbedding(), vectorStore });
    const [hit] = await index.asRetriever({ mode: 'bm25', similarityTopK: 1 }).retrieve('what does XJ-9000 mean?');
    expect(hit!.node.refDocId).toBe('codes');
    expect(hit!.score).toBeGreaterThan(0);
    const nature = await index.asRetriever({ mode: 'bm25', similarityTopK: 5, filters: { filters: [{ key: 'topic', value: 'nature' }] } }).retrieve('river snow software');
    expect(nature.map((r) => r.node.refDocId).sort()).toEqual(['animals', 'weather']);

    vectorStore.close();
    const reopened = await IndexedDBVectorStore.open(vectorStore.name);
    stores.push(reopened);
    const again = await VectorStoreIndex.fromVectorStore(reopened, { embedModel: fixtureEmbedding() });
    expect((await again.asRetriever({ mode: 'bm25', similarityTopK: 1 }).retrieve('XJ-9000'))[0]!.node.refDocId).toBe('codes');
    await again.deleteRefDoc('codes');
    expect((await again.asRetriever({ mode: 'bm25', similarityTopK: 5 }).retrieve('XJ-9000')).some((r) => r.node.refDocId === 'codes')).toBe(false);
    await again.refreshRefDocs([new Document({ id: 'animals', text: 'Zebras graze quietly.' })]);
    expect((await again.asRetriever({ mode: 'bm25', similarityTopK: 1 }).retrieve('zebra'))[0]!.node.refDocId).toBe('animals');
    expect(await again.asRetriever({ mode: 'bm25', similarityTopK: 5 }).retrieve('mouse fruit tree')).toEqual([]);
    expect(await reopened.verify()).toEqual([]);

    const hybrid = await again.asRetriever({ mode: 'hybrid', alpha: 0.5, similarityTopK: 3 }).retrieve('zebra');
    expect(hybrid[0]!.node.refDocId).toBe('animals');
    expect(() => again.asRetriever({ mode: 'hybrid', alpha: 2 })).toThrow(/alpha to be a number from 0/);
  });

  test('fusion: reciprocal rank and relative score, by weight', async () => {
    const node = (id: string) => new TextNode({ id, text: id, refDocId: id });
    const fixed = (list: [string, number][]): BaseRetriever => ({ retrieve: async () => list.map(([id, score]) => ({ node: node(id), score })) });
    const a = fixed([['x', 0.9], ['y', 0.8], ['z', 0.1]]);
    const b = fixed([['z', 12], ['y', 11], ['w', 1]]);
    const rrf = await new QueryFusionRetriever({ retrievers: [a, b], similarityTopK: 4 }).retrieve('q');
    // z: 1/(60+3) + 1/(60+1) edges out y: 1/62 + 1/62.
    expect(rrf.map((r) => r.node.id)).toEqual(['z', 'y', 'x', 'w']);
    expect(rrf[0]!.score).toBeCloseTo(1 / 63 + 1 / 61, 12);
    expect(rrf[1]!.score).toBeCloseTo(2 / 62, 12);
    const onlyA = await new QueryFusionRetriever({ retrievers: [a, b], mode: 'relative_score', retrieverWeights: [1, 0], similarityTopK: 1 }).retrieve('q');
    expect(onlyA[0]!.node.id).toBe('x');
    const onlyB = await new QueryFusionRetriever({ retrievers: [a, b], mode: 'relative_score', retrieverWeights: [0, 1], similarityTopK: 1 }).retrieve('q');
    expect(onlyB[0]!.node.id).toBe('z');
  });
});

const scifactDir = inject('scifactDir');

describe.skipIf(!scifactDir)('BEIR SciFact (whole test set) against the published Lucene BM25 figures', () => {
  test('bm25: nDCG@10 ≥ 0.670 and Recall@100 ≥ 0.92', async () => {
    const read = async (file: string) => (await fetch(`/@fs${scifactDir}/${file}`)).text();
    const data = parseScifact(await read('corpus.jsonl'), await read('queries.jsonl'), await read('qrels/test.tsv'));
    expect(data.corpus.length).toBe(5183);
    const { index, vectorStore, indexMs } = await indexScifact(data, fixtureEmbedding(), uniqueName('scifact'));
    stores.push(vectorStore);
    const bm25 = await evaluate(index, data, 'bm25');
    console.log(`SciFact bm25 (indexed in ${(indexMs / 1000).toFixed(1)} s):`, JSON.stringify(bm25));
    expect(bm25.queries).toBe(300);
    expect(bm25['nDCG@10']).toBeGreaterThanOrEqual(0.67);
    expect(bm25['Recall@100']).toBeGreaterThanOrEqual(0.92);
  }, 300_000);
});
