/**
 * What Lark accepts as `content` for each msg_type: the content string must be a JSON object, then the
 * check of its type runs (one module per kind of content; a new msg_type or rule is an entry here).
 */
import { isRecord } from '../../core/is-record.js';
import { kindOf } from '../../core/kind-of.js';
import type { ContentType } from '../../core/vocabulary.js';
import type { ContentCheck, Issue } from '../issue.js';
import { checkCard } from './card.js';
import { KEY_CHECKS, NO_ISSUES } from './keys.js';
import { checkPost } from './post.js';

const CONTENT_CHECKS: Record<ContentType, ContentCheck> = {
  ...KEY_CHECKS,
  post: checkPost,
  interactive: checkCard,
};

/**
 * The commonest content, {"text":"..."} with nothing in the text that JSON escapes: such a string parses to a
 * text content that passes its check, so it needs no JSON.parse.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: JSON strings may not hold them unescaped.
const PLAIN_TEXT_CONTENT = /^\{"text":"[^"\\\u0000-\u001f]+"\}$/;

/** Issues of a content string's shape for a contentType, paths relative to `content` (size: ../size.ts). */
export function checkContent(contentType: ContentType, content: string): readonly Issue[] {
  if (contentType === 'text' && PLAIN_TEXT_CONTENT.test(content)) return NO_ISSUES;
  let parsed: unknown;
  try {
    parsed = JSON.parse(content);
  } catch (e) {
    const detail = e instanceof Error ? e.message.replace(/\s+/g, ' ').slice(0, 100) : '';
    return [{
      path: [],
      message: `is not valid JSON (${detail}); give a JSON object string such as {"text":"hello"}, or an object`,
    }];
  }
  if (!isRecord(parsed)) {
    return [{ path: [], message: `must be a JSON object, got ${kindOf(parsed)}; e.g. {"text":"hello"} for text` }];
  }
  return CONTENT_CHECKS[contentType](parsed);
}
