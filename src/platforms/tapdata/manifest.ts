/**
 * The TapData manifest (connector.json) built from the zod config schemas + FIELD_META + i18n messages.
 * `required`, defaults, enum values and number ranges are read from the zod schemas, so the form cannot
 * drift from what parseConfig accepts. spec/manifest.spec.ts checks connector.json equals buildManifest().
 */
import type { z } from 'zod';
import { CONNECTION_FIELD_META, NODE_FIELD_META, connectionConfigSchema, nodeConfigSchema } from '../../config.js';
import { type FieldMeta } from '../../core/types.js';
import { SEND_MODE_MESSAGES } from '../../pipeline/transform/config.js';
import { SOURCE_MESSAGES } from '../../source/options.js';
import { MEDIA_MESSAGES } from '../../pipeline/media/options.js';
import { LIFECYCLE_MESSAGES } from '../../pipeline/lifecycle/config.js';
import { CONNECTION_TEST_ITEMS, type ConnectionTestItem } from '../../core/types.js';
import type { Language } from '../../core/vocabulary.js';

const EN_US = {
  doc: 'docs/lark_im_en_US.md',
  app_id: 'App ID',
  app_id_tooltip: 'The App ID (cli_...) of your custom app: Lark developer console > Credentials & Basic Info',
  app_secret: 'App Secret',
  app_secret_tooltip: 'The App Secret of the same app (Credentials & Basic Info). It is stored as a secret and never shown again',
  domain: 'Domain',
  domain_tooltip: 'Feishu (open.feishu.cn) for China, Lark (open.larksuite.com) for international tenants, or type a custom http(s) base URL',
  domain_feishu: 'Feishu (open.feishu.cn)',
  domain_lark: 'Lark (open.larksuite.com)',
  timeout_ms: 'Request timeout (ms)',
  timeout_ms_tooltip: 'How long one request to Lark may take before it is retried, 1000 to 120000 ms',
  proxy: 'Proxy',
  proxy_tooltip: 'HTTP(S) proxy for every request to Lark, e.g. http://user:password@proxy.corp:3128 (https goes through a CONNECT tunnel). Empty: HTTPS_PROXY / HTTP_PROXY / NO_PROXY of the environment decide. Stored as a secret (it may hold a password)',
  max_in_flight: 'Max concurrent sends',
  max_in_flight_tooltip: 'Messages sent at the same time, 1 to 50. Lark limits an app to 50 messages/second and 5/second per receiver; the connector paces itself under these limits',
  test_credentials: 'App credentials',
  test_bot: 'Bot capability',
  test_permissions: 'Permissions (scopes)',
  test_detail_credentials_ok: 'App {appId} obtained a tenant_access_token from {baseUrl} (no proxy)',
  test_detail_credentials_ok_proxy: 'App {appId} obtained a tenant_access_token from {baseUrl} through the proxy at {proxy}',
  test_detail_credentials_failed: '{error}',
  test_detail_not_checked: 'not checked: the credentials check failed',
  test_detail_bot_ok: 'bot "{name}" is enabled',
  test_detail_bot_disabled:
    "the app's bot is not enabled (activate_status {status}): sends will fail with 230006. Enable the Bot capability under Features in the developer console and publish a new app version",
  test_detail_bot_failed: '{error}',
  test_detail_scopes_unlisted: "could not list the app's scopes: {error}",
  test_detail_send_scope_missing:
    'scope {scope} is not granted: no message can be sent. Apply for it under Permissions & Scopes and publish a new app version',
  test_detail_lookup_scope_missing:
    'scope {scope} is not granted: phone receivers will not resolve (other receivers work). Apply for it to send by phone number',
  test_detail_send_scopes_ok: '{send} and {lookup} are granted',
  test_detail_media_ok: '{scope} is granted: images and files can be uploaded',
  test_detail_media_scope_missing:
    'scope {scope} is not granted: messages with images or files will fail (other messages work). Apply for it under Permissions & Scopes and publish a new app version',
  ...SEND_MODE_MESSAGES.en_US,
  ...LIFECYCLE_MESSAGES.en_US,
  ...SOURCE_MESSAGES.en_US,
  ...MEDIA_MESSAGES.en_US,
};
type MessageKey = keyof typeof EN_US;

const ZH_CN: Record<MessageKey, string> = {
  doc: 'docs/lark_im_zh_CN.md',
  app_id: 'App ID',
  app_id_tooltip: '自建应用的 App ID（cli_ 开头）：飞书开放平台开发者后台 > 凭证与基础信息',
  app_secret: 'App Secret',
  app_secret_tooltip: '同一应用的 App Secret（凭证与基础信息）。按密钥保存，保存后不再显示',
  domain: '域名',
  domain_tooltip: '中国大陆租户选飞书（open.feishu.cn），海外租户选 Lark（open.larksuite.com），也可输入自定义 http(s) 地址',
  domain_feishu: '飞书（open.feishu.cn）',
  domain_lark: 'Lark（open.larksuite.com）',
  timeout_ms: '请求超时（毫秒）',
  timeout_ms_tooltip: '单次请求飞书的最长等待时间，超时后自动重试，范围 1000 到 120000 毫秒',
  proxy: '代理',
  proxy_tooltip: '访问飞书的 HTTP(S) 代理，例如 http://user:password@proxy.corp:3128（https 经 CONNECT 隧道）。留空则由环境变量 HTTPS_PROXY / HTTP_PROXY / NO_PROXY 决定。按密钥保存（可能包含密码）',
  max_in_flight: '最大并发发送数',
  max_in_flight_tooltip: '同时发送的消息数，1 到 50。飞书限制每个应用每秒 50 条、同一接收者每秒 5 条，连接器会自动控制在限制以内',
  test_credentials: '应用凭证',
  test_bot: '机器人能力',
  test_permissions: '权限（scope）',
  test_detail_credentials_ok: '应用 {appId} 已从 {baseUrl} 获取 tenant_access_token（未使用代理）',
  test_detail_credentials_ok_proxy: '应用 {appId} 已通过代理 {proxy} 从 {baseUrl} 获取 tenant_access_token',
  test_detail_credentials_failed: '无法获取 tenant_access_token：{error}',
  test_detail_not_checked: '未检查：应用凭证检查未通过',
  test_detail_bot_ok: '机器人“{name}”已启用',
  test_detail_bot_disabled:
    '应用的机器人能力未启用（activate_status {status}）：发送会失败并返回 230006。请在开发者后台的“应用能力”中启用机器人，并发布新版本',
  test_detail_bot_failed: '无法读取机器人信息：{error}',
  test_detail_scopes_unlisted: '无法列出应用的权限：{error}',
  test_detail_send_scope_missing: '未授予权限 {scope}：无法发送任何消息。请在“权限管理”中申请该权限并发布新版本',
  test_detail_lookup_scope_missing: '未授予权限 {scope}：手机号接收者无法解析（其他接收者不受影响）。如需按手机号发送，请申请该权限',
  test_detail_send_scopes_ok: '已授予 {send} 和 {lookup}',
  test_detail_media_ok: '已授予 {scope}：可以上传图片和文件',
  test_detail_media_scope_missing: '未授予权限 {scope}：含图片或文件的消息会失败（其他消息不受影响）。请在“权限管理”中申请该权限并发布新版本',
  ...SEND_MODE_MESSAGES.zh_CN,
  ...LIFECYCLE_MESSAGES.zh_CN,
  ...SOURCE_MESSAGES.zh_CN,
  ...MEDIA_MESSAGES.zh_CN,
};

const ZH_TW: Record<MessageKey, string> = {
  doc: 'docs/lark_im_zh_TW.md',
  app_id: 'App ID',
  app_id_tooltip: '自建應用的 App ID（cli_ 開頭）：Lark 開放平台開發者後台 > 憑證與基礎資訊',
  app_secret: 'App Secret',
  app_secret_tooltip: '同一應用的 App Secret（憑證與基礎資訊）。以密鑰保存，保存後不再顯示',
  domain: '網域',
  domain_tooltip: '中國大陸租戶選飛書（open.feishu.cn），海外租戶選 Lark（open.larksuite.com），也可輸入自訂 http(s) 位址',
  domain_feishu: '飛書（open.feishu.cn）',
  domain_lark: 'Lark（open.larksuite.com）',
  timeout_ms: '請求逾時（毫秒）',
  timeout_ms_tooltip: '單次請求 Lark 的最長等待時間，逾時後自動重試，範圍 1000 到 120000 毫秒',
  proxy: '代理',
  proxy_tooltip: '存取 Lark 的 HTTP(S) 代理，例如 http://user:password@proxy.corp:3128（https 經 CONNECT 通道）。留空則由環境變數 HTTPS_PROXY / HTTP_PROXY / NO_PROXY 決定。以密鑰方式保存（可能包含密碼）',
  max_in_flight: '最大並行發送數',
  max_in_flight_tooltip: '同時發送的訊息數，1 到 50。Lark 限制每個應用每秒 50 則、同一接收者每秒 5 則，連接器會自動控制在限制以內',
  test_credentials: '應用憑證',
  test_bot: '機器人能力',
  test_permissions: '權限（scope）',
  test_detail_credentials_ok: '應用 {appId} 已從 {baseUrl} 取得 tenant_access_token（未使用代理）',
  test_detail_credentials_ok_proxy: '應用 {appId} 已透過代理 {proxy} 從 {baseUrl} 取得 tenant_access_token',
  test_detail_credentials_failed: '無法取得 tenant_access_token：{error}',
  test_detail_not_checked: '未檢查：應用憑證檢查未通過',
  test_detail_bot_ok: '機器人「{name}」已啟用',
  test_detail_bot_disabled:
    '應用的機器人能力未啟用（activate_status {status}）：傳送會失敗並回傳 230006。請在開發者後台的「應用能力」中啟用機器人，並發布新版本',
  test_detail_bot_failed: '無法讀取機器人資訊：{error}',
  test_detail_scopes_unlisted: '無法列出應用的權限：{error}',
  test_detail_send_scope_missing: '未授予權限 {scope}：無法傳送任何訊息。請在「權限管理」中申請該權限並發布新版本',
  test_detail_lookup_scope_missing: '未授予權限 {scope}：手機號碼接收者無法解析（其他接收者不受影響）。如需依手機號碼傳送，請申請該權限',
  test_detail_send_scopes_ok: '已授予 {send} 和 {lookup}',
  test_detail_media_ok: '已授予 {scope}：可以上傳圖片和檔案',
  test_detail_media_scope_missing: '未授予權限 {scope}：含圖片或檔案的訊息會失敗（其他訊息不受影響）。請在「權限管理」中申請該權限並發布新版本',
  ...SEND_MODE_MESSAGES.zh_TW,
  ...LIFECYCLE_MESSAGES.zh_TW,
  ...SOURCE_MESSAGES.zh_TW,
  ...MEDIA_MESSAGES.zh_TW,
};

export const MESSAGES: Record<Language, Record<MessageKey, string>> = { en_US: EN_US, zh_CN: ZH_CN, zh_TW: ZH_TW };

/** Title of a connection test item in a language (for the connection test report). */
export function testItemTitle(item: ConnectionTestItem, lang: Language = 'en_US'): string {
  return MESSAGES[lang][CONNECTION_TEST_ITEMS[item]];
}

/** The messages that word a connection test item's detail: `{name}` placeholders, filled from its detailVars. */
export type TestDetailKey = Extract<MessageKey, `test_detail_${string}`>;

/** A test item's detail in a language (English for the CLI, Airbyte and TapData; the console picks). */
export function testDetail(
  key: TestDetailKey,
  vars: Readonly<Record<string, string>>,
  lang: Language = 'en_US',
): string {
  return MESSAGES[lang][key].replace(/\{(\w+)\}/g, (m, name: string) => vars[name] ?? m);
}

// ---------------------------------------------------------------------------------------------
// reading facts out of zod schemas (zod 4 internals: _zod.def)

interface Def { type: string; innerType?: z.ZodType; in?: z.ZodType; out?: z.ZodType; options?: z.ZodType[]; entries?: Record<string, string> }
const defOf = (s: z.ZodType): Def => (s as unknown as { _zod: { def: Def } })._zod.def;

/** Strips preprocess / default / optional wrappers, down to the schema that says what the value is. */
function core(s: z.ZodType): z.ZodType {
  const d = defOf(s);
  if (d.type === 'pipe' && d.out) return core(d.out);
  if ((d.type === 'default' || d.type === 'optional' || d.type === 'nullable' || d.type === 'prefault') && d.innerType) {
    return core(d.innerType);
  }
  return s;
}

/** Enum values the schema names (unions: every enum member; free strings allowed beside them are not listed). */
export function enumValuesOf(s: z.ZodType): string[] {
  const c = core(s);
  const d = defOf(c);
  if (d.type === 'enum' && d.entries) return Object.values(d.entries);
  if (d.type === 'union' && d.options) return d.options.flatMap((o) => enumValuesOf(o));
  return [];
}

function jsonTypeOf(s: z.ZodType): 'string' | 'number' | 'boolean' {
  const t = defOf(core(s)).type;
  if (t === 'number' || t === 'int') return 'number';
  if (t === 'boolean') return 'boolean';
  return 'string';
}

function numberRange(s: z.ZodType): { min?: number; max?: number } {
  const c = core(s) as unknown as { minValue?: number | null; maxValue?: number | null };
  const out: { min?: number; max?: number } = {};
  if (typeof c.minValue === 'number' && Number.isFinite(c.minValue)) out.min = c.minValue;
  if (typeof c.maxValue === 'number' && Number.isFinite(c.maxValue)) out.max = c.maxValue;
  return out;
}

/** Required = the schema rejects an absent value. */
export function isRequiredField(s: z.ZodType): boolean {
  return !s.safeParse(undefined).success;
}

function schemaDefault(s: z.ZodType): unknown {
  const r = s.safeParse(undefined);
  return r.success ? r.data : undefined;
}

// ---------------------------------------------------------------------------------------------

function fieldSchema(key: string, schema: z.ZodType, meta: FieldMeta): Record<string, unknown> {
  const node: Record<string, unknown> = {
    type: jsonTypeOf(schema),
    title: `\${${meta.i18nKey}}`,
    'x-decorator': 'FormItem',
    'x-decorator-props': { tooltip: `\${${meta.i18nKey}_tooltip}` },
    'x-component': meta.component,
    apiServerKey: meta.apiServerKey,
    'x-index': meta.index,
    required: isRequiredField(schema),
  };
  const def = schemaDefault(schema) ?? meta.formDefault;
  if (def !== undefined) node.default = def;
  const values = enumValuesOf(schema);
  if (values.length > 0) {
    node.enum = values.map((value) => {
      const label = meta.optionLabels?.[value];
      if (!label) throw new Error(`manifest: ${key} has no optionLabels entry for enum value "${value}"`);
      return { label: `\${${label}}`, value };
    });
  }
  const props: Record<string, unknown> = { ...(node.type === 'number' ? numberRange(schema) : {}), ...meta.componentProps };
  if (Object.keys(props).length > 0) node['x-component-props'] = props;
  return meta.formNode ? { ...node, ...meta.formNode } : node;
}

function formSchema(shape: Record<string, z.ZodType>, meta: Record<string, FieldMeta>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  const entries = Object.entries(shape).sort(([a], [b]) => (meta[a]?.index ?? 0) - (meta[b]?.index ?? 0));
  for (const [key, schema] of entries) {
    const m = meta[key];
    if (!m) throw new Error(`manifest: no FIELD_META for config field ${key}`);
    properties[key] = fieldSchema(key, schema, m);
  }
  return { type: 'object', properties };
}

/** TapData spec.json shape. */
export function buildManifest(): Record<string, unknown> {
  return {
    properties: {
      name: 'Lark IM',
      id: 'lark-im',
      icon: 'icons/lark.png',
      doc: '${doc}',
      tags: ['SaaS'],
    },
    configOptions: {
      connection: formSchema(connectionConfigSchema.shape as Record<string, z.ZodType>, CONNECTION_FIELD_META),
      node: formSchema(nodeConfigSchema.shape as Record<string, z.ZodType>, NODE_FIELD_META),
    },
    messages: {
      default: 'en_US',
      en_US: { ...MESSAGES.en_US },
      zh_CN: { ...MESSAGES.zh_CN },
      zh_TW: { ...MESSAGES.zh_TW },
    },
  };
}
