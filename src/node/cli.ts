// `pagerag build-index <dir|glob> --out <file>`: builds a snapshot in Node with the browser's code.
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { parseArgs } from 'node:util';
import { OpenAICompatibleEmbedding } from '../embeddings/openai-compatible-embedding.js';
import { TransformersEmbedding } from '../embeddings/transformers-embedding.js';
import { PageragError } from '../errors.js';
import type { ProgressUpdate } from '../progress.js';
import { buildPartitionedIndex, buildSnapshot, type BuildSnapshotOptions } from './build-snapshot.js';
import type { BuildPartitionedOptions } from '../static/static-format.js';
import { formatBytes } from '../util/format-bytes.js';
import { findDocumentFiles, readIndexable } from './find-files.js';

const USAGE = `Usage: pagerag build-index <folder|glob> --out <file|folder> [options]

Reads .md, .txt, .html, .pdf and .docx files (PDFs need the package pdfjs-dist, Word files the
package mammoth), splits and embeds them with transformers.js (the same code and model as the
browser) and writes a snapshot for VectorStoreIndex.fromSnapshot().

Options:
  -o, --out <file|folder>   snapshot to write (required); a path without the .pagerag
                            extension is a site's folder: it gets index.pagerag (built
                            as with --site) and the <pagerag-search> component
  --model <id>              embedding model (default: Xenova/all-MiniLM-L6-v2)
  --models-dir <folder>     read models from this folder (laid out like the Hub), never download
  --dtype <dtype>           weights precision, e.g. fp32, q8 (default: the model's choice on CPU)
  --chunk-size <tokens>     tokens per chunk (default: the model's input limit)
  --chunk-overlap <tokens>  tokens shared by neighbouring chunks (default: chunk size / 8)
  --vectors <float32|int8>  vector storage in the file (default: float32)
  --no-keywords             leave out the BM25 rows (the page analyzes texts on load
                            instead; a partitioned index then answers vector queries only)
  --base-url <url>          the site's address: each file gets a url (its path under it)
  --site                    HTML files are pages of a built site: their <main> (or
                            [data-pagerag-body]) without nav, footer and [data-pagerag-ignore],
                            one document per heading, each with its url#anchor
  --partitioned             write a partitioned static index into the --out folder
                            (manifest.json, partitions/, fragments/, tables/, keywords/)
                            for StaticVectorStore: a query fetches only the partitions
                            nearest to it, or the keyword chunks of its terms
  --partitions <n>          IVF partitions (default: √chunks)
  --embed-url <base>        embed on an OpenAI-compatible server (<base>/v1/embeddings:
                            text-embeddings-inference, vLLM, Ollama, Infinity) running
                            the same model; the local one still splits, checks the
                            server's vectors against its own, and embeds queries
  --embed-model <name>      the model's name on that server (default: --model)
  --embed-concurrency <n>   requests in flight (default: 4)
  --cache <folder>          per-file cache: unchanged files are not embedded again
                            (default: node_modules/.cache/pagerag)
  --no-cache                embed every file
  -q, --quiet               no progress output
  -h, --help                this text`;

export interface CliIO {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Whether stderr is a terminal (progress redraws one line). */
  isTTY: boolean;
  cwd: string;
}

const defaultIO = (): CliIO => ({
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  isTTY: Boolean(process.stderr.isTTY),
  cwd: process.cwd(),
});

/** Runs the CLI; resolves the exit code. */
export async function runCli(argv: readonly string[], io: CliIO = defaultIO()): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        out: { type: 'string', short: 'o' },
        model: { type: 'string' },
        'models-dir': { type: 'string' },
        dtype: { type: 'string' },
        'chunk-size': { type: 'string' },
        'chunk-overlap': { type: 'string' },
        vectors: { type: 'string' },
        'no-keywords': { type: 'boolean' },
        'base-url': { type: 'string' },
        site: { type: 'boolean' },
        partitioned: { type: 'boolean' },
        partitions: { type: 'string' },
        'embed-url': { type: 'string' },
        'embed-model': { type: 'string' },
        'embed-concurrency': { type: 'string' },
        cache: { type: 'string' },
        'no-cache': { type: 'boolean' },
        quiet: { type: 'boolean', short: 'q' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    io.stderr(`pagerag: ${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    io.stdout(`${USAGE}\n`);
    return 0;
  }
  const [command, input, ...extra] = positionals;
  const fail = (message: string) => {
    io.stderr(`pagerag: ${message}\n\n${USAGE}\n`);
    return 2;
  };
  if (command !== 'build-index') return fail(command ? `unknown command "${command}"; the command is build-index.` : 'expected a command: build-index.');
  if (!input || extra.length > 0) return fail(input ? `expected one folder or glob, got ${positionals.length - 1} (quote a glob so the shell does not expand it).` : 'expected a folder or glob to read.');
  if (!values.out) return fail('expected --out <file>.');
  const integer = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 0) throw new CliError(`expected --${name} to be a whole number${name === 'partitions' ? '' : ' of tokens'}, got "${value}".`);
    return n;
  };
  if (values.vectors !== undefined && values.vectors !== 'float32' && values.vectors !== 'int8') return fail(`expected --vectors float32 or int8, got "${values.vectors}".`);

  const started = Date.now();
  const progress = progressPrinter(io, Boolean(values.quiet));
  try {
    // A folder out is a site's index: its pages read as a site's, the component copied beside it
    // (a partitioned index is a folder too, read as --site says).
    const folder = !/\.pagerag$/i.test(values.out);
    const partitioned = Boolean(values.partitioned);
    const site = Boolean(values.site) || (folder && !partitioned);
    const chunkSize = integer('chunk-size', values['chunk-size']);
    const chunkOverlap = integer('chunk-overlap', values['chunk-overlap']);
    if (partitioned && !folder) throw new CliError(`--partitioned writes a folder: give --out a folder (without the .pagerag extension), got "${values.out}".`);
    const partitions = integer('partitions', values.partitions);
    const { root, files } = await findDocumentFiles(input, io.cwd);
    // An empty site still gets a valid (empty) partitioned index, so a deploy never lacks one.
    if (files.length === 0 && !partitioned) throw new CliError(`no .md, .txt, .html, .pdf or .docx files in "${input}".`);
    const contents = await Promise.all(files.map((path) => readIndexable(root, path)));
    const modelsDir = values['models-dir'] && resolve(io.cwd, values['models-dir']);
    const localModel = new TransformersEmbedding({
      ...(values.model && { model: values.model }),
      ...(values.dtype && { dtype: values.dtype }),
      ...(modelsDir && { modelSource: { localModelPath: modelsDir, allowRemoteModels: false } }),
    });
    const concurrency = values['embed-concurrency'] === undefined ? undefined : Number(values['embed-concurrency']);
    if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency > 0)) throw new CliError(`expected --embed-concurrency to be a positive whole number, got "${values['embed-concurrency']}".`);
    const embedModel = values['embed-url']
      ? new OpenAICompatibleEmbedding({
          baseURL: values['embed-url'],
          reference: localModel,
          ...(values['embed-model'] && { model: values['embed-model'] }),
          ...(concurrency !== undefined && { concurrency }),
        })
      : localModel;
    const cacheDir = values['no-cache'] ? undefined : resolve(io.cwd, values.cache ?? 'node_modules/.cache/pagerag');
    // What both outputs build with: the same pipeline, model and per-file cache.
    const build: BuildSnapshotOptions = {
      files: contents,
      embedModel,
      ...(chunkSize !== undefined && { chunkSize }),
      ...(chunkOverlap !== undefined && { chunkOverlap }),
      ...(values['base-url'] && { baseUrl: values['base-url'] }),
      ...(site && { site: true }),
      ...(cacheDir && { cacheDir }),
      onProgress: progress,
    };
    if (partitioned) {
      const written = await writePartitioned(build, resolve(io.cwd, values.out), { ...(partitions !== undefined && { partitions }), ...(values['no-keywords'] && { keywords: false }) });
      progress.done();
      // A site's index gets the component (as the README's --site command says).
      if (site) io.stdout(await copySiteComponent(resolve(io.cwd, values.out), root, 'manifest.json'));
      io.stdout(`Wrote ${join(values.out, 'manifest.json')}: ${written.documents} documents, ${written.nodes} chunks in ${written.partitions} partitions, ${formatBytes(written.bytes)} in ${written.files} files (manifest ${formatBytes(written.manifestBytes)}), ${((Date.now() - started) / 1000).toFixed(1)} s.\n`);
      await localModel.dispose();
      return 0;
    }
    const result = await buildSnapshot({
      ...build,
      ...(values.vectors && { vectors: values.vectors as 'float32' | 'int8' }),
      ...(values['no-keywords'] && { keywords: false }),
    });
    const out = folder ? join(resolve(io.cwd, values.out), 'index.pagerag') : resolve(io.cwd, values.out);
    await mkdir(dirname(out), { recursive: true });
    await writeFile(out, result.bytes);
    progress.done();
    if (folder) io.stdout(await copySiteComponent(dirname(out), root));
    const { header } = result;
    io.stdout(
      `Wrote ${folder ? join(values.out, 'index.pagerag') : values.out}: ${header.counts.documents} documents, ${header.counts.nodes} chunks, ${header.embedModel.model} (${header.embedModel.dimensions} dimensions, ${header.vectors}), ` +
        `${formatBytes(result.bytes.length)}; ${result.embedded} files embedded, ${result.cached} from cache, ${((Date.now() - started) / 1000).toFixed(1)} s.\n`,
    );
    await localModel.dispose();
    return 0;
  } catch (error) {
    progress.done();
    const known = error instanceof CliError || error instanceof PageragError;
    io.stderr(`pagerag: ${known ? (error as Error).message : ((error as Error)?.stack ?? String(error))}\n`);
    return 1;
  }
}

class CliError extends Error {}

/** Writes the partitioned static index of `build.files` into `folder`. */
async function writePartitioned(build: BuildSnapshotOptions, folder: string, options: BuildPartitionedOptions): Promise<{ documents: number; nodes: number; partitions: number; files: number; bytes: number; manifestBytes: number }> {
  const { files, manifest } = await buildPartitionedIndex(build, options);
  let bytes = 0;
  for (const [path, content] of files) {
    const file = join(folder, path);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    bytes += content.length;
  }
  return { ...manifest.counts, partitions: manifest.partitions.length, files: files.size, bytes, manifestBytes: files.get('manifest.json')!.length };
}

/**
 * Copies the bundled <pagerag-search> (ui/pagerag-ui.js with its worker, and ONNX Runtime's files in
 * ort/, where the worker looks for them) into the index folder, so a site adds search with one
 * script tag. The package has them in dist/ui and dist/ort beside this file; a source checkout
 * after `npm run build`. Returns what to tell the user.
 */
async function copySiteComponent(folder: string, siteRoot: string, indexFile = ''): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const dist = [here, resolve(here, '../../dist')].find((dir) => existsSync(join(dir, 'ui', 'pagerag-ui.js')));
  if (!dist) return 'The <pagerag-search> component is not built here (run npm run build in the pagerag checkout); only the index was written.\n';
  await cp(join(dist, 'ui'), join(folder, 'ui'), { recursive: true });
  await cp(join(dist, 'ort'), join(folder, 'ort'), { recursive: true });
  const path = relative(siteRoot, folder).split(sep).join('/');
  const url = path && !path.startsWith('..') ? `/${path}/` : '<the URL of this folder>/';
  return `Copied <pagerag-search> into ${folder}. Add to your pages:\n  <script type="module" src="${url}ui/pagerag-ui.js"></script>\n  <pagerag-search index="${url}${indexFile}"></pagerag-search>\n`;
}

const PHASES: Record<ProgressUpdate['phase'], string> = { 'load-model': 'loading model', download: 'downloading', split: 'splitting', embed: 'embedding', store: 'storing', rerank: 'reranking' };

/** One redrawn line on a terminal; a line per phase and per quarter elsewhere (CI logs). */
function progressPrinter(io: CliIO, quiet: boolean): ((event: ProgressUpdate) => void) & { done(): void } {
  let last = '';
  let drawn = false;
  const print = (event: ProgressUpdate) => {
    if (quiet) return;
    const share = event.total > 0 ? event.done / event.total : 0;
    const label = `${PHASES[event.phase]} ${event.phase === 'load-model' ? `${(event.done / 1e6).toFixed(1)} MB` : `${event.done}/${event.total}`}`;
    if (io.isTTY) {
      const width = 24;
      const bar = '█'.repeat(Math.round(share * width)).padEnd(width, '░');
      io.stderr(`\r${bar} ${label}`.padEnd(60));
      drawn = true;
      return;
    }
    const key = `${event.phase}:${Math.floor(share * 4)}`;
    if (key !== last) {
      last = key;
      io.stderr(`${label}\n`);
    }
  };
  return Object.assign(print, {
    done() {
      if (drawn) io.stderr('\n');
      drawn = false;
    },
  });
}
