import { describe, expect, it } from 'vitest';
import { systemClock, Wake } from '../../src/core/clock.js';

describe('Wake', () => {
  it('ends a real sleep at once when fired, and stays fired', async () => {
    const wake = new Wake();
    const t0 = Date.now();
    const slept = systemClock.sleep(60_000, wake);
    setTimeout(() => wake.fire(), 5);
    await slept;
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(wake.aborted).toBe(true);
    // A sleep on a fired wake does not wait at all.
    const t1 = Date.now();
    await systemClock.sleep(60_000, wake);
    expect(Date.now() - t1).toBeLessThan(50);
  });

  it('runs each listener once; a removed one not at all', () => {
    const wake = new Wake();
    const calls: string[] = [];
    const a = () => calls.push('a');
    const b = () => calls.push('b');
    wake.addEventListener('abort', a);
    wake.addEventListener('abort', b);
    wake.removeEventListener('abort', a);
    wake.fire();
    wake.fire();
    expect(calls).toEqual(['b']);
  });
});
