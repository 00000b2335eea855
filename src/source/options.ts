/**
 * The source's node options (zod + form metadata + the form's strings in three languages). config.ts
 * extends the node schema with SOURCE_NODE_SHAPE, manifest.ts adds the fields and strings.
 */
import { z } from 'zod';
import type { FieldMeta } from '../core/types.js';
import { numericText, wholeNumber } from '../core/whole-number.js';
import { SOURCE_MODES } from './follower.js';

export const POLL_INTERVAL_MS_RANGE = { min: 1_000, max: 3_600_000 } as const;
export const DEFAULT_POLL_INTERVAL_MS = 10_000;
export const EDIT_LOOKBACK_MS_RANGE = { min: 0, max: 86_400_000 } as const;
export const DEFAULT_EDIT_LOOKBACK_MS = 3_600_000;

const CHAT_ID = /^oc_[A-Za-z0-9_-]+$/;

/** "all", "oc_a,oc_b" or ["oc_a", "oc_b"] -> 'all' | string[]. */
function chatsValue(v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  const list = typeof v === 'string' ? v.split(/[\s,]+/) : Array.isArray(v) ? v : undefined;
  if (!list) return v;
  const ids = list.map((x) => (typeof x === 'string' ? x.trim() : x)).filter((x) => x !== '');
  if (ids.length === 0 || (ids.length === 1 && typeof ids[0] === 'string' && ids[0].toLowerCase() === 'all')) return 'all';
  return [...new Set(ids)];
}

/** ISO 8601 or epoch milliseconds -> ms; undefined when it is neither. */
export function parseTimeArg(v: string | number): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) && v >= 0 ? Math.floor(v) : undefined;
  const s = v.trim();
  if (/^\d+$/.test(s)) return Number(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s)) return undefined;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : undefined;
}

const TIME_RULE = 'must be an ISO 8601 time (2025-01-31T08:00:00Z) or epoch milliseconds';

export const SOURCE_NODE_SHAPE = {
  chats: z.preprocess(
    chatsValue,
    z
      .union([z.literal('all'), z.array(z.string().regex(CHAT_ID, { error: 'holds an id that is not a chat_id (oc_...)' }))], {
        error: 'must be "all" or a comma-separated list of chat_ids (oc_...)',
      })
      .default('all'),
  ),
  since: z.preprocess(
    (v) => (typeof v === 'number' ? String(v) : typeof v === 'string' ? v.trim() || undefined : v),
    z.string({ error: TIME_RULE }).refine((s) => parseTimeArg(s) !== undefined, { error: TIME_RULE }).optional(),
  ),
  includeThreads: z.preprocess(
    (v) => (v === 'true' ? true : v === 'false' ? false : v),
    z.boolean({ error: 'must be true or false' }).default(true),
  ),
  mode: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim().toLowerCase() : v),
    z.enum(SOURCE_MODES, { error: 'is not allowed: use poll (read again every interval) or events (Lark long connection)' }).default('poll'),
  ),
  pollIntervalMs: z.preprocess(numericText, wholeNumber({ ...POLL_INTERVAL_MS_RANGE, unit: 'ms' }).default(DEFAULT_POLL_INTERVAL_MS)),
  editLookbackMs: z.preprocess(
    numericText,
    wholeNumber({ ...EDIT_LOOKBACK_MS_RANGE, unit: 'ms', minError: 'must be 0 (no edit sweep) or more ms', maxNote: '(a day)' })
      .default(DEFAULT_EDIT_LOOKBACK_MS),
  ),
};

const sourceNodeSchema = z.object(SOURCE_NODE_SHAPE);
export type SourceNodeOptions = z.infer<typeof sourceNodeSchema>;

export const SOURCE_NODE_FIELD_META: { [K in keyof typeof SOURCE_NODE_SHAPE]-?: FieldMeta } = {
  chats: { i18nKey: 'source_chats', apiServerKey: 'chats', component: 'Input', index: 11 },
  since: { i18nKey: 'source_since', apiServerKey: 'since', component: 'Input', index: 12 },
  includeThreads: { i18nKey: 'source_include_threads', apiServerKey: 'include_threads', component: 'Switch', index: 13 },
  mode: {
    i18nKey: 'source_mode',
    apiServerKey: 'mode',
    component: 'Select',
    index: 14,
    optionLabels: { poll: 'source_mode_poll', events: 'source_mode_events' },
  },
  pollIntervalMs: { i18nKey: 'source_poll_interval_ms', apiServerKey: 'poll_interval_ms', component: 'InputNumber', index: 15, componentProps: { step: 1000 } },
  editLookbackMs: {
    i18nKey: 'source_edit_lookback_ms',
    apiServerKey: 'edit_lookback_ms',
    component: 'InputNumber',
    index: 16,
    componentProps: { step: 60_000 },
  },
};

const EN_US = {
  test_read: 'Read permissions (source)',
  test_detail_read_scope_missing:
    'no read scope granted (one of {scopes}): the source cannot read messages (sending is not affected). Apply for {apply} to read chats',
  test_detail_group_scope_missing:
    "{read} is granted but {group} is not: the source sees p2p messages and, in groups, only the messages that @-mention the bot. Apply for {group} (it may need an admin's approval) to read every group message",
  test_detail_read_ok: '{read} and {group} are granted: the source reads every message of the chats the bot is in',
  source_chats: 'Chats to read (source)',
  source_chats_tooltip: 'all: every group chat the bot is in; or a comma-separated list of chat_ids (oc_...). The bot must be a member of each chat',
  source_since: 'Read from (source)',
  source_since_tooltip: 'Messages created from this time on: ISO 8601 (2025-01-31T08:00:00Z) or epoch milliseconds. Empty: the whole history',
  source_include_threads: 'Include topic replies (source)',
  source_include_threads_tooltip: 'In topic chats Lark lists only the first message of each topic; on: the replies of each topic are read too',
  source_mode: 'Follow mode (source)',
  source_mode_tooltip: 'How new messages are picked up after the history: poll (read again every interval, works everywhere) or events (Lark long connection, seconds of latency; falls back to poll with a warning when unavailable)',
  source_mode_poll: 'Poll',
  source_mode_events: 'Events (long connection)',
  source_poll_interval_ms: 'Poll interval (ms, source)',
  source_poll_interval_ms_tooltip: 'Time between two reads in poll mode, 1000 to 3600000 ms. Reading uses the list quota of 50 requests/second and 1000/minute per app',
  source_edit_lookback_ms: 'Edit lookback (ms, source)',
  source_edit_lookback_ms_tooltip: 'Lark sends no event for an edit: every minute or so the messages created this long ago are read again, so that their edits and recalls come out as updates and deletes, with at most 10% of the list quota. Default 3600000 (an hour); 0 turns it off',
};
export type SourceMessageKey = keyof typeof EN_US;

const ZH_CN: Record<SourceMessageKey, string> = {
  test_read: '读取权限（源）',
  test_detail_read_scope_missing: '未授予读取权限（{scopes} 之一）：源无法读取消息（发送不受影响）。如需读取会话，请申请 {apply}',
  test_detail_group_scope_missing:
    '已授予 {read}，但未授予 {group}：源能看到单聊消息，而在群里只能看到 @ 机器人的消息。如需读取群里的全部消息，请申请 {group}（可能需要管理员审批）',
  test_detail_read_ok: '已授予 {read} 和 {group}：源会读取机器人所在会话的全部消息',
  source_chats: '读取的会话（源）',
  source_chats_tooltip: 'all：机器人所在的全部群；或以逗号分隔的 chat_id 列表（oc_ 开头）。机器人必须是每个群的成员',
  source_since: '起始时间（源）',
  source_since_tooltip: '读取此时间之后创建的消息：ISO 8601（2025-01-31T08:00:00Z）或毫秒时间戳。留空：全部历史',
  source_include_threads: '包含话题回复（源）',
  source_include_threads_tooltip: '话题群中飞书只列出每个话题的首条消息；开启后也读取每个话题的回复',
  source_mode: '增量模式（源）',
  source_mode_tooltip: '读完历史后如何获取新消息：轮询（每隔一段时间重新读取，处处可用）或事件（飞书长连接，秒级延迟；不可用时自动改为轮询并给出警告）',
  source_mode_poll: '轮询',
  source_mode_events: '事件（长连接）',
  source_poll_interval_ms: '轮询间隔（毫秒，源）',
  source_poll_interval_ms_tooltip: '轮询模式下两次读取的间隔，1000 到 3600000 毫秒。读取占用每个应用每秒 50 次、每分钟 1000 次的列表配额',
  source_edit_lookback_ms: '编辑回看（毫秒，源）',
  source_edit_lookback_ms_tooltip: '飞书不推送编辑事件：大约每分钟重新读取这段时间内创建的消息，把其中的编辑和撤回作为更新和删除输出，最多占用列表配额的 10%。默认 3600000（一小时）；0 表示关闭',
};

const ZH_TW: Record<SourceMessageKey, string> = {
  test_read: '讀取權限（來源）',
  test_detail_read_scope_missing: '未授予讀取權限（{scopes} 之一）：來源無法讀取訊息（傳送不受影響）。如需讀取會話，請申請 {apply}',
  test_detail_group_scope_missing:
    '已授予 {read}，但未授予 {group}：來源能看到一對一訊息，而在群組中只能看到 @ 機器人的訊息。如需讀取群組中的全部訊息，請申請 {group}（可能需要管理員審核）',
  test_detail_read_ok: '已授予 {read} 和 {group}：來源會讀取機器人所在會話的全部訊息',
  source_chats: '讀取的會話（來源）',
  source_chats_tooltip: 'all：機器人所在的全部群組；或以逗號分隔的 chat_id 清單（oc_ 開頭）。機器人必須是每個群組的成員',
  source_since: '起始時間（來源）',
  source_since_tooltip: '讀取此時間之後建立的訊息：ISO 8601（2025-01-31T08:00:00Z）或毫秒時間戳。留空：全部歷史',
  source_include_threads: '包含話題回覆（來源）',
  source_include_threads_tooltip: '話題群組中 Lark 只列出每個話題的第一則訊息；開啟後也讀取每個話題的回覆',
  source_mode: '增量模式（來源）',
  source_mode_tooltip: '讀完歷史後如何取得新訊息：輪詢（每隔一段時間重新讀取，處處可用）或事件（Lark 長連線，秒級延遲；不可用時自動改為輪詢並給出警告）',
  source_mode_poll: '輪詢',
  source_mode_events: '事件（長連線）',
  source_poll_interval_ms: '輪詢間隔（毫秒，來源）',
  source_poll_interval_ms_tooltip: '輪詢模式下兩次讀取的間隔，1000 到 3600000 毫秒。讀取佔用每個應用每秒 50 次、每分鐘 1000 次的清單配額',
  source_edit_lookback_ms: '編輯回看（毫秒，來源）',
  source_edit_lookback_ms_tooltip: 'Lark 不推送編輯事件：大約每分鐘重新讀取這段時間內建立的訊息，把其中的編輯和收回作為更新和刪除輸出，最多佔用清單配額的 10%。預設 3600000（一小時）；0 表示關閉',
};

export const SOURCE_MESSAGES = { en_US: EN_US, zh_CN: ZH_CN, zh_TW: ZH_TW };
