/**
 * stdout of an Airbyte command: protocol messages only, one JSON object a line. Anything else the process
 * would print (console.* from any module) is turned into LOG messages, so no stray line can corrupt the
 * stream the platform parses.
 */
import type { Writable } from 'node:stream';
import { logMessage, type AirbyteMessage, type LogLevel } from './protocol.js';

export class ProtocolOutput {
  constructor(private readonly stream: Writable) {}

  /** Writes one message; resolves when the stream can take more (backpressure), so callers may await it. */
  emit(message: AirbyteMessage): Promise<void> | undefined {
    if (this.stream.write(JSON.stringify(message) + '\n')) return undefined;
    // A platform that closed our stdout is gone: an error or close ends the wait as well as a drain.
    return new Promise((resolve) => {
      const done = () => {
        this.stream.off('drain', done).off('error', done).off('close', done);
        resolve();
      };
      this.stream.once('drain', done).once('error', done).once('close', done);
    });
  }

  log(level: LogLevel, message: string): Promise<void> | undefined {
    return this.emit(logMessage(level, message));
  }

  /** Resolves once everything written so far has been handed to the OS. */
  flush(): Promise<void> {
    return new Promise((resolve) => this.stream.write('', () => resolve()));
  }
}

const CONSOLE_LEVELS: Array<[keyof Console, LogLevel]> = [
  ['log', 'INFO'],
  ['info', 'INFO'],
  ['debug', 'DEBUG'],
  ['warn', 'WARN'],
  ['error', 'ERROR'],
];

/** Routes console.* to LOG messages for the life of the process (an Airbyte command owns its process). */
export function captureConsole(out: ProtocolOutput): void {
  for (const [method, level] of CONSOLE_LEVELS) {
    (console as unknown as Record<string, (...args: unknown[]) => void>)[method] = (...args: unknown[]) => {
      void out.log(level, args.map((a) => (typeof a === 'string' ? a : safeString(a))).join(' '));
    };
  }
}

function safeString(value: unknown): string {
  if (value instanceof Error) return value.message;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
