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

// Thumbnails come from the server's dry-run as data: URIs of the bytes it checked; only image ones are shown.
const IMAGE_DATA_URI = /^data:image\/(png|jpeg|gif|webp|bmp|tiff|x-icon|ico);base64,[A-Za-z0-9+/=]+$/;

function thumbnail(upload, alt) {
  return typeof upload?.thumbnail === 'string' && IMAGE_DATA_URI.test(upload.thumbnail)
    ? h('img', { class: 'thumbnail', src: upload.thumbnail, alt: String(alt ?? ''), title: upload.source ?? '' })
    : null;
}

function renderPostElement(el, uploads) {
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
      return thumbnail(uploads.find((u) => u.key === el.image_key), 'image') ?? h('span', { class: 'placeholder' }, '[image]');
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

/** How a text, post or image message will look (planned uploads shown by their thumbnails), or null. */
export function renderMessagePreview(msgType, contentJson, lang, uploads = []) {
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
      h('p', {}, (Array.isArray(para) ? para : []).map((el) => renderPostElement(el, uploads))));
    return h('div', { class: 'bubble bubble-post' }, post.title ? h('p', { class: 'post-title' }, String(post.title)) : null, paragraphs);
  }
  if (msgType === 'image') {
    const image = thumbnail(uploads.find((u) => u.key === content?.image_key), 'image');
    return image ? h('div', { class: 'bubble bubble-image' }, image) : null;
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

function kib(bytes) {
  return bytes < 1024 ? `${bytes} B` : `${(bytes / 1024).toFixed(1)} KiB`;
}

/** The uploads a send would make for this message (none is made in a dry-run). */
function uploadList(lang, uploads) {
  if (!Array.isArray(uploads) || uploads.length === 0) return null;
  return h('div', { class: 'uploads' },
    h('h5', {}, t(lang, 'uploads')),
    h('ul', {}, uploads.map((u) => h('li', { class: 'upload' },
      thumbnail(u, u.source),
      dl([
        [t(lang, 'uploadSource'), h('code', {}, String(u.source ?? ''))],
        [t(lang, 'uploadAs'), `${u.upload}${u.format ? ` · ${u.format}` : ''}${u.fileType ? ` · ${u.fileType}` : ''}${u.fileName ? ` · ${u.fileName}` : ''}`],
        [t(lang, 'uploadBytes'), kib(Number(u.bytes))],
        ['sha256', h('code', { title: String(u.sha256 ?? '') }, String(u.sha256 ?? '').slice(0, 16))],
      ])))));
}

/** One dry-run outcome: the exact request (and preview) or the validation error. */
export function dryRunCard(lang, o) {
  const head = h('h3', { class: 'card-head' }, statusBadge(lang, o.status), ' ', position(lang, o));
  if (o.status === 'valid') {
    const r = o.request;
    const preview = renderMessagePreview(r.body.msg_type, r.body.content, lang, r.uploads ?? []);
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
          h('pre', { class: 'content', tabindex: '0' }, prettyContent(r.body.content)),
          uploadList(lang, r.uploads)),
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
