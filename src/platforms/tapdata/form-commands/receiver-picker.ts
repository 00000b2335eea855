/**
 * The commands a platform form calls through LarkImConnector.commandCallback:
 * - GetReceiverOfChatsAndUsers: the fixed-receiver picker (TapData's AsyncSelect). Chats the bot is in and
 *   users in the app's contact range, searchable by name, paged as {items: [{label, value, receiveType}], page,
 *   size, total}. Lark has no name search for these lists with a tenant token, so every page is read and
 *   filtered here (bounded by MAX_PER_KIND).
 * - GetAppInfo: the app's name (and bot state) from bot/v3/info.
 */
import { isRecord } from '../../../core/is-record.js';
import { ConnectorError } from '../../../core/errors.js';
import type { LarkClient } from '../../../lark/client.js';
import type { ReceiveTypeName } from '../../../core/vocabulary.js';

export const COMMANDS = ['GetReceiverOfChatsAndUsers', 'GetAppInfo'] as const;
export type CommandName = (typeof COMMANDS)[number];
export const RECEIVER_KINDS = ['chat', 'user', 'all'] as const;
export type ReceiverKind = (typeof RECEIVER_KINDS)[number];

export interface PickerItem {
  label: string;
  value: string;
  receiveType: Extract<ReceiveTypeName, 'chat_id' | 'open_id'>;
  /** A user's other ids (when the app may read them): a query finds the user by them too. */
  userId?: string;
  unionId?: string;
}
export interface PickerPage {
  items: PickerItem[];
  page: number;
  size: number;
  total: number;
}
export interface AppInfo {
  appId: string;
  appName: string;
  botOpenId?: string;
  botEnabled: boolean;
  /** The shape a TapData form's getCommandAndSetValue reads: fills the connection form's app_name. */
  setValue: { app_name: { data: string } };
}

/** Reading stops after this many entries of a kind: a picker is no export tool. */
const MAX_PER_KIND = 10_000;
const DEFAULT_SIZE = 20;
const MAX_SIZE = 100;

type DirectoryClient = Pick<LarkClient, 'listChats' | 'listUsers'>;

function argError(message: string, field: string): ConnectorError {
  return new ConnectorError({ code: 'INPUT_INVALID', retryable: false, field, message });
}

function positiveInt(v: unknown, field: string, fallback: number, max: number): number {
  if (v === undefined || v === null || v === '') return fallback;
  const n = typeof v === 'string' ? Number(v.trim()) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max) throw argError(`${field} must be a whole number from 1 to ${max}`, field);
  return n;
}

/** Picker arguments: TapData's argMap {key, page, size} (query and type accepted too). */
export function pickerArgs(raw: unknown): { kind: ReceiverKind; query: string; page: number; size: number } {
  const a = isRecord(raw) ? raw : {};
  const q = a.query ?? a.key ?? '';
  if (typeof q !== 'string') throw argError('query must be text', 'query');
  const kind = a.type ?? 'all';
  if (typeof kind !== 'string' || !(RECEIVER_KINDS as readonly string[]).includes(kind)) throw argError('type must be chat, user or all', 'type');
  return { kind: kind as ReceiverKind, query: q.trim(), page: positiveInt(a.page, 'page', 1, 1_000_000), size: positiveInt(a.size, 'size', DEFAULT_SIZE, MAX_SIZE) };
}

async function readAll<T>(next: (pageToken?: string) => Promise<{ items: T[]; hasMore: boolean; pageToken?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await next(token);
    out.push(...page.items);
    token = page.hasMore ? page.pageToken : undefined;
  } while (token !== undefined && out.length < MAX_PER_KIND);
  return out.slice(0, MAX_PER_KIND);
}

/** How long the lists are reused: a picker asks again on every keystroke and page. */
export const PICKER_CACHE_MS = 60_000;

/**
 * The chats and users lists behind the picker, read once and reused for PICKER_CACHE_MS (a failed read is
 * not kept), so typing in the search box does not page through the whole directory each time.
 */
export class ReceiverDirectory {
  private readonly cache = new Map<'chat' | 'user', { at: number; items: Promise<PickerItem[]> }>();

  constructor(
    private readonly client: DirectoryClient,
    private readonly now: () => number = Date.now,
    private readonly ttlMs = PICKER_CACHE_MS,
  ) {}

  private list(kind: 'chat' | 'user'): Promise<PickerItem[]> {
    const hit = this.cache.get(kind);
    if (hit && this.now() - hit.at < this.ttlMs) return hit.items;
    const items = kind === 'chat'
      ? readAll((pageToken) => this.client.listChats(pageToken ? { pageToken } : {})).then((cs) => cs.map((c): PickerItem => ({ label: c.name || c.chatId, value: c.chatId, receiveType: 'chat_id' })))
      : readAll((pageToken) => this.client.listUsers(pageToken ? { pageToken } : {})).then((us) =>
        us.map((u): PickerItem => ({
          label: u.name || u.id, value: u.id, receiveType: 'open_id',
          ...(u.userId ? { userId: u.userId } : {}), ...(u.unionId ? { unionId: u.unionId } : {}),
        })));
    const entry = { at: this.now(), items };
    this.cache.set(kind, entry);
    items.catch(() => {
      if (this.cache.get(kind) === entry) this.cache.delete(kind);
    });
    return items;
  }

  /** Chats first, then users; a query matches names and ids (a user's user_id and union_id too), case-insensitively. */
  async pick(raw: unknown): Promise<PickerPage> {
    const { kind, query, page, size } = pickerArgs(raw);
    const all = [...(kind !== 'user' ? await this.list('chat') : []), ...(kind !== 'chat' ? await this.list('user') : [])];
    const needle = query.toLowerCase();
    const matches = needle === '' ? all : all.filter((i) => [i.label, i.value, i.userId, i.unionId]
      .some((s) => s?.toLowerCase().includes(needle)));
    return { items: matches.slice((page - 1) * size, page * size), page, size, total: matches.length };
  }
}

export async function appInfo(client: Pick<LarkClient, 'getBotInfo'>, appId: string): Promise<AppInfo> {
  const bot = await client.getBotInfo();
  const appName = bot.appName ?? appId;
  return { appId, appName, ...(bot.openId ? { botOpenId: bot.openId } : {}), botEnabled: bot.activateStatus === 2, setValue: { app_name: { data: appName } } };
}

export function unknownCommand(command: unknown): ConnectorError {
  return argError(`unknown command ${JSON.stringify(command)}: use ${COMMANDS.join(' or ')}`, 'command');
}
