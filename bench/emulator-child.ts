/**
 * A LarkEmulator in its own process, so the CPU the emulator burns is not charged to the client measured in
 * the parent. argv[2]: JSON {users?, limits?, roundTripMs?}. Prints one JSON line {baseUrl}, then answers JSON-line
 * commands on stdin: {"cmd":"stats"} -> stats, {"cmd":"messages"} -> content + createTime of each delivered
 * message, {"cmd":"stop"} -> exits.
 */
import { createInterface } from 'node:readline';
import { LarkEmulator } from '../src/emulator/index.js';
import { benchSeed } from './seed.js';

interface ChildOptions {
  users?: number;
  limits?: false;
  /** Emulated network round trip (faults.latency). */
  roundTripMs?: number;
}

async function main(): Promise<void> {
  const opts = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
  const emu = await LarkEmulator.start({ seed: benchSeed(opts.users ?? 200), ...(opts.limits === false ? { limits: false } : {}) });
  const reply = (v: unknown) => process.stdout.write(JSON.stringify(v) + '\n');
  if (opts.roundTripMs) emu.faults.latency(opts.roundTripMs);
  reply({ baseUrl: emu.baseUrl });
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const cmd = (JSON.parse(line) as { cmd?: string }).cmd;
    if (cmd === 'stats') reply({ stats: emu.stats(), cpu: process.cpuUsage() });
    if (cmd === 'messages') reply({ messages: emu.messages().map((m) => ({ content: m.content, createTime: m.createTime })) });
    if (cmd === 'stop') void emu.close().then(() => process.exit(0));
  });
  rl.on('close', () => void emu.close().then(() => process.exit(0)));
}

void main();
