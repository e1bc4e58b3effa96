import { DimensionMismatchError, EmbeddingModelMismatchError, InvalidArgumentError, InvalidStateError, NotImplementedError, SnapshotFetchError, SnapshotFormatError, describeValue } from '../errors.js';
import type { ProgressCallback } from '../progress.js';
import { TextNode, type NodeWithScore } from '../schema/node.js';
import { TopK } from '../search/top-k.js';
import { sha256Hex } from '../snapshot/bytes.js';
import { abortable } from '../util/abortable.js';
import { mapConcurrently } from '../util/map-concurrently.js';
import type { EmbedModelInfo, RefDocInfo, SnapshotRecord, StoreContents, VectorStore, VectorStoreCapabilities, VectorStoreQuery } from '../storage/vector-store.js';
import { checkManifest, decodePartition, fragmentPath, fromBase64, type StaticManifest, type StaticNode, type StaticPartition } from './static-format.js';

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
}

/** Files fetched at once, as browsers allow per host over HTTP/1.1. */
const PARALLEL_FETCHES = 6;

/**
 * A read-only {@link VectorStore} over a partitioned static index (`pagerag build-index
 * --partitioned`): the manifest is fetched at open; a query scores the centroids, fetches its
 * `nprobe` nearest partitions (int8 codes), ranks their rows, then fetches only the text fragments
 * (16 rows each) that hold the top-k. Every file is checked against the SHA-256 the manifest gives it; a file that
 * fails is refused, never used. Vector queries only, for now: keyword and hybrid queries throw.
 *
 * @example
 * const index = await VectorStoreIndex.fromVectorStore(await StaticVectorStore.open('/docs-index/manifest.json'), { embedModel });
 * const response = await index.asQueryEngine({ llm, streaming: true, similarityTopK: 3 }).query('How do I install it?');
 */
export class StaticVectorStore implements VectorStore {
  readonly capabilities: VectorStoreCapabilities = { persistent: false, keyword: false };
  readonly name: string;
  private deployment: Deployment;
  private readonly options: StaticVectorStoreOptions;
  private readonly files = new Map<string, Promise<Uint8Array>>();
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
    const deployment = this.deployment;
    try {
      return await this.search(query, deployment);
    } catch (error) {
      // A file gone or replaced by a page: perhaps a new deploy. Then the query runs again, on it alone.
      if (error instanceof SnapshotFetchError && !query.signal?.aborted && (this.deployment !== deployment || (await this.refresh().catch(() => false)))) {
        return this.search(query, this.deployment);
      }
      throw error;
    }
  }

  private async search(query: VectorStoreQuery, { manifest, centroids }: Deployment): Promise<NodeWithScore[]> {
    if ((query.mode ?? 'vector') !== 'vector') throw new NotImplementedError(`A static index answers vector queries; "${query.mode}" needs its keyword chunks, which pagerag build-index --partitioned does not write yet.`);
    if (query.filters) throw new NotImplementedError('A static index does not filter by metadata yet: filter the results, or use a snapshot (VectorStoreIndex.fromSnapshot).');
    const dims = manifest.embedModel.dimensions;
    const q = Float32Array.from(query.queryEmbedding ?? []);
    if (q.length !== dims) throw new DimensionMismatchError(dims, q.length, 'the query embedding');
    const k = manifest.partitions.length;
    if (k === 0 || query.similarityTopK < 1) return [];
    const probe = new TopK(Math.min(this.options.nprobe ?? 4, k));
    for (let c = 0; c < k; c++) probe.push(c, int8Cosine(q, centroids, c * dims, dims));
    const probed = probe.sorted().map((p) => p.row);
    const partitions = await inParallel(probed, (c) => this.partition(manifest, c, query.signal));
    // Cosine with each row as its int8 codes give it back.
    const top = new TopK(query.similarityTopK);
    const where = new Map<number, [number, number]>();
    partitions.forEach((partition, p) => {
      for (let i = 0; i < partition.rows.length; i++) {
        const row = partition.rows[i]!;
        top.push(row, int8Cosine(q, partition.codes, i * dims, dims));
        where.set(row, [probed[p]!, i]);
      }
    });
    let qNorm = 0;
    for (const v of q) qNorm += v * v;
    qNorm = Math.sqrt(qNorm) || 1;
    const best = top.sorted();
    // Only the fragments that hold the top-k.
    const byPartition = new Map(probed.map((c, p) => [c, partitions[p]!]));
    const needed = [...new Set(best.map((b) => { const [c, i] = where.get(b.row)!; return `${c}:${Math.floor(i / byPartition.get(c)!.fragmentRows)}`; }))];
    const fragments = new Map<string, StaticNode[]>();
    await inParallel(needed, async (key) => {
      const [c, f] = key.split(':').map(Number) as [number, number];
      fragments.set(key, await this.fragment(byPartition.get(c)!, f, query.signal));
    });
    return best.map(({ row, score }) => {
      const [c, i] = where.get(row)!;
      const rowsPer = byPartition.get(c)!.fragmentRows;
      const node = fragments.get(`${c}:${Math.floor(i / rowsPer)}`)![i % rowsPer]!;
      return { node: new TextNode({ id: node.id, text: node.text, metadata: node.metadata, refDocId: node.refDocId }), score: score / qNorm };
    });
  }

  /** Downloads every partition and fragment (for offline use); afterwards no query fetches. */
  async prefetch(options: { onProgress?: ProgressCallback; signal?: AbortSignal } = {}): Promise<void> {
    // Progress in partitions, each with its fragments.
    const total = this.manifest.partitions.length;
    let done = 0;
    await inParallel(this.manifest.partitions, async (_, c) => {
      await this.fragmentsOf(c, options.signal);
      options.onProgress?.({ phase: 'download', done: ++done, total });
    });
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
    return nodes.map((n) => new TextNode({ id: n.node.id, text: n.node.text, metadata: n.node.metadata, refDocId: n.node.refDocId }));
  }

  /** Checks every file against its manifest hash; returns the problems found. */
  async verify(): Promise<string[]> {
    const problems: string[] = [];
    await inParallel(this.manifest.partitions, async (_, c) => {
      const partition = await this.partition(this.manifest, c, undefined).catch((error: Error) => void problems.push(error.message));
      if (!partition) return;
      for (let f = 0; f < partition.fragmentHashes.length; f++) await this.fragment(partition, f, undefined).catch((error: Error) => problems.push(error.message));
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

  private async partition(manifest: StaticManifest, c: number, signal: AbortSignal | undefined): Promise<StaticPartition> {
    const entry = manifest.partitions[c]!;
    const bytes = await this.file(entry.file, entry.hash, signal);
    return decodePartition(bytes, manifest.embedModel.dimensions, this.url(entry.file));
  }

  private async fragment(partition: StaticPartition, f: number, signal: AbortSignal | undefined): Promise<StaticNode[]> {
    const hash = partition.fragmentHashes[f]!;
    const path = fragmentPath(hash);
    const bytes = await this.file(path, hash, signal);
    try {
      return JSON.parse(new TextDecoder().decode(bytes)) as StaticNode[];
    } catch (error) {
      throw new SnapshotFormatError(`${this.url(path)} is not JSON.`, { cause: error });
    }
  }

  /** A partition's rows with their nodes (every fragment of it). */
  private async fragmentsOf(c: number, signal: AbortSignal | undefined): Promise<{ node: StaticNode; row: number }[]> {
    const partition = await this.partition(this.manifest, c, signal);
    const fragments = await inParallel(partition.fragmentHashes, (_, f) => this.fragment(partition, f, signal));
    return fragments.flat().map((node, i) => ({ node, row: partition.rows[i]! }));
  }

  private async allNodes(): Promise<{ node: StaticNode; row: number }[]> {
    return (await inParallel(this.manifest.partitions, (_, c) => this.fragmentsOf(c, undefined))).flat();
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

  /** A content-addressed file: memory, then the Cache API, then the network; checked against its hash before it is kept. */
  private async file(path: string, hash: string, signal: AbortSignal | undefined): Promise<Uint8Array> {
    this.assertOpen();
    const url = this.url(path);
    for (;;) {
      let pending = this.files.get(url);
      if (!pending) {
        // The fetch is cancelled with the query that started it; a failed one is not kept.
        pending = this.load(url, hash, signal);
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
      throw new SnapshotFormatError(`${url} is corrupted: its SHA-256 is ${actual}, the manifest says ${hash}. It is not used; the other partitions still answer. Rebuild or redeploy the index if this persists.`);
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
  return { manifest, centroids };
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
