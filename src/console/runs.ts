import type { MessageOutcome, RunSummary } from './types.js';

export type RunState = 'running' | 'done' | 'error';
export type RunEvent =
  | { type: 'outcome'; outcome: MessageOutcome }
  | { type: 'done'; summary: RunSummary }
  | { type: 'error'; message: string };

/** One send run: outcomes as they arrive, so late subscribers (SSE reconnects, polling) can catch up. */
export class Run {
  readonly outcomes: MessageOutcome[] = [];
  state: RunState = 'running';
  summary?: RunSummary;
  errorMessage?: string;
  private readonly listeners = new Set<(e: RunEvent) => void>();

  constructor(readonly id: string, readonly total: number, readonly startedAt: number) {}

  push(outcome: MessageOutcome): void {
    this.outcomes.push(outcome);
    this.emit({ type: 'outcome', outcome });
  }

  finish(summary: RunSummary): void {
    this.state = 'done';
    this.summary = summary;
    this.emit({ type: 'done', summary });
  }

  fail(message: string): void {
    this.state = 'error';
    this.errorMessage = message;
    this.emit({ type: 'error', message });
  }

  subscribe(fn: (e: RunEvent) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** JSON Lines: one outcome per line in input order, then one summary line. */
  report(): string {
    const lines = this.outcomes.map((o) => JSON.stringify(o));
    if (this.summary) lines.push(JSON.stringify({ summary: this.summary }));
    else if (this.errorMessage) lines.push(JSON.stringify({ error: this.errorMessage }));
    return lines.join('\n') + (lines.length ? '\n' : '');
  }

  snapshot(since = 0): { id: string; state: RunState; total: number; outcomes: MessageOutcome[]; summary?: RunSummary; error?: string } {
    return {
      id: this.id, state: this.state, total: this.total, outcomes: this.outcomes.slice(since),
      ...(this.summary ? { summary: this.summary } : {}),
      ...(this.errorMessage ? { error: this.errorMessage } : {}),
    };
  }

  private emit(e: RunEvent): void {
    for (const fn of this.listeners) fn(e);
  }
}

/** Keeps the last few runs (reports stay downloadable for a while; memory stays bounded). */
export class RunStore {
  private readonly runs = new Map<string, Run>();
  private seq = 0;
  constructor(private readonly keep = 20) {}

  create(total: number, now: number): Run {
    this.seq += 1;
    const id = `run-${now.toString(36)}-${this.seq}`;
    const run = new Run(id, total, now);
    this.runs.set(id, run);
    while (this.runs.size > this.keep) {
      const oldest = this.runs.keys().next().value as string;
      this.runs.delete(oldest);
    }
    return run;
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }
}
