/** contact/v3: phone numbers -> open_id (batch_get_id), the users in the app's contact range, one user's name. */
import { isRecord } from '../../core/is-record.js';
import type { LarkCodeClass } from '../errors.js';
import { dataOf, malformed, pageTokenOf, type Endpoint, type ListData } from './endpoint.js';
import { LARK_PATHS, SCOPES } from '../../core/vocabulary.js';

/** Lark's bound on mobiles per batch_get_id call. */
export const MOBILES_PER_CALL = 50;

/** A user the receiver picker lists (the app's contact range). */
export interface DirectoryEntry {
  id: string;
  name: string;
  /** The user's other ids, when the app may read them. */
  userId?: string;
  unionId?: string;
}
export interface DirectoryPage {
  items: DirectoryEntry[];
  hasMore: boolean;
  pageToken?: string;
}

export interface ListUsersRequest {
  pageToken?: string;
  pageSize?: number;
}

/** Up to MOBILES_PER_CALL mobiles; the answer maps the strings sent to open_ids, hits only. */
export const batchGetIdByMobiles: Endpoint<string[], Map<string, string>> = {
  op: 'batch_get_id',
  pacer: 'lookup',
  request: (mobiles) => ({
    method: 'POST',
    path: LARK_PATHS.batchGetId,
    query: { user_id_type: 'open_id' },
    body: { mobiles, include_resigned: false },
    scope: SCOPES.lookup,
    // Without the lookup scope only phone receivers fail; every other message can still be sent.
    permissionStops: 'message',
  }),
  parse: (res, mobiles) => {
    const list = dataOf<{ user_list?: unknown }>(res)?.user_list;
    return matchMobiles(mobiles, Array.isArray(list) ? list : []);
  },
};

/** The root department: the whole contact range for a tenant token. */
export const listUsers: Endpoint<ListUsersRequest, DirectoryPage> = {
  op: 'list_users',
  request: (args) => ({
    method: 'GET',
    path: LARK_PATHS.usersByDepartment,
    query: { department_id: '0', user_id_type: 'open_id', page_size: args.pageSize ?? 50, page_token: args.pageToken },
    scope: SCOPES.listUsers,
  }),
  parse: (res) => {
    const data = dataOf<ListData>(res) ?? {};
    const items = (Array.isArray(data.items) ? data.items : [])
      .filter(isRecord)
      .flatMap((u): DirectoryEntry[] => (typeof u.open_id === 'string' ? [{
        id: u.open_id,
        name: typeof u.name === 'string' ? u.name : '',
        ...(typeof u.user_id === 'string' && u.user_id !== '' ? { userId: u.user_id } : {}),
        ...(typeof u.union_id === 'string' && u.union_id !== '' ? { unionId: u.union_id } : {}),
      }] : []));
    const pageToken = pageTokenOf(data);
    return { items, hasMore: data.has_more === true && pageToken !== undefined, ...(pageToken ? { pageToken } : {}) };
  },
};

/** Lark's answer for a user the app may not read (outside its contact range), on this endpoint. */
const USER_CODES: Readonly<Record<number, LarkCodeClass>> = {
  41050: {
    code: 'OUTSIDE_VISIBLE_RANGE',
    retryable: false,
    advice: "the user is outside the app's contact range: add them to it (app availability) to read their name",
  },
};

/** One user by open_id: the name (needs contact:user.base:readonly and the user in the app's contact range). */
export const getUser: Endpoint<string, DirectoryEntry> = {
  op: 'get_user',
  request: (openId) => ({
    method: 'GET',
    path: LARK_PATHS.user.replace(':user_id', encodeURIComponent(openId)),
    query: { user_id_type: 'open_id' },
    scope: SCOPES.listUsers,
    codes: USER_CODES,
  }),
  parse: (res, openId) => {
    const user = dataOf<{ user?: unknown }>(res)?.user;
    if (!isRecord(user)) throw malformed('get_user', res.logId);
    return { id: openId, name: typeof user.name === 'string' ? user.name : '' };
  },
};

/**
 * Lark echoes each mobile in `mobile` (normally as sent). Match exactly first, then by national digits
 * (so "+8613800000000" still finds "13800000000"); keys are the strings the caller sent.
 */
export function matchMobiles(sent: string[], userList: unknown[]): Map<string, string> {
  const exact = new Set(sent);
  const byDigits = new Map(sent.map((m) => [nationalDigits(m), m]));
  const out = new Map<string, string>();
  for (const entry of userList) {
    if (!isRecord(entry) || typeof entry.user_id !== 'string' || entry.user_id === '' || typeof entry.mobile !== 'string') continue;
    const key = exact.has(entry.mobile) ? entry.mobile : byDigits.get(nationalDigits(entry.mobile));
    if (key !== undefined) out.set(key, entry.user_id);
  }
  return out;
}

function nationalDigits(mobile: string): string {
  const digits = mobile.replace(/\D/g, '');
  return digits.replace(/^(0086|86)(?=1\d{10}$)/, '');
}
