/**
 * Case 4, faults: 5% HTTP 500, 5% HTTP 429, 3% responses lost after delivery (the socket is destroyed),
 * and every token invalidated once half the messages are delivered. Counted on the emulator's side:
 * delivered (distinct), duplicates, lost.
 */
import { LarkEmulator } from '../../src/emulator/index.js';
import { benchMessages, benchSeed, deliveryCounts, type BenchMessage } from '../seed.js';
import { makeConnector, makeSdkClient, runConnector, runSdk } from '../sides.js';
import type { BenchRow } from '../table.js';

export interface FaultsOptions {
  messages: number;
  receivers: number;
  concurrency: number;
}

const RATIOS = { serverError: 0.05, rateLimited: 0.05, lostResponse: 0.03 };

/** Invalidates every token once `at` messages are delivered. */
function invalidateMidway(emu: LarkEmulator, at: number): () => boolean {
  let done = false;
  const timer = setInterval(() => {
    if (emu.stats().delivered >= at) {
      emu.faults.invalidateTokens();
      done = true;
      clearInterval(timer);
    }
  }, 10);
  return () => {
    clearInterval(timer);
    return done;
  };
}

async function side(name: string, run: (emu: LarkEmulator, messages: BenchMessage[]) => Promise<void>, o: FaultsOptions) {
  const emu = await LarkEmulator.start({ seed: benchSeed(o.receivers), limits: false });
  emu.faults.ratios(RATIOS);
  const messages = benchMessages(o.messages, o.receivers, `faults-${name}`);
  const stop = invalidateMidway(emu, Math.floor(o.messages / 2));
  const t0 = Date.now();
  await run(emu, messages);
  const wallMs = Date.now() - t0;
  const invalidated = stop();
  const counts = deliveryCounts(messages, emu.messages().map((m) => m.content));
  const stats = emu.stats();
  await emu.close();
  return { ...counts, invalidated, wallMs, stats };
}

export async function runFaultsCase(o: FaultsOptions, log: (s: string) => void) {
  log(`faults: connector, ${o.messages} messages`);
  const conn = await side(
    'c',
    async (emu, messages) => {
      // A short timeout: a lost response is a destroyed socket (fails fast anyway); this bounds anything slower.
      const connector = makeConnector(emu.baseUrl, { timeoutMs: 5000, maxInFlight: o.concurrency });
      await runConnector(connector, messages);
      connector.close();
    },
    o,
  );
  log(`faults: SDK, ${o.messages} messages, pool of ${o.concurrency}`);
  const sdk = await side(
    's',
    async (emu, messages) => {
      await runSdk(makeSdkClient(emu.baseUrl), messages, o.concurrency, 'faults-s');
    },
    o,
  );
  const exact = conn.delivered === o.messages && conn.duplicates === 0 && conn.lost === 0;
  const note = (f: typeof conn) =>
    `${f.stats.sendRequests} requests: ${f.stats.status5xx} HTTP 5xx, ${f.stats.status429} HTTP 429, ${f.stats.lostResponses} lost responses, ${f.stats.duplicatesSuppressed} uuid repeats suppressed, ${f.stats.tokenRequests} token requests; tokens invalidated midway: ${f.invalidated}`;
  const rows: BenchRow[] = [
    { case: 'faults', figure: `delivered (of ${o.messages})`, connector: conn.delivered, sdk: sdk.delivered, ratio: null, goal: `${o.messages}`, met: conn.delivered === o.messages, note: `connector ${note(conn)}` },
    { case: 'faults', figure: 'duplicates', connector: conn.duplicates, sdk: sdk.duplicates, ratio: null, goal: '0', met: conn.duplicates === 0 },
    { case: 'faults', figure: 'lost', connector: conn.lost, sdk: sdk.lost, ratio: null, goal: '0', met: conn.lost === 0, note: `SDK ${note(sdk)}` },
    { case: 'faults', figure: 'wall time (s)', connector: conn.wallMs / 1000, sdk: sdk.wallMs / 1000, ratio: null, goal: '', met: null },
  ];
  return { rows, raw: { options: o, ratios: RATIOS, connector: conn, sdk, exactlyOnce: exact } };
}
