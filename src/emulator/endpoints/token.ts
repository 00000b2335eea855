/** POST /open-apis/auth/v3/tenant_access_token/internal: an app's id and secret -> a tenant_access_token. */
import type { EmulatorContext, EmulatorRequest } from '../endpoint.js';
import { jsonBody } from '../endpoint.js';
import { larkError, type Reply } from '../reply.js';

export function issueToken(ctx: EmulatorContext, req: EmulatorRequest): Reply {
  const parsed = jsonBody(req);
  if ('reply' in parsed) return parsed.reply;
  const body = parsed.value;
  const appId = body['app_id'];
  const secret = body['app_secret'];
  if (typeof appId !== 'string' || appId === '' || typeof secret !== 'string' || secret === '') {
    return larkError(400, 10003, 'invalid param: app_id and app_secret are required', req.logId);
  }
  const app = ctx.dir.apps.get(appId);
  if (!app) return larkError(400, 10003, 'invalid param: app_id not found', req.logId);
  if (app.appSecret !== secret) return larkError(400, 10014, 'app secret invalid', req.logId);
  const issued = ctx.tokens.issue(appId);
  if (issued.fresh) ctx.stats.tokensIssued++;
  return { status: 200, body: { code: 0, msg: 'ok', tenant_access_token: issued.token, expire: issued.expireSeconds } };
}
