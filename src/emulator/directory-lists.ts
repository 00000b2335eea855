/**
 * The directory lists the receiver picker reads: the users in the app's visible range (contact API) and,
 * until the chat listing of the message-history work lands, a minimal list of the chats the bot is in.
 * Both page like Lark: page_size (users <= 50, chats <= 100), an opaque page_token, has_more.
 *
 * Users: `GET /open-apis/contact/v3/users/find_by_department?department_id=0` (the root department: with a
 * tenant token, the users of the app's contact range) and the older `GET /open-apis/contact/v3/users`, which
 * answers the same. Scope: any of contact:user.base:readonly, contact:contact.base:readonly,
 * contact:contact:readonly_as_app.
 */
import { fieldError, missingScope, type Reply } from './reply.js';
import type { App } from './directory.js';
import type { SeedChat, SeedUser } from './types.js';

export const USER_LIST_SCOPES = ['contact:user.base:readonly', 'contact:contact.base:readonly', 'contact:contact:readonly_as_app'];
export const CHAT_LIST_SCOPES = ['im:chat:readonly', 'im:chat'];

/** One page of `all` per page_size / page_token, or the 99992402 Lark answers for a bad one. */
function page<T>(all: readonly T[], q: URLSearchParams, logId: string, maxSize: number, defaultSize: number): { items: T[]; hasMore: boolean; token?: string } | Reply {
  const sizeRaw = q.get('page_size');
  const size = sizeRaw === null || sizeRaw === '' ? defaultSize : Number(sizeRaw);
  if (!Number.isInteger(size) || size < 1 || size > maxSize) return fieldError(logId, 'page_size', `page_size must be an integer 1..${maxSize}`);
  let offset = 0;
  const tokenRaw = q.get('page_token');
  if (tokenRaw) {
    const decoded = /^d(\d+)$/.exec(Buffer.from(tokenRaw, 'base64url').toString('utf8'));
    if (!decoded?.[1]) return fieldError(logId, 'page_token', 'page_token is invalid');
    offset = Number(decoded[1]);
  }
  const items = all.slice(offset, offset + size);
  const next = offset + items.length;
  const hasMore = next < all.length;
  return { items, hasMore, ...(hasMore ? { token: Buffer.from(`d${next}`).toString('base64url') } : {}) };
}

function ok(p: { items: unknown[]; hasMore: boolean; token?: string }): Reply {
  const data: Record<string, unknown> = { has_more: p.hasMore, items: p.items };
  if (p.token) data['page_token'] = p.token;
  return { status: 200, body: { code: 0, msg: 'success', data } };
}

const isReply = (v: object): v is Reply => 'status' in v && 'body' in v;

export function listUsersReply(app: App, users: readonly SeedUser[], q: URLSearchParams, logId: string): Reply {
  if (!USER_LIST_SCOPES.some((s) => app.scopes.has(s))) return missingScope(logId, USER_LIST_SCOPES);
  const dept = q.get('department_id');
  if (dept !== null && dept !== '0') return fieldError(logId, 'department_id', 'the emulator has one department: 0 (the root)');
  const visible = users.filter((u) => u.visible !== false);
  const p = page(visible, q, logId, 50, 10);
  if (isReply(p)) return p;
  return ok({
    ...p,
    items: p.items.map((u) => ({
      open_id: u.openId,
      ...(u.unionId ? { union_id: u.unionId } : {}),
      ...(u.userId ? { user_id: u.userId } : {}),
      name: u.name,
      en_name: u.name,
      ...(u.email ? { email: u.email } : {}),
      department_ids: ['0'],
      status: { is_activated: true, is_frozen: false, is_resigned: false },
    })),
  });
}

export function listChatsReply(app: App, chats: readonly SeedChat[], q: URLSearchParams, logId: string): Reply {
  if (!CHAT_LIST_SCOPES.some((s) => app.scopes.has(s))) return missingScope(logId, CHAT_LIST_SCOPES);
  const p = page(chats.filter((c) => c.botMember), q, logId, 100, 20);
  if (isReply(p)) return p;
  return ok({ ...p, items: p.items.map((c) => ({ chat_id: c.chatId, name: c.name, chat_status: 'normal', tenant_key: app.tenantKey })) });
}
