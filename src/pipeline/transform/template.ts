/**
 * Message templates: a Lark content object whose string leaves carry Mustache placeholders ({{order.id}}),
 * rendered leaf by leaf. Each leaf becomes a JSON string value, so the message is valid JSON whatever the
 * record's values hold (quotes, newlines, <at>-like text, emoji, CJK): nothing is ever spliced into JSON text.
 *
 * Mustache renders a missing name as '' silently; a message built from a missing field would go out wrong, so
 * every top-level placeholder is looked up first and a missing (undefined or null) one fails the message,
 * naming the field. Names inside sections ({{#items}}{{sku}}{{/items}}) are Mustache's business: a missing
 * section is its "optional" idiom.
 */
import Mustache from 'mustache';
import { isRecord } from '../../core/is-record.js';
import { fieldMissing } from './fields.js';
import type { ValidationError } from '../../core/errors.js';
import { errorMessage } from '../../core/errors.js';

/** A placeholder's value as text: strings as they are (no HTML escaping: Lark is not HTML), objects as JSON. */
function asText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

type Token = [string, string, number, number, ...unknown[]];

/** Tokens of a leaf, parsed once per distinct string (mustache caches parses too, keyed by template). */
function tokensOf(leaf: string): Token[] {
  return Mustache.parse(leaf) as unknown as Token[];
}

/** Placeholder names a leaf uses outside sections. */
function topLevelNames(tokens: Token[]): string[] {
  return tokens.filter((t) => (t[0] === 'name' || t[0] === '&') && t[1] !== '.').map((t) => t[1]);
}

/** Problems of a template's placeholders (unclosed sections, bad tags), one per bad string leaf, with its path. */
export function templateProblems(template: unknown, path = ''): string[] {
  if (typeof template === 'string') {
    if (!template.includes('{{')) return [];
    try {
      tokensOf(template);
      return [];
    } catch (err) {
      return [`${path || '(content)'}: ${errorMessage(err)}`];
    }
  }
  if (Array.isArray(template)) return template.flatMap((v, i) => templateProblems(v, `${path}[${i}]`));
  if (isRecord(template)) return Object.entries(template).flatMap(([k, v]) => templateProblems(v, path ? `${path}.${k}` : k));
  return [];
}

export type RenderResult<T> = { ok: true; value: T } | { ok: false; error: ValidationError };

/**
 * Renders every string leaf of `template` against `view`. A leaf that is exactly one placeholder naming an
 * object or array takes that value itself (a card template's template_variable, a list for a card loop);
 * every other leaf becomes a string. `escapeValue` (markdown templates) rewrites values before they are
 * inserted, so a value cannot turn into markup.
 */
export function renderTemplate<T>(template: T, view: unknown, escapeValue?: (text: string) => string): RenderResult<T> {
  const context = new Mustache.Context(isRecord(view) ? view : {});
  const escapeLeaf = escapeValue ? (v: unknown) => escapeValue(asText(v)) : asText;
  let missing: string | undefined;

  const walk = (node: unknown): unknown => {
    if (missing !== undefined) return node;
    if (typeof node === 'string') {
      if (!node.includes('{{')) return node;
      const tokens = tokensOf(node);
      for (const name of topLevelNames(tokens)) {
        const v: unknown = context.lookup(name);
        if (v === undefined || v === null) {
          missing = name;
          return node;
        }
      }
      const only = tokens.length === 1 ? tokens[0]! : undefined;
      if (only && (only[0] === 'name' || only[0] === '&')) {
        const v: unknown = context.lookup(only[1]);
        if (typeof v === 'object' && v !== null) return v;
      }
      return Mustache.render(node, context, {}, { escape: escapeLeaf });
    }
    if (Array.isArray(node)) return node.map(walk);
    if (isRecord(node)) {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node)) out[k] = walk(v);
      return out;
    }
    return node;
  };

  const value = walk(template) as T;
  if (missing !== undefined) return { ok: false, error: fieldMissing(missing, 'value of a template placeholder') };
  return { ok: true, value };
}
