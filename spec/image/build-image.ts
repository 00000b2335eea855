/**
 * globalSetup of `npm run test:image`: no Docker daemon is one line saying so and a non-zero exit (not a stack
 * of failed specs); otherwise the repository's Dockerfile is built once, tagged IMAGE, before the specs run.
 */
import { spawn } from 'node:child_process';
import { CONTEXT_DIR, IMAGE, VERSION, docker, dockerUnavailable } from './docker.js';

const BASE_HINT =
  'where no container registry is reachable, run ../shared/tools/docker-local-base.sh first (docs/airbyte.md)';

function fail(line: string): never {
  process.stderr.write(`test:image: ${line}\n`);
  process.exit(1);
}

function build(): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    // --network host: the build's `npm ci` reaches the registry where Docker has no bridge network.
    const args = ['build', '--network', 'host', '--build-arg', `VERSION=${VERSION}`, '-t', IMAGE, CONTEXT_DIR];
    const child = spawn('docker', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    child.once('error', (err) => resolve({ code: null, output: err.message }));
    child.once('close', (code) => resolve({ code, output }));
  });
}

export async function setup(): Promise<void> {
  const unavailable = await dockerUnavailable();
  if (unavailable) fail(`${unavailable}: install or start Docker; ${BASE_HINT}`);
  process.stderr.write(`test:image: docker build --network host -t ${IMAGE} . ...\n`);
  const started = Date.now();
  const { code, output } = await build();
  if (code !== 0) {
    process.stderr.write(output.split('\n').slice(-30).join('\n') + '\n');
    const noBase = /node:20-slim/.test(output) && /pull|not found|manifest|registry/i.test(output);
    const base = noBase ? ` (${BASE_HINT})` : '';
    fail(`docker build failed (exit ${code ?? 'none'}): the lines above say why${base}`);
  }
  const size = await docker(['image', 'inspect', IMAGE, '--format', '{{.Size}}']);
  const mb = (Number(size.stdout.trim()) / 1e6).toFixed(1);
  process.stderr.write(`test:image: built ${IMAGE} in ${Math.round((Date.now() - started) / 1000)} s, ${mb} MB\n`);
}
