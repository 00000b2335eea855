/**
 * Case 5, streaming: a dry-run of N generated records (mixed receivers and content types) through the real CLI
 * (`lark-im write --dry-run --input FILE --report /dev/null --json`) in a child process: records/s over
 * the child's wall time (node start-up included) and its peak RSS. With BENCH_CLI (another build's
 * dist/cli/main.js, e.g. main's before a change) both CLIs run on the same file, taking turns, and the
 * figures of both are shown side by side (the "sdk" column holds BENCH_CLI's): the ratio is what a change
 * gained on this machine at this minute, which absolute figures on a shared machine cannot say.
 * LARK_IM_WORKERS in the bench's environment reaches both children (an older build ignores it); unset, this
 * build renders on one worker thread where two cores are usable (src/pipeline/dry-run/fit.ts). The figures name
 * the workers this build's runs used.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchOpenId } from '../seed.js';
import { lastJsonLine, runCliChild } from '../cli-child.js';
import { CLI_MAIN } from '../paths.js';
import { ratioOf, type BenchRow } from '../table.js';
import { workersAsked } from '../../src/pipeline/dry-run/fit.js';
import { counted } from '../../src/core/counted.js';

export interface StreamingOptions {
  records: number;
  /** Runs of each CLI (taking turns); the fastest of each counts. */
  rounds: number;
  /** Another build's CLI to run beside this one (BENCH_CLI). */
  otherCli?: string;
  /** Directory for a --cpu-prof profile of the child (none when undefined). */
  profileDir?: string;
}

/**
 * One JSONL line of a mixed input, as issue 8 measured it: user / email / chat receivers; text, post and
 * interactive content; one line in a hundred an array of two messages. About 160 bytes a record.
 */
export function recordLine(i: number): string {
  const one = (j: number) => ({ ...receiverOf(j), ...contentOf(j) });
  const value = i % 100 === 99 ? [one(i), one(i + 1)] : one(i);
  return `${JSON.stringify(value)}\n`;
}

/** How many messages recordLine(0..n-1) holds (the array lines hold two). */
export function messagesIn(records: number): number {
  return records + Math.floor((records + 1) / 100);
}

function receiverOf(i: number): { receiveType: string; receiveId: string } {
  switch (i % 3) {
    case 0:
      return { receiveType: 'user', receiveId: benchOpenId(i % 200) };
    case 1:
      return { receiveType: 'email', receiveId: `user${i % 500}@example.com` };
    default:
      return { receiveType: 'chat', receiveId: `oc_bench${String(i % 50).padStart(24, '0')}` };
  }
}

function contentOf(i: number): { contentType: string; content: string } {
  switch (i % 5) {
    case 0:
      return { contentType: 'post', content: JSON.stringify({ zh_cn: { title: 'Order', content: [[{ tag: 'text', text: `record ${i} shipped` }]] } }) };
    case 1:
      return { contentType: 'interactive', content: JSON.stringify({ elements: [{ tag: 'markdown', content: `**record ${i}** shipped` }] }) };
    default:
      return { contentType: 'text', content: JSON.stringify({ text: `record ${i}: order shipped to warehouse` }) };
  }
}

async function generate(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += recordLine(i);
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

interface ChildResult {
  wallMs: number;
  maxRssKb: number | undefined;
  summary: { total?: number; valid?: number; failed?: number; durationMs?: number } | undefined;
  code: number | null;
  stderr: string;
}

async function runCli(input: string, profileDir: string | undefined, cli: string): Promise<ChildResult> {
  const env = { LARK_APP_ID: 'cli_bench_app', LARK_APP_SECRET: 'bench-secret-not-real' };
  const args = ['write', '--dry-run', '--input', input, '--report', '/dev/null', '--json'];
  const r = await runCliChild(args, env, profileDir, cli);
  return { wallMs: r.wallMs, maxRssKb: r.maxRssKb, summary: lastJsonLine(r.stdout), code: r.code, stderr: r.stderr };
}

/** Goals of the 1,000,000-record run: issue 16's (2x the build before it, < 90 MB, 80 aimed for). */
const GOAL_SPEEDUP = 2;
const GOAL_RECORDS_PER_S = 200_000;
const GOAL_RSS_MB = 90;

interface Side {
  runs: ChildResult[];
  /** The fastest run that reported every message valid. */
  best: ChildResult | undefined;
  /** The highest peak RSS of the runs (memory must hold in every run). */
  rssMb: number | null;
}

function side(runs: ChildResult[], messages: number): Side {
  const complete = runs.filter((r) => r.summary?.valid === messages);
  const best = complete.sort((a, b) => a.wallMs - b.wallMs)[0];
  const rss = runs.map((r) => r.maxRssKb).filter((k): k is number => k !== undefined);
  return { runs, best, rssMb: rss.length === runs.length && rss.length > 0 ? Math.max(...rss) / 1024 : null };
}

export async function runStreamingCase(o: StreamingOptions, log: (s: string) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'lark-im-bench-'));
  try {
    const input = join(dir, 'records.jsonl');
    log(`streaming: generating ${o.records.toLocaleString('en-US')} records`);
    await generate(input, o.records);
    const messages = messagesIn(o.records);
    const ours: ChildResult[] = [];
    const theirs: ChildResult[] = [];
    for (let round = 0; round < o.rounds; round++) {
      const what = o.otherCli ? `this build and ${o.otherCli}` : 'this build';
      const profile = o.profileDir ? ` (profile in ${o.profileDir})` : '';
      log(`streaming: round ${round + 1}/${o.rounds}: lark-im write --dry-run, ${what}${profile}`);
      // Taking turns, the other build first in odd rounds: neither always runs on a warmer (or busier) machine.
      const others = o.otherCli ? [o.otherCli] : [];
      const order = round % 2 === 1 ? [...others, CLI_MAIN] : [CLI_MAIN, ...others];
      for (const cli of order) {
        const r = await runCli(input, cli === CLI_MAIN ? o.profileDir : undefined, cli);
        if (r.summary?.valid !== messages) {
          const valid = r.summary?.valid ?? 0;
          const why = r.stderr.slice(0, 500);
          log(`streaming: ${cli} reported ${valid} valid of ${messages} messages (exit ${r.code}): ${why}`);
        }
        (cli === CLI_MAIN ? ours : theirs).push(r);
      }
    }
    const a = side(ours, messages);
    const b = o.otherCli ? side(theirs, messages) : undefined;
    // Records (input lines) per second, as the goal counts them.
    const rate = (s: Side | undefined) => (s?.best ? (o.records * 1000) / s.best.wallMs : null);
    const perSecond = rate(a);
    const otherPerSecond = rate(b);
    const speedup = ratioOf(perSecond, otherPerSecond);
    const walls = (s: Side) => s.runs.map((r) => (r.wallMs / 1000).toFixed(2)).join(', ');
    // The children inherit the environment: the table says how many workers this build's runs used, and why.
    const asked = workersAsked(process.env);
    const workers = `; this build on ${asked === 0 ? 'the main thread only' : `${counted(asked, 'worker thread')}`} (${process.env.LARK_IM_WORKERS ? `LARK_IM_WORKERS=${process.env.LARK_IM_WORKERS}` : 'the default'})`;
    const rows: BenchRow[] = [
      {
        case: 'streaming',
        figure: `dry-run records/s (${o.records.toLocaleString('en-US')} records${workers}${b ? '; sdk column: BENCH_CLI' : ''})`,
        connector: perSecond,
        sdk: otherPerSecond,
        ratio: speedup,
        goal: b ? `>= ${GOAL_SPEEDUP}x BENCH_CLI` : `>= ${GOAL_RECORDS_PER_S.toLocaleString('en-US')}`,
        met: b ? speedup !== null && speedup >= GOAL_SPEEDUP : perSecond !== null && perSecond >= GOAL_RECORDS_PER_S,
        note:
          `fastest of ${o.rounds}; child wall times (s, node start-up included): this build ${walls(a)}` +
          `${b ? `; BENCH_CLI ${walls(b)}` : ''}; the SDK has no input path`,
      },
      {
        case: 'streaming',
        figure: `peak RSS (MB)${workers}${b ? '; sdk column: BENCH_CLI' : ''}`,
        connector: a.rssMb,
        sdk: b?.rssMb ?? null,
        ratio: ratioOf(a.rssMb, b?.rssMb ?? null),
        goal: `< ${GOAL_RSS_MB} (goal < 80)`,
        met: a.rssMb !== null && a.rssMb < GOAL_RSS_MB,
        note: 'the highest of the runs',
      },
    ];
    const raw = (s: Side) =>
      s.runs.map((r) => ({ wallMs: r.wallMs, maxRssKb: r.maxRssKb, summary: r.summary, exitCode: r.code }));
    return { rows, raw: { options: o, runs: raw(a), ...(b ? { otherCli: o.otherCli, otherRuns: raw(b) } : {}) } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
