import { describe, expect, test } from 'vitest';
import { pushIterator, type PushSink } from '../../src/streams/push-iterator.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('pushIterator: push callback → pull AsyncIterator', () => {
  test('delivers every value in order, none lost or duplicated, from a synchronous burst', async () => {
    const values = Array.from({ length: 5000 }, (_, i) => i);
    const it = pushIterator<number>({
      start: async (sink) => {
        for (const v of values) sink.push(v);
      },
    });
    const seen: number[] = [];
    for await (const v of it) seen.push(v);
    expect(seen).toEqual(values);
  });

  test('bounds its buffer: a synchronous string producer is coalesced without loss', async () => {
    let sink!: PushSink<string>;
    const it = pushIterator<string>({
      highWaterMark: 4,
      merge: (a, b) => a + b,
      start: async (s) => {
        sink = s;
        for (let i = 0; i < 100; i++) s.push(`${i},`);
      },
    });
    const first = await it.next();
    expect(first.value).toBe('0,');
    const rest: string[] = [];
    for await (const v of it) rest.push(v);
    expect(rest.length).toBeLessThanOrEqual(4);
    expect(first.value + rest.join('')).toBe(Array.from({ length: 100 }, (_, i) => `${i},`).join(''));
    expect(sink.stopped).toBe(false);
  });

  test('an async producer waits for the consumer at the high-water mark', async () => {
    let maxBuffered = 0;
    let produced = 0;
    let consumed = 0;
    const it = pushIterator<number>({
      highWaterMark: 3,
      start: async (sink) => {
        for (let i = 0; i < 50; i++) {
          produced++;
          maxBuffered = Math.max(maxBuffered, produced - consumed);
          if (!sink.push(i)) await sink.drained();
        }
      },
    });
    for await (const _ of it) {
      consumed++;
      await tick();
    }
    expect(consumed).toBe(50);
    expect(maxBuffered).toBeLessThanOrEqual(4);
  });

  test("a producer's error surfaces in the consumer's for await, after the values before it", async () => {
    const it = pushIterator<string>({
      start: async (sink) => {
        sink.push('a');
        sink.push('b');
        await tick();
        throw new TypeError('model exploded');
      },
    });
    const seen: string[] = [];
    await expect(
      (async () => {
        for await (const v of it) seen.push(v);
      })(),
    ).rejects.toThrow('model exploded');
    expect(seen).toEqual(['a', 'b']);
  });

  test('break stops the producer, waits until it is done, and drops later pushes', async () => {
    let stops = 0;
    let producerFinished = false;
    let accepted = 0;
    const it = pushIterator<number>({
      stop: () => stops++,
      start: async (sink) => {
        for (let i = 0; i < 100 && !sink.stopped; i++) {
          if (sink.push(i)) accepted++;
          await tick();
        }
        producerFinished = true;
      },
    });
    const seen: number[] = [];
    for await (const v of it) {
      seen.push(v);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual([0, 1]);
    expect(stops).toBe(1);
    expect(producerFinished).toBe(true);
    expect(accepted).toBeLessThanOrEqual(3);
    expect(await it.next()).toEqual({ value: undefined, done: true });
  });

  test('an AbortSignal rejects with its AbortError, stops the producer and removes its listener', async () => {
    const controller = new AbortController();
    let added = 0;
    let removed = 0;
    const signal = controller.signal;
    const add = signal.addEventListener.bind(signal);
    const remove = signal.removeEventListener.bind(signal);
    signal.addEventListener = ((...args: Parameters<typeof add>) => (added++, add(...args))) as typeof add;
    signal.removeEventListener = ((...args: Parameters<typeof remove>) => (removed++, remove(...args))) as typeof remove;
    let stopped = false;
    const it = pushIterator<number>({
      signal,
      stop: () => (stopped = true),
      start: async (sink) => {
        for (let i = 0; !sink.stopped; i++) {
          sink.push(i);
          await tick();
        }
      },
    });
    const seen: number[] = [];
    const run = (async () => {
      for await (const v of it) {
        seen.push(v);
        if (v === 3) controller.abort();
      }
    })();
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(stopped).toBe(true);
    expect(seen.at(-1)).toBe(3);
    expect(added).toBe(1);
    expect(removed).toBe(1);
  });

  test('an already aborted signal never starts the producer', async () => {
    let started = false;
    const it = pushIterator<number>({
      signal: AbortSignal.abort(),
      start: async () => {
        started = true;
      },
    });
    await expect(it.next()).rejects.toMatchObject({ name: 'AbortError' });
    expect(started).toBe(false);
  });
});
