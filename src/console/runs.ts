import type { MessageOutcome, RunSummary } from './types.js';
import { reportLine } from '../pipeline/report/report-writer.js';
import { SEND_QUOTA, SendEta, type EtaBound } from '../pipeline/report/eta.js';
import type { Reachability } from '../pipeline/report/reachability.js';
import type { SendFiles } from './send-files.js';

/** stopping: Stop was asked; the messages on the wire are settling, the rest will be not sent. */
export type RunState = 'running' | 'stopping' | 'done' | 'error';
export type RunEvent =
  | { type: 'outcome'; outcome: MessageOutcome; progress: RunProgress }
  | { type: 'progress'; progress: RunProgress }
  | { type: 'stopping'; progress: RunProgress }
  | { type: 'done'; summary: RunSummary; progress: RunProgress; resume?: ResumeInfo }
  | { type: 'error'; message: string; resume?: ResumeInfo };

/** Where a send stands, and the time left by Lark's quota (the CLI's estimate, src/pipeline/report/eta.ts). */
export interface RunProgress {
  /** Messages settled (any outcome), of total. */
  done: number;
  total: number;
  delivered: number;
  /** Delivered by an earlier run of the same send (its state), not sent again. */
  resumed: number;
  failed: number;
  notSent: number;
  etaMs?: number;
  /** What binds the ETA: one receiver's quota, the app's, or the pace so far. */
  etaBound?: EtaBound;
  /** Lark has given no answer for this long (the CLI's "Lark unreachable for 12 s, retrying"): no ETA then. */
  unreachableMs?: number;
  /** Lark's send limits the ETA is computed from. */
  quota: typeof SEND_QUOTA;
}

/** A send that stopped before its end: what is left, and how to send only that. */
export interface ResumeInfo {
  /** Messages the run did not get to (not sent, or never read): a resume sends them (and tries failed ones again). */
  notSent: number;
  /** The records and the state journal of the send (the CLI's --input and --state). */
  input: string;
  state: string;
}

/** One send run: outcomes as they arrive, so late subscribers (SSE reconnects, polling) can catch up. */
export class Run {
  readonly outcomes: MessageOutcome[] = [];
  state: RunState = 'running';
  summary?: RunSummary;
  errorMessage?: string;
  /** The run that resumed this one, once one did. */
  resumedBy?: string;
  /** Resolves when the run has settled and its state is closed. */
  settled: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<(e: RunEvent) => void>();
  private readonly eta: SendEta;
  private readonly counts = { delivered: 0, resumed: 0, failed: 0, notSent: 0 };
  private readonly stopper = new AbortController();

  constructor(
    readonly id: string,
    readonly total: number,
    readonly startedAt: number,
    /** The send's files (its records and state journal): a resume of this run uses the same. */
    readonly files: SendFiles,
    private readonly now: () => number,
    receivers: readonly string[] = [],
    /** Whether Lark answers (the client's circuit events), for the progress. */
    private readonly reachability?: Reachability,
  ) {
    this.eta = new SendEta(now);
    for (const r of receivers) this.eta.noteReceiver(r);
  }

  /** Aborted by stop(): the run's writer takes it as its signal. */
  get signal(): AbortSignal {
    return this.stopper.signal;
  }

  push(outcome: MessageOutcome): void {
    this.outcomes.push(outcome);
    this.eta.noteOutcome(outcome);
    const c = this.counts;
    if (outcome.status === 'delivered') {
      c.delivered += 1;
      if (outcome.resumed) c.resumed += 1;
    } else if (outcome.status === 'failed') c.failed += 1;
    else if (outcome.status === 'not_sent') c.notSent += 1;
    this.emit({ type: 'outcome', outcome, progress: this.progress() });
  }

  /** A clean stop, as Ctrl-C is for the CLI: nothing new is sent, those on the wire settle, the rest is not sent. */
  stop(): boolean {
    if (this.state !== 'running') return false;
    this.state = 'stopping';
    this.stopper.abort();
    this.emit({ type: 'stopping', progress: this.progress() });
    return true;
  }

  finish(summary: RunSummary): void {
    this.state = 'done';
    this.summary = summary;
    const resume = this.resumeInfo();
    this.emit({ type: 'done', summary, progress: this.progress(), ...(resume ? { resume } : {}) });
  }

  fail(message: string): void {
    this.state = 'error';
    this.errorMessage = message;
    const resume = this.resumeInfo();
    this.emit({ type: 'error', message, ...(resume ? { resume } : {}) });
  }

  get finished(): boolean {
    return this.state === 'done' || this.state === 'error';
  }

  progress(now = this.now()): RunProgress {
    const done = this.outcomes.length;
    const live = !this.finished && this.state !== 'stopping';
    const unreachable = live ? this.reachability?.unreachableMs(now) : undefined;
    const eta = !live || unreachable !== undefined ? undefined : this.eta.estimate(this.total - done, now);
    return {
      done, total: this.total, ...this.counts,
      ...(eta ? { etaMs: Math.round(eta.ms), etaBound: eta.bound } : {}),
      ...(unreachable !== undefined ? { unreachableMs: Math.round(unreachable) } : {}),
      quota: SEND_QUOTA,
    };
  }

  /**
   * A finished run that stopped before its end (a stop, an outage, a failed start): what it did not get to, and
   * its files, which a resume (or the CLI with --input and --state) takes up from. Records it never read count.
   */
  resumeInfo(): ResumeInfo | undefined {
    if (!this.finished) return undefined;
    const notSent = this.counts.notSent + Math.max(0, this.total - this.outcomes.length);
    if (notSent <= 0) return undefined;
    return { notSent, input: this.files.input, state: this.files.state };
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

  snapshot(since = 0): {
    id: string; state: RunState; total: number; outcomes: MessageOutcome[]; progress: RunProgress;
    summary?: RunSummary; error?: string; resume?: ResumeInfo;
  } {
    const resume = this.resumeInfo();
    return {
      id: this.id, state: this.state, total: this.total,
      outcomes: this.outcomes.slice(since), progress: this.progress(),
      ...(this.summary ? { summary: this.summary } : {}),
      ...(this.errorMessage ? { error: this.errorMessage } : {}),
      ...(resume ? { resume } : {}),
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

  /** A run id: unique in this console, and a safe file name (the send's files are named after it). */
  nextId(now: number): string {
    this.seq += 1;
    return `run-${now.toString(36)}-${this.seq}`;
  }

  add(run: Run): Run {
    this.runs.set(run.id, run);
    while (this.runs.size > this.keep) {
      const oldest = this.runs.keys().next().value as string;
      this.runs.delete(oldest);
    }
    return run;
  }

  get(id: string): Run | undefined {
    return this.runs.get(id);
  }

  /** The runs still sending (the console's close waits for them to settle). */
  active(): Run[] {
    return [...this.runs.values()].filter((r) => !r.finished);
  }
}
