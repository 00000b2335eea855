/** The form's side of the API: state, manifest, sample records, and the config (set, load, save). */
import { readFile, writeFile } from 'node:fs/promises';
import { isRecord } from '../../core/is-record.js';
import type { ApiHandler } from '../api.js';
import { confinedPath, fileHttpError } from '../config-files.js';
import { HttpError } from '../http-util.js';
import { sampleRecords } from '../sample.js';

export const getState: ApiHandler = (ctx, { res }) =>
  ctx.reply(res, 200, {
    config: ctx.config.publicView(),
    lang: ctx.options.lang,
    emulator: ctx.emulator ? { baseUrl: ctx.emulator.baseUrl } : null,
    maxBodyBytes: ctx.options.maxBodyBytes,
  });

export const getManifest: ApiHandler = (ctx, { res }) => ctx.reply(res, 200, ctx.options.manifest);

export const getSample: ApiHandler = (ctx, { res }) => ctx.reply(res, 200, { text: sampleRecords(ctx.emulator) });

export const setConfig: ApiHandler = async (ctx, { res, body }) => {
  // Checked as the CLI checks a config (same schema, unknown keys refused) before it is kept.
  const next = ctx.config.preview(await body());
  ctx.validate(next);
  ctx.config.replace(next);
  ctx.reply(res, 200, { config: ctx.config.publicView() });
};

export const loadConfig: ApiHandler = async (ctx, { res, body }) => {
  const given = requirePath(await body());
  const file = await confinedPath(ctx.options.root, given, 'load');
  await ctx.loadConfigFile(file);
  ctx.reply(res, 200, { path: file, config: ctx.config.publicView() });
};

export const saveConfig: ApiHandler = async (ctx, { res, body }) => {
  const given = requirePath(await body());
  const file = await confinedPath(ctx.options.root, given, 'save');
  await refuseForeignFile(file, given);
  // The user chose this file for the CLI, so it holds the secret; keep it private to the user.
  await writeFile(file, JSON.stringify(ctx.config.forFile(), null, 2) + '\n', { mode: 0o600 }).catch((err: unknown) => {
    throw fileHttpError(given, err);
  });
  ctx.reply(res, 200, { path: file, config: ctx.config.publicView() });
};

/** Saving over a file that is not a lark-im config (package.json, say) would destroy it: refused. */
async function refuseForeignFile(file: string, given: string): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return; // a new file
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const looksLikeConfig = isRecord(value) && (isRecord(value.connection) || 'appId' in value || 'app_id' in value);
  if (!looksLikeConfig) {
    throw new HttpError(409, 'FILE_NOT_A_CONFIG', `${given} exists and is not a lark-im config file: choose another name`);
  }
}

function requirePath(b: Record<string, unknown>): string {
  if (typeof b.path !== 'string' || b.path.trim() === '') throw new HttpError(400, 'BAD_REQUEST', 'path is required');
  return b.path.trim();
}
