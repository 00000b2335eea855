/**
 * How a command ends: a thrown error becomes one clear line on stderr and its exit code (2 for a user
 * mistake: never a stack trace, never the secret). Light on purpose: the CLI loads it before any command.
 */
import { errorLine } from '../core/errors.js';
import { CliExit, EXIT_CANNOT_START, EXIT_FAILED } from '../core/exit.js';
import { errnoInWords } from '../core/errno.js';

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
