import type { MessageOutcome, RunSummary } from './types.js';
import { reportLine } from '../pipeline/report/report-writer.js';

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

  /** The CLI's report format: JSON Lines, one outcome per line in input order, nothing else. */
  report(): string {
    // The advice the page shows next to a failure is the console's own; the report keeps the CLI's fields.
    return this.outcomes.map((o) => reportLine(withoutAdvice(o))).join('');
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

function withoutAdvice(o: MessageOutcome): MessageOutcome {
  if (!('advice' in o)) return o;
  const { advice: _advice, ...rest } = o as MessageOutcome & { advice?: string };
  return rest as MessageOutcome;
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
