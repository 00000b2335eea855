/**
 * What every command shares: loading the config, and turning a user mistake into one clear line and exit
 * code 2 (never a stack trace, never the secret).
 */
import { errorLine } from '../core/errors.js';
import type { ClientEvent } from '../lark/events.js';
import { describeEvent } from './verbose-log.js';
import { loadConfigFile, parseConfig, type ConnectorConfig } from '../config.js';
import { withRedisUrl } from '../stores/config.js';
import { CliExit, EXIT_CANNOT_START, EXIT_FAILED } from '../core/exit.js';
import { errnoInWords } from '../core/errno.js';

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

/**
 * The client events of a CLI command: when Lark stops answering, one line on stderr at once says so (host,
 * cause, how long the client keeps trying) instead of a silent wait; the others go to --verbose's log, if any.
 */
export function cliClientEvents(stderr: { write(text: string): unknown }, verbose?: (e: ClientEvent) => void): (e: ClientEvent) => void {
  return (e) => {
    if (e.type === 'endpoint.silent') stderr.write(`lark-im: ${describeEvent(e)}\n`);
    else verbose?.(e);
  };
}
