/** Tenant token checking: the bearer token of a request -> the app it was issued to, or Lark's auth error. */
import type { App } from './directory.js';
import type { EmulatorContext, EmulatorRequest, Handler } from './endpoint.js';
import { isReply, larkError, type Reply } from './reply.js';

export type TenantHandler = (ctx: EmulatorContext, req: EmulatorRequest, app: App) => Reply | Promise<Reply>;

export function authenticate(ctx: EmulatorContext, req: EmulatorRequest): App | Reply {
  const header = req.headers['authorization'];
  if (header === undefined || header.trim() === '') {
    return larkError(400, 99991661, 'Missing access token for authorization. Please make a request with token attached.', req.logId);
  }
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m?.[1]) return larkError(400, 99991671, 'Invalid access token format. Use "Authorization: Bearer <token>".', req.logId);
  const check = ctx.tokens.check(m[1]);
  if (!check.ok) return larkError(400, check.code, check.msg, req.logId);
  const app = ctx.dir.apps.get(check.appId);
  if (!app) return larkError(400, 99991663, 'Invalid access token for authorization. Please make a request with token attached.', req.logId);
  return app;
}

/** An endpoint that needs a tenant_access_token: it runs for the token's app, or the auth error answers. */
export function tenant(handler: TenantHandler): Handler {
  return (ctx, req) => {
    const app = authenticate(ctx, req);
    return isReply(app) ? app : handler(ctx, req, app);
  };
}
