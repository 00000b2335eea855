/**
 * Connector configuration: one zod schema per form (connection, node) is the single source for the
 * types, the runtime validation and the manifest form (src/platforms/tapdata/manifest.ts reads the schemas + FIELD_META).
 */
import { isRecord } from './core/is-record.js';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConnectorError } from './core/errors.js';
import { LARK_HOSTS } from './lark/hosts.js';
import { isProxyUrl, maskProxyUrl } from './lark/proxy-url.js';
import { SEND_MODE_FIELD_META, SEND_MODE_SHAPE, sendModeProblems } from './pipeline/transform/config.js';
import { parseStoreConfig, redactStoreConfig, storeConfigSchema, type StoreConfig } from './stores/config.js';
import { SOURCE_NODE_FIELD_META, SOURCE_NODE_SHAPE } from './source/options.js';
import { MEDIA_NODE_FIELD_META, MEDIA_NODE_SHAPE } from './pipeline/media/options.js';
import { LIFECYCLE_FIELD_META, LIFECYCLE_SHAPE, lifecycleProblems } from './pipeline/lifecycle/config.js';
import { nearestName } from './core/nearest-name.js';
import { requiredString } from './core/required-string-field.js';
import { numericText, wholeNumber } from './core/whole-number.js';
import type { FieldMeta } from './core/types.js';

export const DOMAINS = ['feishu', 'lark'] as const;
export type KnownDomain = (typeof DOMAINS)[number];
export const TIMEOUT_MS_RANGE = { min: 1_000, max: 120_000 } as const;
export const MAX_IN_FLIGHT_RANGE = { min: 1, max: 50 } as const;
/** node.maxInFlight when not set (the pacer's default too). */
export const DEFAULT_MAX_IN_FLIGHT = 16;
export const SECRET_MASK = '******';

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '';
  } catch {
    return false;
  }
}

// The value is not quoted: a secret pasted into the wrong field must not show up in an error.
const DOMAIN_RULE = 'is not allowed: use feishu, lark or an http(s):// base URL';
const trimmed = (v: unknown): unknown => (typeof v === 'string' ? v.trim() : v);

export const connectionConfigSchema = z.object({
  appId: z.preprocess(trimmed, requiredString('the App ID, cli_..., from the Lark developer console, or the LARK_APP_ID environment variable')),
  appSecret: z.preprocess(trimmed, requiredString('the App Secret from the Lark developer console, or the LARK_APP_SECRET environment variable')),
  domain: z.preprocess(
    (v) => (typeof v === 'string' ? withoutApiPath(v.trim()).replace(/^(feishu|lark)$/i, (m) => m.toLowerCase()) : v),
    z
      .union([
        z.enum(DOMAINS),
        z.string().refine(isHttpUrl, { error: DOMAIN_RULE }),
      ], { error: DOMAIN_RULE })
      .default('feishu'),
  ),
  timeoutMs: z.preprocess(numericText, wholeNumber({ ...TIMEOUT_MS_RANGE, unit: 'ms' }).optional()),
  // Empty = none: HTTPS_PROXY / HTTP_PROXY / NO_PROXY decide (src/lark/proxy.ts). Never quoted: it may hold a password.
  proxy: z.preprocess(
    (v) => (typeof v === 'string' ? v.trim() || undefined : v),
    z
      .string({ error: 'must be a proxy URL' })
      .refine(isProxyUrl, { error: 'is not allowed: use http://[user:password@]host:port (or https://)' })
      .optional(),
  ),
});

export const nodeConfigSchema = z.object({
  maxInFlight: z.preprocess(numericText, wholeNumber(MAX_IN_FLIGHT_RANGE).default(DEFAULT_MAX_IN_FLIGHT)),
})
  .extend(SOURCE_NODE_SHAPE)
  // Send modes (dynamic binding, fixed receivers, templates): src/pipeline/transform/config.ts
  .extend(SEND_MODE_SHAPE)
  // Image and file sources (allowed hosts, local root): src/pipeline/media/options.ts
  .extend(MEDIA_NODE_SHAPE)
  // A record's life in Lark (messageKey, updateEvents, deleteEvents): src/pipeline/lifecycle/config.ts
  .extend(LIFECYCLE_SHAPE);

export type ConnectionConfig = z.infer<typeof connectionConfigSchema>;
export type NodeConfig = z.infer<typeof nodeConfigSchema>;
export interface ConnectorConfig {
  connection: ConnectionConfig;
  node: NodeConfig;
  /** Shared stores (Redis) for several workers of one app; absent = in memory. See src/stores/config.ts. */
  store?: StoreConfig;
}

// ---------------------------------------------------------------------------------------------
// form metadata: what the zod schema cannot say. The mapped types below make the compiler fail when a
// schema field has no metadata (or metadata names a field the schema does not have).

export const CONNECTION_FIELD_META: { [K in keyof ConnectionConfig]-?: FieldMeta } = {
  appId: { i18nKey: 'app_id', apiServerKey: 'app_id', component: 'Input', index: 1, env: 'LARK_APP_ID' },
  appSecret: { i18nKey: 'app_secret', apiServerKey: 'app_secret', component: 'Password', index: 2, env: 'LARK_APP_SECRET', secret: true },
  // A Select with the two hosts; allowCreate lets the user type a custom base URL (private deployment, emulator).
  domain: {
    i18nKey: 'domain',
    apiServerKey: 'domain',
    component: 'Select',
    index: 3,
    env: 'LARK_DOMAIN',
    optionLabels: { feishu: 'domain_feishu', lark: 'domain_lark' },
    componentProps: { allowCreate: true, filterable: true },
  },
  timeoutMs: { i18nKey: 'timeout_ms', apiServerKey: 'timeout_ms', component: 'InputNumber', index: 4, componentProps: { step: 1000 }, formDefault: 10_000 },
  // Kept like the secret (it may carry the proxy's password): stored, never shown again, scrubbed from output.
  proxy: { i18nKey: 'proxy', apiServerKey: 'proxy', component: 'Password', index: 5, secret: true },
};

export const NODE_FIELD_META: { [K in keyof NodeConfig]-?: FieldMeta } = {
  maxInFlight: { i18nKey: 'max_in_flight', apiServerKey: 'max_in_flight', component: 'InputNumber', index: 2 },
  ...SOURCE_NODE_FIELD_META,
  ...SEND_MODE_FIELD_META,
  ...MEDIA_NODE_FIELD_META,
  ...LIFECYCLE_FIELD_META,
};

// ---------------------------------------------------------------------------------------------
// parsing


function configError(message: string, field?: string): ConnectorError {
  return new ConnectorError({ code: 'CONFIG_INVALID', retryable: false, message, ...(field ? { field } : {}) });
}

/** Takes the schema's fields from `src`, accepting the snake_case apiServerKey as an alias, plus env fallbacks. */
function pick(
  src: Record<string, unknown>,
  meta: Record<string, FieldMeta>,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, m] of Object.entries(meta)) {
    let v = src[key] ?? src[m.apiServerKey];
    if ((v === undefined || v === null) && m.env) v = env[m.env];
    if (v !== undefined && v !== null) out[key] = v;
  }
  return out;
}

function issuesToMessage(section: string, issues: readonly z.core.$ZodIssue[]): Array<{ field: string; text: string }> {
  return issues.map((i) => {
    const field = [section, ...i.path.map(String)].join('.');
    return { field, text: `${field} ${i.message}` };
  });
}

// ---------------------------------------------------------------------------------------------
// unknown keys: a misspelt key ("domian") must not fall back to a default silently

/** Top-level parts of the nested shape; `store` belongs to the shared stores (its own schema checks it). */
export const CONFIG_SECTIONS = ['connection', 'node', 'store'] as const;

/** The keys a section accepts: its schema's fields (so a field added to a schema is known at once) and their aliases. */
function knownKeys(schema: z.ZodType, meta: Record<string, FieldMeta>): Set<string> {
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  const keys = new Set<string>(shape ? Object.keys(shape) : Object.keys(meta));
  for (const m of Object.values(meta)) keys.add(m.apiServerKey);
  return keys;
}

/** One problem per key `section` does not know, naming the nearest known key when it looks like a typo. */
function unknownKeyProblems(src: Record<string, unknown>, known: Set<string>, section: string | undefined): Array<{ field: string; text: string }> {
  const problems: Array<{ field: string; text: string }> = [];
  for (const key of Object.keys(src)) {
    if (known.has(key)) continue;
    const field = section ? `${section}.${key}` : key;
    const near = nearestName(key, known);
    const hint = near ? `did you mean ${section ? `${section}.` : ''}${near}?` : `known keys: ${[...known].filter((k) => !k.includes('_')).join(', ')}`;
    problems.push({ field, text: `${field} is not a known key (${hint})` });
  }
  return problems;
}

/** Unknown keys of either shape: nested {connection, node, store} or flat. */
function unknownKeys(value: Record<string, unknown>, nested: boolean): Array<{ field: string; text: string }> {
  const connection = knownKeys(connectionConfigSchema, CONNECTION_FIELD_META);
  const node = knownKeys(nodeConfigSchema, NODE_FIELD_META);
  if (!nested) return unknownKeyProblems(value, new Set([...connection, ...node, 'store']), undefined);
  return [
    ...unknownKeyProblems(value, new Set(CONFIG_SECTIONS), undefined),
    ...(isRecord(value.connection) ? unknownKeyProblems(value.connection, connection, 'connection') : []),
    ...(isRecord(value.node) ? unknownKeyProblems(value.node, node, 'node') : []),
    ...(isRecord(value.store) ? unknownKeyProblems(value.store, knownKeys(storeConfigSchema, {}), 'store') : []),
  ];
}

/**
 * Parses {connection, node} or a flat object {appId, appSecret, domain, timeoutMs, updateEvents, maxInFlight}
 * (snake_case app_id, app_secret ... accepted too). Env fallbacks LARK_APP_ID, LARK_APP_SECRET, LARK_DOMAIN
 * apply only when the field is absent (undefined/null). Throws ConnectorError CONFIG_INVALID naming every bad
 * field in one line (an unknown key too, with the nearest known one); never echoes the secret.
 */
export interface ParseOptions {
  /** The platform names each stream's key (Airbyte's primary key): updateEvents edit / deleteEvents recall need no messageKey. */
  platformKeys?: boolean;
}

export function parseConfig(raw: unknown, env: NodeJS.ProcessEnv = process.env, options: ParseOptions = {}): ConnectorConfig {
  const value = raw ?? {};
  if (!isRecord(value)) {
    throw configError(`invalid connector config: expected an object {connection: {...}, node: {...}} or a flat object, got ${Array.isArray(value) ? 'an array' : typeof value}`);
  }
  const nested = isRecord(value.connection) || isRecord(value.node);
  const connSrc = nested ? (isRecord(value.connection) ? value.connection : {}) : value;
  const nodeSrc = nested ? (isRecord(value.node) ? value.node : {}) : value;

  const conn = connectionConfigSchema.safeParse(pick(connSrc, CONNECTION_FIELD_META, env));
  const node = nodeConfigSchema.safeParse(pick(nodeSrc, NODE_FIELD_META, env));
  const store = parseStoreConfig(value.store, env);
  const problems = [
    ...unknownKeys(value, nested),
    ...(conn.success ? [] : issuesToMessage('connection', conn.error.issues)),
    ...(node.success ? [] : issuesToMessage('node', node.error.issues)),
    ...(node.success ? sendModeProblems(node.data) : []),
    ...(node.success && !options.platformKeys ? lifecycleProblems(node.data) : []),
    ...(store.success ? [] : issuesToMessage('store', store.error.issues)),
  ];
  if (!conn.success || !node.success || !store.success || problems.length > 0) {
    throw configError(`invalid connector config: ${problems.map((p) => p.text).join('; ')}`, problems[0]?.field);
  }
  return { connection: conn.data, node: node.data, ...(store.data ? { store: store.data } : {}) };
}

/** Reads a JSON config file (either shape) and parses it. Errors never quote the file's text. */
export async function loadConfigFile(path: string, env: NodeJS.ProcessEnv = process.env, options: ParseOptions = {}): Promise<ConnectorConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? ': no such file' : code === 'EISDIR' ? ': it is a folder, not a file' : code === 'EACCES' ? ': permission denied' : '';
    throw configError(`cannot read config file ${path}${why}${code ? ` (${code})` : ''}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    // V8's message quotes the text, which may hold the secret: keep only the position.
    const pos = /position (\d+)/.exec(e instanceof Error ? e.message : '');
    throw configError(`config file ${path} is not valid JSON${pos ? ` (at position ${pos[1]})` : ''}`);
  }
  return parseConfig(raw, env, options);
}

/**
 * A base URL copied with Lark's API path (`https://open.feishu.cn/open-apis`) is the host: the client adds
 * /open-apis/... itself (kept, the path was doubled and every call a bare 404).
 */
function withoutApiPath(domain: string): string {
  return isHttpUrl(domain) ? domain.replace(/\/open-apis\/*$/i, '') : domain;
}

/** 'feishu' | 'lark' -> the Open Platform host; an http(s) URL -> itself without trailing slash or /open-apis. */
export function baseUrlFor(domain: string): string {
  const d = withoutApiPath(domain.trim());
  const lower = d.toLowerCase();
  if (lower === 'feishu' || lower === 'lark') return LARK_HOSTS[lower];
  if (isHttpUrl(d)) return d.replace(/\/+$/, '');
  throw configError(`connection.domain ${DOMAIN_RULE}`, 'connection.domain');
}

/** A copy safe to print: the App Secret replaced by '******'. */
export function redactConfig(cfg: ConnectorConfig): ConnectorConfig {
  return {
    connection: {
      ...cfg.connection,
      appSecret: cfg.connection.appSecret ? SECRET_MASK : '',
      ...(cfg.connection.proxy !== undefined ? { proxy: maskProxyUrl(cfg.connection.proxy) } : {}),
    },
    node: { ...cfg.node },
    ...(cfg.store ? { store: redactStoreConfig(cfg.store) } : {}),
  };
}
