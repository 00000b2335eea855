/**
 * Markdown -> a Lark message, before validation and sizing. markdown-it parses (CommonMark + GFM tables and
 * strikethrough, raw HTML off so `<at ...>` in the text stays text); this module maps its tokens:
 *
 * - to `post` (rich text): paragraphs as lines; bold / italic / strikethrough as text styles; links; `@ou_...`
 *   as mentions; fenced and indented code as code blocks; list items flattened to lines ("• ", "1. ", two
 *   spaces per nesting level); a leading heading as the title, later headings as bold lines; quotes as "> "
 *   lines. Tables cannot live in a post: a table becomes one "a | b" line per row, so nothing is dropped silently.
 * - to a card 2.0 (`markdownAs: "card"`): markdown elements (Lark's renderer handles tables and styles), a
 *   leading heading as the header, `@ou_...` as `<at id=...></at>`.
 * Images: an img_ key is shown as the image. A URL, data: URI or path is an `img` element with an `image` source,
 * which the media stage uploads, when the node uploads images (it has a `media` option); otherwise it stays a
 * link labelled "[image: alt]", as a message cannot show a URL.
 */
import { createRequire } from 'node:module';
import type MarkdownItClass from 'markdown-it';
import { IMAGE_KEY_SHAPE } from '../../message/content/media.js';
type MarkdownIt = InstanceType<typeof MarkdownItClass>;
type Token = ReturnType<MarkdownIt['parse']>[number];

export type MarkdownTarget = 'post' | 'card';

export interface MarkdownOptions {
  /** Images that are not keys become img elements with a source to upload (else labelled links). */
  uploadImages?: boolean;
}

/**
 * The parser, made on the first markdown message: markdown-it's memory is not carried by a run that has no
 * markdown. Its CommonJS build loads synchronously (the transform is sync).
 */
let parser: MarkdownIt | undefined;
function md(): MarkdownIt {
  if (!parser) {
    const MarkdownItCjs = createRequire(import.meta.url)('markdown-it') as typeof MarkdownItClass;
    parser = new MarkdownItCjs({ html: false, linkify: false });
  }
  return parser;
}

/** @ou_... mentions (open_id); Lark open_ids are ou_ + hex. */
const MENTION = /@(ou_[0-9a-zA-Z]+)/g;
/**
 * An '@' from a template value: a private-use character while converting, so a value cannot make a mention
 * (an entity would be decoded back to '@' before mentions are found); '@' again in the output.
 */
const INERT_AT = '\uE000';
const INERT_AT_ALL = /\uE000/g;

type PostElement = Record<string, unknown>;
type Style = 'bold' | 'italic' | 'lineThrough';

/** Lark post content {"zh_cn": {title?, content: [[elements]]}} for a markdown text. */
export function markdownToPost(source: string, options: MarkdownOptions = {}): { zh_cn: { title?: string; content: PostElement[][] } } {
  const tokens = md().parse(source, {});
  const lines: PostElement[][] = [];
  let title: string | undefined;
  const lists: Array<{ ordered: boolean; next: number }> = [];
  let quoteDepth = 0;
  let heading = false;

  /** Starts a line with the prefix its block context gives it (quote marks, list bullet, indentation). */
  let pendingPrefix = '';
  const startLine = (): PostElement[] => {
    const line: PostElement[] = [];
    const prefix = '> '.repeat(quoteDepth) + pendingPrefix;
    pendingPrefix = '';
    if (prefix !== '') line.push({ tag: 'text', text: prefix });
    lines.push(line);
    return line;
  };

  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    switch (t.type) {
      case 'heading_open':
        if (i === 0 && title === undefined) {
          title = inlineText(tokens[i + 1]);
          i += 2; // the inline token and heading_close
          continue;
        }
        heading = true;
        break;
      case 'heading_close':
        heading = false;
        break;
      case 'blockquote_open':
        quoteDepth++;
        break;
      case 'blockquote_close':
        quoteDepth--;
        break;
      case 'bullet_list_open':
        lists.push({ ordered: false, next: 0 });
        break;
      case 'ordered_list_open':
        lists.push({ ordered: true, next: Number(t.attrGet('start') ?? 1) });
        break;
      case 'bullet_list_close':
      case 'ordered_list_close':
        lists.pop();
        break;
      case 'list_item_open': {
        const list = lists[lists.length - 1]!;
        const indent = '  '.repeat(lists.length - 1);
        pendingPrefix = list.ordered ? `${indent}${list.next++}. ` : `${indent}• `;
        break;
      }
      case 'inline':
        appendInline(t.children ?? [], startLine, heading ? ['bold'] : [], options);
        break;
      case 'fence':
      case 'code_block': {
        const block: PostElement = { tag: 'code_block', text: t.content.replace(/\n$/, '') };
        const lang = t.info.trim().split(/\s+/)[0];
        if (lang) block.language = lang.toUpperCase();
        startLine().push(block);
        break;
      }
      case 'hr':
        startLine().push({ tag: 'hr' });
        break;
      case 'table_open':
        i = appendTable(tokens, i, startLine);
        break;
      default:
        break;
    }
  }
  // A line left with only its quote marks (the rest of a quote after an image) says nothing.
  const content = lines.filter((l) => l.length > 0 && !isQuotePrefix(l));
  for (const line of content) for (const el of line) if (typeof el.text === 'string') el.text = el.text.replace(INERT_AT_ALL, '@');
  if (title !== undefined) title = title.replace(INERT_AT_ALL, '@');
  return { zh_cn: { ...(title !== undefined ? { title } : {}), content: content.length > 0 ? content : [[{ tag: 'text', text: '' }]] } };
}

/** A line that holds only the quote marks startLine gave it. */
function isQuotePrefix(line: PostElement[]): boolean {
  return line.length === 1 && line[0]!.tag === 'text' && /^(> )+$/.test(String(line[0]!.text));
}

/** The inline tokens of one block as post elements; a soft or hard break starts a new line. */
function appendInline(children: Token[], startLine: () => PostElement[], baseStyle: Style[], options: MarkdownOptions): void {
  let line = startLine();
  const styles: Style[] = [...baseStyle];
  let link: string | undefined;
  const push = (text: string) => {
    if (text === '') return;
    for (const piece of splitMentions(text)) {
      if (piece.mention) {
        line.push({ tag: 'at', user_id: piece.mention });
        continue;
      }
      const el: PostElement = link !== undefined ? { tag: 'a', text: piece.text, href: link } : { tag: 'text', text: piece.text };
      if (styles.length > 0) el.style = [...new Set(styles)];
      line.push(el);
    }
  };
  for (const c of children) {
    switch (c.type) {
      case 'text':
        push(c.content);
        break;
      case 'code_inline': {
        // Code is literal: no mentions inside it.
        const el: PostElement = { tag: 'text', text: `\`${c.content}\`` };
        if (styles.length > 0) el.style = [...new Set(styles)];
        line.push(el);
        break;
      }
      case 'strong_open':
        styles.push('bold');
        break;
      case 'em_open':
        styles.push('italic');
        break;
      case 's_open':
        styles.push('lineThrough');
        break;
      case 'strong_close':
      case 'em_close':
      case 's_close':
        styles.splice(styles.lastIndexOf(c.type === 'strong_close' ? 'bold' : c.type === 'em_close' ? 'italic' : 'lineThrough'), 1);
        break;
      case 'link_open':
        link = String(c.attrGet('href') ?? '');
        break;
      case 'link_close':
        link = undefined;
        break;
      case 'image': {
        const src = String(c.attrGet('src') ?? '');
        const image = imageElement(src, 'image_key', options);
        if (image === undefined) {
          line.push({ tag: 'a', text: `[image: ${c.content || 'image'}]`, href: src });
          break;
        }
        // Lark shows a post image as its own paragraph: on a line of its own, without a quote's "> " before it
        // (a list bullet stays: it says the image is an item).
        if (line.length > 0 && !isQuotePrefix(line)) line = startLine();
        if (isQuotePrefix(line)) line.length = 0;
        line.push(image);
        line = startLine();
        break;
      }
      case 'softbreak':
      case 'hardbreak':
        line = startLine();
        break;
      default:
        push(c.content);
        break;
    }
  }
}

/** A table as one text line per row, cells joined by " | ", the header row bold. Returns the table_close index. */
function appendTable(tokens: Token[], start: number, startLine: () => PostElement[]): number {
  let i = start;
  let row: string[] = [];
  let header = false;
  for (; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'thead_open') header = true;
    else if (t.type === 'thead_close') header = false;
    else if (t.type === 'tr_open') row = [];
    else if (t.type === 'inline') row.push(inlineText(t));
    else if (t.type === 'tr_close') {
      const el: PostElement = { tag: 'text', text: `| ${row.join(' | ')} |` };
      if (header) el.style = ['bold'];
      startLine().push(el);
    } else if (t.type === 'table_close') break;
  }
  return i;
}

/** Plain text of an inline token (a heading, a table cell). */
function inlineText(token: Token | undefined): string {
  if (!token) return '';
  return (token.children ?? []).map((c) => (c.type === 'softbreak' || c.type === 'hardbreak' ? ' ' : c.type === 'code_inline' ? `\`${c.content}\`` : c.content)).join('');
}

function splitMentions(text: string): Array<{ text: string; mention?: undefined } | { mention: string; text?: undefined }> {
  const out: Array<{ text: string; mention?: undefined } | { mention: string; text?: undefined }> = [];
  let last = 0;
  for (const m of text.matchAll(MENTION)) {
    if (m.index > last) out.push({ text: text.slice(last, m.index) });
    out.push({ mention: m[1]! });
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push({ text: text.slice(last) });
  return out;
}

/** The img element for an image source: its key, or the source to upload; undefined when it stays a link. */
function imageElement(src: string, keyField: 'image_key' | 'img_key', options: MarkdownOptions): PostElement | undefined {
  if (IMAGE_KEY_SHAPE.test(src)) return { tag: 'img', [keyField]: src };
  return options.uploadImages && src !== '' ? { tag: 'img', image: src } : undefined;
}

const CARD_IMAGE = /!\[([^\]]*)\]\(\s*([^)\s]+)(\s+"[^"]*")?\s*\)/g;

/** A card 2.0: the markdown as markdown elements (Lark renders them) split at uploaded images, the leading heading as its header. */
export function markdownToCard(source: string, options: MarkdownOptions = {}): Record<string, unknown> {
  let body = source;
  let title: string | undefined;
  const tokens = md().parse(source, {});
  if (tokens[0]?.type === 'heading_open' && tokens[0].map) {
    title = inlineText(tokens[1]);
    body = source.split('\n').slice(tokens[0].map[1]).join('\n').replace(/^\s*\n/, '');
  }
  const elements: PostElement[] = [];
  const markdown = (text: string): PostElement => ({
    tag: 'markdown',
    content: text.replace(MENTION, (_m, id: string) => `<at id=${id}></at>`).replace(INERT_AT_ALL, '&#64;'),
  });
  let text = '';
  let last = 0;
  for (const m of body.matchAll(CARD_IMAGE)) {
    const [whole, alt = '', src = ''] = m;
    text += body.slice(last, m.index);
    last = m.index + whole.length;
    if (IMAGE_KEY_SHAPE.test(src)) {
      text += whole; // Lark's card markdown shows ![alt](img_...) itself
    } else if (options.uploadImages) {
      if (text.trim() !== '') elements.push(markdown(text));
      text = '';
      elements.push({ tag: 'img', image: src, alt: { tag: 'plain_text', content: alt } });
    } else {
      text += `[[image: ${alt || 'image'}]](${src})`;
    }
  }
  text += body.slice(last);
  // A card without images is one markdown element, whatever it holds.
  if (text.trim() !== '' || elements.length === 0) elements.push(markdown(text));
  if (title !== undefined) title = title.replace(INERT_AT_ALL, '@');
  return {
    schema: '2.0',
    ...(title !== undefined ? { header: { title: { tag: 'plain_text', content: title } } } : {}),
    body: { elements },
  };
}

/** A Lark contentType and content object for markdown text. */
export function convertMarkdown(
  source: string,
  target: MarkdownTarget = 'post',
  options: MarkdownOptions = {},
): { contentType: 'post' | 'interactive'; content: Record<string, unknown> } {
  return target === 'card'
    ? { contentType: 'interactive', content: markdownToCard(source, options) }
    : { contentType: 'post', content: markdownToPost(source, options) };
}

/**
 * A value inserted into a markdown template, made inert: markdown punctuation, `<` and `>` become HTML
 * character references, which markdown-it (post) and Lark's card renderer both show as the character itself;
 * '@' cannot start a mention (INERT_AT).
 */
export function escapeMarkdownValue(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>~&]/g, (c) => `&#${c.charCodeAt(0)};`).replace(/@/g, INERT_AT);
}
