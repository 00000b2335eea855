/**
 * A console send's files, in the console's send folder: the records as sent (what the CLI's --input reads) and
 * the state journal of what was delivered (its --state). A send that stopped before its end resumes from them,
 * in the console or with the CLI; a send that got to its end removes them.
 */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface SendFiles {
  input: string;
  state: string;
}

/** The send folder's name inside the console's folder (the one config files are confined to). */
export const SEND_FOLDER = '.lark-im-console';

/** Writes the records of a new send (private to the user: they may hold personal data) and names its state. */
export async function createSendFiles(folder: string, id: string, text: string): Promise<SendFiles> {
  await mkdir(folder, { recursive: true, mode: 0o700 });
  const files = { input: path.join(folder, `${id}.jsonl`), state: path.join(folder, `${id}.state`) };
  await writeFile(files.input, text, { mode: 0o600, flag: 'wx' });
  return files;
}

export async function removeSendFiles(files: SendFiles): Promise<void> {
  await Promise.all([rm(files.input, { force: true }), rm(files.state, { force: true })]);
}
