/** What a producer gets to feed a {@link pushIterator}. */
export interface PushSink<T> {
  /** Adds a value. Returns false once the buffer is at its high-water mark (an async producer should `await sink.drained()`). */
  push(value: T): boolean;
  /** Resolves when the consumer has taken the buffer below the high-water mark, or has stopped. */
  drained(): Promise<void>;
  /** True once the consumer stopped (break, return(), abort): further pushes are dropped. */
  readonly stopped: boolean;
}

export interface PushIteratorOptions<T, R = void> {
  /**
   * Starts the producer on the first `next()`. It pushes into the sink; the iterator ends when the
   * returned promise resolves (its value is the iterator's return value, e.g. the model's usage
   * figures) and throws in the consumer's `for await` when it rejects.
   */
  start: (sink: PushSink<T>) => Promise<R>;
  /**
   * Called once when the consumer stops early (break/return() or abort): interrupt the model here.
   * The iterator still waits for `start`'s promise to settle before it reports being done, so the
   * model is free for the next call when `return()` resolves.
   */
  stop?: () => void;
  signal?: AbortSignal;
  /**
   * Buffered values beyond which `push` returns false (and `merge`, if given, coalesces them).
   * @default 1024
   */
  highWaterMark?: number;
  /**
   * Joins two buffered values into one without loss (e.g. string concatenation), which bounds the
   * buffer even for a synchronous producer that cannot wait.
   */
  merge?: (a: T, b: T) => T;
}

/**
 * The one place where a push callback (a model's streaming callback) becomes a pull
 * `AsyncIterator`: values arrive in order, none is lost or duplicated, the buffer is bounded,
 * producer errors surface in the consumer, and the consumer's `break` or an `AbortSignal`
 * interrupts the producer.
 *
 * @example
 * const deltas = pushIterator<string>({
 *   start: (sink) => model.generate({ streamer: new TextStreamer(tok, { callback_function: (t) => sink.push(t) }) }),
 *   stop: () => stoppingCriteria.interrupt(),
 *   merge: (a, b) => a + b,
 * });
 * for await (const delta of deltas) console.log(delta);
 */
export function pushIterator<T, R = void>(options: PushIteratorOptions<T, R>): AsyncIterableIterator<T, R | undefined> {
  const highWaterMark = options.highWaterMark ?? 1024;
  const buffer: T[] = [];
  let head = 0;
  let started = false;
  let stopped = false;
  let finished = false;
  let failure: { error: unknown } | undefined;
  let result: R | undefined;
  let producer: Promise<void> = Promise.resolve();
  let wakeConsumer: (() => void) | undefined;
  let wakeProducer: (() => void) | undefined;
  let detachAbort: () => void = () => {};

  const buffered = () => buffer.length - head;
  const notifyConsumer = () => {
    const wake = wakeConsumer;
    wakeConsumer = undefined;
    wake?.();
  };
  const notifyProducer = () => {
    const wake = wakeProducer;
    wakeProducer = undefined;
    wake?.();
  };

  const sink: PushSink<T> = {
    push(value) {
      if (stopped || finished) return false;
      if (options.merge && buffered() >= highWaterMark) {
        buffer[buffer.length - 1] = options.merge(buffer[buffer.length - 1]!, value);
      } else {
        buffer.push(value);
      }
      notifyConsumer();
      return buffered() < highWaterMark;
    },
    drained() {
      if (stopped || buffered() < highWaterMark) return Promise.resolve();
      return new Promise((resolve) => (wakeProducer = resolve));
    },
    get stopped() {
      return stopped;
    },
  };

  const halt = () => {
    if (stopped) return;
    stopped = true;
    detachAbort();
    buffer.length = 0;
    head = 0;
    notifyProducer();
    try {
      options.stop?.();
    } catch (error) {
      failure ??= { error };
    }
  };

  const begin = () => {
    started = true;
    const signal = options.signal;
    if (signal?.aborted) {
      failure = { error: signal.reason };
      stopped = true;
      return;
    }
    if (signal) {
      const onAbort = () => {
        failure ??= { error: signal.reason };
        halt();
        notifyConsumer();
      };
      signal.addEventListener('abort', onAbort, { once: true });
      detachAbort = () => {
        detachAbort = () => {};
        signal.removeEventListener('abort', onAbort);
      };
    }
    producer = Promise.resolve()
      .then(() => options.start(sink))
      .then(
        (value) => {
          finished = true;
          result = value;
        },
        (error: unknown) => {
          finished = true;
          // After the consumer stopped, an error caused by the interrupt is expected and dropped.
          if (!stopped) failure ??= { error };
        },
      )
      .finally(() => {
        detachAbort();
        notifyConsumer();
      });
  };

  const iterator: AsyncIterableIterator<T, R | undefined> = {
    async next(): Promise<IteratorResult<T, R | undefined>> {
      if (!started) begin();
      for (;;) {
        if (failure) {
          const { error } = failure;
          halt();
          await producer;
          throw error;
        }
        if (buffered() > 0) {
          const value = buffer[head]!;
          buffer[head++] = undefined as T;
          if (head > 1024 && head * 2 > buffer.length) {
            buffer.splice(0, head);
            head = 0;
          }
          if (buffered() < highWaterMark) notifyProducer();
          return { value, done: false };
        }
        if (finished || stopped) {
          await producer;
          if (failure) continue;
          return { value: result, done: true };
        }
        await new Promise<void>((resolve) => (wakeConsumer = resolve));
      }
    },
    async return(): Promise<IteratorResult<T, R | undefined>> {
      if (!started) {
        started = true;
        stopped = true;
        return { value: undefined, done: true };
      }
      if (!finished) halt();
      await producer;
      // What the producer returned after its interrupt (e.g. usage figures of the part generated).
      return { value: result, done: true };
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
  return iterator;
}
