/**
 * The users list the receiver picker reads: the users in the app's visible range, paged like Lark
 * (page_size <= 50, an opaque page_token, has_more: paging.ts).
 *
 * `GET /open-apis/contact/v3/users/find_by_department?department_id=0` (the root department: with a tenant
 * token, the users of the app's contact range) and the older `GET /open-apis/contact/v3/users`, which answers
 * the same. Scope: any of contact:user.base:readonly, contact:contact.base:readonly,
 * contact:contact:readonly_as_app.
 *
 * `GET /open-apis/contact/v3/users/:user_id?user_id_type=open_id`: one user (the source preview's sender
 * names), with the same scopes; a user outside the visible range (or none) is code 41050, as Lark answers.
 */
import type { App } from '../directory.js';
import type { EmulatorContext, EmulatorRequest } from '../endpoint.js';
import { decodeToken, encodeToken, pageSizeOf } from '../paging.js';
import { fieldError, larkError, missingScope, type Reply } from '../reply.js';
import { USER_LIST_SCOPES } from '../../core/vocabulary.js';


export function listUsers(ctx: EmulatorContext, req: EmulatorRequest, app: App): Reply {
  const { logId } = req;
  const q = req.url.searchParams;
  if (!USER_LIST_SCOPES.some((s) => app.scopes.has(s))) return missingScope(logId, USER_LIST_SCOPES);
  const dept = q.get('department_id');
  if (dept !== null && dept !== '0') return fieldError(logId, 'department_id', 'the emulator has one department: 0 (the root)');
  const size = pageSizeOf(q, 10, 50);
  if (size === undefined) return fieldError(logId, 'page_size', 'page_size must be an integer 1..50');
  const offset = decodeToken(q.get('page_token'));
  if (offset === undefined) return fieldError(logId, 'page_token', 'page_token is invalid');
  const visible = ctx.dir.allUsers().filter((u) => u.visible !== false);
  const items = visible.slice(offset, offset + size).map((u) => ({
    open_id: u.openId,
    ...(u.unionId ? { union_id: u.unionId } : {}),
    ...(u.userId ? { user_id: u.userId } : {}),
    name: u.name,
    en_name: u.name,
    ...(u.email ? { email: u.email } : {}),
    department_ids: ['0'],
    status: { is_activated: true, is_frozen: false, is_resigned: false },
  }));
  const next = offset + items.length;
  const data: Record<string, unknown> = { has_more: next < visible.length, items };
  if (next < visible.length) data['page_token'] = encodeToken(next);
  return { status: 200, body: { code: 0, msg: 'success', data } };
}

export function getUser(ctx: EmulatorContext, req: EmulatorRequest, app: App): Reply {
  const { logId } = req;
  if (!USER_LIST_SCOPES.some((s) => app.scopes.has(s))) return missingScope(logId, USER_LIST_SCOPES);
  const idType = req.url.searchParams.get('user_id_type') ?? 'open_id';
  if (idType !== 'open_id') return fieldError(logId, 'user_id_type', 'the emulator looks users up by open_id');
  const user = ctx.dir.userBy('open_id', req.params['user_id'] ?? '');
  if (!user || user.visible === false) return larkError(400, 41050, 'no user authority error', logId);
  const found = { open_id: user.openId, name: user.name, en_name: user.name, ...(user.email ? { email: user.email } : {}) };
  return { status: 200, body: { code: 0, msg: 'success', data: { user: found } } };
}
