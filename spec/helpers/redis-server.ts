/**
 * A real redis-server (Debian's package) for the store specs and the workers bench: on a free port of 127.0.0.1, no persistence,
 * its files in a temp dir. The suite shares one (spec/helpers/redis-global-setup.ts); a spec that kills and restarts the
 * server starts its own with startRedisServer().
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? 'redis-server';

export interface RedisServer {
  port: number;
  url: string;
  /** SIGKILL, as a crash would. */
  kill(): Promise<void>;
  /** Starts again on the same port (after kill). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function launch(port: number, dir: string): Promise<ChildProcess> {
  const child = spawn(
    REDIS_SERVER,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--protected-mode', 'no', '--loglevel', 'notice'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData);
        child.stdout?.resume();
        resolve(child);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.resume();
    child.once('error', (e) => reject(new Error(`cannot start ${REDIS_SERVER} (${(e as NodeJS.ErrnoException).code ?? e.message}): install Debian's redis-server (.ci/run does)`)));
    child.once('exit', (code) => reject(new Error(`${REDIS_SERVER} exited with ${code} before it was ready: ${out.slice(-300)}`)));
  });
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startRedisServer(port?: number): Promise<RedisServer> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'lark-im-redis-'));
  const p = port ?? (await freePort());
  let child = await launch(p, dir);
  return {
    port: p,
    url: `redis://127.0.0.1:${p}/0`,
    async kill() {
      child.kill('SIGKILL');
      await exited(child);
    },
    async restart() {
      child = await launch(p, dir);
    },
    async stop() {
      child.kill('SIGTERM');
      await exited(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
