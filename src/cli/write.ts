/**
 * `lark-im write`: streams records from a file or stdin through the connector, writes the per-message
 * report, shows progress on a terminal and ends with a one-line summary.
 *
 * Exit codes: 0 every message delivered (dry-run: valid); 1 some failed; 2 could not start, nothing sent.
 */
import { LarkImConnector } from '../connector.js';
import { countLines, openInput, readRecordBatches } from '../input.js';
import { ReportWriter } from '../target/report.js';
import { RunState } from '../target/state.js';
import type { MessageOutcome, RunSummary } from '../target/outcome.js';
import { ProgressBar, summaryLine } from './progress.js';
import { EXIT_FAILED, EXIT_OK, loadConfig } from './shared.js';

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

export async function writeCommand(flags: WriteFlags): Promise<number> {
  const dryRun = Boolean(flags.dryRun);
  const config = await loadConfig(flags.config, { dryRun, ...(flags.redis ? { redis: flags.redis } : {}) });
  const connector = new LarkImConnector(config, {
    ...(flags.verbose ? { onEvent: (e: unknown) => process.stderr.write(`lark-im: ${JSON.stringify(e)}\n`) } : {}),
  });
  try {
    // Everything that can stop the run happens before the first message is sent.
    const input = await openInput(flags.input);
    // A dry-run without --report shows the rendered requests on stdout (unless stdout carries --json).
    const reportPath = flags.report ?? (dryRun && !flags.json ? '-' : undefined);
    const report = reportPath ? await ReportWriter.open(reportPath) : undefined;
    const state = flags.state && !dryRun ? await RunState.open(flags.state) : undefined;
    if (!dryRun) await (await connector.larkClient()).getTenantToken();

    const progress = new ProgressBar({ stream: process.stderr, ...(await progressTotal(flags.input)) });
    const failures = new FailurePrinter(reportPath === undefined);
    const stop = new AbortController();
    // First signal: stop taking messages and finish cleanly; a second one: leave at once.
    const onSignal = () => {
      if (stop.signal.aborted) process.exit(EXIT_FAILED);
      process.stderr.write('\nlark-im: stopping: no new messages are sent; waiting for those in flight (Ctrl-C again to quit now)\n');
      stop.abort();
    };
    process.on('SIGINT', onSignal).on('SIGTERM', onSignal);

    let summary: RunSummary;
    try {
      summary = await connector.writeStream(readRecordBatches(input), {
        dryRun,
        signal: stop.signal,
        ...(state
          ? {
              deliveredBefore: (line: number, index: number, uuid: string) => state.deliveredBefore(line, index, uuid),
              onDelivered: (outcome: MessageOutcome) => state.recordSoon(outcome),
            }
          : {}),
        // Not async: a promise per message is measurable over a million of them; the report returns one
        // only when its stream needs to drain, and the writer then waits for it.
        onOutcome: (outcome) => {
          progress.update(outcome);
          failures.print(outcome);
          return report?.add(outcome);
        },
      });
    } finally {
      process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
      progress.finish();
      await state?.checkpoint();
      await report?.close();
    }
    failures.finish();
    if (flags.json) {
      const { total, delivered, failed, skipped, valid, durationMs, interrupted } = summary;
      process.stdout.write(JSON.stringify({ total, delivered, failed, skipped, ...(dryRun ? { valid } : {}), durationMs, interrupted }) + '\n');
    }
    process.stderr.write(summaryLine(summary, dryRun) + '\n');
    return summary.failed > 0 || summary.interrupted ? EXIT_FAILED : EXIT_OK;
  } finally {
    connector.close();
  }
}

async function progressTotal(input: string): Promise<{ total?: number }> {
  if (!process.stderr.isTTY) return {};
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
