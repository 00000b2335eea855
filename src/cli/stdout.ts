/**
 * Standard output whose reader may go away (`lark-im write --report - | head -1`). Without a listener the
 * EPIPE is an unhandled 'error' event: a stack trace and exit 1. With this guard the output just ends:
 * later writes are dropped and the command is told, so a write stops sending like on Ctrl-C.
 */
import type { Writable } from 'node:stream';

export class OutputGuard {
  private closedBy: NodeJS.ErrnoException | undefined;
  private readonly listeners = new Set<() => void>();

  constructor(stream: Writable) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // Every stream error ends the output; only EPIPE is the normal way for it to end.
      this.closedBy ??= err;
      for (const listener of this.listeners) listener();
    });
  }

  get closed(): boolean {
    return this.closedBy !== undefined;
  }

  /** Called once the output is closed (at once when it already is); returns the unsubscribe. */
  onClosed(listener: () => void): () => void {
    if (this.closed) listener();
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

/** The guard on this process's stdout, installed once by the CLI's main before any command runs. */
let stdoutGuard: OutputGuard | undefined;
export function guardStdout(): OutputGuard {
  stdoutGuard ??= new OutputGuard(process.stdout);
  return stdoutGuard;
}
