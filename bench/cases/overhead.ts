/**
 * Case 2, client overhead: CPU (user + sys) of this process per 1,000 sends, with the emulator in a child
 * process (its CPU is not ours), its limits off, and the connector's pacing off. Each side is warmed up
 * first (JIT, sockets, token), then measured `rounds` times alternately; the lowest round counts.
 */
import { EmulatorChild } from '../child.js';
import { benchMessages } from '../seed.js';
import { makeConnector, makeSdkClient, runConnector, runSdk } from '../sides.js';
import { ratioOf, type BenchRow } from '../table.js';

export interface OverheadOptions {
  messages: number;
  /** SDK pool size; the connector with pacing off runs up to its window (128) at once over 64 sockets. */
  concurrency: number;
  rounds: number;
  warmup: number;
}

function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

export async function runOverheadCase(o: OverheadOptions, log: (s: string) => void) {
  const child = await EmulatorChild.start({ limits: false });
  const connector = makeConnector(child.baseUrl, { pacing: false });
  const sdk = makeSdkClient(child.baseUrl);
  const perK = { connector: [] as number[], sdk: [] as number[] };
  const wall = { connector: [] as number[], sdk: [] as number[] };
  let deliveredC = 0;
  let deliveredS = 0;
  try {
    log(`overhead: warm-up ${o.warmup} sends per side`);
    await runConnector(connector, benchMessages(o.warmup, 200, 'ovh-warm-c'));
    await runSdk(sdk, benchMessages(o.warmup, 200, 'ovh-warm-s'), o.concurrency, 'ovh-warm-s');
    for (let r = 0; r < o.rounds; r++) {
      log(`overhead: round ${r + 1}/${o.rounds}, ${o.messages} sends per side`);
      const mc = benchMessages(o.messages, 200, `ovh-c${r}`);
      let t0 = Date.now();
      let cpu = process.cpuUsage();
      const summary = await runConnector(connector, mc);
      perK.connector.push((cpuMs(cpu) * 1000) / o.messages);
      wall.connector.push(Date.now() - t0);
      deliveredC += summary.delivered;

      const ms = benchMessages(o.messages, 200, `ovh-s${r}`);
      t0 = Date.now();
      cpu = process.cpuUsage();
      const res = await runSdk(sdk, ms, o.concurrency, `ovh-s${r}`);
      perK.sdk.push((cpuMs(cpu) * 1000) / o.messages);
      wall.sdk.push(Date.now() - t0);
      deliveredS += res.ok;
    }
  } finally {
    connector.close();
  }
  const stats = await child.stats();
  await child.stop();

  const c = Math.min(...perK.connector);
  const s = Math.min(...perK.sdk);
  const sent = o.messages * o.rounds;
  const rows: BenchRow[] = [
    {
      case: 'overhead',
      figure: 'client CPU ms per 1,000 sends',
      connector: c,
      sdk: s,
      ratio: ratioOf(c, s),
      goal: '<= 1.2x SDK',
      met: (ratioOf(c, s) ?? Infinity) <= 1.2 && deliveredC === sent && deliveredS === sent,
      note: `best of ${o.rounds} rounds of ${o.messages}; all rounds connector [${perK.connector.map((x) => x.toFixed(0)).join(', ')}], SDK [${perK.sdk.map((x) => x.toFixed(0)).join(', ')}]; delivered connector ${deliveredC}/${sent}, SDK ${deliveredS}/${sent}`,
    },
    {
      case: 'overhead',
      figure: 'sends/s (limits and pacing off)',
      connector: (o.messages * 1000) / Math.min(...wall.connector),
      sdk: (o.messages * 1000) / Math.min(...wall.sdk),
      ratio: ratioOf(Math.min(...wall.sdk), Math.min(...wall.connector)),
      goal: '',
      met: null,
    },
  ];
  return { rows, raw: { options: o, cpuPerThousand: perK, wallMs: wall, emulatorStats: stats } };
}
