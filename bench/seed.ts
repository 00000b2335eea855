/** A bench seed built in code: the demo app plus `users` visible users (fixtures/emulator-seed.json is left alone). */
import { defaultSeed, type EmulatorSeed } from '../src/emulator/index.js';

export const BENCH_APP = { appId: 'cli_bench_app', appSecret: 'bench-secret-not-real' } as const;

export function benchOpenId(i: number): string {
  return `ou_bench${String(i).padStart(24, '0')}`;
}

export function benchSeed(users = 200): EmulatorSeed {
  const seed = defaultSeed();
  seed.apps = [{ ...seed.apps[0]!, ...BENCH_APP, appName: 'Bench Bot' }];
  seed.users = Array.from({ length: users }, (_, i) => ({
    openId: benchOpenId(i),
    name: `Bench User ${i}`,
    email: `bench${i}@example.com`,
    visible: true,
  }));
  return seed;
}

/** One bench message: a text to receiver i % receivers, with a marker that identifies it in the emulator. */
export interface BenchMessage {
  receiveId: string;
  content: string;
  /** Unique per message in a case: counted in the emulator's delivered messages. */
  marker: string;
}

export function benchMessages(n: number, receivers: number, tag: string): BenchMessage[] {
  return Array.from({ length: n }, (_, i) => {
    const marker = `${tag}#${i}`;
    return { receiveId: benchOpenId(i % receivers), content: JSON.stringify({ text: `bench ${marker}: order shipped` }), marker };
  });
}

/** Marker of a delivered message's content (null when it is not a bench message). */
export function markerOf(content: string): string | null {
  const m = /bench (\S+#\d+):/.exec(content);
  return m ? m[1]! : null;
}

/** delivered / duplicates / lost of one side, from the emulator's delivered messages. */
export function deliveryCounts(sent: readonly BenchMessage[], deliveredContents: readonly string[]): { delivered: number; duplicates: number; lost: number } {
  const wanted = new Set(sent.map((m) => m.marker));
  const seen = new Map<string, number>();
  for (const c of deliveredContents) {
    const k = markerOf(c);
    if (k !== null && wanted.has(k)) seen.set(k, (seen.get(k) ?? 0) + 1);
  }
  let duplicates = 0;
  for (const n of seen.values()) duplicates += n - 1;
  return { delivered: seen.size, duplicates, lost: wanted.size - seen.size };
}
