import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MODULE = fileURLToPath(new URL('../../dist/core/paced-tiering.js', import.meta.url));

/**
 * In a fresh process: how many calls a small function takes to be optimised by TurboFan, with or without
 * tierUpSlowly() called first (at run time, as the commands do, not as a node flag). Optimisation is made
 * synchronous so the count does not depend on a background thread's timing.
 */
function callsUntilOptimised(slowly: boolean): number {
  const script = `
    const { tierUpSlowly } = await import(${JSON.stringify(MODULE)});
    if (${slowly}) tierUpSlowly();
    const work = (o) => { let s = 0; for (const k in o) s += o[k] * 2 + k.length; return s; };
    const record = { a: 1, b: 2, c: 3 };
    let calls = 0;
    for (; calls < 2_000_000; calls++) {
      work(record);
      if (calls % 50 === 0 && (%GetOptimizationStatus(work) & 16) !== 0) break;
    }
    process.stdout.write(String(calls));
  `;
  const out = execFileSync(process.execPath, ['--allow-natives-syntax', '--no-concurrent-recompilation', '--input-type=module', '-e', script], { encoding: 'utf8' });
  return Number(out);
}

describe('tierUpSlowly', () => {
  it('leaves a hot function unoptimised for several times as many calls as V8 by default', () => {
    const byDefault = callsUntilOptimised(false);
    const slowly = callsUntilOptimised(true);
    expect(byDefault).toBeGreaterThan(0);
    expect(byDefault).toBeLessThan(2_000_000);
    // The budget is about 7x the default; what a function runs between checks is not exactly proportional.
    expect(slowly).toBeGreaterThan(4 * byDefault);
    expect(slowly).toBeLessThan(2_000_000);
  });
});
