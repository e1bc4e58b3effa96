// The partitioned static index in the browser: built by the CLI in global setup from
// test/fixtures/site (3 partitions), served by the test server at /models/fixtures/static-site/.
import { describe, expect, inject, test } from 'vitest';
import { InvalidStateError, NotImplementedError, SnapshotFetchError, SnapshotFormatError } from '../../src/errors.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { TransformersLLM } from '../../src/llms/transformers-llm.js';
import { StaticVectorStore } from '../../src/static/static-vector-store.js';
import { MemoryVectorStore } from '../../src/storage/memory-vector-store.js';
import type { NodeWithScore } from '../../src/schema/node.js';
import { fuseResults } from '../../src/search/fuse-results.js';
import { matchesFilters, type MetadataFilters } from '../../src/search/metadata-filters.js';
import { FIXTURE_DECODER, FIXTURE_SOURCE, foreignRequests } from '../support/fixtures.js';
import { fixtureEmbedding } from '../support/models.js';

const MANIFEST = '/models/fixtures/static-site/manifest.json';
const embedModel = fixtureEmbedding();
const QUESTIONS = ['Where do the boats go?', 'the seasons of the year', 'How does the guide begin?', 'notes about bread'];

/** fetch as it is, with every URL it was asked for; `change` may answer some itself (faults). */
function recordingFetch(change?: (url: string, init?: RequestInit) => Promise<Response> | undefined) {
  const urls: string[] = [];
  const fetchImpl: typeof fetch = (input, init) => {
    const url = String(input);
    urls.push(url.slice(location.origin.length));
    return change?.(url, init) ?? fetch(input, init);
  };
  return { urls, fetchImpl };
}

const ids = (nodes: { node: { id: string } }[]) => nodes.map((n) => n.node.id);
/** [id, score] pairs, highest score first, ties by id. */
const byScore = (nodes: { node: { id: string }; score: number }[]) => nodes.map((n) => [n.node.id, n.score] as const).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));

describe('StaticVectorStore', () => {
  test('the manifest once, then only the probed partitions and the fragments of the top-k; with every partition probed, the same answers as the whole snapshot in memory', async () => {
    await embedModel.load();
    const whole = await VectorStoreIndex.fromSnapshot(`/${inject('siteSnapshot')}`, { vectorStore: new MemoryVectorStore(), embedModel });
    const { urls, fetchImpl } = recordingFetch();
    const all = await StaticVectorStore.open(MANIFEST, { nprobe: 3, cacheName: false, fetch: fetchImpl });
    expect(all.manifest.partitions).toHaveLength(3);
    expect(all.count).toBe(whole.vectorStore.count);
    for (const question of QUESTIONS) {
      const queryEmbedding = await embedModel.getQueryEmbedding(question);
      const expected = await whole.vectorStore.query({ queryEmbedding, similarityTopK: 3, exact: true });
      const got = await all.query({ queryEmbedding, similarityTopK: 3 });
      expect(ids(got)).toEqual(ids(expected));
      expect(got[0]!.node.text).toBe(expected[0]!.node.text);
      expect(got[0]!.node.refDocId).toBe(expected[0]!.node.refDocId);
      expect(Math.abs(got[0]!.score - expected[0]!.score)).toBeLessThan(0.02);
    }
    expect(urls.filter((u) => u.endsWith('manifest.json'))).toHaveLength(1);

    // nprobe 1: one partition, its fragment table (fetched beside it) and one fragment; no keyword chunk.
    const { urls: one, fetchImpl: oneFetch } = recordingFetch();
    const narrow = await StaticVectorStore.open(MANIFEST, { nprobe: 1, cacheName: false, fetch: oneFetch });
    await narrow.query({ queryEmbedding: await embedModel.getQueryEmbedding(QUESTIONS[0]!), similarityTopK: 2 });
    expect(one.filter((u) => u.includes('/partitions/'))).toHaveLength(1);
    expect(one.filter((u) => u.includes('/tables/'))).toHaveLength(1);
    expect(one.filter((u) => u.includes('/fragments/'))).toHaveLength(1);
    expect(one.filter((u) => u.includes('/keywords/'))).toHaveLength(0);
    // The same query again is answered from memory.
    const before = one.length;
    await narrow.query({ queryEmbedding: await embedModel.getQueryEmbedding(QUESTIONS[0]!), similarityTopK: 2 });
    expect(one.length).toBe(before);
    expect(foreignRequests()).toEqual([]);
  });

  test('keyword queries fetch only the chunks of their terms and score as the whole snapshot does; hybrid fuses both sides as it does', async () => {
    const whole = await VectorStoreIndex.fromSnapshot(`/${inject('siteSnapshot')}`, { vectorStore: new MemoryVectorStore(), embedModel });
    const { urls, fetchImpl } = recordingFetch();
    const store = await StaticVectorStore.open(MANIFEST, { nprobe: 3, cacheName: false, fetch: fetchImpl });
    expect(store.capabilities.keyword).toBe(true);
    const keywords = store.manifest.keywords!;
    for (const queryStr of ['boats on the lake', 'snow in winter', 'the old stone bridge', 'market school church']) {
      const before = urls.length;
      // Every match (ties between equal texts may be ordered differently, so all of them, by score then id).
      const got = await store.query({ mode: 'keyword', queryStr, similarityTopK: 20 });
      const expected = await whole.vectorStore.query({ mode: 'keyword', queryStr, similarityTopK: 20 });
      expect(got.length).toBeGreaterThan(0);
      expect(byScore(got)).toEqual(byScore(expected));
      expect(got.map((n) => n.node.text).sort()).toEqual(expected.map((n) => n.node.text).sort());
      // Only keyword chunks (those of its terms), tables and fragments: no partition.
      const fetched = urls.slice(before);
      expect(fetched.filter((u) => u.includes('/partitions/'))).toEqual([]);
      const chunkFiles = new Set(fetched.filter((u) => u.includes('/keywords/')));
      expect(chunkFiles.size).toBeLessThanOrEqual(keywords.chunks.length);
    }
    // A word no page has: nothing, and no error.
    expect(await store.query({ mode: 'keyword', queryStr: 'zeppelin', similarityTopK: 3 })).toEqual([]);

    for (const question of ['Where do the boats go?', 'snow on the mountain in winter']) {
      const queryEmbedding = await embedModel.getQueryEmbedding(question);
      const got = await store.query({ mode: 'hybrid', queryStr: question, queryEmbedding, similarityTopK: 3 });
      const expected = await whole.vectorStore.query({ mode: 'hybrid', queryStr: question, queryEmbedding, similarityTopK: 3, exact: true });
      expect(ids(got)).toEqual(ids(expected));
      got.forEach((n, i) => expect(Math.abs(n.score - expected[i]!.score)).toBeLessThan(0.05));
    }
  });

  test('metadata filters: vector, keyword and hybrid queries keep the best rows that pass, in rank order', async () => {
    const whole = await VectorStoreIndex.fromSnapshot(`/${inject('siteSnapshot')}`, { vectorStore: new MemoryVectorStore(), embedModel });
    const store = await StaticVectorStore.open(MANIFEST, { nprobe: 3, cacheName: false });
    const passes = (filters: MetadataFilters) => (n: NodeWithScore) => matchesFilters(n.node.metadata, filters);
    const markdown = { filters: [{ key: 'file_type', value: 'text/markdown', operator: '==' as const }] };
    const notGuide = { filters: [{ key: 'file_path', value: ['guide/intro.md', 'guide/seasons.md'], operator: 'nin' as const }] };
    for (const filters of [markdown, notGuide]) {
      for (const question of ['Where do the boats go?', 'the river in spring']) {
        const queryEmbedding = await embedModel.getQueryEmbedding(question);
        // The static index's own ranking (int8 codes), with the rows that fail left out.
        const vector = await store.query({ queryEmbedding, similarityTopK: 3, filters });
        expect(ids(vector)).toEqual(ids((await store.query({ queryEmbedding, similarityTopK: 20 })).filter(passes(filters)).slice(0, 3)));
        expect(vector.length).toBeGreaterThan(0);
        const keyword = await store.query({ mode: 'keyword', queryStr: question, similarityTopK: 20, filters });
        expect(byScore(keyword)).toEqual(byScore(await whole.vectorStore.query({ mode: 'keyword', queryStr: question, similarityTopK: 20, filters })));
        // Hybrid: the two filtered sides (depth 12 for a top-3), fused as every store fuses them.
        const hybrid = await store.query({ mode: 'hybrid', queryStr: question, queryEmbedding, similarityTopK: 3, filters });
        const sides = [await store.query({ queryEmbedding, similarityTopK: 12, filters }), await store.query({ mode: 'keyword', queryStr: question, similarityTopK: 12, filters })];
        const fused = fuseResults(sides.map((side) => side.map((n) => ({ key: n.node.id, item: n, score: n.score }))), { mode: 'relative_score', weights: [0.5, 0.5], k: 3 });
        expect(hybrid.map((n) => [n.node.id, n.score])).toEqual(fused.map((f) => [f.item.node.id, f.score]));
        for (const n of [...vector, ...keyword, ...hybrid]) {
          if (filters === markdown) expect(n.node.metadata.file_type).toBe('text/markdown');
          else expect(String(n.node.metadata.file_path).startsWith('guide/')).toBe(false);
        }
      }
    }
    // A filter nothing passes: every candidate is looked at, nothing is returned.
    const none = { filters: [{ key: 'file_type', value: 'application/pdf', operator: '==' as const }] };
    expect(await store.query({ queryEmbedding: await embedModel.getQueryEmbedding('boats'), similarityTopK: 3, filters: none })).toEqual([]);
  });

  test('the Cache API keeps fetched files for the next visit; prefetch() makes every later query local', async () => {
    const cacheName = `pagerag-static-test-${Date.now()}`;
    const queryEmbedding = await embedModel.getQueryEmbedding(QUESTIONS[1]!);
    const first = await StaticVectorStore.open(MANIFEST, { nprobe: 1, cacheName });
    const answer = await first.query({ queryEmbedding, similarityTopK: 2 });
    const { urls, fetchImpl } = recordingFetch();
    const again = await StaticVectorStore.open(MANIFEST, { nprobe: 1, cacheName, fetch: fetchImpl });
    expect(ids(await again.query({ queryEmbedding, similarityTopK: 2 }))).toEqual(ids(answer));
    expect(urls.filter((u) => !u.endsWith('manifest.json'))).toEqual([]);

    const progress: { done: number; total?: number }[] = [];
    const offline = recordingFetch();
    const store = await StaticVectorStore.open(MANIFEST, { nprobe: 3, cacheName: false, fetch: offline.fetchImpl });
    await store.prefetch({ onProgress: (p) => progress.push(p) });
    // Every file once: partitions, tables, fragments, keyword chunks.
    const files = offline.urls.filter((u) => !u.endsWith('manifest.json'));
    expect(new Set(files).size).toBe(files.length);
    expect(progress.map((p) => p.done)).toEqual(files.map((_, i) => i + 1));
    expect(progress.at(-1)!.total).toBe(files.length);
    for (const folder of ['/partitions/', '/tables/', '/fragments/', '/keywords/']) expect(files.some((u) => u.includes(folder))).toBe(true);
    const fetched = offline.urls.length;
    for (const question of QUESTIONS) {
      const queryEmbedding = await embedModel.getQueryEmbedding(question);
      await store.query({ queryEmbedding, similarityTopK: 3 });
      await store.query({ mode: 'hybrid', queryStr: question, queryEmbedding, similarityTopK: 3 });
    }
    expect(offline.urls.length).toBe(fetched);
    expect((await store.listRefDocs()).map((d) => d.id).sort()).toEqual((await (await VectorStoreIndex.fromSnapshot(`/${inject('siteSnapshot')}`, { vectorStore: new MemoryVectorStore(), embedModel })).vectorStore.listRefDocs()).map((d) => d.id).sort());
    await caches.delete(cacheName);
  });

  test('a missing partition (404), an HTML page in its place, a corrupted one: named errors naming the URL, never used; other queries still work', async () => {
    const manifest = (await (await fetch(MANIFEST)).json()) as { partitions: { file: string }[] };
    const target = manifest.partitions[0]!.file;
    const queryFor = async (store: StaticVectorStore) => store.query({ queryEmbedding: await embedModel.getQueryEmbedding(QUESTIONS[2]!), similarityTopK: 3 });

    // A host that answers 404 (the loopback test server's /not-found/ route).
    const notDeployed = new URL('/not-found/partitions/not-deployed.bin', inject('sseServer')).href;
    const missing = await StaticVectorStore.open(MANIFEST, { nprobe: 3, cacheName: false, fetch: recordingFetch((url) => (url.endsWith(target) ? fetch(notDeployed) : undefined)).fetchImpl });
    const notFound = await queryFor(missing).then(() => undefined, (e: Error) => e);
    expect(notFound).toBeInstanceOf(SnapshotFetchError);
    expect(notFound!.message).toMatch(new RegExp(`${target.replace('.', '\\.')} answered 404`));

    const html = await StaticVectorStore.open(MANIFEST, { nprobe: 3, cacheName: false, fetch: recordingFetch((url) => (url.endsWith(target) ? fetch(new URL('/site-fallback/x', inject('sseServer'))) : undefined)).fetchImpl });
    const htmlError = await queryFor(html).then(() => undefined, (e: Error) => e);
    expect(htmlError).toBeInstanceOf(SnapshotFetchError);
    expect(htmlError!.message).toMatch(/is an HTML page, not a file of the static index/);

    // One flipped byte in the codes.
    const flipped = async (url: string) => {
      const bytes = new Uint8Array(await (await fetch(url)).arrayBuffer());
      bytes[bytes.length - 1]! ^= 1;
      return new Response(bytes, { headers: { 'Content-Type': 'application/octet-stream' } });
    };
    const corrupted = await StaticVectorStore.open(MANIFEST, { nprobe: 3, cacheName: false, fetch: recordingFetch((url) => (url.endsWith(target) ? flipped(url) : undefined)).fetchImpl });
    const corruption = await queryFor(corrupted).then(() => undefined, (e: Error) => e);
    expect(corruption).toBeInstanceOf(SnapshotFormatError);
    expect(corruption!.message).toContain(target);
    expect(corruption!.message).toMatch(/is corrupted: its SHA-256 is [0-9a-f]{64}, the manifest says/);
    expect(await corrupted.verify()).toHaveLength(1);
    // A query that does not need the bad partition still answers.
    const elsewhere = await StaticVectorStore.open(MANIFEST, { nprobe: 1, cacheName: false, fetch: recordingFetch((url) => (url.endsWith(target) ? flipped(url) : undefined)).fetchImpl });
    let answered = 0;
    for (const question of QUESTIONS) {
      const result = await elsewhere.query({ queryEmbedding: await embedModel.getQueryEmbedding(question), similarityTopK: 1 }).catch(() => undefined);
      if (result) answered++;
    }
    expect(answered).toBeGreaterThan(0);
  });

  test('an aborted query rejects with AbortError and cancels its fetch; the next query fetches again', async () => {
    const signals: AbortSignal[] = [];
    const controller = new AbortController();
    const slow = recordingFetch((url, init) => {
      if (!url.includes('/partitions/') || signals.length > 0) return undefined;
      signals.push(init!.signal!);
      // A partition that does not come until the caller gives up.
      return new Promise((_, reject) => init!.signal!.addEventListener('abort', () => reject(init!.signal!.reason), { once: true }));
    });
    const store = await StaticVectorStore.open(MANIFEST, { nprobe: 1, cacheName: false, fetch: slow.fetchImpl });
    const queryEmbedding = await embedModel.getQueryEmbedding(QUESTIONS[0]!);
    const pending = store.query({ queryEmbedding, similarityTopK: 1, signal: controller.signal });
    while (signals.length === 0) await new Promise((r) => setTimeout(r, 5));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(signals[0]!.aborted).toBe(true);
    expect(await store.query({ queryEmbedding, similarityTopK: 1 })).toHaveLength(1);
  });

  test('a new deploy while the page is open: a query that meets a missing file reloads the manifest, says so, and answers from the new deploy alone', async () => {
    // "/deploy/" is the site's URL; what is deployed there changes between two builds of the same site.
    let deployed = 'static-site';
    const deploy = recordingFetch((url, init) => (url.includes('/deploy/') ? fetch(url.replace('/deploy/', `/models/fixtures/${deployed}/`), init) : undefined));
    const changes: { previous: string; current: string }[] = [];
    const store = await StaticVectorStore.open('/deploy/manifest.json', {
      nprobe: 1,
      cacheName: false,
      fetch: deploy.fetchImpl,
      onManifestChange: ({ previous, current }) => changes.push({ previous: previous.contentHash, current: current.contentHash }),
    });
    const first = store.manifest;
    expect(first.partitions).toHaveLength(3);
    expect(await store.refresh()).toBe(false);
    await store.query({ queryEmbedding: await embedModel.getQueryEmbedding(QUESTIONS[0]!), similarityTopK: 2 });

    deployed = 'static-site-2';
    // The next query needs a partition of the old deploy, which is gone.
    const next = await store.query({ queryEmbedding: await embedModel.getQueryEmbedding(QUESTIONS[1]!), similarityTopK: 2 });
    expect(changes).toEqual([{ previous: first.contentHash, current: store.manifest.contentHash }]);
    expect(store.manifest.partitions).toHaveLength(2);
    // Every file of that answer came from the new deploy.
    const newFiles = new Set(store.manifest.partitions.map((p) => p.file));
    const afterSwitch = deploy.urls.slice(deploy.urls.lastIndexOf('/deploy/manifest.json') + 1).filter((u) => u.includes('/partitions/'));
    expect(afterSwitch.length).toBeGreaterThan(0);
    for (const url of afterSwitch) expect(newFiles.has(url.slice('/deploy/'.length))).toBe(true);
    expect(next).toHaveLength(2);
  });

  test('a RAG query on it streams an answer with its sources; it is read-only; an index built without keywords answers vector queries only', async () => {
    const index = await VectorStoreIndex.fromStaticIndex(MANIFEST, { embedModel, nprobe: 2, cacheName: false });
    const store = index.vectorStore as StaticVectorStore;
    expect(store).toBeInstanceOf(StaticVectorStore);
    const llm = new TransformersLLM({ model: FIXTURE_DECODER, device: 'wasm', maxNewTokens: 8, modelSource: FIXTURE_SOURCE });
    const response = await index.asQueryEngine({ llm, streaming: true, similarityTopK: 2 }).query('Where do the boats go?');
    expect(response.sourceNodes).toHaveLength(2);
    let deltas = 0;
    for await (const _ of response.responseGen) deltas++;
    expect(deltas).toBeGreaterThan(0);
    await expect(store.add()).rejects.toBeInstanceOf(InvalidStateError);
    await expect(store.delete()).rejects.toBeInstanceOf(InvalidStateError);
    const hybrid = await index.asRetriever({ mode: 'hybrid', similarityTopK: 2 }).retrieve('boats on the lake');
    expect(hybrid.map((n) => n.node.refDocId)).toContain('blog/2026/boats.html');
    // static-site-2 is built with --no-keywords.
    const vectorOnly = await StaticVectorStore.open('/models/fixtures/static-site-2/manifest.json', { cacheName: false });
    expect(vectorOnly.capabilities.keyword).toBe(false);
    await expect(vectorOnly.query({ mode: 'keyword', queryStr: 'boats', similarityTopK: 2 })).rejects.toThrow(NotImplementedError);
    await expect(vectorOnly.query({ mode: 'keyword', queryStr: 'boats', similarityTopK: 2 })).rejects.toThrow(/built without keywords \(--no-keywords\)/);
    await expect(StaticVectorStore.open(new URL('/not-found/manifest.json', inject('sseServer')))).rejects.toThrow(/not-found\/manifest\.json answered 404/);
    // The dev server's fallback page where a manifest should be.
    await expect(StaticVectorStore.open('/models/fixtures/static-site/no-manifest.json')).rejects.toThrow(/no-manifest\.json is an HTML page/);
  });
});
