// `pagerag/vite`: builds a snapshot (or a partitioned static index) of a folder at `vite build`, and
// serves it in `vite dev`.
import { join, resolve } from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { OpenAICompatibleEmbedding, type OpenAICompatibleEmbeddingOptions } from '../embeddings/openai-compatible-embedding.js';
import { TransformersEmbedding } from '../embeddings/transformers-embedding.js';
import type { EncodeSnapshotOptions, SnapshotHeader } from '../snapshot/snapshot-format.js';
import type { StaticManifest } from '../static/static-format.js';
import { buildPartitionedIndex, buildSnapshot, type BuildSnapshotOptions } from './build-snapshot.js';
import { formatBytes } from '../util/format-bytes.js';
import { findDocumentFiles, readIndexable } from './find-files.js';

export interface PageragSnapshotOptions extends EncodeSnapshotOptions {
  /** A folder (read recursively) or a glob of .md, .txt and .html files, relative to Vite's root. */
  input: string;
  /** @default "Xenova/all-MiniLM-L6-v2" */
  model?: string;
  /** Read models from this folder (laid out like the Hub) instead of downloading them. */
  modelsDir?: string;
  /** @default the model's choice on CPU */
  dtype?: string;
  /** @default the model's input limit */
  chunkSize?: number;
  /** @default chunkSize / 8 */
  chunkOverlap?: number;
  /**
   * Name of the emitted asset (Vite adds a content hash).
   * @default "pagerag-index.pagerag"
   */
  fileName?: string;
  /**
   * The module the page imports: `import snapshotUrl, { header } from 'virtual:pagerag-snapshot'`.
   * @default "virtual:pagerag-snapshot"
   */
  id?: string;
  /** Per-file cache, so unchanged files are not embedded again. @default "node_modules/.cache/pagerag" */
  cacheDir?: string;
  /** Each file's `url` is its path under this base, e.g. "https://example.com/docs/". */
  baseUrl?: string;
  /** HTML files are pages of a built site: one document per heading, with url#anchor (see `pagerag build-index --site`). @default false */
  site?: boolean;
  /**
   * Embed on an OpenAI-compatible server running the same model (see `pagerag build-index
   * --embed-url`): `{ baseURL, model?, concurrency? }`. @default none: embedded here
   */
  embedServer?: Omit<OpenAICompatibleEmbeddingOptions, 'reference'>;
  /**
   * Emit a partitioned static index for a large site instead of one snapshot (see `pagerag
   * build-index --partitioned`): its files go under `assets/<fileName>/` with their own
   * content-addressed names, and the module's default export is the URL of its manifest.json,
   * for `VectorStoreIndex.fromStaticIndex`. `true`, or `{ partitions }` to choose their number.
   * @default false
   */
  partitioned?: boolean | { partitions?: number };
}

/** What the module exports beside the URL: a snapshot's header, or a partitioned index's model and counts. */
type ExportedHeader = SnapshotHeader | Pick<StaticManifest, 'format' | 'embedModel' | 'counts' | 'contentHash'>;

/**
 * Builds the index of a folder at build time and emits it as a static asset; the page imports its
 * URL and header and loads it with `VectorStoreIndex.fromSnapshot` (or, with `partitioned`, with
 * `VectorStoreIndex.fromStaticIndex`).
 *
 * @example
 * // vite.config.ts
 * import { pageragSnapshot } from 'pagerag/vite';
 * export default { plugins: [pageragSnapshot({ input: 'docs' })] };
 * // the page
 * import snapshotUrl from 'virtual:pagerag-snapshot';
 * const index = await VectorStoreIndex.fromSnapshot(snapshotUrl, { vectorStore, embedModel });
 */
export function pageragSnapshot(options: PageragSnapshotOptions): Plugin {
  const id = options.id ?? 'virtual:pagerag-snapshot';
  const resolvedId = `\0${id}`;
  const partitioned = options.partitioned ? { ...(typeof options.partitioned === 'object' && options.partitioned), ...(options.keywords === false && { keywords: false }) } : undefined;
  const fileName = options.fileName ?? (partitioned ? 'pagerag-index' : 'pagerag-index.pagerag');
  const servedPath = `/@pagerag/${fileName}`;
  let config: ResolvedConfig;
  /** The built index: one snapshot, or a partitioned index's files by path. */
  let latest: { header: ExportedHeader; files: Map<string, Uint8Array> } | undefined;

  async function build(watch: (file: string) => void): Promise<NonNullable<typeof latest>> {
    const root = config.root;
    const { root: folder, files } = await findDocumentFiles(options.input, root);
    const contents = await Promise.all(
      files.map(async (path) => {
        const file = join(folder, path);
        watch(file);
        return readIndexable(folder, path);
      }),
    );
    const localModel = new TransformersEmbedding({
      ...(options.model && { model: options.model }),
      ...(options.dtype && { dtype: options.dtype }),
      ...(options.modelsDir && { modelSource: { localModelPath: resolve(root, options.modelsDir), allowRemoteModels: false } }),
    });
    const embedModel = options.embedServer ? new OpenAICompatibleEmbedding({ ...options.embedServer, reference: localModel }) : localModel;
    const buildOptions: BuildSnapshotOptions = {
      files: contents,
      embedModel,
      cacheDir: resolve(root, options.cacheDir ?? 'node_modules/.cache/pagerag'),
      ...(options.chunkSize !== undefined && { chunkSize: options.chunkSize }),
      ...(options.chunkOverlap !== undefined && { chunkOverlap: options.chunkOverlap }),
      ...(options.vectors && { vectors: options.vectors }),
      ...(options.keywords !== undefined && { keywords: options.keywords }),
      ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
      ...(options.site && { site: true }),
    };
    try {
      if (partitioned) {
        const { files, manifest } = await buildPartitionedIndex(buildOptions, partitioned);
        const bytes = [...files.values()].reduce((n, f) => n + f.length, 0);
        config.logger.info(`pagerag: ${options.input} → ${fileName}/manifest.json: ${manifest.counts.documents} documents, ${manifest.counts.nodes} chunks in ${manifest.partitions.length} partitions, ${formatBytes(bytes)} in ${files.size} files`);
        const { format, embedModel: model, counts, contentHash } = manifest;
        return { header: { format, embedModel: model, counts, contentHash }, files };
      }
      const result = await buildSnapshot(buildOptions);
      config.logger.info(
        `pagerag: ${options.input} → ${fileName}: ${result.header.counts.documents} files, ${result.header.counts.nodes} chunks, ${formatBytes(result.bytes.length)} (${result.embedded} embedded, ${result.cached} from cache)`,
      );
      return { header: result.header, files: new Map([['', result.bytes]]) };
    } finally {
      await localModel.dispose();
    }
  }

  const headerExport = (header: ExportedHeader) => `export const header = ${JSON.stringify(header)};`;

  return {
    name: 'pagerag-snapshot',
    configResolved(resolved) {
      config = resolved;
    },
    resolveId(source) {
      return source === id ? resolvedId : undefined;
    },
    async load(loadId) {
      if (loadId !== resolvedId) return undefined;
      latest = await build((file) => this.addWatchFile(file));
      if (config.command === 'serve') return `export default ${JSON.stringify(partitioned ? `${servedPath}/manifest.json` : servedPath)};\n${headerExport(latest.header)}`;
      let ref: string;
      if (partitioned) {
        // Their names are their content hashes already (the manifest's is fixed: the files name each other).
        const refs = new Map([...latest.files].map(([path, source]) => [path, this.emitFile({ type: 'asset', fileName: `${config.build.assetsDir}/${fileName}/${path}`, source })]));
        ref = refs.get('manifest.json')!;
      } else ref = this.emitFile({ type: 'asset', name: fileName, source: latest.files.get('')! });
      return `export default import.meta.ROLLUP_FILE_URL_${ref};\n${headerExport(latest.header)}`;
    },
    configureServer(server) {
      server.middlewares.use(servedPath, (req, res) => {
        if (!latest) {
          res.statusCode = 503;
          res.end('The pagerag index is not built yet: import it from the page first.');
          return;
        }
        // Connect strips the mount path: "/" is the snapshot, "/manifest.json" etc. a partitioned index's files.
        const path = partitioned ? decodeURIComponent((req.url ?? '/').split('?')[0]!.slice(1)) : '';
        const file = latest.files.get(path);
        if (!file) {
          res.statusCode = 404;
          res.end(`pagerag: ${path} is not a file of the index.`);
          return;
        }
        res.setHeader('Content-Type', path.endsWith('.json') ? 'application/json' : 'application/octet-stream');
        res.end(file);
      });
    },
  };
}
