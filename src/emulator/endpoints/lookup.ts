/** POST /open-apis/contact/v3/users/batch_get_id: mobiles and emails -> user ids (a miss has no user_id). */
import type { App } from '../directory.js';
import type { EmulatorContext, EmulatorRequest } from '../endpoint.js';
import { jsonBody } from '../endpoint.js';
import { fieldError, missingScope, type Reply } from '../reply.js';
import { SCOPES } from '../../core/vocabulary.js';

const LOOKUP_SCOPES = [SCOPES.lookup];

export function batchGetId(ctx: EmulatorContext, req: EmulatorRequest, app: App): Reply {
  const { logId } = req;
  if (!LOOKUP_SCOPES.some((s) => app.scopes.has(s))) return missingScope(logId, LOOKUP_SCOPES);
  const over = ctx.limits.admitApp(app.appId, 'lookup', ctx.clock.now(), logId);
  if (over) return over;
  const idType = req.url.searchParams.get('user_id_type') ?? 'open_id';
  if (idType !== 'open_id' && idType !== 'union_id' && idType !== 'user_id') {
    return fieldError(logId, 'user_id_type', 'user_id_type must be one of open_id | union_id | user_id');
  }
  const parsed = jsonBody(req);
  if ('reply' in parsed) return parsed.reply;
  const body = parsed.value;
  const lists: Record<'mobiles' | 'emails', string[]> = { mobiles: [], emails: [] };
  for (const field of ['mobiles', 'emails'] as const) {
    const v = body[field];
    if (v === undefined) continue;
    if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) return fieldError(logId, field, `${field} must be an array of strings`);
    if (v.length > 50) return fieldError(logId, field, `${field} holds ${v.length} entries, at most 50 are allowed`);
    lists[field] = v;
  }
  const idOf = (u: { openId: string; unionId?: string; userId?: string; visible?: boolean } | undefined): string | undefined => {
    if (!u || u.visible === false) return undefined; // outside the visible range: a miss
    return idType === 'open_id' ? u.openId : idType === 'union_id' ? u.unionId : u.userId;
  };
  const userList: Array<Record<string, string>> = [];
  for (const mobile of lists.mobiles) {
    const id = idOf(ctx.dir.userByMobile(mobile));
    userList.push(id === undefined ? { mobile } : { user_id: id, mobile });
  }
  for (const email of lists.emails) {
    const id = idOf(ctx.dir.userBy('email', email));
    userList.push(id === undefined ? { email } : { user_id: id, email });
  }
  return { status: 200, body: { code: 0, msg: 'success', data: { user_list: userList } } };
}
