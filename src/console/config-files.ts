/**
 * Where the console may load and save config files: only inside one folder (the one it was started
 * from, or the folder of --config), so its API cannot read or overwrite any file on the machine.
 */
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { HttpError } from './http-util.js';

/** The absolute path `given` names inside `root` (relative paths are taken from root), or a 403/404. */
export async function confinedPath(root: string, given: string, purpose: 'load' | 'save'): Promise<string> {
  const realRoot = await realpath(root);
  const abs = path.resolve(realRoot, given);
  // The real folder of the file: a symlink out of the folder is outside too.
  const folder = await realpath(path.dirname(abs)).catch(() => {
    throw new HttpError(404, 'FOLDER_NOT_FOUND', `the folder of ${given} does not exist`);
  });
  const existing = await stat(abs).catch(() => undefined);
  const real = existing ? await realpath(abs) : path.join(folder, path.basename(abs));
  const inside = real === realRoot || real.startsWith(realRoot + path.sep);
  if (!inside) {
    throw new HttpError(
      403,
      'PATH_OUTSIDE_FOLDER',
      `the console ${purpose}s config files only inside ${realRoot} (the folder it was started from, or the one of --config): ${given} is outside it`,
    );
  }
  if (existing?.isDirectory()) throw new HttpError(400, 'PATH_IS_FOLDER', `${given} is a folder: give a file name, e.g. lark-im.json`);
  return real;
}

/** A file error as a 4xx naming the path and the cause, never a 500. */
export function fileHttpError(given: string, err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  const code = (err as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return new HttpError(404, 'FILE_NOT_FOUND', `${given} does not exist`);
    case 'EACCES':
    case 'EPERM':
      return new HttpError(403, 'PERMISSION_DENIED', `${given}: permission denied`);
    case 'EISDIR':
      return new HttpError(400, 'PATH_IS_FOLDER', `${given} is a folder: give a file name`);
    case 'EROFS':
      return new HttpError(409, 'READ_ONLY', `${given}: the file system is read-only`);
    default:
      return new HttpError(400, 'FILE_ERROR', `${given}: ${code ?? 'cannot be used'}`);
  }
}
