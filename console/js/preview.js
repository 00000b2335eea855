// Per-message cards for dry-run and send outcomes, and a readable preview of text / post content.
// Everything from the records is inserted as text nodes or checked attributes, never as HTML.
import { h } from './dom.js';
import { t } from './i18n.js';

const AT_TAG = /<at\s+(?:user_id|open_id|id|email)\s*=\s*["']?([^"'>\s]*)["']?\s*>([\s\S]*?)<\/at>/gi;

/** "Hi <at user_id="ou_1">Tom</at>" -> text and @Tom mention nodes. */
export function renderTextContent(text) {
  const out = [];
  let last = 0;
  for (const m of String(text).matchAll(AT_TAG)) {
    if (m.index > last) out.push(document.createTextNode(text.slice(last, m.index)));
    const name = m[2].trim() || (m[1] === 'all' ? 'all' : m[1]);
    out.push(h('span', { class: 'mention', title: m[1] }, `@${name}`));
    last = m.index + m[0].length;
  }
  if (last < text.length) out.push(document.createTextNode(text.slice(last)));
  return out;
}

function safeHref(href) {
  try {
    const u = new URL(String(href));
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

const POST_LANG_FOR_UI = { en_US: ['en_us', 'zh_cn', 'zh_hk', 'zh_tw'], zh_CN: ['zh_cn', 'zh_hk', 'zh_tw', 'en_us'], zh_TW: ['zh_tw', 'zh_hk', 'zh_cn', 'en_us'] };

/** Picks the post body for the UI language: {zh_cn: {title, content}} (optionally under "post"). */
function pickPost(content, lang) {
  const root = content?.post ?? content;
  if (root && Array.isArray(root.content)) return root;
  for (const l of [...(POST_LANG_FOR_UI[lang] ?? []), ...Object.keys(root ?? {})]) {
    if (root?.[l] && typeof root[l] === 'object') return root[l];
  }
  return undefined;
}

function renderPostElement(el) {
  switch (el?.tag) {
    case 'text': {
      const style = Array.isArray(el.style) ? el.style : [];
      let node = document.createTextNode(String(el.text ?? ''));
      if (style.includes('bold')) node = h('strong', {}, node);
      if (style.includes('italic')) node = h('em', {}, node);
      if (style.includes('underline')) node = h('u', {}, node);
      if (style.includes('lineThrough')) node = h('s', {}, node);
      return node;
    }
    case 'a': {
      const href = safeHref(el.href);
      const text = String(el.text ?? el.href ?? '');
      return href ? h('a', { href, rel: 'noopener noreferrer', target: '_blank' }, text) : h('span', {}, text);
    }
    case 'at':
      return h('span', { class: 'mention', title: String(el.user_id ?? '') }, `@${el.user_name ?? (el.user_id === 'all' ? 'all' : el.user_id ?? '')}`);
    case 'img':
      return h('span', { class: 'placeholder' }, '[image]');
    case 'media':
      return h('span', { class: 'placeholder' }, '[video]');
    case 'emotion':
      return h('span', { class: 'placeholder' }, `[${el.emoji_type ?? 'emoji'}]`);
    case 'code_block':
      return h('code', {}, String(el.text ?? ''));
    case 'hr':
      return h('hr');
    case 'md':
      return document.createTextNode(String(el.text ?? ''));
    default:
      return document.createTextNode(el?.text !== undefined ? String(el.text) : '');
  }
}

/** How a text or post message will look, or null for other types. */
export function renderMessagePreview(msgType, contentJson, lang) {
  let content;
  try {
    content = JSON.parse(contentJson);
  } catch {
    return null;
  }
  if (msgType === 'text' && typeof content?.text === 'string') {
    return h('div', { class: 'bubble bubble-text' }, renderTextContent(content.text));
  }
  if (msgType === 'post') {
    const post = pickPost(content, lang);
    if (!post) return null;
    const paragraphs = (Array.isArray(post.content) ? post.content : []).map((para) =>
      h('p', {}, (Array.isArray(para) ? para : []).map(renderPostElement)));
    return h('div', { class: 'bubble bubble-post' }, post.title ? h('p', { class: 'post-title' }, String(post.title)) : null, paragraphs);
  }
  return null;
}

function prettyContent(content) {
  try {
    return JSON.stringify(JSON.parse(content), null, 2);
  } catch {
    return String(content);
  }
}

function receiveIdType(url) {
  try {
    return new URL(url).searchParams.get('receive_id_type') ?? '';
  } catch {
    return '';
  }
}

function dl(rows) {
  return h('dl', { class: 'kv' }, rows.filter(Boolean).flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}

function statusBadge(lang, status) {
  return h('span', { class: `badge badge-${status}` }, t(lang, `status_${status}`));
}

function position(lang, o) {
  return `${t(lang, 'line', { line: o.line })} · ${t(lang, 'message', { n: o.index + 1 })}`;
}

export function errorBlock(lang, o) {
  const e = o.error ?? {};
  return h('div', { class: 'error-block' },
    h('p', { class: 'error-message' }, String(e.message ?? '')),
    dl([
      [t(lang, 'code'), `${e.code ?? ''}${e.larkCode !== undefined ? ` (${e.larkCode})` : ''}${e.retryable ? ` · ${t(lang, 'retryable')}` : ''}`],
      e.field ? [t(lang, 'field'), h('code', { class: 'field-name' }, e.field)] : null,
      e.logId ? [t(lang, 'logId'), e.logId] : null,
      o.advice ? [t(lang, 'advice'), o.advice] : null,
    ]));
}

/** One dry-run outcome: the exact request (and preview) or the validation error. */
export function dryRunCard(lang, o) {
  const head = h('h3', { class: 'card-head' }, statusBadge(lang, o.status), ' ', position(lang, o));
  if (o.status === 'valid') {
    const r = o.request;
    const preview = renderMessagePreview(r.body.msg_type, r.body.content, lang);
    return h('li', { class: 'card card-valid', 'data-status': 'valid' }, head,
      h('div', { class: 'card-body' },
        h('div', { class: 'request' },
          h('h4', {}, t(lang, 'request')),
          h('p', { class: 'method' }, h('code', {}, `${r.method} ${r.url}`)),
          dl([
            [t(lang, 'receiveIdType'), h('code', {}, receiveIdType(r.url))],
            [t(lang, 'receiveId'), r.body.receive_id !== null ? h('code', {}, r.body.receive_id) : t(lang, 'lookup', { mobile: r.lookup?.mobile ?? '?' })],
            [t(lang, 'msgType'), h('code', {}, r.body.msg_type)],
            [t(lang, 'uuid'), h('code', {}, r.body.uuid)],
          ]),
          h('h5', {}, t(lang, 'content')),
          h('pre', { class: 'content', tabindex: '0' }, prettyContent(r.body.content))),
        preview ? h('div', { class: 'preview' }, h('h4', {}, t(lang, 'preview')), preview) : null));
  }
  if (o.status === 'failed') return h('li', { class: 'card card-failed', 'data-status': 'failed' }, head, errorBlock(lang, o));
  return h('li', { class: 'card card-skipped', 'data-status': o.status }, head, h('p', {}, String(o.reason ?? '')));
}

/** One send outcome: message id, or the error with its advice. */
export function sendRow(lang, o) {
  const head = h('h3', { class: 'card-head' }, statusBadge(lang, o.status), ' ', position(lang, o));
  if (o.status === 'delivered') {
    return h('li', { class: 'card card-delivered', 'data-status': 'delivered' }, head,
      dl([[t(lang, 'messageId'), h('code', {}, o.messageId)], [t(lang, 'uuid'), h('code', {}, o.uuid)]]));
  }
  if (o.status === 'failed') return h('li', { class: 'card card-failed', 'data-status': 'failed' }, head, errorBlock(lang, o));
  return h('li', { class: 'card card-skipped', 'data-status': o.status }, head, h('p', {}, String(o.reason ?? '')));
}
