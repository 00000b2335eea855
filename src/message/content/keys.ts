/**
 * The content of the msg_types that carry keys and ids (text, image, audio, file, sticker, media,
 * share_chat, share_user): each named key is a required string, and media's cover image_key is optional.
 */
import { requiredStringProblem } from '../../core/required-string.js';
import type { ContentCheck, Issue } from '../issue.js';
import { checkFileContent, checkImageContent, checkMediaContent } from './media.js';

export const NO_ISSUES: readonly Issue[] = Object.freeze([]);

/** A check that `key` is a non-empty string, `what` saying what the msg_type needs. */
function requiredKey(key: string, what: string): ContentCheck {
  return (obj) => {
    const v = obj[key];
    if (typeof v === 'string' && v !== '') return NO_ISSUES;
    return [{ path: [key], message: requiredStringProblem(v, what)! }];
  };
}

export const KEY_CHECKS = {
  text: requiredKey('text', 'text messages need {"text":"hello"}'),
  // Uploaded keys: key-shaped, or a source in their place (media.ts).
  image: checkImageContent,
  audio: (obj) => checkFileContent('audio', obj),
  file: (obj) => checkFileContent('file', obj),
  sticker: (obj) => checkFileContent('sticker', obj),
  media: checkMediaContent,
  share_chat: requiredKey('chat_id', 'share_chat messages need {"chat_id":"oc_..."}'),
  share_user: requiredKey('user_id', 'share_user messages need {"user_id":"ou_..."}'),
} satisfies Record<string, ContentCheck>;
