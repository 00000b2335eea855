import { afterEach, describe, expect, it } from 'vitest';
import type { LarkEmulator } from '../../src/emulator/index.js';
import { LarkClient } from '../../src/lark/client.js';
import { AxiosTransport, type Transport } from '../../src/lark/transport.js';
import { parseConfig } from '../../src/config.js';
import { streamRead, timestampToStreamOffset } from '../../src/source/source.js';
import { OUTAGE_MAX_WAIT_MS } from '../../src/source/follower.js';
import { FakeClock } from '../helpers/fake-clock.js';
import { ALICE, APP_ID, APP_SECRET, OPS, collector, startEmulator } from './helpers.js';

const OUTAGE_MS = 40_000;

/**
 * The real transport, with a switchable outage: while it lasts (in fake time) every request is refused
 * before it reaches the emulator, as a host that is gone refuses connections.
 */
class OutageTransport implements Transport {
  refused = 0;
  outage: { from: number; until: number } | undefined;
  onRefused: (() => void) | undefined;
  constructor(
    private readonly inner: Transport,
    private readonly clock: FakeClock,
  ) {}
  send(req: Parameters<Transport['send']>[0]) {
    const now = this.clock.now();
    if (this.outage && now >= this.outage.from && now < this.outage.until) {
      this.refused += 1;
      this.onRefused?.();
      return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1'), { code: 'ECONNREFUSED' }));
    }
    return this.inner.send(req);
  }
  close() {
    this.inner.close();
  }
}

describe('read --follow rides an outage (poll mode, fake clock)', () => {
  let emu: LarkEmulator | undefined;
  let client: LarkClient | undefined;
  afterEach(async () => {
    client?.close();
    await emu?.close();
  });

  it('keeps following through 40 s of refused connections and reads what was posted meanwhile, once', async () => {
    const clock = new FakeClock({ autoAdvance: true });
    emu = await startEmulator({ clock });
    const transport = new OutageTransport(new AxiosTransport({ baseUrl: emu.baseUrl }), clock);
    client = new LarkClient({ appId: APP_ID, appSecret: APP_SECRET, baseUrl: emu.baseUrl, clock, pacing: false, transport });
    const node = parseConfig({ connection: { appId: APP_ID, appSecret: APP_SECRET, domain: emu.baseUrl }, node: { chats: OPS } }, {}).node;

    const before = emu.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'before' });
    const posted = [before.messageId];
    const stop = new AbortController();
    const warnings: string[] = [];
    const read = collector();
    let outageSeen = false;
    const emit = (events: Parameters<typeof read.emit>[0], offset: Parameters<typeof read.emit>[1]) => {
      read.emit(events, offset);
      const ids = read.events.map((e) => e.record.messageId);
      if (!outageSeen && ids.includes(before.messageId)) {
        outageSeen = true;
        // From the next poll on, so that the outage outlasts the client's own retries of one request.
        const from = clock.now() + 15_000;
        transport.outage = { from, until: from + OUTAGE_MS };
        // Posted while Lark refuses this client: at the outage's start and in its middle.
        transport.onRefused = () => {
          if (posted.length === 1) posted.push(emu!.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'during 1' }).messageId);
          else if (posted.length === 2 && clock.now() >= from + OUTAGE_MS / 2) {
            posted.push(emu!.postMessage({ chatId: OPS, senderOpenId: ALICE, text: 'during 2' }).messageId);
          }
        };
      }
      if (posted.length === 3 && posted.every((id) => ids.includes(id))) stop.abort();
    };
    const running = streamRead(client, node, timestampToStreamOffset(0), emit, { appId: APP_ID, appSecret: APP_SECRET, baseUrl: emu.baseUrl, clock }, {
      signal: stop.signal,
      pollIntervalMs: 15_000,
      onWarning: (w) => warnings.push(w),
    });
    const timeout = setTimeout(() => stop.abort(), 20_000);
    await expect(running).resolves.toBeDefined();
    clearTimeout(timeout);

    expect(transport.outage).toBeDefined();
    expect(clock.now()).toBeGreaterThanOrEqual(transport.outage!.until);
    expect(posted).toHaveLength(3);
    // Every message once, in order: no gap, no repeat.
    expect(read.events.map((e) => [e.op, e.record.messageId])).toEqual(posted.map((id) => ['insert', id]));
    const down = warnings.filter((w) => /unreachable/.test(w) && /still following/.test(w));
    const back = warnings.filter((w) => /^Lark answers again/.test(w));
    expect(down).toHaveLength(1);
    expect(down[0]).toContain(`up to ${OUTAGE_MAX_WAIT_MS / 1000} s`);
    expect(back).toHaveLength(1);
    expect(transport.refused).toBeGreaterThan(0);
    // The outage ended a pass short of the next poll interval plus the longest probe wait.
    expect(clock.now() - transport.outage!.until).toBeLessThanOrEqual(15_000 + OUTAGE_MAX_WAIT_MS);
  });
});
