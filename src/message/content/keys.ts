/**
 * The content of the msg_types that carry keys and ids (text, image, audio, file, sticker, media,
 * share_chat, share_user): each named key is a required string, and media's cover image_key is optional.
 */
import { requiredStringProblem } from '../../core/required-string.js';
import type { ContentCheck, Issue } from '../issue.js';

export const NO_ISSUES: readonly Issue[] = Object.freeze([]);

/** A check that `key` is a non-empty string, `what` saying what the msg_type needs. */
function requiredKey(key: string, what: string): ContentCheck {
  return (obj) => {
    const v = obj[key];
    if (typeof v === 'string' && v !== '') return NO_ISSUES;
    return [{ path: [key], message: requiredStringProblem(v, what)! }];
  };
}

const fileKey = (type: string): ContentCheck =>
  requiredKey('file_key', `${type} messages need {"file_key":"..."} from the file upload API`);

const mediaFileKey = requiredKey('file_key', 'media messages need {"file_key":"...","image_key":"(optional cover)"}');

export const KEY_CHECKS = {
  text: requiredKey('text', 'text messages need {"text":"hello"}'),
  image: requiredKey('image_key', 'image messages need {"image_key":"img_..."} from the image upload API'),
  audio: fileKey('audio'),
  file: fileKey('file'),
  sticker: fileKey('sticker'),
  media: (obj) => {
    const issues = mediaFileKey(obj);
    if (obj.image_key === undefined || typeof obj.image_key === 'string') return issues;
    return [...issues, { path: ['image_key'], message: 'must be a string when given (the optional cover image_key)' }];
  },
  share_chat: requiredKey('chat_id', 'share_chat messages need {"chat_id":"oc_..."}'),
  share_user: requiredKey('user_id', 'share_user messages need {"user_id":"ou_..."}'),
} satisfies Record<string, ContentCheck>;
