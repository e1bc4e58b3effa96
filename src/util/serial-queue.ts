import { abortReason } from './abort.js';

/**
 * Runs tasks one at a time in call order (one model can only generate one answer at a time).
 * A task whose signal aborts while it waits leaves the queue without running.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  private waiting = 0;

  /** Tasks queued or running. */
  get size(): number {
    return this.waiting;
  }

  run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    this.waiting++;
    const previous = this.tail;
    const result = new Promise<T>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        if (settled) return;
        settled = true;
        reject(abortReason(signal!));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      void previous.then(async () => {
        signal?.removeEventListener('abort', onAbort);
        if (settled) return;
        if (signal?.aborted) return onAbort();
        settled = true;
        try {
          resolve(await task());
        } catch (error) {
          reject(error);
        }
      });
    });
    // The next task waits for this one to finish, whatever its outcome.
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    void this.tail.then(() => this.waiting--);
    return result;
  }
}
