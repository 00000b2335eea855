/** Command-line options of `npm run bench` (flags win over BENCH_* environment variables). */

export const CASES = ['quota', 'overhead', 'token', 'faults', 'streaming', 'rtt', 'cpu', 'read', 'workers'] as const;
export type CaseName = (typeof CASES)[number];

/**
 * The sizes issue #4 names. The default run scales the two quota-bound cases down so that, retries included,
 * they stay inside one minute's 1000-send budget (a run whose requests cross a multiple of 1000 waits for
 * the next minute window: see docs/BENCHMARKS.md) and the whole run takes about 75 s.
 */
export const FULL_SIZES = { quota: 2000, overhead: 5000, token: 100, faults: 2000, streaming: 1_000_000, rtt: 500, cpu: 810, read: 20_000, workers: 200 } as const;
export const DEFAULT_SCALE: Record<CaseName, number> = { quota: 0.4, overhead: 1, token: 1, faults: 0.3, streaming: 1, rtt: 1, cpu: 1, read: 0.5, workers: 1 };

/**
 * Rounds of the cases that repeat; the fastest round counts. Streaming takes 5: its two builds run 3 and 6 s
 * each, and one busy moment of a shared machine moves a single run by a third.
 */
export const ROUNDS = { overhead: 3, streaming: 5, cpu: 3 } as const;

export interface BenchOptions {
  only: CaseName[];
  sizes: Record<CaseName, number>;
  receivers: number;
  concurrency: number;
  /** Rounds of the overhead, streaming and cpu cases; undefined: each case's own (ROUNDS). */
  rounds: number | undefined;
  json: boolean;
  profileDir: string | undefined;
  markdown: boolean;
  /** Exit 1 when a goal is missed (CI can gate on it); --no-fail keeps 0. */
  failOnMissed: boolean;
}

export const USAGE = `usage: npm run bench -- [options]
  --only a,b        cases to run: ${CASES.join(', ')} (default all)
  --scale X         every case at X times the issue's size (${Object.entries(FULL_SIZES).map(([k, v]) => `${k} ${v}`).join(', ')}; token stays 100)
  --full            the issue's sizes (same as --scale 1: about 4 minutes in all)
  --quota N, --overhead N, --faults N, --streaming N, --rtt N, --cpu N, --read N   one case's size
  --workers N       messages per worker in the workers case (4 CLI processes of one app; default 200)
  --rounds N        rounds of the overhead, streaming and cpu cases (default 3, 5 and 3)
  --concurrency N   connector maxInFlight and SDK pool size (default 16)
  --profile DIR     write a --cpu-prof profile of the streaming child into DIR
  --json            print the raw figures as JSON after the table
  --markdown        print the table as Markdown too
  --no-fail         exit 0 even when a goal is missed (default: exit 1 then)
env: BENCH_SCALE, BENCH_ONLY, BENCH_CLI (another build's dist/cli/main.js: the cpu and streaming cases run it
  beside this build)`;

export class UsageError extends Error {}

function positive(flag: string, v: string | undefined): number {
  const n = Number(v);
  if (v === undefined || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number, got ${v ?? 'nothing'}`);
  return n;
}

export function parseBenchArgs(argv: readonly string[], env: NodeJS.ProcessEnv = {}): BenchOptions {
  const scale: Record<CaseName, number> = { ...DEFAULT_SCALE };
  const setScale = (x: number) => {
    for (const c of CASES) scale[c] = c === 'token' ? 1 : x;
  };
  if (env['BENCH_SCALE']) setScale(positive('BENCH_SCALE', env['BENCH_SCALE']));
  const explicit: Partial<Record<CaseName, number>> = {};
  const opts: Omit<BenchOptions, 'sizes'> = {
    only: env['BENCH_ONLY'] ? parseOnly(env['BENCH_ONLY']) : [...CASES],
    receivers: 200,
    concurrency: 16,
    rounds: undefined,
    json: false,
    profileDir: undefined,
    markdown: false,
    failOnMissed: true,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => argv[++i];
    switch (a) {
      case '--only':
        opts.only = parseOnly(value() ?? '');
        break;
      case '--scale':
        setScale(positive(a, value()));
        break;
      case '--full':
        setScale(1);
        break;
      case '--quota':
      case '--overhead':
      case '--faults':
      case '--streaming':
      case '--rtt':
      case '--cpu':
      case '--read':
      case '--workers':
        explicit[a.slice(2) as CaseName] = Math.round(positive(a, value()));
        break;
      case '--rounds':
        opts.rounds = Math.round(positive(a, value()));
        break;
      case '--concurrency':
        opts.concurrency = Math.round(positive(a, value()));
        break;
      case '--profile':
        opts.profileDir = value();
        if (!opts.profileDir) throw new UsageError('--profile needs a directory');
        break;
      case '--json':
        opts.json = true;
        break;
      case '--markdown':
        opts.markdown = true;
        break;
      case '--no-fail':
        opts.failOnMissed = false;
        break;
      default:
        throw new UsageError(`unknown option ${a}`);
    }
  }
  const sizes = Object.fromEntries(CASES.map((c) => [c, explicit[c] ?? Math.max(1, Math.round(FULL_SIZES[c] * scale[c]))])) as Record<CaseName, number>;
  return { ...opts, sizes };
}

function parseOnly(list: string): CaseName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(CASES as readonly string[]).includes(n)) throw new UsageError(`unknown case ${n} (cases: ${CASES.join(', ')})`);
  if (names.length === 0) throw new UsageError('--only needs at least one case');
  return names as CaseName[];
}
