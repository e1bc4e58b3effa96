import { openDB, type IDBPDatabase, type IDBPTransaction } from 'idb';
import { StorageCorruptionError, StorageVersionError } from '../../errors.js';
import { NODES_PER_PAGE, SCHEMA_VERSION, type NodeRecord, type PageragDBSchema, type StoredSegment } from './schema.js';
import { decodeSegment, encodeSegment } from './segment-codec.js';
import { abortQuietly } from './write-transaction.js';

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
          db.createObjectStore('docs', { keyPath: 'id' });
        }
        if (oldVersion < 2) {
          db.createObjectStore('pages', { keyPath: ['group', 'page'] });
          db.createObjectStore('snapshots', { keyPath: 'name' });
          if (oldVersion === 1) {
            // An error aborts the upgrade: the database stays at schema 1 as it was.
            await migrateFromSchema1(db as unknown as IDBPDatabase<unknown>, tx as unknown as IDBPTransaction<unknown, string[], 'versionchange'>).catch((error: unknown) => {
              migrationError = error;
              abortQuietly(tx);
            });
          }
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
 * Schema 1 → 2, inside the upgrade transaction (if anything fails, the database stays at 1,
 * untouched): each segment's nodes move from per-document pages to pages of the segment, in row
 * order, and the segment gets their locations and its keyword rows as bytes.
 */
async function migrateFromSchema1(db: IDBPDatabase<unknown>, tx: IDBPTransaction<unknown, string[], 'versionchange'>): Promise<void> {
  const oldPages = (await tx.objectStore('nodes').getAll()) as { nodes: NodeRecord[] }[];
  const nodeById = new Map(oldPages.flatMap((p) => p.nodes.map((n) => [n.id, n])));
  for (const stored of (await tx.objectStore('segments').getAll()) as StoredSegment[]) {
    const segment = decodeSegment(stored);
    const nodes = segment.nodeIds.map((id) => nodeById.get(id)).filter((n): n is NodeRecord => n !== undefined);
    segment.locations = Uint32Array.from(segment.nodeIds.flatMap((_, i) => [stored.id!, Math.floor(i / NODES_PER_PAGE)]));
    for (let start = 0, page = 0; start < nodes.length; start += NODES_PER_PAGE, page++) {
      await tx.objectStore('pages').put({ group: stored.id!, page, nodes: nodes.slice(start, start + NODES_PER_PAGE) });
    }
    await tx.objectStore('segments').put(encodeSegment(segment));
  }
  db.deleteObjectStore('nodes');
}
