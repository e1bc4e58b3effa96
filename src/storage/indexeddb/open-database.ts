import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { StorageCorruptionError, StorageVersionError } from '../../errors.js';
import { encodeVectorCodes } from '../../search/vector-codes.js';
import { docGroupOf } from './doc-groups.js';
import { LOCATION_FIELDS, NODES_PER_PAGE, SCHEMA_VERSION, type DocRecord, type IndexConfig, type NodeRecord, type PageragDBSchema, type StoredSegment } from './schema.js';
import { decodeRowData, encodeSegment } from './segment-codec.js';
import { writeVectorPages } from './segment-records.js';
import { abortQuietly, type WriteTx } from './write-transaction.js';

/** Each index is one database, named with this prefix. */
export const DB_PREFIX = 'pagerag:';

/**
 * Opens (creating or migrating) the database of index `name`. `onVersionChange` runs when another
 * connection needs the database (a delete, or a newer pagerag upgrading it in another tab).
 */
export async function openDatabase(name: string, onVersionChange: () => void): Promise<IDBPDatabase<PageragDBSchema>> {
  let migrationError: unknown;
  try {
    return await openDB<PageragDBSchema>(DB_PREFIX + name, SCHEMA_VERSION, {
      async upgrade(db, oldVersion, _newVersion, tx) {
        if (oldVersion < 1) {
          db.createObjectStore('meta');
          db.createObjectStore('segments', { keyPath: 'id', autoIncrement: true });
        }
        if (oldVersion < 2) {
          db.createObjectStore('pages', { keyPath: ['group', 'page'] });
          db.createObjectStore('snapshots', { keyPath: 'name' });
        }
        if (oldVersion < 3) db.createObjectStore('vectors', { keyPath: 'id', autoIncrement: true });
        if (oldVersion < 4) db.createObjectStore('docGroups', { keyPath: 'group', autoIncrement: true }).createIndex('byDoc', 'ids', { unique: true, multiEntry: true });
        if (oldVersion >= 1 && oldVersion < 4) {
          const untyped = [db as unknown as IDBPDatabase<unknown>, tx as unknown as IDBPTransaction<unknown, string[], 'versionchange'>] as const;
          const migrate = async () => {
            if (oldVersion < 3) await migrateToSchema3(...untyped, oldVersion);
            await migrateToSchema4(...untyped);
          };
          // An error aborts the upgrade: the database stays at its old schema as it was.
          await migrate().catch((error: unknown) => {
            migrationError = error;
            abortQuietly(tx);
          });
        }
      },
      blocking() {
        onVersionChange();
      },
    });
  } catch (error) {
    if ((error as DOMException)?.name === 'VersionError') {
      throw new StorageVersionError(
        `Index "${name}" was written by a newer version of pagerag (its database version is above ${SCHEMA_VERSION}). ` +
          'Update pagerag in this page, or use another index name; the stored data was left untouched.',
        { cause: error },
      );
    }
    if (migrationError !== undefined) {
      throw new StorageCorruptionError(
        `Index "${name}" could not be migrated to schema ${SCHEMA_VERSION} (${(migrationError as Error)?.message ?? migrationError}); it was left as it was. ` +
          'Open it with the pagerag version that wrote it and export it, or delete it (IndexedDBVectorStore.delete) and ingest again.',
        { cause: migrationError },
      );
    }
    throw error;
  }
}

/**
 * Schemas 1 and 2 → 3, inside the upgrade transaction (if anything fails, the database stays as it
 * was, untouched), one segment at a time: its float32 rows move to vector pages and the segment
 * gets their codes. From schema 1 also: the segment's nodes move from per-document pages to pages
 * of the segment, in row order, and its keyword rows become bytes.
 */
async function migrateToSchema3(db: IDBPDatabase<unknown>, tx: IDBPTransaction<unknown, string[], 'versionchange'>, oldVersion: number): Promise<void> {
  const config = (await tx.objectStore('meta').get('config')) as IndexConfig | undefined;
  const nodeById = new Map<string, NodeRecord>();
  if (oldVersion === 1) {
    for (const page of (await tx.objectStore('nodes').getAll()) as { nodes: NodeRecord[] }[]) for (const n of page.nodes) nodeById.set(n.id, n);
  }
  let total = 0;
  for (const key of await tx.objectStore('segments').getAllKeys()) {
    const stored = (await tx.objectStore('segments').get(key)) as StoredSegment;
    const rows = decodeRowData(stored);
    const count = rows.nodeIds.length;
    total += count;
    const vectors = stored.vectors ?? new Float32Array(0);
    const dims = config?.dimensions ?? (count > 0 ? vectors.length / count : 0);
    const locations = new Uint32Array(count * LOCATION_FIELDS);
    const vectorPages = await writeVectorPages(tx as unknown as WriteTx<'vectors'[]>, rows.nodeIds, vectors, dims);
    for (let i = 0; i < count; i++) {
      // Schema 2 located each row's text as [group (0: this segment), page]; schema 1 had no pages per segment.
      const group = oldVersion === 1 ? 0 : stored.locations![i * 2]!;
      const page = oldVersion === 1 ? Math.floor(i / NODES_PER_PAGE) : stored.locations![i * 2 + 1]!;
      locations.set([group === 0 ? stored.id! : group, page, vectorPages[i]!], i * LOCATION_FIELDS);
    }
    if (oldVersion === 1) {
      const nodes = rows.nodeIds.map((id) => nodeById.get(id)).filter((n): n is NodeRecord => n !== undefined);
      for (let start = 0, page = 0; start < nodes.length; start += NODES_PER_PAGE, page++) {
        await tx.objectStore('pages').put({ group: stored.id!, page, nodes: nodes.slice(start, start + NODES_PER_PAGE) });
      }
    }
    await tx.objectStore('segments').put(encodeSegment({ ...rows, id: stored.id!, codes: encodeVectorCodes(vectors, dims), locations }));
  }
  if (config) await tx.objectStore('meta').put({ ...config, rows: total } satisfies IndexConfig, 'config');
  if (oldVersion === 1) db.deleteObjectStore('nodes');
}

/** Schema 3 → 4: the docstore's entries, a record per document, become a record per segment. */
async function migrateToSchema4(db: IDBPDatabase<unknown>, tx: IDBPTransaction<unknown, string[], 'versionchange'>): Promise<void> {
  const bySegment = new Map<number, DocRecord[]>();
  for (const doc of (await tx.objectStore('docs').getAll()) as DocRecord[]) {
    const list = bySegment.get(doc.segment);
    if (list) list.push(doc);
    else bySegment.set(doc.segment, [doc]);
  }
  for (const docs of bySegment.values()) await tx.objectStore('docGroups').add(docGroupOf(docs));
  db.deleteObjectStore('docs');
}
