/** Parent side of emulator-child.js: start it, ask it for stats, stop it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface, type Interface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { EmulatorStats } from '../src/emulator/index.js';

export class EmulatorChild {
  private constructor(
    private readonly proc: ChildProcess,
    private readonly lines: Interface,
    readonly baseUrl: string,
  ) {}

  static async start(opts: { users?: number; limits?: false; roundTripMs?: number } = {}): Promise<EmulatorChild> {
    const script = fileURLToPath(new URL('./emulator-child.js', import.meta.url));
    const proc = spawn(process.execPath, [script, JSON.stringify(opts)], { stdio: ['pipe', 'pipe', 'inherit'] });
    const lines = createInterface({ input: proc.stdout! });
    const first = await nextLine(lines, proc);
    const { baseUrl } = JSON.parse(first) as { baseUrl: string };
    return new EmulatorChild(proc, lines, baseUrl);
  }

  async stats(): Promise<EmulatorStats> {
    this.proc.stdin!.write(JSON.stringify({ cmd: 'stats' }) + '\n');
    return (JSON.parse(await nextLine(this.lines, this.proc)) as { stats: EmulatorStats }).stats;
  }

  /** Delivered messages: content and the emulator's createTime (ms). */
  async messages(): Promise<Array<{ content: string; createTime: number }>> {
    this.proc.stdin!.write(JSON.stringify({ cmd: 'messages' }) + '\n');
    return (JSON.parse(await nextLine(this.lines, this.proc)) as { messages: Array<{ content: string; createTime: number }> }).messages;
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => this.proc.once('exit', () => resolve()));
    this.proc.stdin!.end(JSON.stringify({ cmd: 'stop' }) + '\n');
    await exited;
  }
}

function nextLine(lines: Interface, proc: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    const onExit = () => reject(new Error('emulator child exited'));
    proc.once('exit', onExit);
    lines.once('line', (l) => {
      proc.off('exit', onExit);
      resolve(l);
    });
  });
}
