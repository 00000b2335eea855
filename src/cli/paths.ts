/**
 * Checks on the files a command names, done before anything is read or sent: no output may be one of the
 * run's inputs (a report written over its own input empties it), and an output's folder must take a file.
 */
import { constants } from 'node:fs';
import { mkdir, open, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { errnoInWords } from './shared.js';
import { CliExit, EXIT_CANNOT_START } from '../core/exit.js';

/** A path given on the command line, with the flag that named it ('-' = a standard stream, never compared). */
export interface NamedPath {
  flag: string;
  path: string | undefined;
  /** Outputs are written (created or replaced); inputs only read. */
  output: boolean;
}

/**
 * What identifies a file whatever path reaches it: device + inode when it exists (symlinks resolve, hard
 * links share the inode), else the real path of its folder plus its name (where it will be created).
 */
async function fileIdentity(path: string): Promise<string> {
  try {
    const s = await stat(path);
    return `inode:${s.dev}:${s.ino}`;
  } catch {
    const folder = await realpath(dirname(resolve(path))).catch(() => dirname(resolve(path)));
    return `path:${join(folder, basename(path))}`;
  }
}

/** Throws CliExit(2) when an output names the same file as another path of the run (input or output). */
export async function refuseOutputsThatAreInputs(paths: readonly NamedPath[]): Promise<void> {
  const files = paths.filter((p): p is NamedPath & { path: string } => p.path !== undefined && p.path !== '-');
  const ids = await Promise.all(files.map((f) => fileIdentity(f.path)));
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      const [a, b] = [files[i]!, files[j]!];
      if (ids[i] !== ids[j] || (!a.output && !b.output)) continue;
      const [out, other] = a.output ? [a, b] : [b, a];
      throw new CliExit(
        EXIT_CANNOT_START,
        `${out.flag} ${out.path} is the same file as ${other.flag} ${other.path}: writing it would destroy the ${other.output ? 'other output' : 'input'}; ` +
          `give ${out.flag} another path (nothing was read or sent)`,
      );
    }
  }
}

/**
 * Proves an output file can be written where the user asked, before the first message is sent: creates and
 * removes a probe file in its folder (where the atomic rename writes), and refuses a folder as the path.
 */
export async function proveWritable(flag: string, path: string): Promise<void> {
  const folder = dirname(resolve(path));
  const fail = (why: string): never => {
    throw new CliExit(EXIT_CANNOT_START, `${flag} ${path}: ${why} (nothing was sent)`);
  };
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) fail('is a folder, not a file: give a file path');
  try {
    await mkdir(folder, { recursive: true });
    const probe = join(folder, `.${basename(path)}.${process.pid}.probe`);
    const handle = await open(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
    await handle.close();
    await unlink(probe);
  } catch (err) {
    fail(`cannot write in its folder ${folder}: ${errnoInWords(err)}`);
  }
}
