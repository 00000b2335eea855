/**
 * What every command shares: loading the config, and turning a user mistake into one clear line and exit
 * code 2 (never a stack trace, never the secret).
 */
import { errorLine } from '../core/errors.js';
import { loadConfigFile, parseConfig, type ConnectorConfig } from '../config.js';
import { withRedisUrl } from '../stores/config.js';

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_CANNOT_START = 2;

/** An error that ends a command with a given exit code and a one-line message. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * --config FILE, or the LARK_* environment variables alone when no file is given. A dry-run never talks to
 * Lark, so it needs no credentials: placeholders stand in for a missing App ID / App Secret.
 */
export async function loadConfig(path: string | undefined, options: { dryRun?: boolean; redis?: string } = {}): Promise<ConnectorConfig> {
  const env = options.dryRun ? { LARK_APP_ID: 'cli_dry_run', LARK_APP_SECRET: 'dry-run', ...process.env } : process.env;
  const config = path ? await loadConfigFile(path, env) : parseConfig({}, env);
  // --redis URL: shared stores for several workers of one app (see docs/scaling.md).
  return options.redis ? { ...config, store: withRedisUrl(config.store, options.redis) } : config;
}

/** One line for the user: the stable code, then what to change. */
export function describeError(err: unknown): string {
  if (err instanceof CliExit) return err.message;
  if (isEpipe(err)) return 'EPIPE: the output was closed before the run finished (the reader of the pipe went away)';
  if (isNodeFsError(err)) {
    if (err.syscall === 'listen') return `${err.code}: cannot listen on ${err.address ?? ''}${err.port !== undefined ? `:${err.port}` : ''}: ${errnoInWords(err)}`;
    return `${err.code}: cannot open ${err.path ?? 'the file'}: ${errnoInWords(err)}`;
  }
  return errorLine(err);
}

/** What a system error code means, in words a user acts on. */
const ERRNO_WORDS: Record<string, string> = {
  ENOENT: 'no such file or folder',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'it is a folder, not a file',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
  EEXIST: 'it already exists',
  EMFILE: 'too many open files',
  EADDRINUSE: 'the port is already in use by another program: choose another --port',
  EADDRNOTAVAIL: 'the address is not available on this machine',
};

/** "EISDIR: illegal operation on a directory, read" -> "it is a folder, not a file". */
export function errnoInWords(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.code === 'string' && ERRNO_WORDS[e.code]) return ERRNO_WORDS[e.code]!;
  return err instanceof Error ? fsReason(e) : String(err);
}

/** An error opening the file a flag names: one line with the flag, the path and the cause in words. */
export function fileError(flag: string, path: string, err: unknown): CliExit {
  if (err instanceof CliExit) return err;
  const code = (err as NodeJS.ErrnoException)?.code;
  return new CliExit(EXIT_CANNOT_START, `${flag} ${path}: ${errnoInWords(err)}${code ? ` (${code})` : ''}`);
}

/** "ENOENT: no such file or directory, open 'x'" -> "no such file or directory". */
function fsReason(err: NodeJS.ErrnoException): string {
  return err.message.replace(/^[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
}

function isEpipe(err: unknown): boolean {
  return err instanceof Error && (err as NodeJS.ErrnoException).code === 'EPIPE';
}

function isNodeFsError(err: unknown): err is NodeJS.ErrnoException & { address?: string; port?: number } {
  return err instanceof Error && typeof (err as NodeJS.ErrnoException).code === 'string' && 'syscall' in err;
}

/** Runs a command body; a thrown error prints one line to stderr and sets the exit code. */
export async function runCommand(body: () => Promise<number>): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (err) {
    process.stderr.write(`lark-im: ${describeError(err)}\n`);
    // A closed output pipe comes mid-run, after messages may have been sent: not "could not start".
    process.exitCode = err instanceof CliExit ? err.exitCode : isEpipe(err) ? EXIT_FAILED : EXIT_CANNOT_START;
  }
}

/** A --port value: a whole number 0..65535 (0 = any free port), else a usage error naming the flag. */
export function parsePort(value: string, flag = '--port'): number {
  const port = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliExit(EXIT_CANNOT_START, `${flag} must be a whole number from 0 to 65535 (0 = any free port), got ${JSON.stringify(value)}`);
  }
  return port;
}
