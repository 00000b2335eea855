/** Case 3: 100 concurrent sends from a cold start; how many token requests reach the emulator. */
import { LarkEmulator } from '../../src/emulator/index.js';
import { benchMessages, benchSeed } from '../seed.js';
import { makeConnector, makeSdkClient, runConnector, runSdk } from '../sides.js';
import { ratioOf, type BenchRow } from '../table.js';

export async function runTokenCase(o: { messages: number }, log: (s: string) => void) {
  log(`token: ${o.messages} concurrent sends from cold, each side`);
  const receivers = Math.min(200, o.messages);
  let emu = await LarkEmulator.start({ seed: benchSeed(200), limits: false });
  const connector = makeConnector(emu.baseUrl);
  const conn = await runConnector(connector, benchMessages(o.messages, receivers, 'token-c'));
  const connStats = emu.stats();
  connector.close();
  await emu.close();

  emu = await LarkEmulator.start({ seed: benchSeed(200), limits: false });
  const sdk = await runSdk(makeSdkClient(emu.baseUrl), benchMessages(o.messages, receivers, 'token-s'), o.messages, 'token-s');
  const sdkStats = emu.stats();
  await emu.close();

  const rows: BenchRow[] = [
    {
      case: 'token',
      figure: `token requests for ${o.messages} cold sends`,
      connector: connStats.tokenRequests,
      sdk: sdkStats.tokenRequests,
      ratio: ratioOf(connStats.tokenRequests, sdkStats.tokenRequests),
      goal: '1',
      met: connStats.tokenRequests === 1 && conn.delivered === o.messages,
      note: `delivered: connector ${conn.delivered}, SDK ${sdk.ok}`,
    },
  ];
  return { rows, raw: { options: o, connector: { stats: connStats, summary: conn }, sdk: { stats: sdkStats, run: sdk } } };
}
