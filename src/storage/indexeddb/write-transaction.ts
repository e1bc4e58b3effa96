import type { IDBPDatabase, IDBPTransaction, StoreNames } from 'idb';
import { PageragError, StorageQuotaError, StorageWriteError } from '../../errors.js';
import type { PageragDBSchema } from './schema.js';

type Names = StoreNames<PageragDBSchema>[];
export type WriteTx<N extends Names = Names> = IDBPTransaction<PageragDBSchema, N, 'readwrite'>;

/**
 * The one way pagerag writes (idb's invariant, `src/database-extras.ts`): a request's success is
 * not durability, the transaction's `done` is. So `work` runs inside one readwrite transaction,
 * and this resolves only after `done`. If `work` throws or any request fails, the transaction is
 * aborted (none of its writes are kept), `done` is awaited so nothing rejects unobserved, and the
 * error comes out named: {@link StorageQuotaError} when the browser is out of space, else
 * {@link StorageWriteError}; pagerag's own errors pass through. `size` describes the write in
 * messages.
 */
export async function writeTransaction<N extends Names, T>(
  db: IDBPDatabase<PageragDBSchema>,
  stores: N,
  work: (tx: WriteTx<N>) => Promise<T>,
  size: { rows: number; dims: number } = { rows: 0, dims: 0 },
): Promise<T> {
  const tx = db.transaction(stores, 'readwrite');
  const done = tx.done;
  try {
    const result = await work(tx);
    // Every request is out: committing now spares IndexedDB waiting to see that no more come.
    commitQuietly(tx);
    await done;
    return result;
  } catch (error) {
    abortQuietly(tx);
    await done.catch(() => {});
    throw await toWriteError(error, size.rows, size.dims);
  }
}

/** Commits a transaction whose requests are all made; one that finished already (its work awaited something else) throws, which is fine: `done` tells. */
function commitQuietly(tx: { commit?(): void }): void {
  try {
    tx.commit?.();
  } catch {
    // Already committed or aborted.
  }
}

/** Aborts a transaction that failed midway; one that already finished throws, which is fine. */
export function abortQuietly(tx: { abort(): void }): void {
  try {
    tx.abort();
  } catch {
    // Already committed or aborted.
  }
}

async function toWriteError(error: unknown, rows: number, dims: number): Promise<unknown> {
  if (error instanceof PageragError) return error;
  const name = (error as DOMException)?.name;
  const needed = `${rows} vectors (about ${((rows * dims * 4) / 1e6).toFixed(1)} MB of vectors plus text)`;
  if (name === 'QuotaExceededError') {
    let usage = '';
    try {
      const estimate = await navigator.storage.estimate();
      usage = ` This origin stores ${((estimate.usage ?? 0) / 1e6).toFixed(1)} MB of a ${((estimate.quota ?? 0) / 1e6).toFixed(1)} MB quota.`;
    } catch {
      // No estimate available; the message still says what failed.
    }
    return new StorageQuotaError(
      `The browser refused to store ${needed}: the storage quota is exhausted.${usage} Documents stored before are intact. Delete documents, clear other site data, or call navigator.storage.persist().`,
      { cause: error },
    );
  }
  return new StorageWriteError(`Writing ${needed} to IndexedDB failed (${name ?? 'Error'}: ${(error as Error)?.message ?? error}). Nothing of this write was stored; earlier documents are intact.`, {
    cause: error,
  });
}
