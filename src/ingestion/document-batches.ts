/**
 * Splits `items` into runs of whole items of about `limit` units each (a run takes at least one
 * item, and more while they fit): writes hold whole documents, never part of one.
 */
export function* wholeDocumentBatches<T>(items: readonly T[], sizeOf: (item: T) => number, limit: number): Generator<{ batch: T[]; size: number }> {
  for (let start = 0; start < items.length; ) {
    let end = start;
    let size = 0;
    while (end < items.length && (end === start || size + sizeOf(items[end]!) <= limit)) size += sizeOf(items[end++]!);
    yield { batch: items.slice(start, end), size };
    start = end;
  }
}
