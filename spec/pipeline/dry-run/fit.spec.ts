/** How many worker threads a dry-run asks for (fit.ts): LARK_IM_WORKERS, or the default by the usable cores. */
import { describe, expect, it } from 'vitest';
import { cpuQuota, usableCores, workersAsked, type SystemFileReader } from '../../../src/pipeline/dry-run/fit.js';

const files = (map: Record<string, string>): SystemFileReader => (path) => map[path];
const V2 = '/sys/fs/cgroup/cpu.max';
const V1_QUOTA = '/sys/fs/cgroup/cpu/cpu.cfs_quota_us';
const V1_PERIOD = '/sys/fs/cgroup/cpu/cpu.cfs_period_us';

describe('workersAsked', () => {
  it('asks for one worker by default where two cores or more are usable, none on one core', () => {
    expect(workersAsked({}, () => 2)).toBe(1);
    expect(workersAsked({ LARK_IM_WORKERS: '' }, () => 8)).toBe(1);
    expect(workersAsked({ LARK_IM_WORKERS: '  ' }, () => 8)).toBe(1);
    expect(workersAsked({}, () => 1)).toBe(0);
  });

  it('takes LARK_IM_WORKERS as given: 0 is none, auto is the usable cores but one (at most 16)', () => {
    expect(workersAsked({ LARK_IM_WORKERS: '0' }, () => 8)).toBe(0);
    expect(workersAsked({ LARK_IM_WORKERS: '3' }, () => 1)).toBe(3);
    expect(workersAsked({ LARK_IM_WORKERS: 'auto' }, () => 8)).toBe(7);
    expect(workersAsked({ LARK_IM_WORKERS: 'auto' }, () => 1)).toBe(0);
    expect(workersAsked({ LARK_IM_WORKERS: 'auto' }, () => 64)).toBe(16);
  });

  it('refuses what it cannot read, whatever the cores', () => {
    for (const raw of ['many', '-1', '1.5', '17']) {
      expect(() => workersAsked({ LARK_IM_WORKERS: raw }, () => 2)).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining(`(got ${JSON.stringify(raw)})`) }),
      );
    }
  });
});

describe('usableCores', () => {
  it('is the CPU count without a quota (no cgroup files, cgroup v2 "max", cgroup v1 -1)', () => {
    expect(usableCores(files({}), 8)).toBe(8);
    expect(usableCores(files({ [V2]: 'max 100000\n' }), 8)).toBe(8);
    expect(usableCores(files({ [V1_QUOTA]: '-1\n', [V1_PERIOD]: '100000\n' }), 8)).toBe(8);
  });

  it("is a container's CPU quota, rounded down, at least 1, at most the CPU count", () => {
    expect(usableCores(files({ [V2]: '150000 100000\n' }), 8)).toBe(1);
    expect(usableCores(files({ [V2]: '200000 100000\n' }), 8)).toBe(2);
    expect(usableCores(files({ [V2]: '50000 100000\n' }), 8)).toBe(1);
    expect(usableCores(files({ [V2]: '800000 100000\n' }), 2)).toBe(2);
    expect(usableCores(files({ [V1_QUOTA]: '300000\n', [V1_PERIOD]: '100000\n' }), 8)).toBe(3);
  });

  it('reads cgroup v2 before v1, and ignores what says nothing readable', () => {
    expect(cpuQuota(files({ [V2]: '250000 100000', [V1_QUOTA]: '100000', [V1_PERIOD]: '100000' }))).toBe(2.5);
    expect(cpuQuota(files({ [V2]: 'garbage' }))).toBeUndefined();
    expect(cpuQuota(files({ [V2]: '100000 0' }))).toBeUndefined();
    expect(cpuQuota(files({ [V1_QUOTA]: '100000' }))).toBeUndefined();
  });
});
