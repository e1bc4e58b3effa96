import { abortable } from './abortable.js';

/**
 * Runs tasks one at a time in call order (one model can only generate one answer at a time).
 * A task whose signal aborts while it waits leaves the queue without running, and without letting
 * the tasks behind it start before the running one has finished.
 */
export class SerialQueue {
  private tail: Promise<void> = Promise.resolve();
  private waiting = 0;

  /** Tasks queued or running. */
  get size(): number {
    return this.waiting;
  }

  /**
   * Waits for this caller's turn and resolves with the function that ends it: for a holder that
   * yields while it runs (a stream), where {@link run} cannot wrap the work.
   */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    signal?.throwIfAborted();
    const previous = this.tail;
    let release!: () => void;
    const turn = new Promise<void>((resolve) => (release = resolve));
    // The next caller waits for the holder before this one too: a caller that gives up while
    // waiting resolves `turn` at once, and the chain still waits for `previous`.
    this.tail = previous.then(() => turn);
    this.waiting++;
    let ended = false;
    const end = () => {
      if (ended) return;
      ended = true;
      this.waiting--;
      release();
    };
    try {
      await abortable(previous, signal);
    } catch (error) {
      end();
      throw error;
    }
    return end;
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const end = await this.acquire(signal);
    try {
      return await task();
    } finally {
      end();
    }
  }
}
