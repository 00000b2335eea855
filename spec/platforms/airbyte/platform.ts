/**
 * The specs' stand-in for the Airbyte platform: spawns the built `lark-im airbyte <command>` with a config
 * and catalog, feeds it stdin, and parses EVERY stdout line with the protocol's zod schema (a line that is
 * not a protocol message fails the spec).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'vitest';
import { airbyteMessageSchema, type AirbyteMessage } from '../../../src/platforms/airbyte/protocol.js';
import { CLI } from '../../cli/cli-helpers.js';

/** Pacing lifted for the big runs (the emulator's limits are lifted with it). */
export const FAST_PACING = JSON.stringify({ appPerSecond: 100_000, appPerMinute: 10_000_000, perReceiverPerSecond: 100_000, maxInFlight: 32 });

export function parseLine(line: string): AirbyteMessage {
  const parsed = airbyteMessageSchema.safeParse(JSON.parse(line));
  if (!parsed.success) throw new Error(`not an Airbyte protocol message: ${line}\n${parsed.error.message}`);
  return parsed.data;
}

export class Workdir {
  private constructor(readonly dir: string) {}
  static async create(): Promise<Workdir> {
    return new Workdir(await mkdtemp(join(tmpdir(), 'lark-im-airbyte-')));
  }
  async json(name: string, value: unknown): Promise<string> {
    const path = join(this.dir, name);
    await writeFile(path, JSON.stringify(value));
    return path;
  }
  remove(): Promise<void> {
    return rm(this.dir, { recursive: true, force: true });
  }
}

export function destinationCatalog(streams: string[] = ['alerts']) {
  return {
    streams: streams.map((name) => ({
      stream: { name, json_schema: { type: 'object' }, supported_sync_modes: ['full_refresh', 'incremental'] },
      sync_mode: 'incremental',
      destination_sync_mode: 'append',
    })),
  };
}

/** The configured catalog a platform gives the source: lark_messages, incremental on updateTime. */
export function sourceCatalog() {
  return {
    streams: [
      {
        stream: { name: 'lark_messages', json_schema: {}, supported_sync_modes: ['full_refresh', 'incremental'] },
        sync_mode: 'incremental',
        destination_sync_mode: 'append_dedup',
        cursor_field: ['updateTime'],
        primary_key: [['messageId']],
      },
    ],
  };
}

export function recordLine(stream: string, data: Record<string, unknown>): string {
  return JSON.stringify({ type: 'RECORD', record: { stream, data, emitted_at: 1_700_000_000_000 } });
}

export function stateLine(stream: string, cursor: number): string {
  return JSON.stringify({
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: { name: stream }, stream_state: { cursor } }, sourceStats: { recordCount: 0 } },
  });
}

/** A running connector: its stdout messages as they arrive, each parsed; onMessage sees them the moment they do. */
export class AirbyteProcess {
  readonly messages: AirbyteMessage[] = [];
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private partial = '';
  private parseError: Error | undefined;

  constructor(
    readonly child: ChildProcess,
    onMessage?: (m: AirbyteMessage) => void,
  ) {
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (chunk: string) => {
      const text = this.partial + chunk;
      const lines = text.split('\n');
      this.partial = lines.pop()!;
      for (const line of lines) {
        try {
          const m = parseLine(line);
          this.messages.push(m);
          onMessage?.(m);
        } catch (err) {
          this.parseError ??= err as Error;
        }
      }
    });
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  }

  /** Every line was a protocol message and nothing was left unterminated. */
  assertProtocolOnly(): void {
    if (this.parseError) throw this.parseError;
    expect(this.partial).toBe('');
  }

  ofType<T extends AirbyteMessage['type']>(type: T): Array<Extract<AirbyteMessage, { type: T }>> {
    return this.messages.filter((m): m is Extract<AirbyteMessage, { type: T }> => m.type === type);
  }

  logs(level?: string): string[] {
    return this.ofType('LOG').filter((m) => !level || m.log.level === level).map((m) => m.log.message);
  }
}

export function spawnAirbyte(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; onMessage?: (m: AirbyteMessage) => void } = {},
): AirbyteProcess {
  const child = spawn(process.execPath, [CLI, 'airbyte', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: { PATH: process.env.PATH, ...options.env },
  });
  child.stdin!.on('error', () => undefined); // a killed child closes its stdin under the writer
  return new AirbyteProcess(child, options.onMessage);
}

/** Runs a command to its end with the given stdin; its stdout must be protocol messages only. */
export async function runAirbyte(
  args: string[],
  stdin = '',
  options: { env?: NodeJS.ProcessEnv; onMessage?: (m: AirbyteMessage) => void } = {},
): Promise<AirbyteProcess & { code: number | null }> {
  const p = spawnAirbyte(args, options);
  p.child.stdin!.end(stdin);
  const { code } = await p.exited;
  p.assertProtocolOnly();
  return Object.assign(p, { code });
}
