/**
 * `promise`, or a rejection with the signal's reason as soon as it aborts, whichever comes first.
 * For waits that the caller may give up (a queue, a model still loading); the awaited work itself
 * goes on, so it is not a way to interrupt a model.
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
