import { describe, expect, it } from 'vitest';
import { UuidDeriver, messageIdentity } from '../../src/message/uuid.js';
import { schemeTwins } from './uuid-twins.js';
import type { MessageBody } from '../../src/message/schema.js';

const msg = (over: Partial<MessageBody> = {}): MessageBody => ({
  receiveType: 'user',
  receiveId: 'ou_1',
  contentType: 'text',
  content: '{"text":"hello"}',
  ...over,
});

describe('UuidDeriver', () => {
  it('is deterministic across runs (new instance, same input -> same uuids)', () => {
    const input = [msg(), msg({ receiveId: 'ou_2' }), msg(), msg({ content: '{"text":"bye"}' })];
    const run1 = new UuidDeriver();
    const run2 = new UuidDeriver();
    expect(input.map((m) => run1.uuidFor(m))).toEqual(input.map((m) => run2.uuidFor(m)));
  });

  it('gives identical messages in one run different uuids, by occurrence', () => {
    const d = new UuidDeriver();
    const a = d.uuidFor(msg());
    const b = d.uuidFor(msg());
    const c = d.uuidFor(msg());
    expect(new Set([a, b, c]).size).toBe(3);
    // the occurrence counts per message: another message in between does not shift it
    const e = new UuidDeriver();
    expect(e.uuidFor(msg())).toBe(a);
    e.uuidFor(msg({ receiveId: 'ou_other' }));
    expect(e.uuidFor(msg())).toBe(b);
  });

  it('is at most 50 characters, hex', () => {
    const u = new UuidDeriver().uuidFor(msg({ content: JSON.stringify({ text: 'x'.repeat(100_000) }) }));
    expect(u.length).toBeLessThanOrEqual(50);
    expect(u).toMatch(/^[0-9a-f]+$/);
  });

  it('differs when any part of the message differs', () => {
    const base = new UuidDeriver().uuidFor(msg());
    for (const over of [
      { receiveType: 'chat' as const },
      { receiveId: 'ou_2' },
      { contentType: 'post' as const },
      { content: '{"text":"hello!"}' },
    ]) {
      expect(new UuidDeriver().uuidFor(msg(over))).not.toBe(base);
    }
  });

  it('lets an explicit uuid win, without counting it as an occurrence', () => {
    const d = new UuidDeriver();
    expect(d.uuidFor(msg({ uuid: 'my-id-1' }))).toBe('my-id-1');
    expect(d.uuidFor(msg())).toBe(new UuidDeriver().uuidFor(msg()));
  });

  it('ignores phone formatting; takes the content as given (key order is part of it)', () => {
    // The content is hashed as the string that is sent: no re-serialisation per message (it cost a
    // JSON.parse each). The same input gives the same string, so re-runs still derive the same uuids.
    const a = msg({ contentType: 'post', content: '{"zh_cn":{"title":"T","content":[]}}' });
    const b = msg({ contentType: 'post', content: '{ "zh_cn" : { "content":[], "title":"T" } }' });
    expect(new UuidDeriver().uuidFor(a)).toBe(new UuidDeriver().uuidFor({ ...a }));
    expect(new UuidDeriver().uuidFor(a)).not.toBe(new UuidDeriver().uuidFor(b));
    const p1 = msg({ receiveType: 'phone', receiveId: '+86 138 0000 0000' });
    const p2 = msg({ receiveType: 'phone', receiveId: '13800000000' });
    expect(messageIdentity(p1)).toBe(messageIdentity(p2));
    expect(new UuidDeriver().uuidFor(p1)).toBe(new UuidDeriver().uuidFor(p2));
  });

  it('pins the derivation (lark-im/v2): a change here changes the uuids of every re-run', () => {
    const d = new UuidDeriver();
    const first = d.uuidFor(msg());
    const second = d.uuidFor(msg());
    expect(first).toBe('25466553f897fff7ffc69d0107ef170268c709b95f6d0eea');
    expect(second).toBe('dd14a8196f8c4a2842e5d867451749916ff67610671a7dfd');
  });

  it('mixes in a namespace', () => {
    expect(new UuidDeriver({ namespace: 'pipeline-a' }).uuidFor(msg())).not.toBe(new UuidDeriver({ namespace: 'pipeline-b' }).uuidFor(msg()));
  });
});

describe('uuid schemes', () => {
  const [a, b] = schemeTwins('ou_1');

  it("scheme 3 (the default) counts a message sharing 32 bits of an earlier one's hash as a repeat; 2 does not", () => {
    const v2 = new UuidDeriver({ scheme: 2 });
    const v3 = new UuidDeriver({ scheme: 3 });
    const dflt = new UuidDeriver();
    const first2 = [v2.uuidFor(a), v2.uuidFor(b)];
    const first3 = [v3.uuidFor(a), v3.uuidFor(b)];
    expect([dflt.uuidFor(a), dflt.uuidFor(b)]).toEqual(first3);
    // a: a first occurrence under both; b: a first occurrence under 2 (its own hash), a "repeat" under 3.
    expect(first3[0]).toBe(first2[0]);
    expect(first3[1]).not.toBe(first2[1]);
    expect(new Set([...first2, ...first3]).size).toBe(3);
    // Alone (no twin before it), b gets the same uuid under both.
    expect(new UuidDeriver({ scheme: 3 }).uuidFor(b)).toBe(first2[1]);
  });

  it('gives every other message the same uuid under both schemes, repeats included', () => {
    const v2 = new UuidDeriver({ scheme: 2 });
    const v3 = new UuidDeriver({ scheme: 3 });
    const input = Array.from({ length: 3000 }, (_, i) => msg({ content: JSON.stringify({ text: `m ${i % 1000}` }) }));
    expect(input.map((m) => v3.uuidFor(m))).toEqual(input.map((m) => v2.uuidFor(m)));
  });
});
