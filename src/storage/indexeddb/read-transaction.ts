/**
 * The result of reads in a read-only transaction, without waiting for the transaction's end: a
 * request's result is final once it succeeded (a failed or aborted one rejects `reads`), while the
 * end comes once IndexedDB has closed the transaction, 20–40 ms later right after a large write
 * (a query's texts read just after a snapshot load). The end is still observed, so that its
 * failure is not reported as unhandled.
 */
export function readResults<T>(tx: { done: Promise<void> }, reads: Promise<T>): Promise<T> {
  tx.done.catch(() => {});
  return reads;
}
