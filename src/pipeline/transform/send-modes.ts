/**
 * The send modes as RecordTransforms (see index.ts): which receivers a record goes to and what each message
 * says, built from the node options (config.ts in this folder).
 *
 * - message_body: the record is the body (today's behaviour), plus markdown bodies converted.
 * - dynamic_binding: one message per bound receiver field per content; a missing receiver or content field
 *   fails just the messages that need it, naming the field.
 * - fixed: the same contents to the receivers picked in the form.
 */
import { isRecord } from '../../core/is-record.js';
import { ValidationError } from '../../core/errors.js';
import { parseJsonText } from '../../core/json-text.js';
import { messageBodyTransform, type Draft, type RecordTransform } from './index.js';
import { fieldMissing, fieldValue, isBlank } from './fields.js';
import { convertMarkdown, escapeMarkdownValue, type MarkdownOptions, type MarkdownTarget } from './markdown.js';
import { renderTemplate } from './template.js';
import { receiveTypeOf } from '../../core/vocabulary.js';
import type { MessageConfigRow, SendModeOptions, TemplateOptions } from './config.js';
import { resolveSendType } from './send-type.js';

type Content = { contentType: string; content: string } | { error: ValidationError };
type Receiver = { receiveType: string; receiveId: string } | { error: ValidationError };

/**
 * The transform for a node's send options (a record it cannot read throws: the writer fails that record).
 * `markdown` says how converted markdown shows its images.
 */
export function sendModeTransform(options: SendModeOptions, markdown: MarkdownOptions = {}): RecordTransform {
  const mode = resolveSendType(options);
  if (mode === 'message_body') return markdownBodyTransform(markdown);
  const contents = contentBuilder(options, markdown);
  if (mode === 'fixed') {
    const receivers: Receiver[] = (options.receivers ?? [])
      .map((r) => ({ receiveType: receiveTypeOf(r.receiveType), receiveId: r.receiveId }));
    return (value) => combine(receivers, contents(value));
  }
  const bindings = options.dynamicBinding ?? [];
  return (value) => {
    const receivers = bindings.map((row, i): Receiver => {
      const id = fieldValue(value, row.receiveId);
      const role = `receiver (dynamicBinding row ${i + 1}, ${row.receiveType})`;
      if (isBlank(id)) return { error: fieldMissing(row.receiveId, role) };
      if (typeof id !== 'string' && typeof id !== 'number') {
        return { error: new ValidationError({ code: 'FIELD_MISSING', field: row.receiveId, message: `record field "${row.receiveId}" must be a string (the ${role}), got ${Array.isArray(id) ? 'an array' : typeof id}` }) };
      }
      return { receiveType: receiveTypeOf(row.receiveType), receiveId: String(id).trim() };
    });
    return combine(receivers, contents(value));
  };
}

/** Receivers x contents, receivers outer: message i of a record is always the same (receiver, content) pair. */
function combine(receivers: Receiver[], contents: Content[]): Draft[] {
  const drafts: Draft[] = [];
  for (const r of receivers) {
    for (const c of contents) {
      if ('error' in r) drafts.push({ error: r.error });
      else if ('error' in c) drafts.push({ error: c.error });
      else drafts.push({ body: { receiveType: r.receiveType, receiveId: r.receiveId, contentType: c.contentType, content: c.content } });
    }
  }
  return drafts;
}

/** Record value -> its message contents, from the template or the messageConfig rows. */
function contentBuilder(options: SendModeOptions, markdown: MarkdownOptions): (value: unknown) => Content[] {
  const template = options.template;
  if (template) return (value) => [fromTemplate(template, value, markdown)];
  const rows = options.messageConfig ?? [];
  return (value) => rows.map((row) => fromRow(row, value, markdown));
}

function fromRow(row: MessageConfigRow, value: unknown, markdown: MarkdownOptions): Content {
  const v = fieldValue(value, row.messageField);
  if (isBlank(v)) return { error: fieldMissing(row.messageField, `content of the ${row.messageType} message (messageConfig)`) };
  if (row.messageType === 'markdown') {
    if (typeof v !== 'string') return { error: notText(row.messageField) };
    return fromMarkdown(v, 'post', markdown);
  }
  if (row.messageType === 'text' && (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')) {
    return { contentType: 'text', content: JSON.stringify({ text: String(v) }) };
  }
  // Lark's content for the type: an object, or a JSON string the validate stage checks.
  return { contentType: row.messageType, content: typeof v === 'string' ? v : JSON.stringify(v) };
}

function notText(field: string): ValidationError {
  return new ValidationError({ code: 'MESSAGE_INVALID', field, message: `record field "${field}" must be markdown text (a string)` });
}

function fromTemplate(template: TemplateOptions, value: unknown, markdown: MarkdownOptions): Content {
  if (template.contentType === 'markdown') {
    const source = typeof template.content === 'string' ? template.content : markdownSource(template.content);
    if (source === undefined) {
      return { error: new ValidationError({ code: 'CONFIG_INVALID', field: 'template.content', message: 'node.template.content must be markdown text for contentType markdown' }) };
    }
    const rendered = renderTemplate(source, value, escapeMarkdownValue);
    return rendered.ok ? fromMarkdown(rendered.value, template.markdownAs ?? 'post', markdown) : { error: rendered.error };
  }
  const rendered = renderTemplate(template.content, value);
  if (!rendered.ok) return { error: rendered.error };
  const content = rendered.value;
  return { contentType: template.contentType, content: typeof content === 'string' ? content : JSON.stringify(content) };
}

function fromMarkdown(source: string, target: MarkdownTarget, markdown: MarkdownOptions): Content {
  const { contentType, content } = convertMarkdown(source, target, markdown);
  return { contentType, content: JSON.stringify(content) };
}

/** Markdown text given as {"text": "..."} or {"markdown": "..."}. */
function markdownSource(content: unknown): string | undefined {
  if (!isRecord(content)) return undefined;
  const s = content.markdown ?? content.text;
  return typeof s === 'string' ? s : undefined;
}

/**
 * message_body, with `contentType: "markdown"` bodies converted (content: the markdown text, or
 * {"text"|"markdown": ...} as an object or JSON string; `markdownAs: "card"` for a card). Every other body
 * passes through untouched, so the validate stage sees exactly what it saw before send modes existed.
 */
export function markdownBodyTransform(markdown: MarkdownOptions): RecordTransform {
  const transform: RecordTransform = (value) =>
    messageBodyTransform(value).map((draft) => convertMarkdownBody(draft, markdown));
  markdownTransforms.add(transform);
  return transform;
}

/** The transforms markdownBodyTransform made: they change markdown bodies only. */
const markdownTransforms = new WeakSet<RecordTransform>();

/** A transform made by markdownBodyTransform (one that passes every record without markdown through). */
export function isMarkdownBodyTransform(transform: RecordTransform): boolean {
  return markdownTransforms.has(transform);
}

/**
 * Whether markdownBodyTransform changes anything in a record: when it does not, its drafts are
 * messageBodyTransform's (the writer then validates the record without making drafts; see
 * isMarkdownBodyTransform).
 */
export function holdsMarkdownBody(value: unknown): boolean {
  if (!Array.isArray(value)) return isMarkdownBody(value);
  for (const body of value) if (isMarkdownBody(body)) return true;
  return false;
}

function isMarkdownBody(body: unknown): body is Record<string, unknown> {
  if (!isRecord(body)) return false;
  const type = body.contentType;
  return typeof type === 'string' && type !== 'text' && type !== 'post' && type !== 'interactive' &&
    type.trim().toLowerCase() === 'markdown';
}

function convertMarkdownBody(draft: Draft, markdown: MarkdownOptions): Draft {
  const body = draft.body;
  if (!isMarkdownBody(body)) return draft;
  let source: string | undefined;
  if (typeof body.content === 'string') {
    const s = body.content.trim();
    source = s.startsWith('{') ? (markdownSource(parseJsonText(s)) ?? body.content) : body.content;
  } else {
    source = markdownSource(body.content);
  }
  if (source === undefined) {
    return { error: new ValidationError({ code: 'MESSAGE_INVALID', field: 'content', message: 'content: markdown messages need the markdown text as content (a string, or {"text":"..."})' }) };
  }
  const as = typeof body.markdownAs === 'string' ? body.markdownAs.trim().toLowerCase() : 'post';
  if (as !== 'post' && as !== 'card') {
    return { error: new ValidationError({ code: 'MESSAGE_INVALID', field: 'markdownAs', message: `markdownAs: ${JSON.stringify(as)} is not allowed; use post or card` }) };
  }
  const { markdownAs: _ignored, ...rest } = body;
  const converted = convertMarkdown(source, as, markdown);
  return { body: { ...rest, contentType: converted.contentType, content: JSON.stringify(converted.content) } };
}
