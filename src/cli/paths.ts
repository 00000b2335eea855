/**
 * Checks on the files a command names, done before anything is read or sent: no output may be one of the
 * run's inputs (a report written over its own input empties it), and an output's folder must take a file.
 */
import { constants } from 'node:fs';
import { mkdir, open, realpath, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { errnoInWords } from '../core/errno.js';
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

/** What a failed check says nothing happened: a write sends nothing, a read reads nothing. */
export interface WritableOptions {
  /** Create the missing folders of the path (--state); else a missing folder is refused. */
  createFolder?: boolean;
  /** The end of the refusal, e.g. "nothing was sent". */
  nothing: string;
}

/**
 * Proves an output file can be written where the user asked, before anything is read or sent: creates and
 * removes a probe file in its folder (where the atomic rename writes), and refuses a folder as the path. The
 * missing folders are made one level at a time: a recursive mkdir never returns on a file system that
 * refuses new folders (procfs).
 */
export async function proveWritable(flag: string, path: string, options: WritableOptions): Promise<void> {
  const folder = dirname(resolve(path));
  const fail = (why: string): never => {
    throw new CliExit(EXIT_CANNOT_START, `${flag} ${path}: ${why} (${options.nothing})`);
  };
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isDirectory()) fail('is a folder, not a file: give a file path');
  const missing = await missingFolders(folder, fail);
  if (missing.length > 0 && !options.createFolder) fail(`its folder ${folder} does not exist`);
  for (const dir of missing) {
    await mkdir(dir).catch((err: unknown) => {
      const code = (err as NodeJS.ErrnoException).code;
      // The parent exists (it was just seen or made): ENOENT here is a file system that takes no new folders.
      fail(`cannot create the folder ${dir}: ${code === 'ENOENT' ? 'the file system takes no new folders there' : errnoInWords(err)}`);
    });
  }
  try {
    const probe = join(folder, `.${basename(path)}.${process.pid}.probe`);
    const handle = await open(probe, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY);
    await handle.close();
    await unlink(probe);
  } catch (err) {
    fail(`cannot write in its folder ${folder}: ${errnoInWords(err)}`);
  }
}

/** The folders of `folder` (itself included) that do not exist, outermost first; a file on the way fails. */
async function missingFolders(folder: string, fail: (why: string) => never): Promise<string[]> {
  const missing: string[] = [];
  for (let dir = folder; ; dir = dirname(dir)) {
    const found = await stat(dir).catch((err: NodeJS.ErrnoException) => err);
    if (!(found instanceof Error)) {
      if (!found.isDirectory()) fail(`${dir} is a file, not a folder`);
      return missing;
    }
    // ENOTDIR: a file further up; the walk finds it.
    if (found.code !== 'ENOENT' && found.code !== 'ENOTDIR') fail(`cannot reach the folder ${dir}: ${errnoInWords(found)}`);
    missing.unshift(dir);
    if (dirname(dir) === dir) return missing;
  }
}
