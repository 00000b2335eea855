/** The report's reorder buffer: input order out whatever the settling order, room() at the high-water mark. */
import { describe, expect, it } from 'vitest';
import { ReorderBuffer } from '../../src/pipeline/report/order.js';
import { flushMicrotasks } from '../helpers/fake-clock.js';

describe('ReorderBuffer', () => {
  it('hands outcomes on in position order, each as soon as everything before it is settled', async () => {
    const out: string[] = [];
    const b = new ReorderBuffer<string>((x) => void out.push(x), 100);
    const [p0, p1, p2] = [b.reserve(), b.reserve(), b.reserve()];
    b.settle(p2, 'c');
    b.settle(p1, 'b');
    await flushMicrotasks();
    expect(out).toEqual([]);
    b.settle(p0, 'a');
    await b.drained();
    expect(out).toEqual(['a', 'b', 'c']);
  });

  it('ignores a second settle of a position (the grace period gave it its outcome first)', async () => {
    const out: string[] = [];
    const b = new ReorderBuffer<string>((x) => void out.push(x), 100);
    const p = b.reserve();
    b.settle(p, 'unconfirmed');
    b.settle(p, 'delivered');
    await b.drained();
    expect(out).toEqual(['unconfirmed']);
  });

  it('room() waits while highWater positions are pending, and the hand-on awaits backpressure', async () => {
    let release!: () => void;
    const out: number[] = [];
    const b = new ReorderBuffer<number>((x) => {
      out.push(x);
      return x === 0 ? new Promise<void>((r) => (release = r)) : undefined;
    }, 2);
    const p0 = b.reserve();
    b.reserve();
    let roomy = false;
    void b.room().then(() => (roomy = true));
    await flushMicrotasks();
    expect(roomy).toBe(false);
    b.settle(p0, 0);
    await flushMicrotasks();
    expect(out).toEqual([0]);
    // Handed on, but the report asked to wait: no room until it drains (backpressure reaches the reading).
    expect(roomy).toBe(false);
    expect(b.idle).toBe(false);
    release();
    await flushMicrotasks();
    expect(roomy).toBe(true);
    expect(b.size).toBe(1);
  });

  it('a failing hand-on rejects room() and drained()', async () => {
    const b = new ReorderBuffer<number>(() => Promise.reject(new Error('EPIPE')), 1);
    b.settle(b.reserve(), 1);
    await expect(b.drained()).rejects.toThrow('EPIPE');
    await expect(b.room()).rejects.toThrow('EPIPE');
  });
});
