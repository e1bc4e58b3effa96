import { EmbeddingModelMismatchError, InvalidArgumentError, InvalidStateError, NotImplementedError, SnapshotFetchError, SnapshotFormatError, describeValue } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import { TextNode, type NodeWithScore } from '../schema/node.js';
import { ANALYZER_ID } from '../search/english-analyzer.js';
import { fuseResults, hybridPlan } from '../search/fuse-results.js';
import { matchesFilters, type MetadataFilters } from '../search/metadata-filters.js';
import { checkStoreQuery, checkVector } from '../search/query-checks.js';
import type { SearchMode } from '../search/search-index.js';
import { TopK } from '../search/top-k.js';
import { sha256Hex } from '../snapshot/bytes.js';
import { abortable } from '../util/abortable.js';
import { mapConcurrently } from '../util/map-concurrently.js';
import type { EmbedModelInfo, RefDocInfo, SnapshotRecord, StoreContents, VectorStore, VectorStoreCapabilities, VectorStoreQuery } from '../storage/vector-store.js';
import { StaticLayout, checkManifest, decodePartition, decodeTable, fragmentPath, fromBase64, type StaticManifest, type StaticNode, type StaticPartition } from './static-format.js';
import { chunkOf, decodeKeywordChunk, keywordChunkPath, queryTerms, scoreKeywords, type KeywordChunk } from './static-keywords.js';

export interface StaticVectorStoreOptions {
  /** Partitions searched per query: more finds more of the exact top-k and fetches more (about 120 kB each at 316 rows × 384). @default 4 */
  nprobe?: number;
  /**
   * Keeps fetched files in the Cache API under this name (they are content-addressed: never stale),
   * so repeated and related queries, and the next visit, are local; `false` keeps them in memory only.
   * @default "pagerag-static"
   */
  cacheName?: string | false;
  /** @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Called when a new deploy replaced the manifest (found by {@link StaticVectorStore.refresh}, or by a query that met a missing file). */
  onManifestChange?: (change: { previous: StaticManifest; current: StaticManifest }) => void;
}

/** The manifest in use and what is decoded from it, replaced as one when a new deploy is found. */
interface Deployment {
  manifest: StaticManifest;
  centroids: Int8Array;
  layout: StaticLayout;
}

/** A ranked row, by its slot (see StaticLayout). */
interface Hit {
  slot: number;
  score: number;
}

/** Files fetched at once, as browsers allow per host over HTTP/1.1. */
const PARALLEL_FETCHES = 6;

/**
 * A read-only {@link VectorStore} over a partitioned static index (`pagerag build-index
 * --partitioned`): the manifest is fetched at open. A vector query scores the centroids, fetches
 * its `nprobe` nearest partitions (int8 codes) and ranks their rows; a keyword query fetches the
 * keyword chunks of its terms and ranks by BM25; a hybrid query does both and fuses them as the
 * local stores do. Then only the text fragments (16 rows each) that hold the top-k are fetched.
 * Every file is checked against the SHA-256 the manifest vouches for; a file that fails is
 * refused, never used. Metadata filters are tested on the fragments, in rank order. Rows are
 * ranked by their int8 codes (the files hold no float32 vectors), so `exact: true` changes nothing.
 *
 * @example
 * const index = await VectorStoreIndex.fromVectorStore(await StaticVectorStore.open('/docs-index/manifest.json'), { embedModel });
 * const response = await index.asQueryEngine({ llm, streaming: true, similarityTopK: 3 }).query('How do I install it?');
 */
export class StaticVectorStore implements VectorStore {
  readonly name: string;
  private deployment: Deployment;
  private readonly options: StaticVectorStoreOptions;
  /** Decoded files by URL (content-addressed: never stale). */
  private readonly files = new Map<string, Promise<unknown>>();
  private closed = false;

  private constructor(url: string, deployment: Deployment, options: StaticVectorStoreOptions) {
    this.name = url;
    this.deployment = deployment;
    this.options = options;
  }

  /** Fetches and checks the manifest at `url` (e.g. "/docs-index/manifest.json"). */
  static async open(url: string | URL, options: StaticVectorStoreOptions = {}): Promise<StaticVectorStore> {
    if (options.nprobe !== undefined && (!Number.isInteger(options.nprobe) || options.nprobe < 1)) throw new InvalidArgumentError(`Expected nprobe to be a positive integer, got ${describeValue(options.nprobe)}.`);
    const absolute = new URL(String(url), globalThis.location?.href).href;
    return new StaticVectorStore(absolute, await fetchDeployment(options.fetch ?? fetch, absolute), options);
  }

  get capabilities(): VectorStoreCapabilities {
    return { persistent: false, keyword: this.manifest.keywords !== null };
  }

  /** The manifest in use. */
  get manifest(): StaticManifest {
    return this.deployment.manifest;
  }

  /**
   * Fetches the manifest again; when a new deploy changed it (same embedding model), every later
   * query uses the new one only (files of two deploys are never combined) and `onManifestChange`
   * is called. Resolves whether it changed. A query that meets a missing file does this itself.
   */
  async refresh(): Promise<boolean> {
    this.assertOpen();
    const next = await fetchDeployment(this.options.fetch ?? fetch, this.name, { cache: 'no-store' });
    const previous = this.deployment.manifest;
    if (next.manifest.contentHash === previous.contentHash) return false;
    const [a, b] = [previous.embedModel, next.manifest.embedModel];
    if (a.model !== b.model || a.dimensions !== b.dimensions || (a.embedsMetadata ?? false) !== (b.embedsMetadata ?? false)) {
      throw new EmbeddingModelMismatchError({ model: a.model, dimensions: a.dimensions }, { model: b.model, dimensions: b.dimensions }, `The new deploy of ${this.name}`);
    }
    this.deployment = next;
    // Content-addressed: nothing stale, but the previous deploy's files are no longer reachable.
    this.files.clear();
    this.options.onManifestChange?.({ previous, current: next.manifest });
    return true;
  }

  get embedModel(): EmbedModelInfo {
    const { model, dimensions, embedsMetadata } = this.manifest.embedModel;
    return { model, dimensions, embedsMetadata: embedsMetadata ?? false };
  }

  get count(): number {
    return this.manifest.counts.nodes;
  }

  assertEmbedModel(given: EmbedModelInfo): void {
    const stored = this.embedModel;
    if (stored.model !== given.model || stored.dimensions !== given.dimensions || (given.embedsMetadata !== undefined && given.embedsMetadata !== stored.embedsMetadata)) {
      throw new EmbeddingModelMismatchError(stored, given, 'This static index');
    }
  }

  async query(query: VectorStoreQuery): Promise<NodeWithScore[]> {
    this.assertOpen();
    const mode = checkStoreQuery(query);
    const deployment = this.deployment;
    try {
      return await this.search(query, mode, deployment);
    } catch (error) {
      // A file gone or replaced by a page: perhaps a new deploy. Then the query runs again, on it alone.
      if (error instanceof SnapshotFetchError && !query.signal?.aborted && (this.deployment !== deployment || (await this.refresh().catch(() => false)))) {
        return this.search(query, mode, this.deployment);
      }
      throw error;
    }
  }

  private async search(query: VectorStoreQuery, mode: SearchMode, deployment: Deployment): Promise<NodeWithScore[]> {
    const { manifest } = deployment;
    const { similarityTopK: k, filters, signal } = query;
    if (mode !== 'vector') {
      if (!manifest.keywords) throw new NotImplementedError(`${this.name} was built without keywords (--no-keywords): it answers vector queries only. Build it again without --no-keywords for "${mode}" queries.`);
      if (manifest.keywords.analyzer !== ANALYZER_ID) throw new SnapshotFormatError(`${this.name}'s keywords were made by the analyzer "${manifest.keywords.analyzer}"; this pagerag analyzes queries with "${ANALYZER_ID}". Build the index again with this pagerag.`);
    }
    const q = mode === 'keyword' ? undefined : checkVector(query.queryEmbedding!, manifest.embedModel.dimensions, 'the query embedding');
    if (manifest.partitions.length === 0) return [];
    // Without filters a side needs only its top; with them, every candidate in rank order.
    const plan = mode === 'hybrid' ? hybridPlan(k, query.alpha) : undefined;
    const depth = plan?.depth ?? k;
    const limit = filters ? Infinity : depth;
    const [vector, keyword] = await Promise.all([
      q ? this.vectorHits(q, limit, deployment, signal) : undefined,
      mode === 'vector' ? undefined : this.keywordHits(query.queryStr!, limit, deployment, signal),
    ]);
    if (!plan) return this.withNodes((vector ?? keyword)!, k, filters, deployment, signal);
    const { weights } = plan;
    if (filters) {
      // Each side's top `depth` that passes the filters (which needs their nodes), fused as SearchIndex fuses them.
      const sides = await Promise.all([vector!, keyword!].map((hits) => this.withNodes(hits, depth, filters, deployment, signal)));
      const fused = fuseResults(sides.map((side) => side.map((n) => ({ key: n.node.id, item: n.node, score: n.score }))), { mode: 'relative_score', weights, k });
      return fused.map(({ item, score }) => ({ node: item, score }));
    }
    // Fused on the ranks alone: only the final top-k's texts are fetched.
    const fused = fuseResults([vector!, keyword!].map((hits) => hits.map((hit) => ({ key: String(hit.slot), item: hit.slot, score: hit.score }))), { mode: 'relative_score', weights, k });
    return this.withNodes(fused.map(({ item, score }) => ({ slot: item, score })), k, undefined, deployment, signal);
  }

  /** The probed partitions' rows by cosine on their int8 codes, best first, at most `limit`. */
  private async vectorHits(q: Float32Array, limit: number, deployment: Deployment, signal: AbortSignal | undefined): Promise<Hit[]> {
    const { manifest, centroids, layout } = deployment;
    const dims = manifest.embedModel.dimensions;
    const k = manifest.partitions.length;
    const probe = new TopK(Math.min(this.options.nprobe ?? 4, k));
    for (let c = 0; c < k; c++) probe.push(c, int8Cosine(q, centroids, c * dims, dims));
    const probed = probe.sorted().map((p) => p.row);
    // The tables that list these partitions' fragments come with them, so the texts of the top-k
    // are one request away, not two. Their errors surface when they are used.
    for (const c of probed) {
      const [first, end] = layout.fragmentsOf(c);
      for (let t = layout.tableOf(first)[0]; t <= layout.tableOf(end - 1)[0]; t++) this.table(deployment, t, signal).catch(() => undefined);
    }
    const partitions = await inParallel(probed, (c) => this.partition(deployment, c, signal));
    let qNorm = 0;
    for (const v of q) qNorm += v * v;
    qNorm = Math.sqrt(qNorm) || 1;
    const rows = partitions.reduce((n, p) => n + p.rows.length, 0);
    const top = new TopK(Math.max(1, Math.min(limit, rows)));
    partitions.forEach((partition, p) => {
      for (let i = 0; i < partition.rows.length; i++) top.push(layout.slot(probed[p]!, i), int8Cosine(q, partition.codes, i * dims, dims) / qNorm);
    });
    return top.sorted().map(({ row, score }) => ({ slot: row, score }));
  }

  /** Rows that hold a query term, by BM25 from the keyword chunks of its terms, best first, at most `limit`. */
  private async keywordHits(queryStr: string, limit: number, deployment: Deployment, signal: AbortSignal | undefined): Promise<Hit[]> {
    const keywords = deployment.manifest.keywords!;
    const terms = queryTerms(queryStr);
    const chunkOfTerm = new Map([...terms.keys()].map((term) => [term, chunkOf(keywords, term)]));
    const needed = [...new Set(chunkOfTerm.values())].filter((c) => c >= 0);
    const chunks = new Map(await inParallel(needed, async (c) => [c, await this.keywordChunk(deployment, c, signal)] as const));
    const { scores, touched } = scoreKeywords(terms, keywords, deployment.manifest.counts.nodes, (term) => chunks.get(chunkOfTerm.get(term)!));
    if (touched.length === 0) return [];
    const top = new TopK(Math.min(limit, touched.length));
    for (const slot of touched) top.push(slot, scores[slot]!);
    return top.sorted().map(({ row, score }) => ({ slot: row, score }));
  }

  /**
   * The first `k` hits whose nodes pass `filters` (all of them when none), with their nodes: the
   * fragments are fetched in rank order, a batch at a time, until `k` pass or the hits run out.
   */
  private async withNodes(hits: readonly Hit[], k: number, filters: MetadataFilters | undefined, deployment: Deployment, signal: AbortSignal | undefined): Promise<NodeWithScore[]> {
    const out: NodeWithScore[] = [];
    const batch = filters ? Math.max(32, 2 * k) : k;
    for (let start = 0; start < hits.length && out.length < k; start += batch) {
      const slice = hits.slice(start, start + batch);
      const nodes = await this.nodes(slice.map((h) => h.slot), deployment, signal);
      slice.forEach((hit, i) => {
        const node = nodes[i]!;
        if (out.length < k && (!filters || matchesFilters(node.metadata, filters))) {
          out.push({ node: new TextNode(node), score: hit.score });
        }
      });
    }
    return out;
  }

  /** The nodes of `slots`, in the same order: their tables, then their fragments. */
  private async nodes(slots: readonly number[], deployment: Deployment, signal: AbortSignal | undefined): Promise<StaticNode[]> {
    const { layout } = deployment;
    const where = slots.map((slot) => layout.locate(slot));
    const fragments = [...new Set(where.map((w) => w.fragment))];
    const tables = new Map(await inParallel([...new Set(fragments.map((f) => layout.tableOf(f)[0]))], async (t) => [t, await this.table(deployment, t, signal)] as const));
    const texts = new Map(await inParallel(fragments, async (f) => {
      const [t, i] = layout.tableOf(f);
      return [f, await this.fragment(tables.get(t)![i]!, signal)] as const;
    }));
    return where.map((w) => {
      const node = texts.get(w.fragment)![w.inFragment];
      if (!node) throw new SnapshotFormatError(`A fragment of ${this.name} holds fewer rows than its partition says. Rebuild or redeploy the index.`);
      return node;
    });
  }

  /** Downloads every file of the index (for offline use): afterwards no query fetches. Progress is in files. */
  async prefetch(options: { onProgress?: ProgressCallback; signal?: AbortSignal } = {}): Promise<void> {
    const deployment = this.deployment;
    const { manifest, layout } = deployment;
    const { signal, onProgress } = options;
    const total = manifest.partitions.length + manifest.fragments.tables.length + layout.fragmentCount + (manifest.keywords?.chunks.length ?? 0);
    let done = 0;
    const counted = async <T>(work: Promise<T>): Promise<T> => {
      const result = await work;
      onProgress?.({ phase: 'download', done: ++done, total });
      return result;
    };
    const fragmentJobs: (() => Promise<unknown>)[] = [];
    const jobs: (() => Promise<unknown>)[] = [
      ...manifest.partitions.map((_, c) => () => counted(this.partition(deployment, c, signal))),
      ...(manifest.keywords?.chunks ?? []).map((_, c) => () => counted(this.keywordChunk(deployment, c, signal))),
      ...manifest.fragments.tables.map((_, t) => async () => {
        const hashes = await counted(this.table(deployment, t, signal));
        fragmentJobs.push(...hashes.map((hash) => () => counted(this.fragment(hash, signal))));
      }),
    ];
    await inParallel(jobs, (job) => job());
    await inParallel(fragmentJobs, (job) => job());
  }

  async listRefDocs(): Promise<RefDocInfo[]> {
    return [...(await this.documents()).values()];
  }

  async getRefDocs(refDocIds: readonly string[]): Promise<(RefDocInfo | undefined)[]> {
    const documents = await this.documents();
    return refDocIds.map((id) => documents.get(id));
  }

  async getNodesOfRefDoc(refDocId: string): Promise<TextNode[]> {
    const nodes = (await this.allNodes()).filter((n) => n.node.refDocId === refDocId).sort((a, b) => a.row - b.row);
    return nodes.map((n) => new TextNode(n.node));
  }

  /** Checks every file against its manifest hash and format; returns the problems found. */
  async verify(): Promise<string[]> {
    const problems: string[] = [];
    const deployment = this.deployment;
    const { manifest } = deployment;
    const check = (work: Promise<unknown>) => work.catch((error: Error) => void problems.push(error.message));
    await inParallel(manifest.partitions, (_, c) => check(this.partition(deployment, c, undefined)));
    await inParallel(manifest.keywords?.chunks ?? [], (_, c) => check(this.keywordChunk(deployment, c, undefined)));
    await inParallel(manifest.fragments.tables, async (_, t) => {
      const hashes = await this.table(deployment, t, undefined).catch((error: Error) => void problems.push(error.message));
      for (const hash of hashes ?? []) await check(this.fragment(hash, undefined));
    });
    return problems;
  }

  exportContents(): Promise<StoreContents> {
    return Promise.reject(new NotImplementedError('A static index holds int8 codes, not the vectors a snapshot needs: export from the store it was built from.'));
  }

  async getSnapshotRecord(): Promise<SnapshotRecord | undefined> {
    return undefined;
  }

  add(): Promise<void> {
    return Promise.reject(this.readOnly());
  }
  delete(): Promise<boolean> {
    return Promise.reject(this.readOnly());
  }
  putSnapshotRecord(): Promise<void> {
    return Promise.reject(this.readOnly());
  }
  clear(): Promise<void> {
    return Promise.reject(this.readOnly());
  }
  async compact(): Promise<void> {}

  close(): void {
    this.closed = true;
    this.files.clear();
  }

  private readOnly(): InvalidStateError {
    return new InvalidStateError(`${this.name} is a static index: it is read-only. Build it again with pagerag build-index --partitioned to change it.`);
  }

  private assertOpen(): void {
    if (this.closed) throw new InvalidStateError(`The static index ${this.name} is closed.`);
  }

  private partition({ manifest }: Deployment, c: number, signal: AbortSignal | undefined): Promise<StaticPartition> {
    const { file, hash } = manifest.partitions[c]!;
    return this.file(file, hash, signal, (bytes, url) => decodePartition(bytes, manifest.embedModel.dimensions, url));
  }

  private table({ manifest }: Deployment, t: number, signal: AbortSignal | undefined): Promise<string[]> {
    const { file, hash } = manifest.fragments.tables[t]!;
    return this.file(file, hash, signal, decodeTable);
  }

  private keywordChunk({ manifest }: Deployment, c: number, signal: AbortSignal | undefined): Promise<KeywordChunk> {
    const hash = manifest.keywords!.chunks[c]![1];
    return this.file(keywordChunkPath(hash), hash, signal, decodeKeywordChunk);
  }

  private fragment(hash: string, signal: AbortSignal | undefined): Promise<StaticNode[]> {
    return this.file(fragmentPath(hash), hash, signal, (bytes, url) => {
      try {
        return JSON.parse(new TextDecoder().decode(bytes)) as StaticNode[];
      } catch (error) {
        throw new SnapshotFormatError(`${url} is not JSON.`, { cause: error });
      }
    });
  }

  /** Every row with its node and its global row number (document order). */
  private async allNodes(): Promise<{ node: StaticNode; row: number }[]> {
    const deployment = this.deployment;
    const perPartition = await inParallel(deployment.manifest.partitions, async (_, c) => {
      const partition = await this.partition(deployment, c, undefined);
      const slots = Array.from(partition.rows, (_, i) => deployment.layout.slot(c, i));
      const nodes = await this.nodes(slots, deployment, undefined);
      return nodes.map((node, i) => ({ node, row: partition.rows[i]! }));
    });
    return perPartition.flat();
  }

  private async documents(): Promise<Map<string, RefDocInfo>> {
    const documents = new Map<string, RefDocInfo>();
    for (const { node } of (await this.allNodes()).sort((a, b) => a.row - b.row)) {
      const doc = documents.get(node.refDocId) ?? { id: node.refDocId, hash: '', nodeIds: [], metadata: {} };
      doc.nodeIds.push(node.id);
      documents.set(node.refDocId, doc);
    }
    return documents;
  }

  private url(path: string): string {
    return new URL(path, this.name).href;
  }

  /**
   * A content-addressed file, decoded: memory, then the Cache API, then the network; checked
   * against its hash, then decoded, before it is kept.
   */
  private async file<T>(path: string, hash: string, signal: AbortSignal | undefined, decode: (bytes: Uint8Array, url: string) => T): Promise<T> {
    this.assertOpen();
    const url = this.url(path);
    for (;;) {
      let pending = this.files.get(url) as Promise<T> | undefined;
      if (!pending) {
        // The fetch is cancelled with the query that started it; a failed one is not kept.
        pending = this.load(url, hash, signal).then((bytes) => decode(bytes, url));
        this.files.set(url, pending);
        pending.catch(() => this.files.delete(url));
      }
      try {
        return await abortable(pending, signal);
      } catch (error) {
        // Another query's abort ended the shared fetch: this one fetches again.
        if ((error as Error)?.name === 'AbortError' && !signal?.aborted) continue;
        throw error;
      }
    }
  }

  private async load(url: string, hash: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
    const cache = this.options.cacheName === false || typeof caches === 'undefined' ? undefined : await caches.open(this.options.cacheName ?? 'pagerag-static').catch(() => undefined);
    const cached = await cache?.match(url);
    const response = cached ?? (await fetchOk(this.options.fetch ?? fetch, url, signal));
    const bytes = new Uint8Array(await response.arrayBuffer());
    const actual = await sha256Hex(bytes);
    if (actual !== hash) {
      if (cached) await cache?.delete(url);
      throw new SnapshotFormatError(`${url} is corrupted: its SHA-256 is ${actual}, the manifest says ${hash}. It is not used; the other files still answer. Rebuild or redeploy the index if this persists.`);
    }
    if (!cached) await cache?.put(url, new Response(bytes.slice())).catch(() => undefined);
    return bytes;
  }
}

/** q · c / ‖c‖ for the int8 codes `codes[offset…]`: the cosine up to q's norm (a direction is all a code keeps that matters here). */
function int8Cosine(q: Float32Array, codes: Int8Array, offset: number, dims: number): number {
  let dot = 0;
  let norm = 0;
  for (let d = 0; d < dims; d++) {
    const code = codes[offset + d]!;
    dot += q[d]! * code;
    norm += code * code;
  }
  return norm > 0 ? dot / Math.sqrt(norm) : 0;
}

/** The manifest at `url`, checked, with its centroids decoded. */
async function fetchDeployment(fetchImpl: typeof fetch, url: string, init: RequestInit = {}): Promise<Deployment> {
  const response = await fetchOk((input, options) => fetchImpl(input, { ...init, ...options }), url, undefined);
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throw new SnapshotFormatError(`${url} is not JSON: expected the manifest.json that pagerag build-index --partitioned writes.`, { cause: error });
  }
  const manifest = checkManifest(json, url);
  const bytes = fromBase64(manifest.centroids);
  const centroids = new Int8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (centroids.length !== manifest.partitions.length * manifest.embedModel.dimensions) {
    throw new SnapshotFormatError(`${url} has ${centroids.length / manifest.embedModel.dimensions} centroids for ${manifest.partitions.length} partitions.`);
  }
  return { manifest, centroids, layout: new StaticLayout(manifest) };
}

/** `url`'s response when it is the file asked for: a named error for the network, an HTTP error, or an HTML page in its place. */
async function fetchOk(fetchImpl: typeof fetch, url: string, signal: AbortSignal | undefined): Promise<Response> {
  let response: Response;
  try {
    response = await fetchImpl(url, signal ? { signal } : {});
  } catch (error) {
    signal?.throwIfAborted();
    throw new SnapshotFetchError(`Could not fetch ${url}: ${(error as Error)?.message ?? error}. Check that the static index is deployed there and reachable.`, { cause: error });
  }
  if (!response.ok) throw new SnapshotFetchError(`${url} answered ${response.status} ${response.statusText}: the static index is incomplete there (deploy every file pagerag build-index --partitioned wrote).`);
  if ((response.headers.get('Content-Type') ?? '').includes('text/html')) {
    throw new SnapshotFetchError(`${url} is an HTML page, not a file of the static index: the host answers missing files with its fallback page. Deploy every file pagerag build-index --partitioned wrote.`);
  }
  return response;
}

/** At most {@link PARALLEL_FETCHES} files in flight. */
function inParallel<T, R>(items: readonly T[], work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  return mapConcurrently(items, PARALLEL_FETCHES, work);
}
