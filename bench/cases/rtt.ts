/**
 * Case "rtt": the quota on a slow link. The emulator (its own process, as Lark is) enforces Lark's limits and
 * answers every request after an emulated 150 ms round trip (half before it counts the request, as Lark counts
 * on arrival). The connector paces itself; the figures are the send rate it reaches against the 50/s app
 * quota, and the 429s it collects.
 */
import { EmulatorChild } from '../child.js';
import { idealSpanMs, ratePerSecond } from '../quota.js';
import { benchMessages, markerOf } from '../seed.js';
import { makeConnector, runConnector } from '../sides.js';
import type { BenchRow } from '../table.js';

export interface RttOptions {
  messages: number;
  roundTripMs: number;
  receivers: number;
  concurrency: number;
}

export async function runRttCase(o: RttOptions, log: (s: string) => void) {
  const messages = benchMessages(o.messages, o.receivers, 'rtt');
  const ideal = idealSpanMs(messages.map((m) => m.receiveId));
  log(`rtt: ${o.messages} messages to ${o.receivers} receivers over a ${o.roundTripMs} ms round trip`);
  const emu = await EmulatorChild.start({ users: o.receivers, roundTripMs: o.roundTripMs });
  const connector = makeConnector(emu.baseUrl, { maxInFlight: o.concurrency });
  try {
    const t0 = Date.now();
    const summary = await runConnector(connector, messages);
    const wallMs = Date.now() - t0;
    const stats = await emu.stats();
    const times = (await emu.messages()).filter((m) => markerOf(m.content) !== null).map((m) => m.createTime);
    const spanMs = times.length > 1 ? Math.max(...times) - Math.min(...times) : 0;
    const rate = ratePerSecond(times.length, spanMs);
    const limited = stats.status429 + (stats.errorsByCode['230020'] ?? 0);
    const rows: BenchRow[] = [
      {
        case: 'rtt',
        figure: `sends/s at ${o.roundTripMs} ms RTT (app quota 50/s)`,
        connector: rate,
        sdk: null,
        ratio: null,
        goal: '>= 45 (0.9 x 50/s)',
        met: rate >= 45 && summary.delivered === o.messages,
        note: `arrivals first to last on the emulator (${spanMs} ms; the fastest schedule the windows allow: ${ideal} ms); delivered ${summary.delivered}/${o.messages}; wall ${(wallMs / 1000).toFixed(1)} s`,
      },
      {
        case: 'rtt',
        figure: 'achieved / fastest schedule the windows allow',
        connector: spanMs > 0 ? ideal / spanMs : null,
        sdk: null,
        ratio: null,
        goal: '',
        met: null,
        note: 'the fastest schedule sends each burst of 50 at once; below 1 by the window margin (10 ms + the spread of recent request times) and the first burst, which 16 requests in flight at 150 ms take ~450 ms to send',
      },
      {
        case: 'rtt',
        figure: 'rate-limited answers (429 + 230020)',
        connector: limited,
        sdk: null,
        ratio: null,
        goal: '0',
        met: limited === 0,
      },
    ];
    return { rows, raw: { options: o, spanMs, idealSpanMs: ideal, rate, stats, summary } };
  } finally {
    connector.close();
    await emu.stop();
  }
}
