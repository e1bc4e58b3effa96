import { openDB, deleteDB, type DBSchema } from 'idb';
import { afterAll, expect, test } from 'vitest';

interface RoundTripSchema extends DBSchema {
  rows: { key: string; value: { id: string; vector: Float32Array; text: string } };
}

const name = `pagerag-foundation-${crypto.randomUUID()}`;
afterAll(() => deleteDB(name));

test('a typed record with a Float32Array survives close and reopen in real IndexedDB', async () => {
  expect(typeof indexedDB.open).toBe('function');
  const db = await openDB<RoundTripSchema>(name, 1, {
    upgrade(database) {
      database.createObjectStore('rows', { keyPath: 'id' });
    },
  });
  const tx = db.transaction('rows', 'readwrite');
  await tx.store.put({ id: 'a', vector: new Float32Array([0.5, -1, 2]), text: 'héllo 👋' });
  await tx.done;
  db.close();

  const reopened = await openDB<RoundTripSchema>(name, 1);
  const row = await reopened.get('rows', 'a');
  reopened.close();
  expect(row?.text).toBe('héllo 👋');
  expect(row?.vector).toBeInstanceOf(Float32Array);
  expect(Array.from(row!.vector)).toEqual([0.5, -1, 2]);
});
