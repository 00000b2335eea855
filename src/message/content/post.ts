/** The content of a post (rich text): locales, each with an optional title and paragraphs of elements. */
import { isRecord } from '../../core/is-record.js';
import { kindOf } from '../../core/kind-of.js';
import { postImageIssues } from './media.js';
import { nearestName } from '../../core/nearest-name.js';
import { POST_TAGS } from '../../core/vocabulary.js';
import type { ContentCheck, Issue, Path } from '../issue.js';

/** Post locales Lark documents; other `xx_yy` keys are accepted too (Lark adds locales over time). */
export const POST_LOCALES = ['zh_cn', 'en_us', 'ja_jp'] as const;
const LOCALE_LIKE = /^[a-z]{2}_[a-z]{2}$/i;
const POST_EXAMPLE = '{"zh_cn":{"title":"T","content":[[{"tag":"text","text":"hi"}]]}}';
const ELEMENT_EXAMPLE = '{"tag":"text","text":"hi"}';
const POST_TAG_SET: ReadonlySet<string> = new Set(POST_TAGS);

export const checkPost: ContentCheck = (obj) => {
  // Lark accepts both {"zh_cn": {...}} and {"post": {"zh_cn": {...}}}.
  let root = obj;
  let prefix: Path = [];
  if (isRecord(obj.post)) {
    root = obj.post;
    prefix = ['post'];
  } else if ('post' in obj) {
    return [{ path: ['post'], message: `must be an object of locales, e.g. {"post":${POST_EXAMPLE}}` }];
  }
  const locales = Object.keys(root).filter((k) => LOCALE_LIKE.test(k));
  if (locales.length === 0) {
    const hint = 'content' in root || 'title' in root ? ' (title/content must sit inside a locale)' : '';
    return [{
      path: prefix,
      message: `post needs at least one locale (${POST_LOCALES.join(', ')})${hint}, e.g. ${POST_EXAMPLE}`,
    }];
  }
  const issues: Issue[] = [];
  for (const loc of locales) checkLocale(root[loc], [...prefix, loc], issues);
  return issues;
};

function checkLocale(body: unknown, p: Path, issues: Issue[]): void {
  if (!isRecord(body)) {
    issues.push({ path: p, message: `must be an object {"title":"...","content":[[...]]}, got ${kindOf(body)}` });
    return;
  }
  if (body.title !== undefined && typeof body.title !== 'string') {
    issues.push({ path: [...p, 'title'], message: `must be a string when given, got ${kindOf(body.title)}` });
  }
  const paragraphs = body.content;
  if (!Array.isArray(paragraphs)) {
    const why = paragraphs === undefined ? 'is required' : `must be an array, got ${kindOf(paragraphs)}`;
    issues.push({
      path: [...p, 'content'],
      message: `${why}: an array of paragraphs, each an array of elements like ${ELEMENT_EXAMPLE}`,
    });
    return;
  }
  paragraphs.forEach((para, i) => {
    if (!Array.isArray(para)) {
      issues.push({ path: [...p, 'content', i], message: `must be an array of elements (a paragraph), got ${kindOf(para)}` });
      return;
    }
    para.forEach((el, j) => checkElement(el, p, i, j, issues));
  });
}

/** Element j of paragraph i of the locale at `p`; its path is made only for an issue (most elements have none). */
function checkElement(el: unknown, p: Path, i: number, j: number, issues: Issue[]): void {
  const ep = (...below: Path): Path => [...p, 'content', i, j, ...below];
  if (!isRecord(el)) {
    issues.push({ path: ep(), message: `must be an element object like ${ELEMENT_EXAMPLE}, got ${kindOf(el)}` });
  } else if (typeof el.tag !== 'string' || el.tag === '') {
    issues.push({
      path: ep('tag'),
      message: `is required: one of ${POST_TAGS.join(', ')}`,
    });
  } else if (!POST_TAG_SET.has(el.tag)) {
    const near = nearestName(el.tag, POST_TAGS);
    issues.push({
      path: ep('tag'),
      message: `${JSON.stringify(el.tag)} is not a Lark post tag${near ? ` (did you mean ${near}?)` : ''}; `
        + `use one of ${POST_TAGS.join(', ')}`,
    });
  } else if (el.tag === 'img') {
    for (const issue of postImageIssues(el)) issues.push({ path: ep(...issue.path), message: issue.message });
  }
}
