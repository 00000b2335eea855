/** Runs the built `lark-im` CLI as a user would (npm test builds dist/ first). */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

export interface CliResult {
  /** null: killed (see timeoutMs). */
  code: number | null;
  stdout: string;
  stderr: string;
  /** From the start to the exit. */
  elapsedMs: number;
  /** From the last byte written (stdout or stderr) to the exit: a process that lingers after its summary. */
  exitAfterOutputMs: number;
}

export interface CliOptions {
  input?: string;
  env?: NodeJS.ProcessEnv;
  /** SIGKILL the child after this long (a hang then ends the spec with code null, not a vitest timeout). */
  timeoutMs?: number;
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let lastOutput = started;
    const child = spawn(process.execPath, [CLI, ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { PATH: process.env.PATH, ...options.env },
    });
    const killer = options.timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      lastOutput = Date.now();
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      lastOutput = Date.now();
      stderr += d.toString();
    });
    child.on('error', reject);
    let exitedAt = 0;
    child.on('exit', () => (exitedAt = Date.now()));
    child.on('close', (code) => {
      clearTimeout(killer);
      const end = exitedAt || Date.now();
      resolve({ code, stdout, stderr, elapsedMs: end - started, exitAfterOutputMs: Math.max(0, end - lastOutput) });
    });
    child.stdin.end(options.input ?? '');
  });
}
