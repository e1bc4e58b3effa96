// Seeded mutations of a real snapshot file: every one must load correctly or be refused with a
// SnapshotFormatError, never hang, never allocate without bound, never leave a half-written store.
import { describe, expect, test } from 'vitest';
import { PageragError, SnapshotFormatError } from '../../src/errors.js';
import { VectorStoreIndex } from '../../src/indices/vector-store-index.js';
import { gzip, sha256Hex } from '../../src/snapshot/bytes.js';
import { decodeSnapshot, readSnapshotHeader, type SnapshotHeader } from '../../src/snapshot/snapshot-format.js';
import { MemoryVectorStore } from '../../src/storage/memory-vector-store.js';
import { createRandom } from '../../scripts/fixtures/onnx-graph.mjs';
import { corpusDocuments } from '../support/corpus.js';
import { fixtureEmbedding } from '../support/models.js';
import { rewrap } from '../support/snapshot-files.js';

const random = createRandom(7);
const int = (n: number) => Math.floor(random.uniform() * n);
const embedModel = fixtureEmbedding();
const source = await VectorStoreIndex.fromDocuments(corpusDocuments(), { embedModel, vectorStore: new MemoryVectorStore() });
const original = await source.toSnapshot();
const { header, bodyOffset } = readSnapshotHeader(original);
const body = original.subarray(bodyOffset);

interface Section {
  tag: string;
  flags: number;
  payload: Uint8Array;
}

/** The body's sections as written (payloads still compressed). */
function sections(bytes: Uint8Array): Section[] {
  const out: Section[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let at = 0; at < bytes.length; ) {
    const length = view.getUint32(at + 8, true);
    out.push({ tag: new TextDecoder().decode(bytes.subarray(at, at + 4)), flags: view.getUint32(at + 4, true), payload: bytes.subarray(at + 16, at + 16 + length) });
    at += Math.ceil((16 + length) / 8) * 8;
  }
  return out;
}

function joinSections(list: Section[], lengthOf = (s: Section) => s.payload.length): Uint8Array {
  const parts = list.map((s) => {
    const out = new Uint8Array(Math.ceil((16 + s.payload.length) / 8) * 8);
    out.set(new TextEncoder().encode(s.tag.padEnd(4).slice(0, 4)));
    const view = new DataView(out.buffer);
    view.setUint32(4, s.flags, true);
    const length = lengthOf(s);
    view.setUint32(8, length % 2 ** 32, true);
    view.setUint32(12, Math.floor(length / 2 ** 32), true);
    out.set(s.payload, 16);
    return out;
  });
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  parts.reduce((at, p) => (all.set(p, at), at + p.length), 0);
  return all;
}

/** A file whose header checksum and body SHA-256 are right: only the structure is wrong. */
async function wrap(newBody: Uint8Array, changes: Partial<SnapshotHeader> = {}): Promise<Uint8Array> {
  return rewrap({ ...header, bodyLength: newBody.length, contentHash: await sha256Hex(newBody), ...changes }, newBody);
}

const decodeJson = async (s: Section) => JSON.parse(new TextDecoder().decode(await new Response(new Blob([s.payload as BlobPart]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer())) as unknown[];
const withJson = async (list: Section[], tag: string, edit: (rows: unknown[]) => unknown) => {
  const out: Section[] = [];
  for (const s of list) out.push(s.tag === tag ? { ...s, payload: await gzip(new TextEncoder().encode(JSON.stringify(edit(await decodeJson(s))))) } : s);
  return joinSections(out);
};

const HOSTILE_VALUES: unknown[] = [null, 0, -1, 1.5, 2 ** 40, '', 'x', [], {}, [null], { id: 1 }, true, '\u0000'];

/** Structured mutations with valid checksums: each names what it breaks. */
async function structural(n: number): Promise<[string, Uint8Array][]> {
  const list = sections(body);
  const out: [string, Uint8Array][] = [];
  for (let i = 0; i < n; i++) {
    const value = HOSTILE_VALUES[int(HOSTILE_VALUES.length)];
    switch (i % 8) {
      case 0: {
        const field = ['id', 'hash', 'metadata', 'nodes'][int(4)]!;
        out.push([`DOCS[*].${field} = ${JSON.stringify(value)}`, await wrap(await withJson(list, 'DOCS', (rows) => rows.map((r, j) => (j === i % rows.length ? { ...(r as object), [field]: value } : r))))]);
        break;
      }
      case 1: {
        const column = int(5);
        out.push([`NODE[*][${column}] = ${JSON.stringify(value)}`, await wrap(await withJson(list, 'NODE', (rows) => rows.map((r, j) => (j === i % rows.length ? (r as unknown[]).map((c, k) => (k === column ? value : c)) : r))))]);
        break;
      }
      case 2:
        out.push([`a whole row replaced by ${JSON.stringify(value)}`, await wrap(await withJson(list, i % 3 ? 'NODE' : 'DOCS', (rows) => rows.map((r, j) => (j === 0 ? value : r))))]);
        break;
      case 3:
        out.push(['a duplicated document id', await wrap(await withJson(list, 'DOCS', (rows) => rows.map((r, j) => (j === 1 ? { ...(r as object), id: (rows[0] as { id: string }).id } : r))))]);
        out.push(['a duplicated node id', await wrap(await withJson(list, 'NODE', (rows) => rows.map((r, j) => (j === 1 ? [(rows[0] as unknown[])[0], ...(r as unknown[]).slice(1)] : r))))]);
        break;
      case 4:
        out.push([`counts.${i % 2 ? 'nodes' : 'documents'} = ${JSON.stringify(value)}`, await wrap(body, { counts: { ...header.counts, [i % 2 ? 'nodes' : 'documents']: value } } as Partial<SnapshotHeader>)]);
        break;
      case 5: {
        const order = [...list].sort(() => random.uniform() - 0.5);
        if (i % 2) order.push(order[int(order.length)]!);
        out.push([i % 2 ? 'a section twice' : 'sections reordered', await wrap(joinSections(order))]);
        break;
      }
      case 6: {
        const which = int(list.length);
        const length = [2 ** 40, 2 ** 32 + 5, list[which]!.payload.length + 8 * (1 + int(50)), 0][int(4)]!;
        out.push([`section ${list[which]!.tag} claims ${length} bytes`, await wrap(joinSections(list, (s) => (s === list[which] ? length : s.payload.length)))]);
        break;
      }
      default: {
        const which = list.findIndex((s) => s.flags & 1);
        const garbage = Uint8Array.from({ length: 40 + int(200) }, () => int(256));
        out.push(['corrupt gzip in a section', await wrap(joinSections(list.map((s, j) => (j === which ? { ...s, payload: garbage } : s))))]);
      }
    }
  }
  return out;
}

async function outcome(file: Uint8Array): Promise<'loaded' | 'refused'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('hung for 10 s')), 10_000)));
  const store = new MemoryVectorStore();
  try {
    await Promise.race([VectorStoreIndex.fromSnapshot(file, { vectorStore: store, embedModel }), hang]);
    return 'loaded';
  } catch (error) {
    if (!(error instanceof PageragError)) throw error;
    // Refused before anything was written.
    expect(await store.listRefDocs()).toEqual([]);
    return 'refused';
  } finally {
    clearTimeout(timer);
    expect(await store.verify()).toEqual([]);
  }
}

describe('snapshot files under seeded mutation', () => {
  test('every body bit flip is caught (the SHA-256 check), every cut too', async () => {
    let flips = 0;
    for (let i = 0; i < 200; i++) {
      const file = original.slice();
      const at = bodyOffset + int(body.length);
      file[at] = file[at]! ^ (1 << int(8));
      await expect(decodeSnapshot(file)).rejects.toBeInstanceOf(SnapshotFormatError);
      flips++;
    }
    // Cuts at every section boundary and in the header, and a few random ones.
    const boundaries = [0, 8, 16, bodyOffset - 1, bodyOffset];
    let at = 0;
    for (const s of sections(body)) boundaries.push(bodyOffset + at, bodyOffset + at + 16, bodyOffset + at + 16 + s.payload.length), (at += Math.ceil((16 + s.payload.length) / 8) * 8);
    for (let i = 0; i < 20; i++) boundaries.push(int(original.length));
    const cuts = boundaries.filter((cut) => cut < original.length);
    for (const cut of cuts) await expect(decodeSnapshot(original.slice(0, cut))).rejects.toBeInstanceOf(SnapshotFormatError);
    expect(flips + cuts.length).toBeGreaterThanOrEqual(220);
  });

  test('300 structural mutations with valid checksums: each loads whole or is refused by name; nothing half-written', async () => {
    const cases = await structural(300);
    const outcomes = { loaded: 0, refused: 0 };
    const unnamed: string[] = [];
    for (const [what, file] of cases) {
      try {
        outcomes[await outcome(file)]++;
      } catch (error) {
        unnamed.push(`${what}: ${(error as Error).name}: ${(error as Error).message}`);
      }
    }
    expect(unnamed).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(300);
    expect(outcomes.refused).toBeGreaterThan(200);
    console.log(`snapshot fuzz: ${cases.length} structural mutations, ${outcomes.loaded} loaded whole, ${outcomes.refused} refused with a named error`);
  }, 240_000);
});
