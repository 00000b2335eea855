/**
 * The bench children's probe (bench/rss-probe.ts), preloaded into a real child process as the cpu case does:
 * its meter starts at the (K + 1)-th HTTP request and counts the requests from there to the exit.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { transform } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
let server: Server;
let probe: string;
let client: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lark-im-probe-'));
  const source = await readFile(new URL('../../bench/rss-probe.ts', import.meta.url), 'utf8');
  probe = join(dir, 'probe.mjs');
  await writeFile(probe, (await transform(source, { loader: 'ts', format: 'esm' })).code);
  // A client that burns 50 ms of CPU (before the meter), makes argv[3] requests one after another, then burns
  // 50 ms more (inside the meter).
  client = join(dir, 'client.mjs');
  await writeFile(
    client,
    `import http from 'node:http';
const [url, n] = [process.argv[2], Number(process.argv[3])];
const burn = () => { const until = process.cpuUsage().user + 50_000; while (process.cpuUsage().user < until); };
burn();
for (let i = 0; i < n; i++) await new Promise((ok, fail) => http.get(url, (res) => res.resume().on('end', ok)).on('error', fail));
burn();
`,
  );
  server = createServer((_req, res) => res.end('{}'));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
});

afterAll(async () => {
  server.close();
  await rm(dir, { recursive: true, force: true });
});

async function probed(requests: number, env: NodeJS.ProcessEnv): Promise<Record<string, number>> {
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const child = spawn(process.execPath, ['--import', pathToFileURL(probe).href, client, url, String(requests)], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  expect(code, stderr).toBe(0);
  return Object.fromEntries([...stderr.matchAll(/^(BENCH_\w+)=(\d+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
}

describe('the bench probe', () => {
  it('meters from the request after the first K to the exit, and counts the requests in that span', async () => {
    const out = await probed(7, { BENCH_METER_AFTER: '3' });
    expect(out.BENCH_METERED_REQUESTS).toBe(4);
    // The busy loop after the requests is inside the meter; the one before them (and start-up) is not.
    expect(out.BENCH_METERED_CPU_US).toBeGreaterThanOrEqual(50_000);
    expect(out.BENCH_METERED_CPU_US).toBeLessThanOrEqual(out.BENCH_CPU_US! - 50_000);
    expect(out.BENCH_MAXRSS_KB).toBeGreaterThan(0);
  });

  it('meters nothing without BENCH_METER_AFTER, or when the child makes no more than K requests', async () => {
    for (const [requests, env] of [[5, {}], [3, { BENCH_METER_AFTER: '3' }]] as const) {
      const out = await probed(requests, env);
      expect(out.BENCH_CPU_US).toBeGreaterThan(0);
      expect(out.BENCH_METERED_CPU_US).toBeUndefined();
      expect(out.BENCH_METERED_REQUESTS).toBeUndefined();
    }
  });
});
