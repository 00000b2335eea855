import { describe, expect, it } from 'vitest';
import { parseMessageBody, parseRecord } from '../../src/message/schema.js';
import { REQUEST_BODY_LIMITS, requestBodyBytes } from '../../src/message/size.js';
import { CONTENT_TYPES, POST_TAGS, type ContentType } from '../../src/core/vocabulary.js';
import { ValidationError } from '../../src/core/errors.js';
import { ALICE_ID, bodyOfRequestBytes } from './size-helpers.js';

const body = (contentType: string, content: unknown, extra: Record<string, unknown> = {}) => ({
  receiveType: 'user',
  receiveId: 'ou_123',
  contentType,
  content,
  ...extra,
});

function errorOf(value: unknown): ValidationError {
  const r = parseMessageBody(value);
  if (r.ok) throw new Error(`expected an error for ${JSON.stringify(value)}`);
  return r.error;
}

const VALID: Record<ContentType, unknown[]> = {
  text: [{ text: 'hello <at user_id="ou_x">Tom</at>' }],
  post: [
    { zh_cn: { title: 'T', content: [[{ tag: 'text', text: 'a' }, { tag: 'a', href: 'https://x', text: 'b' }]] } },
    { post: { en_us: { title: 'T', content: [[{ tag: 'text', text: 'a' }]] }, ja_jp: { content: [] } } },
    { ko_kr: { content: [[{ tag: 'md', text: '**x**' }]] } },
  ],
  image: [{ image_key: 'img_v2_1' }],
  interactive: [
    { elements: [{ tag: 'div', text: { tag: 'plain_text', content: 'hi' } }], header: { title: { tag: 'plain_text', content: 'H' } } },
    { i18n_elements: { zh_cn: [] } },
    { schema: '2.0', body: { elements: [] } },
    { type: 'template', data: { template_id: 'AAq123', template_variable: { a: 1 } } },
    { type: 'card', data: { card_id: '7355' } },
  ],
  share_chat: [{ chat_id: 'oc_1' }],
  share_user: [{ user_id: 'ou_1' }],
  audio: [{ file_key: 'file_v2_1' }],
  media: [{ file_key: 'file_v2_1', image_key: 'img_v2_1' }, { file_key: 'file_v2_1' }],
  file: [{ file_key: 'file_v2_1' }],
  sticker: [{ file_key: 'file_v2_1' }],
};

/** [content, field named in the error] */
const INVALID: Record<ContentType, Array<[unknown, string]>> = {
  text: [[{}, 'content.text'], [{ text: '' }, 'content.text'], [{ text: 5 }, 'content.text']],
  post: [
    [{ title: 'T', content: [[{ tag: 'text' }]] }, 'content'],
    [{ zh_cn: { content: [[{ text: 'no tag' }]] } }, 'content.zh_cn.content[0][0].tag'],
    [{ zh_cn: { content: [{ tag: 'text' }] } }, 'content.zh_cn.content[0]'],
    [{ zh_cn: { title: 'T' } }, 'content.zh_cn.content'],
    [{ post: { en_us: 'x' } }, 'content.post.en_us'],
    [{ post: 'x' }, 'content.post'],
    [{ zh_cn: { content: [[{ tag: 'text', text: 'a' }, { tag: 'bogus' }]] } }, 'content.zh_cn.content[0][1].tag'],
    [{ en_us: { content: [[{ tag: 'toString' }]] } }, 'content.en_us.content[0][0].tag'],
  ],
  image: [[{ file_key: 'f' }, 'content.image_key']],
  interactive: [
    [{ foo: 1 }, 'content'],
    [{ card: { elements: [] } }, 'content'],
    [{ type: 'template', data: {} }, 'content.data.template_id'],
    [{ type: 'template' }, 'content.data'],
    [{ type: 'card', data: { card_id: '' } }, 'content.data.card_id'],
    [{ type: 'other' }, 'content.type'],
    [{ elements: {} }, 'content.elements'],
  ],
  share_chat: [[{ user_id: 'ou_1' }, 'content.chat_id']],
  share_user: [[{ chat_id: 'oc_1' }, 'content.user_id']],
  audio: [[{ image_key: 'i' }, 'content.file_key']],
  media: [[{ image_key: 'i' }, 'content.file_key'], [{ file_key: 'file_1', image_key: 3 }, 'content.image_key']],
  file: [[{ file_key: '' }, 'content.file_key']],
  sticker: [[{}, 'content.file_key']],
};

describe('parseMessageBody: content shapes', () => {
  for (const type of CONTENT_TYPES) {
    for (const content of VALID[type]) {
      it(`accepts a valid ${type}: ${JSON.stringify(content).slice(0, 60)}`, () => {
        const r = parseMessageBody(body(type, JSON.stringify(content)));
        expect(r).toEqual({
          ok: true,
          message: { receiveType: 'user', receiveId: 'ou_123', contentType: type, content: JSON.stringify(content) },
        });
      });
    }
    for (const [content, field] of INVALID[type]) {
      it(`rejects an invalid ${type} naming ${field}: ${JSON.stringify(content)}`, () => {
        const e = errorOf(body(type, content));
        expect(e).toBeInstanceOf(ValidationError);
        expect(e.code).toBe('MESSAGE_INVALID');
        expect(e.retryable).toBe(false);
        expect(e.field).toBe(field);
        expect(e.message.startsWith(`${field}: `)).toBe(true);
        expect(e.message).not.toMatch(/\n/);
      });
    }
  }

  it('covers every content type with valid and invalid examples', () => {
    expect(Object.keys(VALID).sort()).toEqual([...CONTENT_TYPES].sort());
    expect(Object.keys(INVALID).sort()).toEqual([...CONTENT_TYPES].sort());
  });

  it('explains what text needs', () => {
    expect(errorOf(body('text', {})).message).toBe('content.text: is required (text messages need {"text":"hello"})');
  });

  it('names an unknown post tag and lists Lark\'s, with the nearest one when it looks like a typo', () => {
    const content = { zh_cn: { content: [[{ tag: 'bogus' }]] } };
    expect(errorOf(body('post', content)).message).toBe(
      'content.zh_cn.content[0][0].tag: "bogus" is not a Lark post tag; '
      + 'use one of text, a, at, img, media, emotion, hr, code_block, md',
    );
    const typo = { zh_cn: { content: [[{ tag: 'imgg', image_key: 'img_1' }]] } };
    expect(errorOf(body('post', typo)).message).toMatch(/"imgg" is not a Lark post tag \(did you mean img\?\)/);
  });

  it('accepts every post tag Lark documents', () => {
    const elements = POST_TAGS.map((tag) => ({ tag, text: 'x', href: 'https://x', user_id: 'ou_1', image_key: 'img_1',
      file_key: 'file_1', emoji_type: 'SMILE' }));
    expect(parseMessageBody(body('post', { zh_cn: { content: [elements] } })).ok).toBe(true);
  });

  it('says where title/content belong in a post without locale', () => {
    expect(errorOf(body('post', { title: 'T', content: [] })).message).toMatch(/at least one locale \(zh_cn, en_us, ja_jp\).*inside a locale/);
  });

  it('rejects content that is not JSON, or JSON but not an object', () => {
    const e1 = errorOf(body('text', 'hello'));
    expect(e1.field).toBe('content');
    expect(e1.message).toMatch(/^content: is not valid JSON/);
    expect(e1.message).not.toMatch(/\n/);
    expect(errorOf(body('text', '[1]')).message).toMatch(/^content: must be a JSON object, got array/);
    expect(errorOf(body('text', [1])).message).toMatch(/^content: must be a JSON object string or an object, got array/);
    expect(errorOf(body('text', 42)).field).toBe('content');
    expect(errorOf(body('text', '')).message).toMatch(/^content: must not be empty/);
  });
});

describe('parseMessageBody: body fields', () => {
  it('stringifies an object content and keeps a string content as given', () => {
    const r1 = parseMessageBody(body('text', { text: 'hi' }));
    expect(r1.ok && r1.message.content).toBe('{"text":"hi"}');
    const given = '{ "text" : "hi" }';
    const r2 = parseMessageBody(body('text', given));
    expect(r2.ok && r2.message.content).toBe(given);
  });

  it('defaults contentType to text (absent or null) and ignores unknown fields', () => {
    const r = parseMessageBody({ receiveType: 'chat', receiveId: ' oc_1 ', content: { text: 'x' }, extra: 1, op: 'i' });
    expect(r).toEqual({ ok: true, message: { receiveType: 'chat', receiveId: 'oc_1', contentType: 'text', content: '{"text":"x"}' } });
    const r2 = parseMessageBody({ receiveType: 'chat', receiveId: 'oc_1', contentType: null, content: { text: 'x' } });
    expect(r2.ok && r2.message.contentType).toBe('text');
  });

  it('accepts receiveType/contentType in any case with spaces', () => {
    const r = parseMessageBody({ receiveType: ' User ', receiveId: 'ou_1', contentType: 'TEXT', content: { text: 'x' } });
    expect(r.ok && [r.message.receiveType, r.message.contentType]).toEqual(['user', 'text']);
  });

  it('names receiveType and lists what is allowed', () => {
    const e = errorOf({ receiveType: 'group', receiveId: 'x', content: { text: 'x' } });
    expect(e.field).toBe('receiveType');
    const allowed = 'use one of user, email, phone, chat, user_id, union_id, open_id, chat_id';
    expect(e.message).toBe(`receiveType: "group" is not allowed; ${allowed}`);
    expect(errorOf({ receiveId: 'x', content: { text: 'x' } }).message).toBe(`receiveType: is required; ${allowed}`);
  });

  it("takes Lark's names: open_id is user, chat_id is chat; user_id and union_id are their own", () => {
    const cases: Array<[string, string]> = [
      ['open_id', 'user'], [' Chat_ID ', 'chat'], ['user_id', 'user_id'], ['UNION_ID', 'union_id'],
    ];
    for (const [given, want] of cases) {
      const r = parseMessageBody({ receiveType: given, receiveId: 'x1', content: { text: 'x' } });
      expect([given, r.ok && r.message.receiveType]).toEqual([given, want]);
    }
  });

  it('names contentType and lists the msg_types', () => {
    const e = errorOf(body('video', { text: 'x' }));
    expect(e.field).toBe('contentType');
    expect(e.message).toMatch(/^contentType: "video" is not a Lark msg_type; use one of text, post, image, interactive, share_chat, share_user, audio, media, file, sticker/);
  });

  it('requires a non-empty trimmed receiveId', () => {
    expect(errorOf({ receiveType: 'user', receiveId: '   ', content: { text: 'x' } }).field).toBe('receiveId');
    expect(errorOf({ receiveType: 'user', content: { text: 'x' } }).message).toMatch(/^receiveId: is required/);
    expect(errorOf({ receiveType: 'user', receiveId: {}, content: { text: 'x' } }).message).toMatch(/^receiveId: must be a string, got object/);
  });

  it('reads a numeric phone column as digits', () => {
    const r = parseMessageBody({ receiveType: 'phone', receiveId: 13800000000, content: { text: 'x' } });
    expect(r.ok && r.message.receiveId).toBe('13800000000');
  });

  it('checks the basic shape of emails and phones', () => {
    expect(parseMessageBody({ receiveType: 'email', receiveId: 'a.b@example.com', content: { text: 'x' } }).ok).toBe(true);
    for (const bad of ['a.b', 'a@b', 'a b@example.com', '@example.com']) {
      const e = errorOf({ receiveType: 'email', receiveId: bad, content: { text: 'x' } });
      expect(e.field).toBe('receiveId');
      expect(e.message).toMatch(/is not an email address/);
    }
    expect(parseMessageBody({ receiveType: 'phone', receiveId: '+86 138-0000-0000', content: { text: 'x' } }).ok).toBe(true);
    expect(errorOf({ receiveType: 'phone', receiveId: 'call me', content: { text: 'x' } }).message).toMatch(/^receiveId: "call me" is not a mobile number/);
  });

  it('keeps a uuid up to 50 characters and rejects a longer one', () => {
    const ok = parseMessageBody(body('text', { text: 'x' }, { uuid: 'u'.repeat(50) }));
    expect(ok.ok && ok.message.uuid).toBe('u'.repeat(50));
    const e = errorOf(body('text', { text: 'x' }, { uuid: 'u'.repeat(51) }));
    expect(e.field).toBe('uuid');
    expect(e.message).toBe("uuid: must be at most 50 characters (Lark's limit), got 51");
    const blank = parseMessageBody(body('text', { text: 'x' }, { uuid: '' }));
    expect(blank.ok && 'uuid' in blank.message).toBe(false);
  });

  it('lists several problems in one line, the first one as field', () => {
    const e = errorOf({ receiveType: 'x', content: 1 });
    expect(e.field).toBe('receiveType');
    expect(e.message.split(' | ').map((s) => s.split(':')[0])).toEqual(['receiveType', 'receiveId', 'content']);
  });

  it('never throws', () => {
    const cyclic: Record<string, unknown> = { text: 'x' };
    cyclic.self = cyclic;
    const trap = { get receiveType(): string { throw new Error('boom'); } };
    for (const v of [undefined, null, 1, 'x', [], body('text', cyclic), body('text', { n: 1n }), trap]) {
      expect(() => parseMessageBody(v)).not.toThrow();
      expect(parseMessageBody(v).ok).toBe(false);
    }
    expect(errorOf('x').code).toBe('INPUT_INVALID');
    expect(errorOf([body('text', { text: 'x' })]).code).toBe('INPUT_INVALID');
  });
});

describe('size limits (on the request body, as Lark measures)', () => {
  for (const type of ['text', 'post', 'interactive'] as const) {
    const limit = REQUEST_BODY_LIMITS[type] as number;
    it(`${type}: a ${limit}-byte request body passes, ${limit + 1} bytes fail with CONTENT_TOO_LARGE`, () => {
      const at = bodyOfRequestBytes(type, limit, { uuid: 'u-1' });
      expect(requestBodyBytes(at)).toBe(limit);
      expect(parseMessageBody(at).ok).toBe(true);
      const over = bodyOfRequestBytes(type, limit + 1, { uuid: 'u-1' });
      const e = errorOf(over);
      expect(e.code).toBe('CONTENT_TOO_LARGE');
      expect(e.field).toBe('content');
      expect(e.message).toContain(`request body of ${limit + 1} bytes`);
      expect(e.message).toContain(`${limit}-byte (${limit / 1024} KB) limit for ${type}`);
    });
  }

  it('counts the JSON escaping of the content: quotes in a post make the body bigger than the content', () => {
    const limit = REQUEST_BODY_LIMITS.post as number;
    // 26,999 bytes of content, most of it quotes, each escaped as \" in the body.
    const content = JSON.stringify({ zh_cn: { content: [[{ tag: 'text', text: '"'.repeat(13_400) }]] } });
    expect(Buffer.byteLength(content)).toBeLessThan(limit);
    expect(errorOf(body('post', content)).code).toBe('CONTENT_TOO_LARGE');
  });

  it('counts UTF-8 bytes, not characters', () => {
    const limit = REQUEST_BODY_LIMITS.post as number;
    const b = bodyOfRequestBytes('post', limit + 2, { uuid: 'u-1' }, '中');
    expect(b.content.length).toBeLessThan(limit);
    expect(errorOf(b).code).toBe('CONTENT_TOO_LARGE');
  });

  it('counts a derived uuid (48 characters) when the message has none, and a 35-character open_id for a phone', () => {
    const limit = REQUEST_BODY_LIMITS.text as number;
    const withUuid = bodyOfRequestBytes('text', limit, { uuid: 'x'.repeat(48) });
    const { uuid: _dropped, ...withoutUuid } = withUuid;
    expect(parseMessageBody(withoutUuid).ok).toBe(true);
    const oneMore = { ...withoutUuid, content: JSON.stringify({ text: (JSON.parse(withoutUuid.content) as { text: string }).text + 'a' }) };
    expect(errorOf(oneMore).code).toBe('CONTENT_TOO_LARGE');
    const phone = { ...withoutUuid, receiveType: 'phone', receiveId: '13800000001' };
    expect(requestBodyBytes(phone as never)).toBe(limit - ALICE_ID.length + 35);
  });

  it('has no local limit for other types', () => {
    expect(parseMessageBody(body('image', { image_key: 'img_1', pad: 'x'.repeat(200_000) })).ok).toBe(true);
  });
});

describe('parseRecord', () => {
  it('returns one entry per body of an array, in order', () => {
    const out = parseRecord([body('text', { text: 'a' }), body('text', {}), body('image', { image_key: 'img_1' })]);
    expect(out.map((r) => r.ok)).toEqual([true, false, true]);
    expect(!out[1]!.ok && out[1]!.error.field).toBe('content.text');
  });

  it('wraps a single body', () => {
    expect(parseRecord(body('text', { text: 'a' }))).toHaveLength(1);
  });

  it('gives INPUT_INVALID for an empty array', () => {
    const out = parseRecord([]);
    expect(out).toHaveLength(1);
    expect(!out[0]!.ok && out[0]!.error.code).toBe('INPUT_INVALID');
    expect(!out[0]!.ok && out[0]!.error.message).toContain('empty array: no message');
  });

  it('gives one INPUT_INVALID for a value that is not an object or array', () => {
    for (const v of ['x', 1, null, undefined, true]) {
      const out = parseRecord(v);
      expect(out).toHaveLength(1);
      expect(!out[0]!.ok && out[0]!.error.code).toBe('INPUT_INVALID');
    }
    const r = parseRecord('x')[0]!;
    expect(!r.ok && r.error.message).toBe('record: expected a message object or an array of them, got string');
  });

  it('gives INPUT_INVALID for a non-object element of an array', () => {
    const out = parseRecord([1, body('text', { text: 'a' })]);
    expect(!out[0]!.ok && out[0]!.error.code).toBe('INPUT_INVALID');
    expect(out[1]!.ok).toBe(true);
  });
});

describe('parseMessageBody: normal form', () => {
  it('trims, lower-cases, defaults and drops what the body does not hold', () => {
    const cases: Array<[Record<string, unknown>, Record<string, unknown>]> = [
      [{ receiveType: 'user', receiveId: 'ou_1', content: '{"text":"hi"}' },
        { receiveType: 'user', receiveId: 'ou_1', contentType: 'text', content: '{"text":"hi"}' }],
      [{ receiveType: 'user', receiveId: ' ou_1 ', contentType: null, content: '{"text":"hi"}', uuid: ' id-1 ', extra: 1 },
        { receiveType: 'user', receiveId: 'ou_1', contentType: 'text', content: '{"text":"hi"}', uuid: 'id-1' }],
      [{ receiveType: 'email', receiveId: 'a@b.co', contentType: 'text', content: '{"text":"hi"}', uuid: '   ' },
        { receiveType: 'email', receiveId: 'a@b.co', contentType: 'text', content: '{"text":"hi"}' }],
      [{ receiveType: 'USER', receiveId: 'ou_1', contentType: ' Text ', content: { text: 'obj' }, uuid: null },
        { receiveType: 'user', receiveId: 'ou_1', contentType: 'text', content: '{"text":"obj"}' }],
    ];
    for (const [input, message] of cases) expect(parseMessageBody(input)).toEqual({ ok: true, message });
  });

  it('names every problem of a body whose fields have the right kinds, not only the first field', () => {
    const e = errorOf({ receiveType: 'email', receiveId: ' ', content: { txt: 1 }, uuid: 'u'.repeat(51) });
    expect(e.message.split(' | ').map((s) => s.split(':')[0])).toEqual(['receiveId', 'uuid', 'receiveId', '(and 1 more)']);
    const wrongKind = errorOf({ receiveType: 'email', receiveId: [], content: { txt: 1 } });
    expect(wrongKind.message).toBe('receiveId: must be a string, got array');
  });
});

describe('misspelt record keys', () => {
  it('names an unknown key that is a misspelling of a missing body key, before the error it causes', () => {
    const e = errorOf({ receiveType: 'user', receiveId: 'ou_1', contenttype: 'image', content: { image_key: 'img_1' } });
    expect(e.message).toMatch(/^contenttype is not a record key: did you mean contentType\? \| content\.text: /);
    const e2 = errorOf({ receiveType: 'user', receiveid: 'ou_1', content: { text: 'x' } });
    expect(e2.message).toMatch(/^receiveid is not a record key: did you mean receiveId\?/);
  });

  it('says nothing of keys far from any body key, or when the body key is present too', () => {
    expect(errorOf({ receiveType: 'user', receiveId: 'ou_1', note: 'x', content: {} }).message).not.toContain('not a record key');
    expect(errorOf({ receiveType: 'user', receiveId: 'ou_1', contentType: 'text', contenttype: 'x', content: {} }).message).not.toContain('not a record key');
    expect(parseMessageBody({ receiveType: 'user', receiveId: 'ou_1', extra: 1, content: { text: 'x' } }).ok).toBe(true);
  });
});
