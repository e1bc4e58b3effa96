import { SnapshotFormatError, describeValue } from '../errors.js';
import { checkNodeFormat } from '../schema/metadata-mode.js';
import { checkMetadata } from '../schema/metadata.js';

/**
 * Every field of the document and node rows has its type and range before anything is built from
 * them: a checksum proves the bytes are the ones written, not that the writer wrote sense.
 */
export function checkRows(docRows: unknown[], nodeRows: unknown[]): void {
  const bad = (what: string, value: unknown) => new SnapshotFormatError(`The snapshot's ${what} is invalid (${describeValue(value)}): the file is corrupted or was not written by pagerag.`);
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const isOffset = (v: unknown) => Number.isInteger(v) && (v as number) >= -1;
  const metadataOk = (owner: string, value: unknown) => {
    try {
      checkMetadata(value, owner);
    } catch (error) {
      throw new SnapshotFormatError(`The snapshot's metadata is invalid: ${(error as Error).message}`, { cause: error });
    }
  };
  const formatOk = (id: string, format: unknown) => {
    try {
      if (!isObject(format)) throw new Error('not an object');
      checkNodeFormat(format, `node "${id}"`);
    } catch {
      throw bad(`node "${id}"'s format`, format);
    }
  };
  const docIds = new Set<string>();
  docRows.forEach((d, i) => {
    if (!isObject(d) || typeof d.id !== 'string' || d.id === '' || typeof d.hash !== 'string' || !Number.isInteger(d.nodes) || (d.nodes as number) < 0) throw bad(`document ${i}`, d);
    if (docIds.has(d.id)) throw bad(`document ${i} (its id appears twice)`, d.id);
    docIds.add(d.id);
    metadataOk(d.id, d.metadata);
  });
  const nodeIds = new Set<string>();
  nodeRows.forEach((n, i) => {
    if (!Array.isArray(n) || (n.length !== 5 && n.length !== 6)) throw bad(`node ${i}`, n);
    const [id, text, metadata, start, end, format] = n as unknown[];
    if (typeof id !== 'string' || id === '' || typeof text !== 'string' || !isOffset(start) || !isOffset(end)) throw bad(`node ${i}`, n);
    if (n.length === 6) formatOk(id, format);
    if (nodeIds.has(id)) throw bad(`node ${i} (its id appears twice)`, id);
    nodeIds.add(id);
    if (metadata !== 0) metadataOk(id, metadata);
  });
}

