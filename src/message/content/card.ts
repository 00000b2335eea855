/** The content of an interactive message: a card JSON (1.0 or 2.0), or a template / card id reference. */
import { isRecord } from '../../core/is-record.js';
import { kindOf } from '../../core/kind-of.js';
import { show } from '../error-text.js';
import { cardImageIssues } from './media.js';
import type { ContentCheck, Issue } from '../issue.js';

/** Keys that make a JSON object a message card (1.0 and 2.0 cards). */
const CARD_KEYS = ['elements', 'i18n_elements', 'header', 'i18n_header', 'body', 'schema'] as const;
const REFERENCES = {
  template: { idKey: 'template_id', example: '{"type":"template","data":{"template_id":"AAq...","template_variable":{}}}' },
  card: { idKey: 'card_id', example: '{"type":"card","data":{"card_id":"7355..."}}' },
} as const;

export const checkCard: ContentCheck = (obj) => {
  const type = obj.type;
  if (type === 'template' || type === 'card') return checkReference(obj, type);
  const present = CARD_KEYS.filter((k) => obj[k] !== undefined);
  if (present.length === 0) {
    if (type !== undefined) {
      return [{ path: ['type'], message: `${show(type)} is not allowed; use "template" or "card", or send the card JSON itself` }];
    }
    const hint = isRecord(obj.card) ? ' (send the card JSON itself, not wrapped in {"card": ...})' : '';
    return [{
      path: [],
      message:
        `is not a card${hint}: expected a card JSON with one of ${CARD_KEYS.join(', ')}, ` +
        'or {"type":"template","data":{"template_id":"..."}}, or {"type":"card","data":{"card_id":"..."}}',
    }];
  }
  const issues: Issue[] = [];
  if (obj.elements !== undefined && !Array.isArray(obj.elements)) {
    issues.push({ path: ['elements'], message: `must be an array of card elements, got ${kindOf(obj.elements)}` });
  }
  for (const k of ['i18n_elements', 'header', 'i18n_header', 'body'] as const) {
    if (obj[k] !== undefined && !isRecord(obj[k])) {
      issues.push({ path: [k], message: `must be an object, got ${kindOf(obj[k])}` });
    }
  }
  if (obj.schema !== undefined && typeof obj.schema !== 'string') {
    issues.push({ path: ['schema'], message: `must be a string such as "2.0", got ${kindOf(obj.schema)}` });
  }
  return issues.length > 0 ? issues : cardImageIssues(obj);
};

function checkReference(obj: Record<string, unknown>, type: keyof typeof REFERENCES): Issue[] {
  const { idKey, example } = REFERENCES[type];
  if (!isRecord(obj.data)) {
    return [{ path: ['data'], message: `is required for a ${type} card: an object, e.g. ${example}` }];
  }
  const id = obj.data[idKey];
  if (typeof id !== 'string' || id.trim() === '') {
    return [{ path: ['data', idKey], message: `is required: a non-empty string, e.g. ${example}` }];
  }
  return [];
}
