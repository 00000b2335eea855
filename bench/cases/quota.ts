/**
 * Case 1, quota-bound: N messages round-robin to R receivers, the emulator enforcing Lark's limits
 * (50/s + 1000/min per app, 5/s per receiver). The connector paces itself; the SDK loop does not.
 */
import { LarkEmulator } from '../../src/emulator/index.js';
import { bindingQuota, idealSpanMs, ratePerSecond } from '../quota.js';
import { benchMessages, benchSeed, deliveryCounts, markerOf, type BenchMessage } from '../seed.js';
import { makeConnector, makeSdkClient, runConnector, runSdk } from '../sides.js';
import { ratioOf, type BenchRow } from '../table.js';

export interface QuotaOptions {
  messages: number;
  receivers: number;
  /** Connector maxInFlight and the SDK pool's size. */
  concurrency: number;
}

export interface SideFigures {
  delivered: number;
  duplicates: number;
  lost: number;
  sendRequests: number;
  /** HTTP 429 answers plus 230020 (per-receiver frequency limit, HTTP 400). */
  rateLimited: number;
  status429: number;
  wallMs: number;
  /** First to last delivery, on the emulator's clock. */
  spanMs: number;
}

async function measure(emu: LarkEmulator, sent: BenchMessage[], wallMs: number): Promise<SideFigures> {
  const delivered = emu.messages();
  const stats = emu.stats();
  const counts = deliveryCounts(sent, delivered.map((m) => m.content));
  const times = delivered.filter((m) => markerOf(m.content) !== null).map((m) => m.createTime);
  const spanMs = times.length > 1 ? Math.max(...times) - Math.min(...times) : 0;
  return {
    ...counts,
    sendRequests: stats.sendRequests,
    rateLimited: stats.status429 + (stats.errorsByCode['230020'] ?? 0),
    status429: stats.status429,
    wallMs,
    spanMs,
  };
}

export async function runQuotaCase(o: QuotaOptions, log: (s: string) => void) {
  const messagesC = benchMessages(o.messages, o.receivers, 'quota-c');
  const messagesS = benchMessages(o.messages, o.receivers, 'quota-s');
  const ideal = idealSpanMs(messagesC.map((m) => m.receiveId));

  log(`quota: connector, ${o.messages} messages to ${o.receivers} receivers (ideal span ${(ideal / 1000).toFixed(1)} s)`);
  let emu = await LarkEmulator.start({ seed: benchSeed(o.receivers) });
  const connector = makeConnector(emu.baseUrl, { maxInFlight: o.concurrency });
  let t0 = Date.now();
  await runConnector(connector, messagesC);
  const conn = await measure(emu, messagesC, Date.now() - t0);
  connector.close();
  await emu.close();

  log(`quota: SDK, same messages, pool of ${o.concurrency}`);
  emu = await LarkEmulator.start({ seed: benchSeed(o.receivers) });
  const sdk = makeSdkClient(emu.baseUrl);
  t0 = Date.now();
  await runSdk(sdk, messagesS, o.concurrency, 'quota-s');
  const sdkFig = await measure(emu, messagesS, Date.now() - t0);
  await emu.close();

  const binding = bindingQuota(o.messages, o.receivers);
  // Only a side that delivered everything has a rate comparable with the quota.
  const ofQuota = (f: SideFigures) => (f.lost === 0 && f.spanMs > 0 ? ideal / f.spanMs : null);
  const share = (f: SideFigures) => (f.sendRequests > 0 ? f.rateLimited / f.sendRequests : 0);
  const c = 'quota';
  const rows: BenchRow[] = [
    {
      case: c,
      figure: `sends/s achieved (binding: ${binding})`,
      connector: ratePerSecond(conn.delivered, conn.spanMs),
      sdk: ratePerSecond(sdkFig.delivered, sdkFig.spanMs),
      ratio: null,
      goal: '',
      met: null,
      note: 'delivered messages over first-to-last delivery; a sliding 1 s window admits a burst of 50 at the start, so a short run can show more than 50/s',
    },
    {
      case: c,
      figure: 'achieved / binding quota',
      connector: ofQuota(conn),
      sdk: ofQuota(sdkFig) ?? 'n/a (lost)',
      ratio: null,
      goal: '>= 0.95',
      met: (ofQuota(conn) ?? 0) >= 0.95,
      note: `ideal span of the fastest schedule the windows allow (${ideal} ms) / actual span`,
    },
    {
      case: c,
      figure: 'rate-limited answers (429 + 230020) / requests',
      connector: share(conn),
      sdk: share(sdkFig),
      ratio: ratioOf(share(conn), share(sdkFig)),
      goal: '<= 0.01',
      met: share(conn) <= 0.01,
      note: `connector ${conn.rateLimited} of ${conn.sendRequests} requests (HTTP 429: ${conn.status429}); SDK ${sdkFig.rateLimited} of ${sdkFig.sendRequests} (HTTP 429: ${sdkFig.status429})`,
    },
    { case: c, figure: 'messages lost', connector: conn.lost, sdk: sdkFig.lost, ratio: null, goal: '0', met: conn.lost === 0 },
    { case: c, figure: 'duplicates', connector: conn.duplicates, sdk: sdkFig.duplicates, ratio: null, goal: '0', met: conn.duplicates === 0 },
    {
      case: c,
      figure: 'wall time (s)',
      connector: conn.wallMs / 1000,
      sdk: sdkFig.wallMs / 1000,
      ratio: ratioOf(conn.wallMs, sdkFig.wallMs),
      goal: '',
      met: null,
    },
  ];
  return { rows, raw: { options: o, idealSpanMs: ideal, binding, connector: conn, sdk: sdkFig } };
}
