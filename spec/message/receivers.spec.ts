import { describe, expect, it } from 'vitest';
import { ReceiverResolver, maskPhone, normalizePhone } from '../../src/message/receivers.js';
import { ConnectorError, ValidationError } from '../../src/core/errors.js';
import { LarkError } from '../../src/lark/errors.js';

class FakeClock {
  t = 1_000_000;
  now(): number { return this.t; }
  async sleep(ms: number): Promise<void> { this.t += ms; }
}

/** A lookup that knows phone -> open_id and records each call. */
function fakeLookup(directory: Record<string, string>) {
  const calls: string[][] = [];
  const lookup = async (mobiles: string[]): Promise<Map<string, string>> => {
    calls.push([...mobiles]);
    const out = new Map<string, string>();
    for (const m of mobiles) if (directory[m]) out.set(m, directory[m]!);
    return out;
  };
  return { calls, lookup };
}

const phoneMsg = (receiveId: string) => ({ receiveType: 'phone' as const, receiveId });

describe('normalizePhone', () => {
  const table: Array<[string, string]> = [
    ['13800000000', '13800000000'],
    ['138 0000 0000', '13800000000'],
    ['138-0000-0000', '13800000000'],
    ['(138) 0000.0000', '13800000000'],
    ['+8613800000000', '13800000000'],
    ['+86 138 0000 0000', '13800000000'],
    ['+86-138-0000-0000', '13800000000'],
    ['008613800000000', '13800000000'],
    ['8613800000000', '13800000000'],
    ['  13800000000  ', '13800000000'],
    ['+1 (415) 555-0100', '+14155550100'],
    ['0014155550100', '+14155550100'],
    ['+852 9123 4567', '+85291234567'],
    ['+86 10 1234 5678', '+861012345678'],
  ];
  for (const [raw, want] of table) {
    it(`${JSON.stringify(raw)} -> ${want}`, () => expect(normalizePhone(raw)).toBe(want));
  }
});

describe('maskPhone', () => {
  it('masks the middle of a number', () => {
    expect(maskPhone('13800000000')).toBe('+86 138****0000');
    expect(maskPhone('+1 415 555 0100')).toBe('+141****0100');
    expect(maskPhone('12345')).toBe('***45');
  });
});

describe('ReceiverResolver', () => {
  it('maps user/email/chat/user_id/union_id directly, without lookups', async () => {
    const { calls, lookup } = fakeLookup({});
    const r = new ReceiverResolver({ lookup });
    expect(await r.resolve({ receiveType: 'user', receiveId: 'ou_1' })).toEqual({ receiveIdType: 'open_id', receiveId: 'ou_1' });
    expect(await r.resolve({ receiveType: 'email', receiveId: 'a@b.co' })).toEqual({ receiveIdType: 'email', receiveId: 'a@b.co' });
    expect(await r.resolve({ receiveType: 'chat', receiveId: 'oc_1' })).toEqual({ receiveIdType: 'chat_id', receiveId: 'oc_1' });
    expect(await r.resolve({ receiveType: 'user_id', receiveId: 'a11ce001' })).toEqual({ receiveIdType: 'user_id', receiveId: 'a11ce001' });
    expect(await r.resolve({ receiveType: 'union_id', receiveId: 'on_1' })).toEqual({ receiveIdType: 'union_id', receiveId: 'on_1' });
    expect(calls).toHaveLength(0);
  });

  it('resolves a phone to an open_id via the lookup with the normalised number', async () => {
    const { calls, lookup } = fakeLookup({ '13800000000': 'ou_a' });
    const r = new ReceiverResolver({ lookup });
    expect(await r.resolve(phoneMsg('+86 138-0000-0000'))).toEqual({ receiveIdType: 'open_id', receiveId: 'ou_a' });
    expect(calls).toEqual([['13800000000']]);
  });

  it('batches 120 concurrent phones into 3 lookups of <= 50', async () => {
    const dir: Record<string, string> = {};
    const phones = Array.from({ length: 120 }, (_, i) => `139${String(i).padStart(8, '0')}`);
    phones.forEach((p, i) => (dir[p] = `ou_${i}`));
    const { calls, lookup } = fakeLookup(dir);
    const r = new ReceiverResolver({ lookup });
    const out = await Promise.all(phones.map((p) => r.resolve(phoneMsg(p))));
    expect(out.map((o) => o.receiveId)).toEqual(phones.map((_, i) => `ou_${i}`));
    expect(calls.map((c) => c.length)).toEqual([50, 50, 20]);
  });

  it('looks up a repeated phone once (queued and in flight)', async () => {
    const { calls, lookup } = fakeLookup({ '13800000000': 'ou_a' });
    const r = new ReceiverResolver({ lookup });
    const first = Promise.all([r.resolve(phoneMsg('13800000000')), r.resolve(phoneMsg('+8613800000000'))]);
    await new Promise((res) => setImmediate(res)); // lookup now in flight
    const late = r.resolve(phoneMsg('13800000000'));
    await Promise.all([first, late]);
    expect(calls).toEqual([['13800000000']]);
  });

  it('prefetch fills the cache in batches so resolve() makes no more lookups', async () => {
    const phones = Array.from({ length: 75 }, (_, i) => `137${String(i).padStart(8, '0')}`);
    const { calls, lookup } = fakeLookup(Object.fromEntries(phones.map((p) => [p, `ou_${p}`])));
    const r = new ReceiverResolver({ lookup });
    await r.prefetch([...phones, 'not a phone', '13999999999']);
    expect(calls.map((c) => c.length)).toEqual([50, 26]);
    await r.resolve(phoneMsg(phones[10]!));
    await expect(r.resolve(phoneMsg('13999999999'))).rejects.toMatchObject({ code: 'RECEIVER_NOT_FOUND' });
    expect(calls).toHaveLength(2);
  });

  it('throws RECEIVER_NOT_FOUND with a masked number for a miss', async () => {
    const { lookup } = fakeLookup({});
    const r = new ReceiverResolver({ lookup });
    const err = await r.resolve(phoneMsg('13800000000')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect(err).toMatchObject({ code: 'RECEIVER_NOT_FOUND', retryable: false, field: 'receiveId' });
    const m = (err as Error).message;
    expect(m).toMatch(/^phone \+86 138\*\*\*\*0000 was not found, or the user is outside the app's visible range/);
    expect(m).not.toContain('13800000000');
  });

  it('rejects a receiveId that is not a phone number without a lookup', async () => {
    const { calls, lookup } = fakeLookup({});
    const r = new ReceiverResolver({ lookup });
    const err = await r.resolve(phoneMsg('call me')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ValidationError);
    expect(err).toMatchObject({ code: 'MESSAGE_INVALID', field: 'receiveId' });
    expect(calls).toHaveLength(0);
  });

  it('caches hits for ttlMs (10 min default) on the injected clock', async () => {
    const clock = new FakeClock();
    const { calls, lookup } = fakeLookup({ '13800000000': 'ou_a' });
    const r = new ReceiverResolver({ lookup, clock });
    await r.resolve(phoneMsg('13800000000'));
    clock.t += 10 * 60_000 - 1;
    await r.resolve(phoneMsg('13800000000'));
    expect(calls).toHaveLength(1);
    clock.t += 1;
    await r.resolve(phoneMsg('13800000000'));
    expect(calls).toHaveLength(2);
  });

  it('caches misses for a shorter time (1 min default)', async () => {
    const clock = new FakeClock();
    const dir: Record<string, string> = {};
    const { calls, lookup } = fakeLookup(dir);
    const r = new ReceiverResolver({ lookup, clock });
    await expect(r.resolve(phoneMsg('13800000000'))).rejects.toMatchObject({ code: 'RECEIVER_NOT_FOUND' });
    clock.t += 59_999;
    await expect(r.resolve(phoneMsg('13800000000'))).rejects.toMatchObject({ code: 'RECEIVER_NOT_FOUND' });
    expect(calls).toHaveLength(1);
    dir['13800000000'] = 'ou_new'; // the user was added to the visible range
    clock.t += 1;
    expect(await r.resolve(phoneMsg('13800000000'))).toEqual({ receiveIdType: 'open_id', receiveId: 'ou_new' });
    expect(calls).toHaveLength(2);
  });

  it('honours custom ttlMs / missTtlMs', async () => {
    const clock = new FakeClock();
    const { calls, lookup } = fakeLookup({ '13800000000': 'ou_a' });
    const r = new ReceiverResolver({ lookup, clock, ttlMs: 1000, missTtlMs: 100 });
    await r.resolve(phoneMsg('13800000000'));
    clock.t += 1000;
    await r.resolve(phoneMsg('13800000000'));
    expect(calls).toHaveLength(2);
  });

  it('propagates a lookup error to every waiting message and does not cache a passing failure', async () => {
    let fail = true;
    const calls: string[][] = [];
    const lookup = async (mobiles: string[]) => {
      calls.push(mobiles);
      if (fail) throw new LarkError({ code: 'SERVER_ERROR', message: 'internal error', retryable: true });
      return new Map(mobiles.map((m) => [m, `ou_${m}`]));
    };
    const r = new ReceiverResolver({ lookup });
    const results = await Promise.allSettled(['13800000001', '13800000002', '13800000001'].map((p) => r.resolve(phoneMsg(p))));
    expect(results.map((x) => x.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const x of results) expect((x as PromiseRejectedResult).reason).toMatchObject({ code: 'SERVER_ERROR' });
    expect(calls).toEqual([['13800000001', '13800000002']]);
    fail = false;
    expect(await r.resolve(phoneMsg('13800000001'))).toEqual({ receiveIdType: 'open_id', receiveId: 'ou_13800000001' });
    expect(calls).toHaveLength(2);
  });

  it('remembers a lookup refused for scope or permission (for missTtlMs): each phone message does not repeat it', async () => {
    const clock = new FakeClock();
    const calls: string[][] = [];
    const lookup = async (mobiles: string[]): Promise<Map<string, string>> => {
      calls.push(mobiles);
      throw new LarkError({ code: 'PERMISSION_DENIED', larkCode: 99991672, message: 'no contact:user.id:readonly' });
    };
    const r = new ReceiverResolver({ lookup, clock, missTtlMs: 60_000 });
    await expect(r.resolve(phoneMsg('13800000001'))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    for (const p of ['13800000002', '13800000003', '13800000001']) {
      await expect(r.resolve(phoneMsg(p))).rejects.toMatchObject({ code: 'PERMISSION_DENIED', larkCode: 99991672 });
    }
    expect(calls).toHaveLength(1);
    clock.t += 60_000;
    await expect(r.resolve(phoneMsg('13800000002'))).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    expect(calls).toHaveLength(2);
  });

  it('keeps its answers in the LookupStore it is given, and asks Lark only for what the store does not know', async () => {
    const remembered = new Map<string, string | null>([['13800000001', 'ou_from_store'], ['13800000002', null]]);
    const writes: Array<{ phone: string; openId: string | null; ttlMs: number }> = [];
    const store = {
      getMany: async (phones: readonly string[]) => new Map(phones.filter((p) => remembered.has(p)).map((p) => [p, remembered.get(p)!] as const)),
      setMany: async (entries: ReadonlyArray<{ phone: string; openId: string | null; ttlMs: number }>) => void writes.push(...entries),
    };
    const { calls, lookup } = fakeLookup({ '13800000003': 'ou_three' });
    const r = new ReceiverResolver({ lookup, store, ttlMs: 5000, missTtlMs: 500 });
    const [one, two, three, four] = await Promise.allSettled(
      ['13800000001', '13800000002', '13800000003', '13800000004'].map((p) => r.resolve(phoneMsg(p))),
    );
    expect(one).toMatchObject({ status: 'fulfilled', value: { receiveId: 'ou_from_store' } });
    expect(two).toMatchObject({ status: 'rejected', reason: { code: 'RECEIVER_NOT_FOUND' } });
    expect(three).toMatchObject({ status: 'fulfilled', value: { receiveId: 'ou_three' } });
    expect(four).toMatchObject({ status: 'rejected', reason: { code: 'RECEIVER_NOT_FOUND' } });
    expect(calls).toEqual([['13800000003', '13800000004']]);
    expect(writes).toEqual([
      { phone: '13800000003', openId: 'ou_three', ttlMs: 5000 },
      { phone: '13800000004', openId: null, ttlMs: 500 },
    ]);
  });

  it('prefetch never rejects, even when the lookup fails', async () => {
    const r = new ReceiverResolver({ lookup: async () => { throw new Error('down'); } });
    await expect(r.prefetch(['13800000000'])).resolves.toBeUndefined();
  });
});
