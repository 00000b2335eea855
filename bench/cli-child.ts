/** Runs the built CLI in a child process with the RSS probe preloaded: wall time, peak RSS, output. */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { CLI_MAIN } from './paths.js';

export interface CliChildResult {
  wallMs: number;
  maxRssKb: number | undefined;
  stdout: string;
  stderr: string;
  code: number | null;
}

/** cli: the built CLI's main.js to run (default: this checkout's). */
export async function runCliChild(
  cliArgs: string[],
  env: NodeJS.ProcessEnv,
  profileDir?: string,
  cli = CLI_MAIN,
): Promise<CliChildResult> {
  const probe = pathToFileURL(fileURLToPath(new URL('./rss-probe.js', import.meta.url))).href;
  const args = ['--import', probe, ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []), cli, ...cliArgs];
  const t0 = process.hrtime.bigint();
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const [code] = (await once(child, 'close')) as [number | null];
  const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
  const rss = /BENCH_MAXRSS_KB=(\d+)/.exec(stderr);
  return { wallMs, maxRssKb: rss ? Number(rss[1]) : undefined, stdout, stderr, code };
}

/** The last line of a text that parses as a JSON object (a --json summary). */
export function lastJsonLine<T>(text: string): T | undefined {
  for (const line of text.trim().split('\n').reverse()) {
    if (!line.startsWith('{')) continue;
    try {
      return JSON.parse(line) as T;
    } catch {
      // not the summary
    }
  }
  return undefined;
}
