/**
 * The API calls that run the connector once on the current config: the connection test, a dry run, the
 * receiver picker, and the source tab's chats and preview.
 */
import type { ApiHandler } from '../api.js';
import { HttpError } from '../http-util.js';
import { pickReceivers } from '../receivers-api.js';
import { parseRecordsText, requireText } from '../records.js';
import { previewChat, sourceChats } from '../source-preview.js';
import type { MessageOutcome } from '../types.js';

export const connectionTest: ApiHandler = async (ctx, { res, body }) => {
  await body(); // the current config; an optional body is accepted but must be JSON
  const items = await ctx.withConnector((c) => c.connectionTest());
  ctx.reply(res, 200, { items });
};

/** Images up to this size come back with the dry-run as data: URIs for the page's thumbnails. */
const THUMBNAIL_MAX_BYTES = 512 * 1024;

export const dryRun: ApiHandler = async (ctx, { res, body }) => {
  const records = await parseRecordsText(requireText(await body()));
  const outcomes: MessageOutcome[] = [];
  const summary = await ctx.withConnector(
    (c) => c.writeStream(records, {
      dryRun: true,
      thumbnailMaxBytes: THUMBNAIL_MAX_BYTES,
      onOutcome: (o) => void outcomes.push(ctx.withAdvice(o)),
    }),
    { dryRun: true },
  );
  ctx.reply(res, 200, { records: records.length, outcomes, summary });
};

export const receivers: ApiHandler = async (ctx, { res, body }) => {
  const args = await body();
  // Only the connection matters to the picker: a fixed-mode node still without receivers must not block it.
  ctx.reply(res, 200, await ctx.withConnector((c) => pickReceivers(c, args), { connectionOnly: true }));
};

export const chats: ApiHandler = async (ctx, { res, body }) => {
  await body();
  const found = await ctx.withConnector((c) => sourceChats(c));
  ctx.reply(res, 200, { chats: found });
};

export const preview: ApiHandler = async (ctx, { res, body }) => {
  const b = await body();
  const chatId = b.chatId;
  if (typeof chatId !== 'string' || !/^oc_\w+$/.test(chatId)) {
    throw new HttpError(400, 'BAD_REQUEST', 'chatId must be a chat_id (oc_...)');
  }
  const limit = typeof b.limit === 'number' ? b.limit : 20;
  const connection = ctx.config.full().connection;
  // Names are the app's to read: cached per app id and domain.
  const app = JSON.stringify([connection['appId'] ?? connection['app_id'], connection['domain']]);
  const preview = await ctx.withConnector((c) => previewChat(c, chatId, limit, { names: ctx.senderNames, app }));
  ctx.reply(res, 200, preview);
};
