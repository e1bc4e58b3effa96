// Reading the whole database at once: checking that its records agree, and exporting them.
import { InvalidStateError, StorageCorruptionError } from '../../errors.js';
import { TextNode } from '../../schema/node.js';
import type { KeywordTerms } from '../../search/keyword-codec.js';
import type { StoreContents } from '../vector-store.js';
import { bitBytesOf } from '../../search/vector-codes.js';
import { LOCATION_FIELDS, type DocGroup, type DocRecord, type IndexConfig, type NodePage, type SegmentRecord, type VectorPage } from './schema.js';
import { vectorsFromPages } from './segment-records.js';

/** Every record of an index, read in one transaction. */
export interface AllRecords {
  config: IndexConfig | undefined;
  /** The docstore's entries (from its groups). */
  docs: DocRecord[];
  docGroups?: DocGroup[];
  segments: SegmentRecord[];
  pages: NodePage[];
  vectorPages: VectorPage[];
}

/** The float32 vectors of a segment's rows, from the vector pages (NaN where one is missing). */
export function segmentVectors(segment: SegmentRecord, vectorPages: ReadonlyMap<number, VectorPage>, dims: number): Float32Array {
  return vectorsFromPages(
    segment.nodeIds.map((nodeId, i) => ({ nodeId, vectorPage: segment.locations[i * LOCATION_FIELDS + 2]! })),
    vectorPages,
    dims,
  );
}

function pagesById(vectorPages: readonly VectorPage[]): Map<number, VectorPage> {
  return new Map(vectorPages.map((p) => [p.id!, p]));
}

/** Where segments, node pages and the docstore disagree (empty when consistent). */
export function recordProblems({ config, segments, pages, docs, docGroups = [], vectorPages }: AllRecords): { problems: string[]; rows: number } {
  const problems: string[] = [];
  for (const group of docGroups) if (group.ids.join('\n') !== group.docs.map((d) => d.id).join('\n')) problems.push(`docstore group ${group.group} indexes other ids than it holds`);
  const nodeKeys = pages.flatMap((p) => p.nodes);
  const pageOfNode = new Map(pages.flatMap((p) => p.nodes.map((n) => [n.id, `${p.group}:${p.page}`])));
  const dims = config?.dimensions ?? 0;
  const rowOwner = new Map<string, { refDocId: string; segment: number }>();
  const pageById = pagesById(vectorPages);
  const vectorOwner = new Map(vectorPages.flatMap((p) => p.nodeIds.map((id) => [id, p.id!])));
  for (const p of vectorPages) if (p.vectors.length !== p.nodeIds.length * dims) problems.push(`vector page ${p.id} has ${p.vectors.length} floats for ${p.nodeIds.length} rows of ${dims}`);
  for (const s of segments) {
    const rows = s.nodeIds.length;
    const { int8, scales, bits, inverseNorms } = s.codes;
    if (int8.length !== rows * dims || scales.length !== rows || inverseNorms.length !== rows || bits.length !== rows * bitBytesOf(dims)) {
      problems.push(`segment ${s.id} has codes of the wrong size for ${rows} rows of ${dims}`);
    }
    if (s.keywords?.length !== rows) problems.push(`segment ${s.id} has keyword data for ${s.keywords?.length ?? 0} of ${rows} rows`);
    if (s.locations.length !== rows * LOCATION_FIELDS) problems.push(`segment ${s.id} has locations for ${s.locations.length / LOCATION_FIELDS} of ${rows} rows`);
    const vectors = segmentVectors(s, pageById, dims);
    s.nodeIds.forEach((id, i) => {
      if (rowOwner.has(id)) problems.push(`node ${id} has more than one vector`);
      rowOwner.set(id, { refDocId: s.refDocIds[i]!, segment: s.id! });
      if (Number.isNaN(vectors[i * dims])) problems.push(`the float32 vector of node ${id} is not in vector page ${s.locations[i * LOCATION_FIELDS + 2]}`);
      const where = `${s.locations[i * LOCATION_FIELDS]}:${s.locations[i * LOCATION_FIELDS + 1]}`;
      if (pageOfNode.has(id) && pageOfNode.get(id) !== where) problems.push(`node ${id} is in page ${pageOfNode.get(id)}, its row says ${where}`);
    });
  }
  const stored = segments.reduce((n, s) => n + s.nodeIds.length, 0);
  if (config?.rows !== undefined && config.rows !== stored) problems.push(`the index records ${config.rows} rows, its segments hold ${stored}`);
  const nodeById = new Map(nodeKeys.map((n) => [n.id, n]));
  for (const doc of docs) {
    for (const id of doc.nodeIds) {
      const node = nodeById.get(id);
      const row = rowOwner.get(id);
      if (!node) problems.push(`document ${doc.id} lists node ${id}, which is not stored`);
      else if (node.refDocId !== doc.id) problems.push(`node ${id} belongs to ${node.refDocId}, not ${doc.id}`);
      if (!row) problems.push(`node ${id} of document ${doc.id} has no vector`);
      else if (row.segment !== doc.segment || row.refDocId !== doc.id) problems.push(`vector of node ${id} is filed under the wrong document or segment`);
    }
  }
  const listed = new Set(docs.flatMap((d) => d.nodeIds));
  for (const node of nodeKeys) if (!listed.has(node.id)) problems.push(`node ${node.id} is stored but no document lists it`);
  for (const id of rowOwner.keys()) if (!listed.has(id)) problems.push(`vector of node ${id} is stored but no document lists it`);
  for (const [id, page] of vectorOwner) if (!rowOwner.has(id)) problems.push(`vector page ${page} holds node ${id}, which no segment has`);
  return { problems, rows: rowOwner.size };
}

/** Every document with its nodes, vectors and keyword rows, documents in id order. */
export function contentsOf({ config, docs, segments, pages, vectorPages }: AllRecords, name: string): StoreContents {
  if (!config || docs.length === 0) throw new InvalidStateError(`Index "${name}" is empty: there is nothing to export. Insert documents first.`);
  const dims = config.dimensions;
  const rows = new Map<string, { vectors: Float32Array; row: number; keywords: KeywordTerms }>();
  const pageById = pagesById(vectorPages);
  for (const segment of segments) {
    const segmentRows = segmentVectors(segment, pageById, dims);
    segment.nodeIds.forEach((id, row) => rows.set(id, { vectors: segmentRows, row, keywords: segment.keywords[row]! }));
  }
  const nodeById = new Map(pages.flatMap((p) => p.nodes.map((n) => [n.id, n])));
  const ordered = [...docs].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const vectors = new Float32Array(ordered.reduce((n, d) => n + d.nodeIds.length, 0) * dims);
  const keywords: KeywordTerms[] = [];
  let at = 0;
  const documents = ordered.map((doc) => {
    const nodes = doc.nodeIds.map((id) => {
      const node = nodeById.get(id);
      const row = rows.get(id);
      if (!node || node.refDocId !== doc.id || !row || Number.isNaN(row.vectors[row.row * dims])) {
        throw new StorageCorruptionError(`Node ${id} of document "${doc.id}" is incomplete in storage, so the index cannot be exported: run vectorStore.verify() to see what is wrong, and re-insert that document.`);
      }
      vectors.set(row.vectors.subarray(row.row * dims, (row.row + 1) * dims), at++ * dims);
      keywords.push(row.keywords);
      return new TextNode(node);
    });
    return { id: doc.id, hash: doc.hash, metadata: doc.metadata, nodes };
  });
  return { embedModel: { model: config.embedModel, dimensions: dims, embedsMetadata: config.embedsMetadata ?? false }, documents, vectors, keywords };
}
