import { describe, expect, test } from 'vitest';
import { SerialQueue } from '../../src/util/serial-queue.js';

describe('SerialQueue', () => {
  test('a queued task that aborts leaves without letting the next one start beside the running one', async () => {
    const queue = new SerialQueue();
    const log: string[] = [];
    let running = 0;
    let maxRunning = 0;
    const task = (name: string) => async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      log.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      log.push(`${name} end`);
      running--;
      return name;
    };
    const controller = new AbortController();
    const a = queue.run(task('a'));
    const b = queue.run(task('b'), controller.signal);
    const c = queue.run(task('c'));
    controller.abort();
    await expect(b).rejects.toMatchObject({ name: 'AbortError' });
    expect(await Promise.all([a, c])).toEqual(['a', 'c']);
    expect(maxRunning).toBe(1);
    expect(log).toEqual(['a start', 'a end', 'c start', 'c end']);
    expect(queue.size).toBe(0);
  });

  test('acquire hands out turns in call order; a failing task frees its turn', async () => {
    const queue = new SerialQueue();
    const order: number[] = [];
    const failing = queue.run(async () => {
      throw new Error('boom');
    });
    const turns = [1, 2, 3].map(async (n) => {
      const end = await queue.acquire();
      order.push(n);
      await new Promise((resolve) => setTimeout(resolve, 1));
      end();
      end(); // a second call is harmless
    });
    await expect(failing).rejects.toThrow('boom');
    await Promise.all(turns);
    expect(order).toEqual([1, 2, 3]);
    expect(queue.size).toBe(0);
    await expect(queue.acquire(AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });
});
