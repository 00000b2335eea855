/**
 * The SPEC an Airbyte `spec` prints: the connection and node options as one JSON Schema (draft-07), derived
 * from the same zod schemas and field metadata as connector.json, so the two cannot drift. The config Airbyte
 * later passes has the same {connection, node} shape parseConfig reads.
 */
import { z } from 'zod';
import { CONNECTION_FIELD_META, NODE_FIELD_META, connectionConfigSchema, nodeConfigSchema } from '../../config.js';
import { type FieldMeta } from '../../core/types.js';
import { MESSAGES } from '../tapdata/manifest.js';
import { isRecord } from '../../core/is-record.js';
import { storeConfigSchema } from '../../stores/config.js';
import type { AirbyteMessage } from './protocol.js';

type JsonSchema = Record<string, unknown> & { properties?: Record<string, Record<string, unknown>>; required?: string[] };

const TEXT = MESSAGES.en_US as Record<string, string>;

/** One form (connection or node) as a JSON Schema object, its fields titled and ordered as in the TapData form. */
function section(schema: z.ZodType, meta: Record<string, FieldMeta>, title: string, order: number): JsonSchema {
  const json = z.toJSONSchema(schema, { io: 'input', target: 'draft-7', unrepresentable: 'any' }) as JsonSchema;
  delete json['$schema'];
  for (const [name, prop] of Object.entries(json.properties ?? {})) {
    const m = meta[name];
    if (!m) continue;
    const fieldTitle = TEXT[m.i18nKey];
    const tooltip = TEXT[`${m.i18nKey}_tooltip`];
    if (fieldTitle) prop['title'] = fieldTitle;
    if (tooltip) prop['description'] = tooltip;
    prop['order'] = m.index;
    if (m.secret) prop['airbyte_secret'] = true;
    if (m.formDefault !== undefined && prop['default'] === undefined) prop['examples'] = [m.formDefault];
  }
  for (const prop of Object.values(json.properties ?? {})) simplifyStringChoices(prop);
  return { title, order, ...json };
}

/**
 * A field zod describes as a choice of shapes (anyOf) whose choices include a string, e.g. the domain
 * (`feishu | lark | any URL`) or the source's chats (`all | [oc_...]`), becomes one text field: Airbyte's form
 * renders anyOf as a choice of sub-forms, and these fields all take their text form (the config's preprocess
 * reads "all", a host name, a URL, a comma-separated list). The named values become examples.
 */
function simplifyStringChoices(prop: Record<string, unknown>): void {
  // Nested fields too (a template's content: a Lark content object, or its JSON / markdown text).
  const nested = [prop['properties'], isRecord(prop['items']) ? prop['items']['properties'] : undefined];
  for (const props of nested) if (isRecord(props)) for (const p of Object.values(props)) if (isRecord(p)) simplifyStringChoices(p);
  const anyOf = prop['anyOf'];
  if (!Array.isArray(anyOf) || !anyOf.some((s) => isRecord(s) && s['type'] === 'string')) return;
  const named = anyOf.flatMap((s: Record<string, unknown>) => [
    ...(Array.isArray(s['enum']) ? (s['enum'] as unknown[]) : []),
    ...(s['const'] !== undefined ? [s['const']] : []),
  ]);
  delete prop['anyOf'];
  prop['type'] = 'string';
  if (named.length > 0) prop['examples'] = named;
}

/**
 * The optional `store` part: Redis shared by every worker of one app, so several Airbyte connections (or an
 * Airbyte sync and a `lark-im write`) using the same Lark app share its quota and token. The URL may carry a
 * password, so it is a secret.
 */
function storeSection(): JsonSchema {
  const json = section(storeConfigSchema, {}, 'Shared stores (Redis, optional)', 2);
  const props = json.properties ?? {};
  const describe: Record<string, [string, string]> = {
    redis: ['Redis URL', 'redis:// or rediss:// URL shared by every worker of this Lark app (quota, token, phone lookups). Leave the section out for one worker'],
    prefix: ['Key prefix', 'Workers with the same Redis and prefix share one quota'],
    maxDownMs: ['Redis outage limit (ms)', 'How long Redis may stay lost mid-sync before the sync stops with a transient error'],
  };
  for (const [name, [title, description]] of Object.entries(describe)) {
    const prop = props[name];
    if (!prop) continue;
    prop['title'] = title;
    prop['description'] = description;
  }
  if (props['redis']) props['redis']['airbyte_secret'] = true;
  return json;
}

export function connectionSpecification(): Record<string, unknown> {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Lark IM',
    type: 'object',
    required: ['connection'],
    additionalProperties: false,
    properties: {
      connection: section(connectionConfigSchema, CONNECTION_FIELD_META, 'Connection', 0),
      node: section(nodeConfigSchema, NODE_FIELD_META, 'Options', 1),
      store: storeSection(),
    },
  };
}

export function specMessage(): AirbyteMessage {
  return {
    type: 'SPEC',
    spec: {
      connectionSpecification: connectionSpecification(),
      supportsIncremental: true,
      supported_destination_sync_modes: ['append', 'append_dedup'],
      protocol_version: '0.2.0',
    },
  };
}
