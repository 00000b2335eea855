/**
 * POST /open-apis/im/v1/images and /open-apis/im/v1/files: multipart uploads, checked as Lark checks them
 * (scope im:resource or im:message, their own 50/s + 1000/min windows, sizes, format); the keys issued are
 * kept with their bytes' sha256 in the emulator's upload store (uploads.ts).
 */
import type { App } from '../directory.js';
import type { EmulatorContext, EmulatorRequest } from '../endpoint.js';
import { fieldError, larkError, missingScope, rateLimited, type Reply } from '../reply.js';
import { fileUpload, imageUpload, parseMultipart } from '../uploads.js';

const UPLOAD_SCOPES = ['im:resource', 'im:message'];

export function uploadImage(ctx: EmulatorContext, req: EmulatorRequest, app: App): Reply {
  return upload(ctx, req, app, 'image');
}

export function uploadFile(ctx: EmulatorContext, req: EmulatorRequest, app: App): Reply {
  return upload(ctx, req, app, 'file');
}

function upload(ctx: EmulatorContext, req: EmulatorRequest, app: App, kind: 'image' | 'file'): Reply {
  const { logId } = req;
  const fault = ctx.faults.take();
  if (fault?.kind === '5xx') return larkError(fault.status ?? 500, 1500, 'internal error, please retry later', logId);
  if (fault?.kind === '429') return rateLimited(logId, 50, fault.resetSeconds ?? 1);
  const reply = answer(ctx, req, app, kind);
  if (fault?.kind === 'lost') reply.lose = true;
  if (fault?.kind === 'slow') reply.delayMs = fault.delayMs ?? ctx.slowDelayMs;
  return reply;
}

function answer(ctx: EmulatorContext, req: EmulatorRequest, app: App, kind: 'image' | 'file'): Reply {
  const { logId } = req;
  if (!UPLOAD_SCOPES.some((s) => app.scopes.has(s))) return missingScope(logId, UPLOAD_SCOPES);
  const now = ctx.clock.now();
  const over = ctx.limits.admitApp(app.appId, 'upload', now, logId);
  if (over) return over;
  // Over the route's body limit: larger than any file Lark takes.
  if (req.body === null) return larkError(400, 234006, 'The file size exceeds the limit.', logId);
  const parts = parseMultipart(req.headers['content-type'], req.body);
  if (typeof parts === 'string') return fieldError(logId, 'body', parts);
  ctx.stats.uploads++;
  return kind === 'image' ? imageUpload(ctx.uploads, app.appId, parts, logId, now) : fileUpload(ctx.uploads, app.appId, parts, logId, now);
}
