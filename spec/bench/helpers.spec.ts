import { describe, expect, it } from 'vitest';
import { bindingQuota, idealSchedule, idealSpanMs, ratePerSecond, roundRobin } from '../../bench/quota.js';
import { benchExitCode, formatTable, formatValue, ratioOf, type BenchRow } from '../../bench/table.js';
import { parseBenchArgs, ROUNDS, UsageError } from '../../bench/options.js';
import { benchMessages, deliveryCounts } from '../../bench/seed.js';
import { workerMessages } from '../../bench/cases/workers.js';

describe('quota arithmetic', () => {
  it('lets 50 go at once, then 50 per second (a slot frees exactly one window later)', () => {
    const t = idealSchedule(roundRobin(120, 200));
    expect(t.slice(0, 50).every((x) => x === 0)).toBe(true);
    expect(t[50]).toBe(1000);
    expect(t[100]).toBe(2000);
    expect(idealSpanMs(roundRobin(600, 200))).toBe(11_000);
  });

  it('holds the 1001st send of a minute until the first one leaves the minute window', () => {
    const t = idealSchedule(roundRobin(2000, 200));
    expect(t[999]).toBe(19_000);
    expect(t[1000]).toBe(60_000);
    expect(t[1999]).toBe(79_000);
  });

  it('applies 5/s per receiver when few receivers share the traffic', () => {
    // one receiver: 5 per second whatever the app quota
    expect(idealSpanMs(roundRobin(20, 1))).toBe(3000);
    expect(bindingQuota(20, 1)).toBe('5/s per receiver x 1');
  });

  it('names the binding window by run size', () => {
    expect(bindingQuota(600, 200)).toBe('50/s per app');
    expect(bindingQuota(2000, 200)).toBe('1000/min per app');
  });

  it('computes a rate over intervals, 0 for degenerate spans', () => {
    expect(ratePerSecond(51, 1000)).toBe(50);
    expect(ratePerSecond(1, 1000)).toBe(0);
    expect(ratePerSecond(10, 0)).toBe(0);
  });
});

describe('table', () => {
  it('formats values and ratios', () => {
    expect(formatValue(null)).toBe('-');
    expect(formatValue(12345)).toBe('12,345');
    expect(formatValue(0.8912)).toBe('0.891');
    expect(formatValue(523.4)).toBe('523');
    expect(ratioOf(1, 4)).toBe(0.25);
    expect(ratioOf(1, 0)).toBeNull();
    expect(ratioOf('n/a', 2)).toBeNull();
  });

  it('aligns columns and marks missed goals', () => {
    const rows: BenchRow[] = [
      { case: 'token', figure: 'token requests', connector: 1, sdk: 100, ratio: 0.01, goal: '1', met: true },
      { case: 'streaming', figure: 'peak RSS (MB)', connector: 132.5, sdk: null, ratio: null, goal: '< 100', met: false },
    ];
    const lines = formatTable(rows).split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^case\s+figure\s+connector\s+SDK\s+ratio\s+goal\s+result$/);
    expect(lines[2]).toMatch(/token requests\s+1\s+100\s+0\.0100x\s+1\s+met$/);
    expect(lines[3]).toMatch(/MISSED$/);
  });

  it('exits 1 when a goal is missed, 0 with --no-fail or when every goal is met', () => {
    const met: BenchRow = { case: 'token', figure: 'token requests', connector: 1, sdk: 100, ratio: 0.01, goal: '1', met: true };
    const info: BenchRow = { ...met, figure: 'info', met: null };
    const missed: BenchRow = { ...met, figure: 'peak RSS (MB)', goal: '< 100', met: false };
    expect(parseBenchArgs([]).failOnMissed).toBe(true);
    expect(parseBenchArgs(['--no-fail']).failOnMissed).toBe(false);
    expect(benchExitCode([met, info, missed], parseBenchArgs([]).failOnMissed)).toBe(1);
    expect(benchExitCode([met, info, missed], parseBenchArgs(['--no-fail']).failOnMissed)).toBe(0);
    expect(benchExitCode([met, info], true)).toBe(0);
  });
});

describe('options', () => {
  it('defaults to a short run and scales the quota-bound cases', () => {
    const d = parseBenchArgs([]);
    expect(d.sizes).toEqual({ quota: 800, overhead: 5000, token: 100, faults: 600, streaming: 1_000_000, rtt: 500, cpu: 810, read: 10_000, workers: 200 });
    expect(parseBenchArgs(['--full']).sizes.quota).toBe(2000);
    expect(parseBenchArgs(['--scale', '0.1']).sizes).toEqual({ quota: 200, overhead: 500, token: 100, faults: 200, streaming: 100_000, rtt: 50, cpu: 81, read: 2000, workers: 20 });
    expect(parseBenchArgs(['--quota', '50', '--only', 'quota,token']).only).toEqual(['quota', 'token']);
    expect(parseBenchArgs([], { BENCH_SCALE: '0.5' }).sizes.faults).toBe(1000);
  });

  it('leaves each repeating case its own rounds unless --rounds sets them all', () => {
    expect(parseBenchArgs([]).rounds).toBeUndefined();
    expect(ROUNDS).toEqual({ overhead: 3, streaming: 5, cpu: 3 });
    expect(parseBenchArgs(['--rounds', '2']).rounds).toBe(2);
    expect(() => parseBenchArgs(['--rounds', '0'])).toThrow(UsageError);
  });

  it('rejects unknown cases and flags', () => {
    expect(() => parseBenchArgs(['--only', 'nope'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--bogus'])).toThrow(UsageError);
    expect(() => parseBenchArgs(['--scale', '-1'])).toThrow(UsageError);
  });
});

describe('delivery counts', () => {
  it('counts delivered, duplicates and lost by marker', () => {
    const sent = benchMessages(4, 2, 't');
    const contents = [sent[0]!.content, sent[0]!.content, sent[2]!.content, 'unrelated'];
    expect(deliveryCounts(sent, contents)).toEqual({ delivered: 2, duplicates: 1, lost: 2 });
  });
});

describe('workers case', () => {
  it('gives each worker half shared receivers, half its own (disjoint between workers), unique markers', () => {
    const o = { messagesPerWorker: 200, sharedReceivers: 20 };
    const all = [0, 1, 2, 3].map((w) => workerMessages(w, o, 't'));
    const shared = (w: number) => new Set(all[w]!.filter((_, i) => i % 2 === 0).map((m) => m.receiveId));
    const own = (w: number) => new Set(all[w]!.filter((_, i) => i % 2 === 1).map((m) => m.receiveId));
    expect(shared(0).size).toBe(20);
    expect([...shared(3)]).toEqual([...shared(0)]);
    expect(own(1).size).toBe(20);
    for (const r of own(1)) expect(own(2).has(r) || shared(0).has(r)).toBe(false);
    expect(new Set(all.flat().map((m) => m.marker)).size).toBe(800);
  });
});
