// `pagerag/vite`: builds a snapshot of a folder at `vite build` (and serves one in `vite dev`).
import { join, resolve } from 'node:path';
import type { Plugin, ResolvedConfig } from 'vite';
import { OpenAICompatibleEmbedding, type OpenAICompatibleEmbeddingOptions } from '../embeddings/openai-compatible-embedding.js';
import { TransformersEmbedding } from '../embeddings/transformers-embedding.js';
import type { EncodeSnapshotOptions, SnapshotHeader } from '../snapshot/snapshot-format.js';
import { buildSnapshot, type BuildSnapshotResult } from './build-snapshot.js';
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
}

/**
 * Builds the index of a folder at build time and emits it as a static asset; the page imports its
 * URL and header and loads it with `VectorStoreIndex.fromSnapshot`.
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
  const fileName = options.fileName ?? 'pagerag-index.pagerag';
  const servedPath = `/@pagerag/${fileName}`;
  let config: ResolvedConfig;
  let latest: BuildSnapshotResult | undefined;

  async function build(watch: (file: string) => void): Promise<BuildSnapshotResult> {
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
    try {
      const result = await buildSnapshot({
        files: contents,
        embedModel,
        cacheDir: resolve(root, options.cacheDir ?? 'node_modules/.cache/pagerag'),
        ...(options.chunkSize !== undefined && { chunkSize: options.chunkSize }),
        ...(options.chunkOverlap !== undefined && { chunkOverlap: options.chunkOverlap }),
        ...(options.vectors && { vectors: options.vectors }),
        ...(options.keywords !== undefined && { keywords: options.keywords }),
        ...(options.baseUrl !== undefined && { baseUrl: options.baseUrl }),
        ...(options.site && { site: true }),
      });
      config.logger.info(
        `pagerag: ${options.input} → ${fileName}: ${result.header.counts.documents} files, ${result.header.counts.nodes} chunks, ${formatBytes(result.bytes.length)} (${result.embedded} embedded, ${result.cached} from cache)`,
      );
      return result;
    } finally {
      await localModel.dispose();
    }
  }

  const headerExport = (header: SnapshotHeader) => `export const header = ${JSON.stringify(header)};`;

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
      if (config.command === 'serve') return `export default ${JSON.stringify(servedPath)};\n${headerExport(latest.header)}`;
      const ref = this.emitFile({ type: 'asset', name: fileName, source: latest.bytes });
      return `export default import.meta.ROLLUP_FILE_URL_${ref};\n${headerExport(latest.header)}`;
    },
    configureServer(server) {
      server.middlewares.use(servedPath, (_req, res) => {
        if (!latest) {
          res.statusCode = 503;
          res.end('The pagerag snapshot is not built yet: import it from the page first.');
          return;
        }
        res.setHeader('Content-Type', 'application/octet-stream');
        res.end(latest.bytes);
      });
    },
  };
}
