/**
 * Several workers, one app: 4 processes of the real CLI (`lark-im write`), 200 messages each, half to
 * receivers all workers share and half to their own, against one emulator (in its own process) enforcing
 * Lark's limits. Once with the stores shared through Redis (--redis), once with each worker on its own
 * in-memory stores. Then the cost of one Redis admission (the Lua script) against the in-memory one.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { InMemoryLimiterStore } from '../../src/stores/memory/limiter.js';
import { type LimiterStore, type WindowKey } from '../../src/core/stores.js';
import { RedisConnection } from '../../src/stores/redis/connection.js';
import { RedisLimiterStore } from '../../src/stores/redis/limiter.js';
import { EmulatorChild } from '../child.js';
import { idealSpanMs, ratePerSecond } from '../quota.js';
import { startRedisServer } from '../../spec/helpers/redis-server.js';
import { BENCH_APP, benchOpenId, deliveryCounts, type BenchMessage } from '../seed.js';
import type { BenchRow } from '../table.js';
import { CLI_MAIN } from '../paths.js';

export interface WorkersOptions {
  workers: number;
  messagesPerWorker: number;
  /** Receivers every worker sends to; each worker also has as many of its own. */
  sharedReceivers: number;
  /** Admissions timed for the per-admission cost. */
  admissions: number;
}

const CLI = CLI_MAIN;

interface WorkerRun {
  code: number | null;
  summary: { delivered?: number; failed?: number } | undefined;
  stderr: string;
  cpuMs: number;
}

export interface SideFigures {
  delivered: number;
  lost: number;
  duplicates: number;
  sendRequests: number;
  rateLimited: number;
  status429: number;
  tokenRequests: number;
  spanMs: number;
  wallMs: number;
  failedWorkers: number;
  /** CPU of the 4 worker processes together (user + system), ms. */
  workersCpuMs: number;
}

/** Worker w's messages: even ones to the shared receivers, odd ones to its own. */
export function workerMessages(w: number, o: Pick<WorkersOptions, 'messagesPerWorker' | 'sharedReceivers'>, tag: string): BenchMessage[] {
  return Array.from({ length: o.messagesPerWorker }, (_, i) => {
    const k = i >> 1;
    const receiver = i % 2 === 0 ? k % o.sharedReceivers : o.sharedReceivers * (1 + w) + (k % o.sharedReceivers);
    const marker = `${tag}-w${w}#${i}`;
    return { receiveId: benchOpenId(receiver), content: JSON.stringify({ text: `bench ${marker}: order shipped` }), marker };
  });
}

function runWorker(input: string, baseUrl: string, redisUrl: string | undefined): Promise<WorkerRun> {
  return new Promise((resolve, reject) => {
    // /usr/bin/time is not everywhere: the CPU comes from the child's own resource usage, printed by a preload.
    const child = spawn(process.execPath, ['--import', CPU_PRELOAD, CLI, 'write', '--input', input, '--json', ...(redisUrl ? ['--redis', redisUrl] : [])], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, LARK_APP_ID: BENCH_APP.appId, LARK_APP_SECRET: BENCH_APP.appSecret, LARK_DOMAIN: baseUrl },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const lines = stdout.trim().split('\n');
      const cpu = /^cpu-ms (\d+)$/m.exec(stderr);
      let summary: WorkerRun['summary'];
      try {
        summary = JSON.parse(lines[0] ?? '') as WorkerRun['summary'];
      } catch {
        summary = undefined;
      }
      resolve({ code, summary, stderr: stderr.replace(/^cpu-ms \d+\n?/m, ''), cpuMs: cpu ? Number(cpu[1]) : 0 });
    });
  });
}

const CPU_PRELOAD = `data:text/javascript,process.on('exit',()=>{const u=process.resourceUsage();process.stderr.write('cpu-ms '+Math.round((u.userCPUTime+u.systemCPUTime)/1000)+'\\n')})`;

async function runSide(o: WorkersOptions, tag: string, redisUrl: string | undefined, dir: string, log: (s: string) => void): Promise<SideFigures> {
  const emu = await EmulatorChild.start({ users: o.sharedReceivers * (o.workers + 1) });
  try {
    const perWorker = Array.from({ length: o.workers }, (_, w) => workerMessages(w, o, tag));
    const files = await Promise.all(
      perWorker.map(async (messages, w) => {
        const file = path.join(dir, `${tag}-worker${w}.jsonl`);
        const lines = messages.map((m) => JSON.stringify({ receiveType: 'user', receiveId: m.receiveId, contentType: 'text', content: m.content }));
        await writeFile(file, lines.join('\n') + '\n');
        return file;
      }),
    );
    log(`workers: ${o.workers} CLI processes x ${o.messagesPerWorker} messages, ${redisUrl ? 'stores shared through Redis' : 'in-memory stores'}`);
    const t0 = Date.now();
    const runs = await Promise.all(files.map((f) => runWorker(f, emu.baseUrl, redisUrl)));
    const wallMs = Date.now() - t0;
    for (const r of runs) if (r.code !== 0 && r.stderr) log(`workers: a worker exited ${r.code}: ${r.stderr.trim().split('\n').slice(-1)[0]}`);
    const stats = await emu.stats();
    const delivered = await emu.messages();
    const all = perWorker.flat();
    const counts = deliveryCounts(all, delivered.map((m) => m.content));
    const times = delivered.map((m) => m.createTime);
    return {
      ...counts,
      sendRequests: stats.sendRequests,
      rateLimited: stats.status429 + (stats.errorsByCode['230020'] ?? 0),
      status429: stats.status429,
      tokenRequests: stats.tokenRequests,
      spanMs: times.length > 1 ? Math.max(...times) - Math.min(...times) : 0,
      wallMs,
      failedWorkers: runs.filter((r) => r.code !== 0).length,
      workersCpuMs: runs.reduce((s, r) => s + r.cpuMs, 0),
    };
  } finally {
    await emu.stop();
  }
}

export interface AdmissionCost {
  /** Per admission, in the client process (user + system). */
  clientCpuUs: number;
  /** Per admission, in redis-server (used_cpu_user + used_cpu_sys). */
  serverCpuUs: number;
  p50Us: number;
  p99Us: number;
  memoryP50Us: number;
}

/** Sequential admissions against windows that never fill (app 1/s + 1/min + receiver): the cost of asking. */
async function admissionCost(redisUrl: string, n: number): Promise<AdmissionCost> {
  const conn = await RedisConnection.open({ url: redisUrl });
  const redisStore = new RedisLimiterStore(conn, { prefix: 'bench-admission:' });
  const keysFor = (i: number): WindowKey[] => [
    { key: 'send:app:1/1025ms', limit: 1e9, windowMs: 1025 },
    { key: 'send:app:1/60500ms', limit: 1e9, windowMs: 60_500 },
    { key: `send:rcv:ou_${i % 200}`, limit: 1e9, windowMs: 1025 },
  ];
  const timeAll = async (store: LimiterStore): Promise<number[]> => {
    const lat: number[] = [];
    for (let i = 0; i < n; i++) {
      const t = process.hrtime.bigint();
      await store.tryAcquire(keysFor(i), Date.now());
      lat.push(Number(process.hrtime.bigint() - t) / 1000);
    }
    return lat.sort((a, b) => a - b);
  };
  const serverCpu = async () => {
    const info = await conn.client.info('cpu');
    const v = (k: string) => Number(new RegExp(`${k}:([\\d.]+)`).exec(info)?.[1] ?? 0);
    return (v('used_cpu_user') + v('used_cpu_sys')) * 1e6;
  };
  await timeAll(redisStore); // warm-up (script load, JIT)
  const cpu0 = process.cpuUsage();
  const s0 = await serverCpu();
  const lat = await timeAll(redisStore);
  const s1 = await serverCpu();
  const cpu = process.cpuUsage(cpu0);
  const mem = await timeAll(new InMemoryLimiterStore());
  await conn.close();
  const pct = (a: number[], p: number) => a[Math.min(a.length - 1, Math.floor(a.length * p))] ?? 0;
  return {
    clientCpuUs: (cpu.user + cpu.system) / n,
    serverCpuUs: (s1 - s0) / n,
    p50Us: pct(lat, 0.5),
    p99Us: pct(lat, 0.99),
    memoryP50Us: pct(mem, 0.5),
  };
}

export async function runWorkersCase(o: WorkersOptions, log: (s: string) => void): Promise<{ rows: BenchRow[]; raw: unknown }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lark-im-bench-workers-'));
  const external = process.env['LARK_IM_REDIS_URL'];
  const server = external ? undefined : await startRedisServer();
  const redisUrl = external ?? server!.url;
  try {
    const shared = await runSide(o, 'wr', redisUrl, dir, log);
    const alone = await runSide(o, 'wm', undefined, dir, log);
    log(`workers: ${o.admissions} admissions timed, Redis and in memory`);
    const cost = await admissionCost(redisUrl, o.admissions);
    // The ideal schedule of all messages interleaved worker by worker: what the windows allow at best.
    const perWorker = Array.from({ length: o.workers }, (_, w) => workerMessages(w, o, 'x'));
    const interleaved = Array.from({ length: o.messagesPerWorker }, (_, i) => perWorker.map((m) => m[i]!.receiveId)).flat();
    const ideal = idealSpanMs(interleaved);
    const rate = (f: SideFigures) => ratePerSecond(f.delivered, f.spanMs);
    const ofQuota = (f: SideFigures) => (f.lost === 0 && f.spanMs > 0 ? ideal / f.spanMs : null);
    const share = (f: SideFigures) => (f.sendRequests > 0 ? f.rateLimited / f.sendRequests : 0);
    const c = 'workers';
    const both = 'connector column: 4 workers sharing Redis; SDK column: the same 4 workers, each on its own in-memory stores';
    const rows: BenchRow[] = [
      { case: c, figure: 'aggregate sends/s (4 workers)', connector: rate(shared), sdk: rate(alone), ratio: null, goal: '', met: null, note: both },
      { case: c, figure: 'aggregate / 50 per s', connector: rate(shared) / 50, sdk: rate(alone) / 50, ratio: null, goal: '>= 0.95', met: shared.lost === 0 && rate(shared) / 50 >= 0.95, note: 'delivered messages over first-to-last delivery, on the emulator clock' },
      { case: c, figure: 'aggregate / fastest schedule', connector: ofQuota(shared), sdk: ofQuota(alone) ?? 'n/a (lost)', ratio: null, goal: '', met: null, note: `ideal span ${ideal} ms (50 at once at the start of every window) / first-to-last delivery; the Redis limiter spreads each second's 50 over its tenths, so it gives up the first burst` },
      { case: c, figure: 'rate-limited answers / requests', connector: share(shared), sdk: share(alone), ratio: null, goal: '<= 0.01', met: share(shared) <= 0.01, note: `Redis: ${shared.rateLimited} of ${shared.sendRequests} (HTTP 429: ${shared.status429}); in memory: ${alone.rateLimited} of ${alone.sendRequests} (HTTP 429: ${alone.status429})` },
      { case: c, figure: 'token fetches (all workers)', connector: shared.tokenRequests, sdk: alone.tokenRequests, ratio: null, goal: '1', met: shared.tokenRequests === 1 },
      { case: c, figure: 'messages lost / duplicated', connector: shared.lost + shared.duplicates, sdk: alone.lost + alone.duplicates, ratio: null, goal: '0', met: shared.lost + shared.duplicates === 0 && shared.failedWorkers === 0 },
      { case: c, figure: 'wall time (s)', connector: shared.wallMs / 1000, sdk: alone.wallMs / 1000, ratio: null, goal: '', met: null },
      { case: c, figure: 'CPU of the 4 workers (ms)', connector: shared.workersCpuMs, sdk: alone.workersCpuMs, ratio: null, goal: '', met: null },
      { case: c, figure: 'admission latency p50 / p99 (us)', connector: `${cost.p50Us.toFixed(0)} / ${cost.p99Us.toFixed(0)}`, sdk: `${cost.memoryP50Us.toFixed(1)} (memory p50)`, ratio: null, goal: '', met: null, note: 'one Lua script round trip to a local redis-server, 3 windows (app 1 s, app 1 min, receiver)' },
      { case: c, figure: 'admission CPU, worker + redis (us)', connector: `${cost.clientCpuUs.toFixed(0)} + ${cost.serverCpuUs.toFixed(0)}`, sdk: null, ratio: null, goal: '', met: null },
    ];
    return { rows, raw: { options: o, idealSpanMs: ideal, shared, inMemory: alone, admission: cost } };
  } finally {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
