/**
 * `npm run bench`: the connector against the official Lark SDK (@larksuiteoapi/node-sdk), case by case, each
 * against its own LarkEmulator on 127.0.0.1. Prints a table with every goal met or missed. See
 * docs/BENCHMARKS.md for what each figure means and what limits it.
 */
import { cpus } from 'node:os';
import { createRequire } from 'node:module';
import { runCliCpuCase } from './cases/cli-cpu.js';
import { runFaultsCase } from './cases/faults.js';
import { runOverheadCase } from './cases/overhead.js';
import { runQuotaCase } from './cases/quota.js';
import { runReadCase } from './cases/read.js';
import { runRttCase } from './cases/rtt.js';
import { runStreamingCase } from './cases/streaming.js';
import { runTokenCase } from './cases/token.js';
import { runWorkersCase } from './cases/workers.js';
import { parseBenchArgs, ROUNDS, UsageError, USAGE, type BenchOptions, type CaseName } from './options.js';
import { benchExitCode, formatMarkdown, formatTable, type BenchRow } from './table.js';

interface CaseResult {
  rows: BenchRow[];
  raw: unknown;
}

const log = (s: string) => process.stderr.write(`bench: ${s}\n`);

function runCase(name: CaseName, o: BenchOptions): Promise<CaseResult> {
  switch (name) {
    case 'quota':
      return runQuotaCase({ messages: o.sizes.quota, receivers: o.receivers, concurrency: o.concurrency }, log);
    case 'overhead':
      return runOverheadCase({ messages: o.sizes.overhead, concurrency: 64, rounds: o.rounds ?? ROUNDS.overhead, warmup: 500 }, log);
    case 'token':
      return runTokenCase({ messages: o.sizes.token }, log);
    case 'faults':
      return runFaultsCase({ messages: o.sizes.faults, receivers: o.receivers, concurrency: o.concurrency }, log);
    case 'streaming':
      return runStreamingCase({
        records: o.sizes.streaming,
        rounds: o.rounds ?? ROUNDS.streaming,
        ...(process.env['BENCH_CLI'] ? { otherCli: process.env['BENCH_CLI'] } : {}),
        ...(o.profileDir ? { profileDir: o.profileDir } : {}),
      }, log);
    case 'workers':
      return runWorkersCase({ workers: 4, messagesPerWorker: o.sizes.workers, sharedReceivers: 20, admissions: 5000 }, log);
    case 'read':
      return runReadCase({ messages: o.sizes.read }, log);
    case 'rtt':
      return runRttCase({ messages: o.sizes.rtt, roundTripMs: 150, receivers: o.receivers, concurrency: o.concurrency }, log);
    case 'cpu':
      return runCliCpuCase({
        messages: Math.max(20, o.sizes.cpu),
        rounds: o.rounds ?? ROUNDS.cpu,
        sdkConcurrency: 8,
        ...(process.env['BENCH_CLI'] ? { otherCli: process.env['BENCH_CLI'] } : {}),
      }, log);
  }
}

export function machine(): Record<string, string | number> {
  const require = createRequire(import.meta.url);
  const sdk = (require('@larksuiteoapi/node-sdk/package.json') as { version: string }).version;
  const cpu = cpus();
  return { cpuModel: cpu[0]?.model ?? 'unknown', cpuCount: cpu.length, node: process.version, sdk, platform: `${process.platform} ${process.arch}` };
}

async function main(): Promise<number> {
  let opts: BenchOptions;
  try {
    opts = parseBenchArgs(process.argv.slice(2), process.env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    process.stderr.write(`${err.message}\n${USAGE}\n`);
    return 2;
  }
  const m = machine();
  log(`${m.cpuCount} x ${m.cpuModel}, Node ${m.node}, @larksuiteoapi/node-sdk ${m.sdk}`);
  log(`cases: ${opts.only.map((c) => `${c} ${opts.sizes[c]}`).join(', ')}`);
  const started = Date.now();
  const rows: BenchRow[] = [];
  const raw: Record<string, unknown> = {};
  for (const name of opts.only) {
    const t0 = Date.now();
    const result = await runCase(name, opts);
    rows.push(...result.rows);
    raw[name] = result.raw;
    log(`${name}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  const totalS = (Date.now() - started) / 1000;
  process.stdout.write(`\n${formatTable(rows)}\n\n`);
  for (const r of rows) if (r.note) process.stdout.write(`  ${r.case} / ${r.figure}: ${r.note}\n`);
  const missed = rows.filter((r) => r.met === false);
  process.stdout.write(`\n${rows.filter((r) => r.met === true).length} goals met, ${missed.length} missed; ${totalS.toFixed(0)} s in all\n`);
  if (opts.markdown) process.stdout.write(`\n${formatMarkdown(rows)}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify({ machine: m, options: opts, totalSeconds: totalS, rows, raw }, null, 2)}\n`);
  if (missed.length > 0 && opts.failOnMissed) process.stderr.write(`bench: ${missed.length} goals missed: exit 1 (--no-fail keeps 0)\n`);
  return benchExitCode(rows, opts.failOnMissed);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  },
);
