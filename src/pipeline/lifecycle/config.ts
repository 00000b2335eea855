/**
 * The node options of a record's life in Lark (messageKey, updateEvents, deleteEvents, messageKeyDays):
 * their zod shape, form metadata and strings. config.ts extends the node schema with LIFECYCLE_SHAPE;
 * manifest.ts renders LIFECYCLE_FIELD_META and merges LIFECYCLE_MESSAGES.
 */
import { z } from 'zod';
import type { FieldMeta } from '../../core/types.js';
import { numericText, wholeNumber } from '../../core/whole-number.js';
import { isKeyed } from './keyed.js';

export const UPDATE_EVENTS = ['skip', 'send', 'edit'] as const;
export type UpdateEvents = (typeof UPDATE_EVENTS)[number];
export const DELETE_EVENTS = ['skip', 'recall'] as const;
export type DeleteEvents = (typeof DELETE_EVENTS)[number];
/** How long a key's message is remembered (Lark's edit window is the tenant admin's; 14 days is Lark's card window). */
export const DEFAULT_MESSAGE_KEY_DAYS = 14;
export const MESSAGE_KEY_DAYS_RANGE = { min: 1, max: 365 } as const;

const trimLower = (v: unknown): unknown => (typeof v === 'string' ? v.trim().toLowerCase() : v);

/** "id", "tenant, orderNo", '["tenant","orderNo"]' or an array -> the list of dot paths. */
function keyPaths(v: unknown): unknown {
  if (v === undefined || v === null) return undefined;
  let list: unknown = v;
  if (typeof v === 'string') {
    const s = v.trim();
    if (s === '') return undefined;
    if (s.startsWith('[')) {
      try {
        list = JSON.parse(s) as unknown;
      } catch {
        return v;
      }
    } else {
      list = s.split(',');
    }
  }
  if (!Array.isArray(list)) return list;
  const paths = list.map((p) => (typeof p === 'string' ? p.trim() : p)).filter((p) => p !== '');
  return paths.length === 0 ? undefined : paths;
}

export const LIFECYCLE_SHAPE = {
  messageKey: z.preprocess(
    keyPaths,
    z
      .array(z.string({ error: 'must name record fields (strings)' }), {
        error: 'must be a record field (dot path, e.g. "id" or "order.no") or a list of them (["tenant", "orderNo"])',
      })
      .optional(),
  ),
  updateEvents: z.preprocess(
    trimLower,
    z
      .enum(UPDATE_EVENTS, {
        error: 'is not allowed: use skip (count update events as skipped), send (send the new value) or edit (change the message sent for its key)',
      })
      .default('skip'),
  ),
  deleteEvents: z.preprocess(
    trimLower,
    z.enum(DELETE_EVENTS, { error: 'is not allowed: use skip (count delete events as skipped) or recall (recall the message sent for its key)' }).default('skip'),
  ),
  messageKeyDays: z.preprocess(numericText, wholeNumber({ ...MESSAGE_KEY_DAYS_RANGE, unit: 'days' }).default(DEFAULT_MESSAGE_KEY_DAYS)),
};

const lifecycleObject = z.object(LIFECYCLE_SHAPE);
export type LifecycleOptions = z.infer<typeof lifecycleObject>;


/** Problems across fields (one line each, field first), for parseConfig's one error. */
export function lifecycleProblems(o: LifecycleOptions): Array<{ field: string; text: string }> {
  const out: Array<{ field: string; text: string }> = [];
  if (isKeyed(o)) return out;
  if (o.updateEvents === 'edit') {
    out.push({ field: 'node.messageKey', text: 'node.messageKey is required for updateEvents edit: the record field that names what a message is about, e.g. "id"' });
  }
  if (o.deleteEvents === 'recall') {
    out.push({ field: 'node.messageKey', text: 'node.messageKey is required for deleteEvents recall: the record field that names what a message is about, e.g. "id"' });
  }
  return out;
}

export const LIFECYCLE_FIELD_META: { [K in keyof LifecycleOptions]-?: FieldMeta } = {
  updateEvents: {
    i18nKey: 'update_events',
    apiServerKey: 'update_events',
    component: 'Select',
    index: 1,
    optionLabels: { skip: 'update_events_skip', send: 'update_events_send', edit: 'update_events_edit' },
  },
  messageKey: { i18nKey: 'message_key', apiServerKey: 'message_key', component: 'Input', index: 8 },
  deleteEvents: {
    i18nKey: 'delete_events',
    apiServerKey: 'delete_events',
    component: 'Select',
    index: 9,
    optionLabels: { skip: 'delete_events_skip', recall: 'delete_events_recall' },
  },
  messageKeyDays: { i18nKey: 'message_key_days', apiServerKey: 'message_key_days', component: 'InputNumber', index: 10 },
};

export const LIFECYCLE_MESSAGES = {
  en_US: {
    update_events: 'Update events',
    update_events_tooltip: 'What to do with update events: skip them (counted and reported as skipped), send the new value as one more message, or edit the message sent for the record\'s key (needs the message key)',
    update_events_skip: 'Skip (report as skipped)',
    update_events_send: 'Send the updated record',
    update_events_edit: 'Edit the message of its key',
    message_key: 'Message key',
    message_key_tooltip: 'The record field (dot path) that names what a message is about, e.g. id, or several separated by commas: tenant, orderNo. With a key an update edits the message sent for it, a delete recalls it, and a replayed insert never posts a second copy',
    delete_events: 'Delete events',
    delete_events_tooltip: 'What to do with delete events: skip them (counted and reported as skipped) or recall the message sent for the record\'s key (needs the message key)',
    delete_events_skip: 'Skip (report as skipped)',
    delete_events_recall: 'Recall the message of its key',
    message_key_days: 'Remember keys (days)',
    message_key_days_tooltip: 'How long the message of a key is remembered for editing or recalling, 1 to 365 days (default 14). Lark allows edits only within the window the tenant admin sets',
  },
  zh_CN: {
    update_events: '更新事件',
    update_events_tooltip: '如何处理更新事件：跳过（计入跳过并报告）、把更新后的值再发一条消息，或编辑为该记录的键发送过的消息（需要设置消息键）',
    update_events_skip: '跳过（报告为已跳过）',
    update_events_send: '发送更新后的记录',
    update_events_edit: '编辑该键的消息',
    message_key: '消息键',
    message_key_tooltip: '标识消息所属对象的记录字段（点路径），例如 id；多个字段用逗号分隔：tenant, orderNo。设置后，更新会编辑为该键发送的消息，删除会撤回它，重放的插入不会再发一条',
    delete_events: '删除事件',
    delete_events_tooltip: '如何处理删除事件：跳过（计入跳过并报告）或撤回为该记录的键发送过的消息（需要设置消息键）',
    delete_events_skip: '跳过（报告为已跳过）',
    delete_events_recall: '撤回该键的消息',
    message_key_days: '键的保留天数',
    message_key_days_tooltip: '记住每个键的消息以便编辑或撤回的天数，1 到 365（默认 14）。飞书只允许在租户管理员设置的时限内编辑',
  },
  zh_TW: {
    update_events: '更新事件',
    update_events_tooltip: '如何處理更新事件：略過（計入略過並回報）、把更新後的值再發一則訊息，或編輯為該記錄的鍵發送過的訊息（需要設定訊息鍵）',
    update_events_skip: '略過（回報為已略過）',
    update_events_send: '發送更新後的記錄',
    update_events_edit: '編輯該鍵的訊息',
    message_key: '訊息鍵',
    message_key_tooltip: '標識訊息所屬對象的記錄欄位（點路徑），例如 id；多個欄位以逗號分隔：tenant, orderNo。設定後，更新會編輯為該鍵發送的訊息，刪除會撤回它，重播的插入不會再發一則',
    delete_events: '刪除事件',
    delete_events_tooltip: '如何處理刪除事件：略過（計入略過並回報）或撤回為該記錄的鍵發送過的訊息（需要設定訊息鍵）',
    delete_events_skip: '略過（回報為已略過）',
    delete_events_recall: '撤回該鍵的訊息',
    message_key_days: '鍵的保留天數',
    message_key_days_tooltip: '記住每個鍵的訊息以便編輯或撤回的天數，1 到 365（預設 14）。Lark 只允許在租戶管理員設定的時限內編輯',
  },
} as const;
