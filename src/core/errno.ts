/** A system error (ENOENT, EACCES, ...) in words a user acts on, and as the one line that ends a command. */
import { CliExit, EXIT_CANNOT_START } from './exit.js';

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
