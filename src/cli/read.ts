/**
 * `lark-im read`: the source on the command line. Reads the chats' history (then, with --follow, new
 * messages until SIGINT/SIGTERM) as JSON Lines, one record per message, and ends with a summary on stderr.
 *
 * Exit codes: 0 done (or stopped by a signal); 1 some chats could not be read; 2 could not start.
 */
import { LarkImConnector } from '../connector.js';
import { SOURCE_MODES, type SourceMode } from '../source/follower.js';
import { parseTimeArg, SOURCE_NODE_SHAPE } from '../source/options.js';
import { JsonlReadOutput, loadReadState } from '../source/read-run.js';
import type { EmitBatch, MessageReader } from '../source/reader.js';
import { startOffset, type SourceRunOptions } from '../source/source.js';
import { ConnectorError } from '../core/errors.js';
import { counted } from '../core/counted.js';
import { cliClientEvents, loadConfig } from './shared.js';
import { fileError } from '../core/errno.js';
import { CliExit, EXIT_CANNOT_START, EXIT_FAILED, EXIT_OK } from '../core/exit.js';
import { proveWritable, refuseOutputsThatAreInputs } from './paths.js';
import { VerboseLog } from './verbose-log.js';
import { tierUpSlowly } from '../core/paced-tiering.js';

export interface ReadFlags {
  config?: string;
  chats?: string;
  since?: string;
  until?: string;
  follow?: boolean;
  mode?: string;
  state?: string;
  output?: string;
  json?: boolean;
  verbose?: boolean;
  redis?: string;
}

export async function readCommand(flags: ReadFlags): Promise<number> {
  const config = await loadConfig(flags.config, flags.redis ? { redis: flags.redis } : {});
  const run = runOptions(flags);
  await refuseOutputsThatAreInputs([
    { flag: '--config', path: flags.config, output: false },
    { flag: '--state', path: flags.state, output: true },
    { flag: '--output', path: flags.output, output: true },
  ]);
  const nothing = 'nothing was read';
  if (flags.output && flags.output !== '-') await proveWritable('--output', flags.output, { nothing });
  if (flags.state) await proveWritable('--state', flags.state, { createFolder: true, nothing });
  const prior = flags.state ? await loadReadState(flags.state).catch((err: unknown) => {
    throw err instanceof ConnectorError ? err : fileError('--state', flags.state!, err);
  }) : undefined;
  const warn = (m: string) => process.stderr.write(`lark-im: warning: ${m}\n`);
  const verbose = flags.verbose ? new VerboseLog(process.stderr) : undefined;
  const connector = new LarkImConnector(config, { onEvent: cliClientEvents(process.stderr, verbose?.onEvent) });
  const started = Date.now();
  // Listened for from the start: a stop while the output is being opened (or cut back) is a clean stop too.
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) process.exit(EXIT_OK); // the state on disk already matches the output
    stop.abort();
  };
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  tierUpSlowly();
  try {
    // Credentials are checked before the output is touched.
    await (await connector.larkClient()).getTenantToken();
    const output = flags.output ?? '-';
    const out = await JsonlReadOutput.open(output, flags.state, prior).catch((err: unknown) => {
      throw err instanceof ConnectorError ? err : fileError('--output', output, err);
    });
    // A first state before any line: a run killed between its first page's lines and their state must find
    // something to cut the output back to (without it, a restart read everything again after those lines).
    if (flags.state && !prior) await out.page([], startOffset(undefined, config.node, run));
    const chats = new Set<string>();
    const failed = new Map<string, string>();
    // batchRead and streamRead each read through their own reader: both feed the summary.
    const readers: MessageReader[] = [];
    try {
      const options: SourceRunOptions = { ...run, signal: stop.signal, onWarning: warn, onReader: (r) => void readers.push(r) };
      const emit: EmitBatch = (events, offset) => out.page(events, offset);
      const offset = await connector.batchRead(prior?.offset, 50, emit, options);
      if (flags.follow && !stop.signal.aborted) await connector.streamRead(offset, emit, options);
    } finally {
      verbose?.flush();
      await out.close();
      for (const r of readers) {
        for (const c of r.chatsRead) chats.add(c);
        for (const [c, why] of r.chatsFailed) failed.set(c, why);
      }
    }
    for (const c of chats) failed.delete(c);
    const { insert, update, delete: deleted } = out.counts;
    const summary = { total: insert + update + deleted, inserted: insert, updated: update, deleted, chats: chats.size, durationMs: Date.now() - started };
    process.stderr.write(
      flags.json
        ? JSON.stringify(failed.size > 0 ? { ...summary, failedChats: Object.fromEntries(failed) } : summary) + '\n'
        : `lark-im read: ${counted(summary.total, 'message')} (${insert} inserted, ${update} updated, ${deleted} deleted) ` +
            `from ${counted(summary.chats, 'chat')} in ${(summary.durationMs / 1000).toFixed(1)} s` +
            (failed.size > 0 ? `; ${counted(failed.size, 'chat')} could not be read` : '') +
            '\n',
    );
    return failed.size > 0 ? EXIT_FAILED : EXIT_OK;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
    connector.close();
  }
}

function runOptions(flags: ReadFlags): SourceRunOptions {
  const run: SourceRunOptions = {};
  if (flags.chats !== undefined) {
    // An empty value means "all" in a config form; on the command line it is a mistake (a variable unset).
    const parsed = flags.chats.replace(/[\s,]/g, '') === '' ? undefined : SOURCE_NODE_SHAPE.chats.safeParse(flags.chats);
    if (!parsed?.success) {
      throw new CliExit(EXIT_CANNOT_START, `--chats must be "all" or a comma-separated list of chat_ids (oc_...), got ${JSON.stringify(flags.chats)}`);
    }
    run.chats = parsed.data;
  }
  if (flags.since !== undefined) run.sinceMs = timeFlag('--since', flags.since);
  if (flags.until !== undefined) run.untilMs = timeFlag('--until', flags.until);
  if (run.sinceMs !== undefined && run.untilMs !== undefined && run.sinceMs >= run.untilMs) {
    throw new CliExit(EXIT_CANNOT_START, `--since ${flags.since} is not before --until ${flags.until}: no message could be read; give a --since earlier than --until`);
  }
  if (flags.mode !== undefined) {
    if (!(SOURCE_MODES as readonly string[]).includes(flags.mode)) {
      throw new CliExit(EXIT_CANNOT_START, `--mode must be one of ${SOURCE_MODES.join(', ')}, got ${JSON.stringify(flags.mode)}`);
    }
    run.mode = flags.mode as SourceMode;
  }
  return run;
}

function timeFlag(name: string, v: string): number {
  const ms = parseTimeArg(v);
  if (ms === undefined) {
    throw new CliExit(EXIT_CANNOT_START, `${name} must be an ISO 8601 time (2025-01-31T08:00:00Z) or epoch milliseconds, got ${JSON.stringify(v)}`);
  }
  return ms;
}
