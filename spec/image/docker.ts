/**
 * The Docker side of `npm run test:image`: the image's tag, a check that a daemon answers, and the connector
 * run as Airbyte runs it (`docker run IMAGE <command>`, stdin piped), its stdout parsed like the platform's.
 * Host networking lets the container reach the emulator the spec starts on the host's 127.0.0.1.
 */
import { execFile, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod } from 'node:fs/promises';
import { basename } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AirbyteProcess, type Workdir } from '../platforms/airbyte/platform.js';

const root = new URL('../../', import.meta.url);
const { version } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };

export const VERSION = version;
export const IMAGE = `lark-im/airbyte-lark-im:${version}`;
export const CONTEXT_DIR = fileURLToPath(root);
/** Where a spec's Workdir is mounted in the container (read-only). */
export const MOUNT = '/airbyte';

export interface DockerResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** The command could not be started at all (no docker binary). */
  missing?: boolean;
}

export function docker(args: string[], timeoutMs = 60_000): Promise<DockerResult> {
  return new Promise((resolve) => {
    execFile('docker', args, { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
      const missing = (err as NodeJS.ErrnoException | null)?.code === 'ENOENT';
      resolve({ code, stdout, stderr, ...(missing ? { missing: true } : {}) });
    });
  });
}

/** Why Docker cannot be used here (one line), or undefined when a daemon answers. */
export async function dockerUnavailable(): Promise<string | undefined> {
  const info = await docker(['info', '--format', '{{.ServerVersion}}'], 15_000);
  if (info.missing) return 'no `docker` command on PATH';
  if (info.code === 0 && info.stdout.trim() !== '') return undefined;
  const lines = (info.stderr || info.stdout).split('\n').map((l) => l.trim());
  const reason = lines.find((l) => l !== '' && !/^(Client|Server):?$/.test(l));
  return `no Docker daemon answers (docker info: ${reason ?? `exit ${info.code ?? 'timeout'}`})`;
}

/** Lets the container's unprivileged user read the files a spec wrote (mkdtemp makes the folder 0700). */
export async function shareWithContainer(work: Workdir): Promise<void> {
  await chmod(work.dir, 0o755);
}

/** A host path inside the spec's Workdir, as the container sees it. */
export const inContainer = (hostPath: string) => `${MOUNT}/${basename(hostPath)}`;

let runs = 0;
const started = new Set<string>();

/** `docker run --rm -i --network host [-v work:/airbyte:ro] IMAGE ...args`, stdout parsed as protocol messages. */
export function spawnImage(
  args: string[],
  opts: { work?: Workdir; env?: Record<string, string> } = {},
): AirbyteProcess & { container: string } {
  const name = `lark-im-image-spec-${process.pid}-${++runs}`;
  started.add(name);
  const child = spawn(
    'docker',
    [
      'run',
      '--rm',
      '-i',
      '--network',
      'host',
      '--name',
      name,
      ...(opts.work ? ['-v', `${opts.work.dir}:${MOUNT}:ro`] : []),
      ...Object.entries(opts.env ?? {}).flatMap(([k, v]) => ['-e', `${k}=${v}`]),
      IMAGE,
      ...args,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  child.stdin!.on('error', () => undefined);
  const p = new AirbyteProcess(child);
  void p.exited.then(() => started.delete(name));
  return Object.assign(p, { container: name });
}

/** Runs one command of the image to its end with the given stdin; every stdout line must be a protocol message. */
export async function runImage(
  args: string[],
  opts: { work?: Workdir; env?: Record<string, string>; stdin?: string } = {},
): Promise<AirbyteProcess & { code: number | null }> {
  const p = spawnImage(args, opts);
  p.child.stdin!.end(opts.stdin ?? '');
  const { code } = await p.exited;
  p.assertProtocolOnly();
  return Object.assign(p, { code });
}

/** Removes the containers of runs that did not end (a spec that timed out leaves its container running). */
export async function removeLeftContainers(): Promise<void> {
  if (started.size > 0) await docker(['rm', '-f', ...started]);
  started.clear();
}
