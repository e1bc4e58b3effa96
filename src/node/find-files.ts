import { readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { documentFileType } from '../ingestion/file-document.js';

const GLOB_CHARS = /[*?[{]/;

/** A glob (`*`, `**`, `?`, `{a,b}`, `[abc]`) as a regular expression over "/"-separated paths. */
export function globToRegExp(glob: string): RegExp {
  let source = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // "**/" matches any number of folders, including none.
        source += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
        i += glob[i + 2] === '/' ? 2 : 1;
      } else source += '[^/]*';
    } else if (c === '?') source += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) throw new InvalidArgumentError(`Expected a closing "}" in the pattern "${glob}".`);
      source += `(?:${glob.slice(i + 1, end).split(',').map(escape).join('|')})`;
      i = end;
    } else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) throw new InvalidArgumentError(`Expected a closing "]" in the pattern "${glob}".`);
      source += `[${glob.slice(i + 1, end).replace(/\\/g, '\\\\')}]`;
      i = end;
    } else source += escape(c);
  }
  return new RegExp(`^${source}$`);
}

function escape(text: string): string {
  return text.replace(/[.+^$()|\\/]/g, '\\$&');
}

async function walk(folder: string, out: string[]): Promise<void> {
  for (const entry of await readdir(folder, { withFileTypes: true })) {
    if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
    const path = join(folder, entry.name);
    if (entry.isDirectory()) await walk(path, out);
    else if (entry.isFile()) out.push(path);
  }
}

/**
 * The document files (.md, .txt, .html) of a folder (recursively), a glob such as `docs/**\/*.md`,
 * or one file. Paths are relative to the folder (or to the glob's fixed prefix), with "/", sorted.
 */
export async function findDocumentFiles(input: string, cwd = process.cwd()): Promise<{ root: string; files: string[] }> {
  const normalized = input.replace(/\\/g, '/');
  const globAt = normalized.search(GLOB_CHARS);
  if (globAt >= 0) {
    const base = normalized.slice(0, normalized.lastIndexOf('/', globAt) + 1) || './';
    const root = resolve(cwd, base);
    const pattern = globToRegExp(normalized.slice(base === './' && !normalized.startsWith('./') ? 0 : base.length));
    const all: string[] = [];
    await walk(root, all).catch(() => {
      throw new InvalidArgumentError(`No folder "${base}" for the pattern "${input}".`);
    });
    const files = all.map((f) => relative(root, f).split(sep).join('/')).filter((f) => pattern.test(f) && isIndexable(f));
    return { root, files: files.sort() };
  }
  const path = resolve(cwd, input);
  const info = await stat(path).catch(() => undefined);
  if (!info) throw new InvalidArgumentError(`No such folder or file: "${input}" (looked in ${cwd}).`);
  if (info.isFile()) return { root: resolve(path, '..'), files: [relative(resolve(path, '..'), path)] };
  const all: string[] = [];
  await walk(path, all);
  return { root: path, files: all.map((f) => relative(path, f).split(sep).join('/')).filter((f) => isIndexable(f)).sort() };
}

/** Text, Markdown, HTML, PDF and Word files (PDFs through pdf.js, Word files through mammoth: optional peer dependencies). */
export function isIndexable(path: string): boolean {
  return documentFileType(path) !== undefined || isBinaryDocument(path);
}

/** Files read as bytes: PDF and .docx. */
export const isBinaryDocument = (path: string) => /\.(pdf|docx)$/i.test(path);

/** A found file as `buildSnapshot` takes it: PDFs as bytes, the rest as text. */
export async function readIndexable(root: string, path: string): Promise<{ path: string; content: string | Uint8Array }> {
  const bytes = await readFile(join(root, path));
  return { path, content: isBinaryDocument(path) ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : bytes.toString('utf8') };
}
