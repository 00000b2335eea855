/**
 * The send-mode node options (sendType, dynamicBinding, receivers, messageConfig, template): their zod shape,
 * form metadata and strings. config.ts extends the node schema with SEND_MODE_SHAPE; manifest.ts renders
 * SEND_MODE_FIELD_META (ArrayTable rows, the receiver AsyncSelect, x-reactions on sendType).
 */
import { z } from 'zod';
import type { FieldMeta } from '../../core/types.js';
import { objectFromJsonText, parseJsonText } from '../../core/json-text.js';
import { requiredString } from '../../core/required-string-field.js';
import { CONTENT_TYPES, RECEIVE_TYPE_NAMES, type ReceiveTypeName } from '../../core/vocabulary.js';
import { templateProblems } from './template.js';
import { resolveSendType, SEND_TYPES, type SendType } from './send-type.js';

/** TapData's own names for two of the modes. */
const SEND_TYPE_ALIASES: Record<string, SendType> = { from_js_node: 'message_body', appoint: 'fixed' };

/** Receive types the form offers for a binding row or a fixed receiver: Lark's names, then phone and email. */
const FORM_RECEIVE_TYPES = [
  'chat_id', 'open_id', 'user_id', 'union_id', 'phone', 'email',
] as const satisfies readonly ReceiveTypeName[];

/** Content types a messageConfig row or a template may produce (markdown is converted to post or a card). */
export const SOURCE_CONTENT_TYPES = [...CONTENT_TYPES, 'markdown'] as const;
export type SourceContentType = (typeof SOURCE_CONTENT_TYPES)[number];
export const MARKDOWN_TARGETS = ['post', 'card'] as const;
export type MarkdownTarget = (typeof MARKDOWN_TARGETS)[number];

const trimLower = (v: unknown): unknown => (typeof v === 'string' ? v.trim().toLowerCase() : v);
const nonEmpty = (what: string) =>
  z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() : v),
    requiredString(what),
  );

const receiveTypeSchema = z.preprocess(
  trimLower,
  z.enum(RECEIVE_TYPE_NAMES, { error: `is not allowed: use one of ${FORM_RECEIVE_TYPES.join(', ')}` }),
);

const bindingRow = z.object({
  receiveType: receiveTypeSchema,
  receiveId: nonEmpty('the record field holding the receiver, dot paths for nested fields: owner.email'),
});

/**
 * A fixed receiver: a row, or the picker's bare value (oc_... is a chat, ou_... a user by open_id, on_... by
 * union_id, name@x an email).
 */
const fixedReceiver = z.preprocess(
  (v) => {
    if (typeof v !== 'string') return v;
    const id = v.trim();
    if (id.startsWith('oc_')) return { receiveType: 'chat_id', receiveId: id };
    if (id.startsWith('ou_')) return { receiveType: 'open_id', receiveId: id };
    if (id.startsWith('on_')) return { receiveType: 'union_id', receiveId: id };
    if (id.includes('@')) return { receiveType: 'email', receiveId: id };
    return v;
  },
  z.object(
    {
      receiveType: receiveTypeSchema,
      receiveId: nonEmpty('the chat_id, open_id, user_id, union_id, phone number or email of the receiver'),
    },
    { error: 'must be {receiveType, receiveId} or a chat_id (oc_...) / open_id (ou_...) / union_id (on_...) / email' },
  ),
);

const contentTypeSchema = z.preprocess(
  trimLower,
  z.enum(SOURCE_CONTENT_TYPES, { error: `is not allowed: use ${SOURCE_CONTENT_TYPES.join(', ')}` }),
);

const messageConfigRow = z.object({
  messageType: contentTypeSchema,
  messageField: nonEmpty('the record field holding the content, dot paths for nested fields'),
});

/** Forms store a JSON editor's value as a string: accept both. */
const jsonObjectOrString = z.preprocess(
  objectFromJsonText,
  z.union([z.record(z.string(), z.unknown()), z.string()], {
    error: 'must be a Lark content object (with {{field}} placeholders in its strings), or markdown text',
  }),
);

const templateSchema = z.preprocess(
  objectFromJsonText,
  z.object({
    contentType: contentTypeSchema.default('text'),
    content: jsonObjectOrString,
    markdownAs: z.preprocess(trimLower, z.enum(MARKDOWN_TARGETS, { error: 'is not allowed: use post or card' })).optional(),
  }),
);

/** A list of rows: an array, a JSON array string, or (TapData's `receiver`) ids joined by commas. */
const rows = <T extends z.ZodType>(row: T) =>
  z.preprocess((v) => {
    if (typeof v !== 'string') return v;
    const s = v.trim();
    if (s.startsWith('[')) return parseJsonText(s);
    return s === '' ? [] : s.split(',').map((x) => x.trim()).filter((x) => x !== '');
  }, z.array(row, { error: 'must be a list of rows' }));

export const SEND_MODE_SHAPE = {
  sendType: z.preprocess(
    (v) => {
      const s = trimLower(v);
      return typeof s === 'string' ? (SEND_TYPE_ALIASES[s] ?? s) : s;
    },
    z.enum(SEND_TYPES, { error: 'is not allowed: use dynamic_binding, message_body or fixed (from_js_node and appoint are accepted too)' }).optional(),
  ),
  dynamicBinding: rows(bindingRow).optional(),
  receivers: rows(fixedReceiver).optional(),
  messageConfig: rows(messageConfigRow).optional(),
  template: templateSchema.optional(),
};

const sendModeObject = z.object(SEND_MODE_SHAPE);
export type SendModeOptions = z.infer<typeof sendModeObject>;
export type BindingRow = z.infer<typeof bindingRow>;
export type FixedReceiverRow = z.infer<typeof fixedReceiver>;
export type MessageConfigRow = z.infer<typeof messageConfigRow>;
export type TemplateOptions = z.infer<typeof templateSchema>;

/** Problems across fields (one line each, field first), for parseConfig's one error. */
export function sendModeProblems(o: SendModeOptions): Array<{ field: string; text: string }> {
  const mode = resolveSendType(o);
  if (mode === 'message_body') return [];
  const out: Array<{ field: string; text: string }> = [];
  const add = (field: string, text: string) => out.push({ field: `node.${field}`, text: `node.${field} ${text}` });
  if (mode === 'dynamic_binding' && !(o.dynamicBinding && o.dynamicBinding.length > 0)) {
    add('dynamicBinding', 'is required for sendType dynamic_binding: at least one row {receiveType, receiveId: a record field}');
  }
  if (mode === 'fixed' && !(o.receivers && o.receivers.length > 0)) {
    add('receivers', 'is required for sendType fixed: at least one receiver {receiveType, receiveId}');
  }
  if (o.template) {
    for (const p of templateProblems(o.template.content)) add('template.content', `has a placeholder Mustache cannot read: ${p}`);
  }
  const hasRows = !!o.messageConfig && o.messageConfig.length > 0;
  if (hasRows && o.template) add('template', 'and node.messageConfig are both set: use one of them');
  if (!hasRows && !o.template) {
    add('messageConfig', `is required for sendType ${mode} (or node.template): which record field holds the message, e.g. [{"messageType":"text","messageField":"summary"}]`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// form

const showFor = (...modes: SendType[]) => {
  const when = modes.map((m) => `$deps[0] === '${m}'`).join(' || ');
  return {
    dependencies: ['nodeConfig.sendType'],
    fulfill: { state: { display: `{{${when} ? 'visible' : 'hidden'}}` }, schema: { required: `{{${when}}}` } },
  };
};
const hideForBodyOrTemplate = {
  dependencies: ['nodeConfig.sendType', 'nodeConfig.template'],
  fulfill: {
    state: { display: "{{$deps[0] !== 'message_body' && !$deps[1] ? 'visible' : 'hidden'}}" },
    schema: { required: "{{$deps[0] !== 'message_body' && !$deps[1]}}" },
  },
};
/** A FieldSelect offering the fields of the node's input, as TapData's own forms load them. */
const recordFieldSelect = {
  'x-component': 'FieldSelect',
  'x-component-props': { allowCreate: true, multiple: false, filterable: true },
  'x-reactions': ['{{useAsyncDataSourceByConfig({service: loadNodeFieldOptions, withoutField: true}, $values.$inputs[0])}}'],
};

const column = (name: string, title: string, component: Record<string, unknown>, index: number) => ({
  [name]: {
    type: 'void',
    'x-component': 'ArrayTable.Column',
    'x-component-props': { title: `\${${title}}` },
    'x-index': index,
    properties: { [name.replace(/^col_/, '')]: { type: 'string', 'x-decorator': 'FormItem', required: true, ...component } },
  },
});
const receiveTypeSelect = {
  'x-component': 'Select',
  enum: FORM_RECEIVE_TYPES.map((v) => ({ label: `\${receive_type_${v}}`, value: v })),
};
const arrayTable = (columns: Record<string, unknown>) => ({
  type: 'array',
  'x-component': 'ArrayTable',
  items: {
    type: 'object',
    properties: {
      ...columns,
      col_remove: {
        type: 'void',
        'x-component': 'ArrayTable.Column',
        'x-component-props': { width: 60 },
        properties: { remove: { type: 'void', 'x-component': 'ArrayTable.Remove' } },
      },
    },
  },
  properties: { add: { type: 'void', 'x-component': 'ArrayTable.Addition', title: '${add_row}' } },
});

export const SEND_MODE_FIELD_META: { [K in keyof SendModeOptions]-?: FieldMeta } = {
  sendType: {
    i18nKey: 'send_type',
    apiServerKey: 'send_type',
    component: 'Select',
    index: 3,
    formDefault: 'message_body',
    optionLabels: { dynamic_binding: 'send_type_dynamic_binding', message_body: 'send_type_message_body', fixed: 'send_type_fixed' },
  },
  dynamicBinding: {
    i18nKey: 'dynamic_binding',
    apiServerKey: 'dynamic_binding',
    component: 'ArrayTable',
    index: 4,
    formNode: {
      ...arrayTable({
        ...column('col_receiveType', 'receive_type', receiveTypeSelect, 1),
        ...column('col_receiveId', 'receive_field', recordFieldSelect, 2),
      }),
      'x-reactions': showFor('dynamic_binding'),
    },
  },
  receivers: {
    i18nKey: 'receivers',
    // TapData's own form keeps the picked ids in receiverArray: such configs read as they are.
    apiServerKey: 'receiverArray',
    component: 'AsyncSelect',
    index: 5,
    formNode: {
      type: 'array',
      'x-component-props': {
        // TapData's AsyncSelect: the platform calls the connector's commandCallback with this command and
        // {key, page, size} as it pages and searches.
        method: '{{loadCommandList}}',
        params: '{{ {$values: {attrs: $values.attrs, nodeConfig: {}, connectionId: $values.connectionId}, command: "GetReceiverOfChatsAndUsers"} }}',
        multiple: true,
        filterable: true,
      },
      'x-reactions': showFor('fixed'),
    },
  },
  messageConfig: {
    i18nKey: 'message_config',
    apiServerKey: 'message_config',
    component: 'ArrayTable',
    index: 6,
    formNode: {
      ...arrayTable({
        ...column(
          'col_messageType',
          'message_type',
          { 'x-component': 'Select', enum: SOURCE_CONTENT_TYPES.map((v) => ({ label: v, value: v })), default: 'text' },
          1,
        ),
        ...column('col_messageField', 'message_field', recordFieldSelect, 2),
      }),
      'x-reactions': hideForBodyOrTemplate,
    },
  },
  template: {
    i18nKey: 'template',
    apiServerKey: 'template',
    component: 'JsonEditor',
    index: 7,
    formNode: { type: 'object', 'x-reactions': showFor('dynamic_binding', 'fixed') },
  },
};

/** Form strings of the send-mode fields; manifest.ts merges them into its messages. */
export const SEND_MODE_MESSAGES = {
  en_US: {
    send_type: 'Send mode',
    send_type_tooltip: 'Dynamic binding: receivers come from fields of each record and the message from a field or a template. Message body: each record already is a message body {receiveType, receiveId, contentType, content} (for example built by a JS node). Fixed receivers: every record goes to the receivers picked below',
    send_type_dynamic_binding: 'Dynamic binding (receivers from record fields)',
    send_type_message_body: 'Message body (record is the message, e.g. from a JS node)',
    send_type_fixed: 'Fixed receivers',
    dynamic_binding: 'Receiver binding',
    dynamic_binding_tooltip: 'One row per receiver: its type and the record field holding it (dot paths for nested fields: owner.email). A record goes to every bound receiver, one message each; an empty field fails that message only',
    receive_type: 'Receiver type',
    receive_field: 'Record field',
    receive_type_chat_id: 'Group chat (chat_id)',
    receive_type_open_id: 'User (open_id)',
    receive_type_user_id: 'User (user_id)',
    receive_type_union_id: 'User (union_id)',
    receive_type_phone: 'User by phone number',
    receive_type_email: 'User by email',
    receivers: 'Receivers',
    receivers_tooltip: "Chats the bot is in and users in the app's visible range; search by name",
    message_config: 'Message content',
    message_config_tooltip: 'Which record field holds the message: text takes a string, the other types Lark content (an object or a JSON string); markdown is converted to a rich-text post',
    message_type: 'Message type',
    message_field: 'Content field',
    template: 'Message template',
    template_tooltip: 'Instead of a content field: {"contentType":"text","content":{"text":"Order {{id}} is {{status}}"}}. Placeholders name record fields (dot paths); a missing field fails that message. contentType markdown (with markdownAs post or card) converts markdown',
    add_row: 'Add',
  },
  zh_CN: {
    send_type: '发送方式',
    send_type_tooltip: '动态绑定：接收者取自每条记录的字段，消息取自字段或模板。消息体：每条记录本身就是消息体 {receiveType, receiveId, contentType, content}（例如由 JS 节点生成）。指定接收者：每条记录都发给下面选定的接收者',
    send_type_dynamic_binding: '动态绑定（接收者来自记录字段）',
    send_type_message_body: '消息体（记录即消息，例如来自 JS 节点）',
    send_type_fixed: '指定接收者',
    dynamic_binding: '接收者绑定',
    dynamic_binding_tooltip: '每行一个接收者：类型和保存它的记录字段（嵌套字段用点路径：owner.email）。一条记录发给每个绑定的接收者，各一条消息；字段为空只让那条消息失败',
    receive_type: '接收者类型',
    receive_field: '记录字段',
    receive_type_chat_id: '群聊（chat_id）',
    receive_type_open_id: '用户（open_id）',
    receive_type_user_id: '用户（user_id）',
    receive_type_union_id: '用户（union_id）',
    receive_type_phone: '用户（手机号）',
    receive_type_email: '用户（邮箱）',
    receivers: '接收者',
    receivers_tooltip: '机器人所在的群聊和应用可见范围内的用户，可按名称搜索',
    message_config: '消息内容',
    message_config_tooltip: '哪个记录字段保存消息：text 取字符串，其他类型取飞书 content（对象或 JSON 字符串）；markdown 会转换为富文本 post',
    message_type: '消息类型',
    message_field: '内容字段',
    template: '消息模板',
    template_tooltip: '代替内容字段：{"contentType":"text","content":{"text":"订单 {{id}} 状态 {{status}}"}}。占位符是记录字段（点路径）；字段缺失时该消息失败。contentType 为 markdown（markdownAs 为 post 或 card）时转换 markdown',
    add_row: '添加',
  },
  zh_TW: {
    send_type: '發送方式',
    send_type_tooltip: '動態綁定：接收者取自每筆記錄的欄位，訊息取自欄位或範本。訊息體：每筆記錄本身就是訊息體 {receiveType, receiveId, contentType, content}（例如由 JS 節點產生）。指定接收者：每筆記錄都發給下面選定的接收者',
    send_type_dynamic_binding: '動態綁定（接收者來自記錄欄位）',
    send_type_message_body: '訊息體（記錄即訊息，例如來自 JS 節點）',
    send_type_fixed: '指定接收者',
    dynamic_binding: '接收者綁定',
    dynamic_binding_tooltip: '每列一個接收者：類型和保存它的記錄欄位（巢狀欄位用點路徑：owner.email）。一筆記錄發給每個綁定的接收者，各一則訊息；欄位為空只讓那則訊息失敗',
    receive_type: '接收者類型',
    receive_field: '記錄欄位',
    receive_type_chat_id: '群組（chat_id）',
    receive_type_open_id: '使用者（open_id）',
    receive_type_user_id: '使用者（user_id）',
    receive_type_union_id: '使用者（union_id）',
    receive_type_phone: '使用者（手機號碼）',
    receive_type_email: '使用者（電子郵件）',
    receivers: '接收者',
    receivers_tooltip: '機器人所在的群組和應用可見範圍內的使用者，可依名稱搜尋',
    message_config: '訊息內容',
    message_config_tooltip: '哪個記錄欄位保存訊息：text 取字串，其他類型取 Lark content（物件或 JSON 字串）；markdown 會轉換為富文本 post',
    message_type: '訊息類型',
    message_field: '內容欄位',
    template: '訊息範本',
    template_tooltip: '代替內容欄位：{"contentType":"text","content":{"text":"訂單 {{id}} 狀態 {{status}}"}}。佔位符是記錄欄位（點路徑）；欄位缺失時該訊息失敗。contentType 為 markdown（markdownAs 為 post 或 card）時轉換 markdown',
    add_row: '新增',
  },
} as const;
