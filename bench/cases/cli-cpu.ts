/**
 * Case "cpu": CPU per message as a user runs it. The real CLI (`lark-im write --input FILE`) in a child process
 * against an emulator child whose quotas are lifted, the client pacing itself at Lark's 50/s; and, in the
 * same run, the official SDK's bare im.message.create from a fresh process (pool of 8, no pacing: it has
 * none). Each side: whole-process user+sys CPU of an N-message run minus a 10-message run (start-up, module
 * loading, token and the first connection cancel out), over N - 10. Best of `rounds`.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EmulatorChild } from '../child.js';
import { BENCH_APP, benchMessages } from '../seed.js';
import { ratioOf, type BenchRow } from '../table.js';
import { CLI_MAIN } from '../paths.js';

export interface CliCpuOptions {
  messages: number;
  rounds: number;
  /** SDK pool size (the measurement: 8). */
  sdkConcurrency: number;
}

const BASELINE = 10;
const here = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));

interface ChildRun {
  cpuUs: number;
  wallMs: number;
  code: number | null;
  stdout: string;
  stderr: string;
}

async function runChild(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ChildRun> {
  const probe = pathToFileURL(here('../rss-probe.js')).href;
  const t0 = Date.now();
  const child = spawn(process.execPath, ['--import', probe, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  const cpu = /BENCH_CPU_US=(\d+)/.exec(stderr);
  if (!cpu) throw new Error(`bench child printed no CPU figure (exit ${code}): ${stderr.slice(0, 300)}`);
  return { cpuUs: Number(cpu[1]), wallMs: Date.now() - t0, code, stdout, stderr };
}

async function cliRun(baseUrl: string, dir: string, n: number, tag: string): Promise<ChildRun & { delivered: number }> {
  const input = join(dir, `${tag}.jsonl`);
  const lines = benchMessages(n, 200, tag).map((m) => JSON.stringify({ receiveType: 'user', receiveId: m.receiveId, contentType: 'text', content: m.content }));
  await writeFile(input, `${lines.join('\n')}\n`);
  // BENCH_CLI: measure another build's CLI (e.g. an older commit's dist/cli/main.js) against the same SDK run.
  const cli = process.env['BENCH_CLI'] ?? CLI_MAIN;
  const r = await runChild([cli, 'write', '--input', input, '--report', '/dev/null', '--json'], {
    LARK_APP_ID: BENCH_APP.appId,
    LARK_APP_SECRET: BENCH_APP.appSecret,
    LARK_DOMAIN: baseUrl,
  });
  const summary = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { delivered?: number };
  return { ...r, delivered: summary.delivered ?? 0 };
}

async function sdkRun(baseUrl: string, n: number, concurrency: number, tag: string): Promise<ChildRun & { delivered: number }> {
  const r = await runChild([here('../sdk-child.js'), JSON.stringify({ baseUrl, messages: n, concurrency, tag })]);
  const res = JSON.parse(r.stdout.trim() || '{}') as { ok?: number };
  return { ...r, delivered: res.ok ?? 0 };
}

export async function runCliCpuCase(o: CliCpuOptions, log: (s: string) => void) {
  const emu = await EmulatorChild.start({ limits: false });
  const dir = await mkdtemp(join(tmpdir(), 'lark-im-bench-cpu-'));
  const per = { connector: [] as number[], sdk: [] as number[] };
  const delivered = { connector: 0, sdk: 0 };
  let paceMs = 0;
  try {
    for (let r = 0; r < o.rounds; r++) {
      log(`cpu: round ${r + 1}/${o.rounds}: lark-im write of ${o.messages} and ${BASELINE} messages (paced at 50/s), SDK script of the same`);
      const cBase = await cliRun(emu.baseUrl, dir, BASELINE, `cpu-cb${r}`);
      const cRun = await cliRun(emu.baseUrl, dir, o.messages, `cpu-c${r}`);
      per.connector.push((cRun.cpuUs - cBase.cpuUs) / 1000 / (o.messages - BASELINE));
      delivered.connector += cRun.delivered;
      paceMs = cRun.wallMs;
      const sBase = await sdkRun(emu.baseUrl, BASELINE, o.sdkConcurrency, `cpu-sb${r}`);
      const sRun = await sdkRun(emu.baseUrl, o.messages, o.sdkConcurrency, `cpu-s${r}`);
      per.sdk.push((sRun.cpuUs - sBase.cpuUs) / 1000 / (o.messages - BASELINE));
      delivered.sdk += sRun.delivered;
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    await emu.stop();
  }
  const c = Math.min(...per.connector);
  const s = Math.min(...per.sdk);
  const ratio = ratioOf(c, s);
  const sent = o.messages * o.rounds;
  const fmt = (xs: number[]) => xs.map((x) => x.toFixed(3)).join(', ');
  const rows: BenchRow[] = [
    {
      case: 'cpu',
      figure: 'whole-process CPU ms per message (CLI at 50/s vs SDK script)',
      connector: c,
      sdk: s,
      ratio,
      goal: '<= 1.2x SDK (goal 1.0x)',
      met: ratio !== null && ratio <= 1.2 && delivered.connector === sent && delivered.sdk === sent,
      note: `user+sys of ${o.messages} minus ${BASELINE} messages, best of ${o.rounds}; all rounds CLI [${fmt(per.connector)}], SDK [${fmt(per.sdk)}]; delivered CLI ${delivered.connector}/${sent}, SDK ${delivered.sdk}/${sent}; last CLI run ${(paceMs / 1000).toFixed(1)} s wall`,
    },
  ];
  return { rows, raw: { options: o, cpuMsPerMessage: per, delivered } };
}
