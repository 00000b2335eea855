/**
 * `lark-im write`: streams records from a file or stdin through the connector, writes the per-message
 * report, shows progress and ends with a one-line summary.
 *
 * Exit codes: 0 every message delivered (dry-run: valid); 1 some failed; 2 could not start, nothing sent.
 */
import { LarkImConnector } from '../connector.js';
import { countLines, openInput, readRecordBatches, type InputRecord } from '../input.js';
import { isRecord } from '../core/is-record.js';
import { ConnectorError, errorLine } from '../core/errors.js';
import { ReportWriter } from '../pipeline/report/report-writer.js';
import { RunState } from '../pipeline/state.js';
import { JournalUploadKeyStore } from '../pipeline/media/journal-keys.js';
import { keepLifecycleEntry } from '../pipeline/lifecycle/journal.js';
import { DAY_MS } from '../pipeline/lifecycle/key-map.js';
import { toOutcomeError, type MessageOutcome, type RunSummary } from '../pipeline/report/outcome.js';
import { refuseOutputsThatAreInputs, proveWritable } from './paths.js';
import { ProgressBar, summaryLine } from './progress.js';
import { cliClientEvents, loadConfig } from './shared.js';
import { errnoInWords, fileError } from '../core/errno.js';
import { CliExit, EXIT_CANNOT_START, EXIT_FAILED, EXIT_OK } from '../core/exit.js';
import { guardStdout } from './stdout.js';
import { counted } from '../core/counted.js';
import { VerboseLog, describeEvent } from './verbose-log.js';
import { Reachability } from '../pipeline/report/reachability.js';
import { workersAsked } from '../pipeline/dry-run/fit.js';
import { parallelDryRun } from '../pipeline/dry-run/parallel.js';
import { renderThreads, stopEarlyThreads } from '../pipeline/dry-run/threads.js';
import { tierUpSlowly } from '../core/paced-tiering.js';

export interface WriteFlags {
  config?: string;
  input: string;
  dryRun?: boolean;
  report?: string;
  json?: boolean;
  state?: string;
  verbose?: boolean;
  redis?: string;
}

/** Without --report, this many failures are printed to stderr, then only counted. */
const FAILURES_SHOWN = 20;
/** Not on a terminal: a progress line (and the verbose pacing totals) this often. */
const PLAIN_PROGRESS_EVERY_MS = 10_000;
/** A terminal's line is redrawn this often while Lark gives no answer (its seconds count). */
const TICK_EVERY_MS = 1000;

export async function writeCommand(flags: WriteFlags): Promise<number> {
  const startedAt = Date.now();
  const dryRun = Boolean(flags.dryRun);
  if (flags.json && flags.report === '-') {
    throw new CliExit(EXIT_CANNOT_START, '--json prints the summary on stdout, where --report - writes the report: give --report a file, or leave out --json');
  }
  // A dry-run without --report shows the rendered requests on stdout (unless stdout carries --json).
  const reportPath = flags.report ?? (dryRun && !flags.json ? '-' : undefined);
  const statePath = flags.state && !dryRun ? flags.state : undefined;
  // A dry-run reads the state (keys look up the message they would edit) and never writes it.
  const readStatePath = flags.state && dryRun ? flags.state : undefined;
  // Everything that can stop the run happens before the first message is read or sent.
  await refuseOutputsThatAreInputs([
    { flag: '--input', path: flags.input, output: false },
    { flag: '--config', path: flags.config, output: false },
    { flag: '--state', path: statePath, output: true },
    { flag: '--report', path: reportPath, output: true },
  ]);
  const config = await loadConfig(flags.config, { dryRun, ...(flags.redis ? { redis: flags.redis } : {}) });
  const asked = dryRun ? workersAsked() : 0;
  if (statePath) await proveWritable('--state', statePath, { createFolder: true, nothing: 'nothing was sent' });
  if (reportPath && reportPath !== '-') await proveWritable('--report', reportPath, { nothing: 'nothing was sent' });
  const verbose = flags.verbose ? new VerboseLog(process.stderr) : undefined;
  const reachability = new Reachability();
  const onEvent = cliClientEvents(process.stderr, (e) => {
    reachability.note(e);
    // Said beside the "no answer from Lark" notice: the wait is over (verbose says it anyway).
    if (e.type === 'circuit.closed' && !verbose && e.openMs >= 1000) {
      process.stderr.write(`lark-im: ${describeEvent(e)}\n`);
    }
    verbose?.onEvent(e);
  });
  const connector = new LarkImConnector(config, { onEvent });
  try {
    const input = await openInput(flags.input).catch((err: unknown) => {
      throw fileError('--input', flags.input, err);
    });
    const hint = stdinHint(flags.input, process.stdin);
    if (hint) process.stderr.write(`${hint}\n`);
    const report = reportPath
      ? await ReportWriter.open(reportPath).catch((err: unknown) => {
          throw fileError('--report', reportPath, err);
        })
      : undefined;
    const state = statePath
      ? await RunState.open(statePath, { keepExtra: keepLifecycleEntry(config.node.messageKeyDays * DAY_MS, Date.now()) }).catch((err: unknown) => {
          throw err instanceof ConnectorError ? err : fileError('--state', statePath, err);
        })
      : undefined;
    const readState = readStatePath
      ? await RunState.readOnly(readStatePath).catch((err: unknown) => {
          throw err instanceof ConnectorError ? err : fileError('--state', readStatePath, err);
        })
      : undefined;
    // A large dry-run of a file may render on worker threads too (LARK_IM_WORKERS, src/pipeline/dry-run/): not
    // one with keys (the key map is in order), with the state (it reads keys) or without a report (failures are
    // printed one by one).
    const parallel = dryRun && report && !readState && !connector.config.node.messageKey;
    if (!parallel) stopEarlyThreads();
    const threads = parallel ? await renderThreads(flags.input, asked) : [];
    const workers = threads.length;
    if (workers > 0 && verbose) process.stderr.write(`lark-im: dry-run on ${counted(workers, 'worker thread')} beside the main thread\n`);
    if (!dryRun) tierUpSlowly();
    const startError = dryRun ? undefined : await connector.larkClient().then((c) => c.getTenantToken()).then(() => undefined, (err: unknown) => err);

    const progress = new ProgressBar({
      stream: process.stderr,
      dryRun,
      plainEveryMs: PLAIN_PROGRESS_EVERY_MS,
      reachability,
      ...(await progressTotal(flags.input, dryRun)),
    });
    const failures = new FailurePrinter(reportPath === undefined);
    const stop = new AbortController();
    // First signal: stop taking messages and finish cleanly; a second one: leave at once.
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(EXIT_FAILED);
      process.stderr.write('\nlark-im: stopping: no new messages are sent; waiting for those in flight (Ctrl-C again to quit now)\n');
      stop.abort();
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
    // The reader of stdout went away (`| head -1`): stop sending, as on Ctrl-C, but without a word.
    const unguard = guardStdout().onClosed(() => stop.abort());
    const ticker = setInterval(() => progress.tick(), TICK_EVERY_MS).unref();
    const timer = setInterval(() => verbose?.flush(), PLAIN_PROGRESS_EVERY_MS).unref();

    let summary: RunSummary | undefined;
    /** The first failure that stopped the run (credentials, app, send scope, quota, endpoint, store): the one line that says why. */
    let stoppedBy: string | undefined;
    const summaryMissing = () => summary === undefined;
    try {
      const records = readRecordBatches(input);
      const onOutcome = (outcome: MessageOutcome) => {
        progress.update(outcome);
        failures.print(outcome);
        return report?.add(outcome);
      };
      summary = startError
        ? // Not one line per message for the cause: it is said once, below. Invalid messages still show.
          await reportStartFailure(connector, records, startError, (outcome, invalid) => {
            progress.update(outcome);
            if (invalid) failures.print(outcome);
            return report?.add(outcome);
          })
        : workers > 0
          ? await parallelDryRun({
              setup: { baseUrl: connector.baseUrl, node: connector.config.node },
              threads,
              input,
              signal: stop.signal,
              writeReport: (bytes, written) => report!.addEncoded(bytes, written),
              runDeferred: (record, uuids) => connector.writeStream([record], { dryRun: true, uuids, onOutcome }),
              onBlock: (block) => progress.updateBlock(block),
            })
          : await connector.writeStream(dryRun ? records : noteReceivers(records, progress), {
            dryRun,
            signal: stop.signal,
            ...(state
              ? {
                  deliveredBefore: (line: number, index: number, uuid: string) => state.deliveredBefore(line, index, uuid),
                  onDelivered: (outcome: MessageOutcome) => state.recordSoon(outcome),
                  uploadKeys: new JournalUploadKeyStore(state, connector.config.connection.appId),
                  state,
                }
              : {}),
            ...(readState ? { state: readState } : {}),
            // Not async: a promise per message is measurable over a million of them; the report returns one
            // only when its stream needs to drain, and the writer then waits for it.
            onOutcome,
            onAppLevelError: (err) => {
              stoppedBy ??= err.message;
            },
          });
    } catch (err) {
      throw report?.failure === err ? reportWriteError(reportPath!, err, dryRun) : err;
    } finally {
      clearInterval(ticker);
      clearInterval(timer);
      unguard();
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      progress.finish();
      verbose?.flush();
      // The journal is closed either way; its write errors matter only when messages were sent.
      await state?.close().catch((err: unknown) => {
        if (!startError) throw err;
      });
      // A report that failed mid-run is said once, above (or just below, when only closing it failed).
      await report?.close().catch((err: unknown) => {
        // Already said by the catch above when the run itself stopped on it.
        if (summaryMissing() && err === report.failure) return;
        throw err === report.failure ? reportWriteError(reportPath!, err, dryRun) : err;
      });
    }
    failures.finish();
    if (!summary) throw new Error('the run ended without a summary');
    // The command's wall time: a wait for a silent Lark before the first message is part of the run.
    summary = { ...summary, durationMs: Date.now() - startedAt };
    const resumed = progress.counts.resumed;
    if (flags.json && !guardStdout().closed) {
      const { total, delivered, edited, replaced, recalled, failed, notSent, skipped, valid, durationMs, interrupted } = summary;
      process.stdout.write(
        JSON.stringify({
          total, delivered, edited, replaced, recalled, failed, notSent, skipped,
          ...(dryRun ? { valid } : {}), ...(state ? { resumed } : {}), durationMs, interrupted,
        }) + '\n',
      );
    }
    if (summary.total === 0 && !summary.interrupted) process.stderr.write('lark-im: the input holds no messages\n');
    if (startError) process.stderr.write(`lark-im: ${errorLine(startError)} (nothing was sent)\n`);
    process.stderr.write(summaryLine(summary, dryRun, resumed) + '\n');
    if (startError) return EXIT_CANNOT_START;
    if (stoppedBy !== undefined) process.stderr.write(`lark-im: sending stopped: ${stoppedBy}\n`);
    // A closed stdout (`| head -1`) was the user's own stop: the summary alone says it.
    if ((summary.notSent > 0 || summary.interrupted) && !guardStdout().closed) process.stderr.write(`lark-im: ${notSentLine(summary, statePath)}\n`);
    return summary.failed > 0 || summary.notSent > 0 || summary.interrupted ? EXIT_FAILED : EXIT_OK;
  } finally {
    connector.close();
  }
}

/** `--input -` on a terminal waits for typed records: say so, or it looks hung. */
export function stdinHint(input: string, stdin: { isTTY?: boolean }): string | undefined {
  return input === '-' && stdin.isTTY ? 'lark-im: reading records from stdin (Ctrl-D to end)' : undefined;
}

/** A stopped run, in one line: how many were not sent and how to send them (not one line per message). */
function notSentLine(summary: RunSummary, statePath: string | undefined): string {
  const what = summary.notSent > 0 ? `${counted(summary.notSent, 'message')} not sent` : 'the run stopped before the end of the input';
  const how = statePath
    ? `run the same command again (the same --input and --state ${statePath}) to send only what was not delivered`
    : `run again with the same --input to send ${summary.notSent === 1 ? 'it' : 'them'} ` +
      "(add --state FILE to send only what was not delivered; Lark's uuid de-duplication covers an hour)";
  return `${what}: ${how}`;
}

/** The report could not be written (a full disk, say): the run stopped; messages may have been sent. */
function reportWriteError(path: string, err: unknown, dryRun: boolean): CliExit {
  const code = (err as NodeJS.ErrnoException).code;
  return new CliExit(
    dryRun ? EXIT_CANNOT_START : EXIT_FAILED,
    `--report ${path}: cannot write: ${errnoInWords(err)}${code ? ` (${code})` : ''}; the run stopped` +
      (dryRun ? '' : ' (messages may have been sent: run again with --state to send only the rest)'),
  );
}

/**
 * The run could not start (a wrong secret, say): every message is still read and validated, and the
 * report says of each valid one that it was not sent, and why, so no message goes unreported.
 */
async function reportStartFailure(
  connector: LarkImConnector,
  records: AsyncIterable<InputRecord[]>,
  cause: unknown,
  /** invalid: the message failed validation (not just "not sent because the run could not start"). */
  onOutcome: (outcome: MessageOutcome, invalid: boolean) => void | Promise<void>,
): Promise<RunSummary> {
  const base = toOutcomeError(cause);
  const reason = `the run could not start: ${base.message}`;
  const summary = await connector.writeStream(records, {
    dryRun: true,
    onOutcome: (o) =>
      o.status === 'valid'
        ? onOutcome({
            line: o.line, index: o.index, status: 'not_sent', code: base.code, reason,
            ...(o.request.method === 'POST' ? { uuid: o.request.body.uuid } : {}),
          }, false)
        : onOutcome(o, true),
  });
  return { ...summary, notSent: summary.notSent + summary.valid, valid: 0 };
}

/** Passes the records on, telling the progress line whom they go to (the per-receiver limit binds the ETA). */
async function* noteReceivers(records: AsyncIterable<InputRecord[]>, progress: ProgressBar): AsyncGenerator<InputRecord[]> {
  for await (const batch of records) {
    for (const record of batch) {
      const bodies = Array.isArray(record.value) ? record.value : [record.value];
      for (const body of bodies) if (isRecord(body) && typeof body.receiveId === 'string') progress.noteReceiver(body.receiveId);
    }
    yield batch;
  }
}

/** The input's record count for the ETA; a dry-run off a terminal is over too soon to need one. */
async function progressTotal(input: string, dryRun: boolean): Promise<{ total?: number }> {
  if (dryRun && !process.stderr.isTTY) return {};
  const total = await countLines(input).catch(() => undefined);
  return total === undefined ? {} : { total };
}

/** When there is no report, failures still reach the user: the first few in full, then a count. */
class FailurePrinter {
  private shown = 0;
  private hidden = 0;
  constructor(private readonly enabled: boolean) {}

  print(outcome: MessageOutcome): void {
    if (!this.enabled || outcome.status !== 'failed') return;
    if (this.shown >= FAILURES_SHOWN) {
      this.hidden += 1;
      return;
    }
    this.shown += 1;
    const e = outcome.error;
    process.stderr.write(`line ${outcome.line}[${outcome.index}]: ${e.code}: ${e.message}\n`);
  }

  finish(): void {
    if (this.hidden > 0) process.stderr.write(`... and ${this.hidden} more failures: use --report FILE to see every message\n`);
  }
}
