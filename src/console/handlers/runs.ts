/**
 * Send runs: start one (202 + its id), stop it cleanly, resume a stopped one from its state, and its snapshot,
 * its live events (SSE) and its report download.
 */
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConnectorError } from '../../core/errors.js';
import { RunState } from '../../pipeline/state.js';
import type { ApiHandler, ConsoleContext } from '../api.js';
import { fileHttpError } from '../config-files.js';
import { HttpError } from '../http-util.js';
import { parseRecordsText, requireText, withoutBom } from '../records.js';
import { Run, type RunEvent } from '../runs.js';
import { Reachability } from '../../pipeline/report/reachability.js';
import { createSendFiles, removeSendFiles, type SendFiles } from '../send-files.js';
import type { InputRecord } from '../types.js';

/** While a run sends, its live stream gets the progress (and its ETA) this often, outcomes or not. */
const PROGRESS_EVERY_MS = 1000;

export const send: ApiHandler = async (ctx, { res, body }) => {
  const text = withoutBom(requireText(await body()));
  const records = await parseRecordsText(text);
  const id = ctx.runs.nextId(ctx.options.now());
  const files = await createSendFiles(ctx.options.sendDir, id, text).catch((err: unknown) => {
    throw fileHttpError(ctx.options.sendDir, err);
  });
  const run = await startRun(ctx, id, records, files).catch(async (err: unknown) => {
    await removeSendFiles(files);
    throw err;
  });
  ctx.reply(res, 202, { runId: run.id, total: run.total });
};

export const stop: ApiHandler = (ctx, { res, params }) => {
  const run = runOf(ctx, params);
  if (run.finished) throw new HttpError(409, 'RUN_FINISHED', `${run.id} has already ended`);
  run.stop();
  ctx.reply(res, 202, { runId: run.id, state: run.state });
};

/** A new run of a stopped send: the same records and state, so only what was not delivered is sent. */
export const resume: ApiHandler = async (ctx, { res, params }) => {
  const from = runOf(ctx, params);
  if (!from.finished) throw new HttpError(409, 'RUN_NOT_FINISHED', `${from.id} is still sending: stop it first`);
  if (from.resumedBy) throw new HttpError(409, 'RUN_RESUMED', `${from.id} was resumed already, as ${from.resumedBy}`);
  if (!from.resumeInfo()) {
    throw new HttpError(409, 'NOTHING_TO_RESUME', `${from.id} got to its end: nothing is left to send`);
  }
  // Taken before the first await: a second click must not start a second run on the same state.
  const id = ctx.runs.nextId(ctx.options.now());
  from.resumedBy = id;
  try {
    const text = await readFile(from.files.input, 'utf8').catch((err: unknown) => {
      throw fileHttpError(from.files.input, err);
    });
    const run = await startRun(ctx, id, await parseRecordsText(text), from.files);
    ctx.reply(res, 202, { runId: run.id, total: run.total, resumes: from.id });
  } catch (err) {
    delete from.resumedBy;
    throw err;
  }
};

export const snapshot: ApiHandler = (ctx, { res, url, params }) =>
  ctx.reply(res, 200, runOf(ctx, params).snapshot(Number(url.searchParams.get('since') ?? 0) || 0));

export const events: ApiHandler = (ctx, { req, res, params }) => streamRun(ctx, runOf(ctx, params), req, res);

export const report: ApiHandler = (ctx, { res, params }) => {
  const run = runOf(ctx, params);
  const text = ctx.scrub(run.report());
  res.writeHead(200, {
    'content-type': 'application/x-ndjson; charset=utf-8',
    'content-disposition': `attachment; filename="lark-im-report-${run.id}.jsonl"`,
    'cache-control': 'no-store',
  });
  res.end(text);
};

function runOf(ctx: ConsoleContext, params: Record<string, string>): Run {
  const run = ctx.runs.get(params['id'] ?? '');
  if (!run) throw new HttpError(404, 'NOT_FOUND', 'no such run');
  return run;
}

async function startRun(ctx: ConsoleContext, id: string, records: InputRecord[], files: SendFiles): Promise<Run> {
  // Whether Lark answers, from the client's circuit: the progress says so instead of the ETA while it does not.
  const reachability = new Reachability(ctx.options.now);
  const connector = ctx.connector({ onEvent: (e) => reachability.note(e) });
  let state: RunState;
  try {
    state = await RunState.open(files.state);
  } catch (err) {
    connector.close();
    // A state file that is not this send's (or is broken) is the console's conflict, not Lark's.
    throw err instanceof ConnectorError ? new HttpError(409, err.code, err.message) : fileHttpError(files.state, err);
  }
  // A local dry pass first: it counts the messages (a record may hold several) and notes whom they go to, for
  // the progress and its ETA (one receiver takes 5 a second).
  let total = records.length;
  const receivers: string[] = [];
  try {
    const s = await connector.writeStream(records, {
      dryRun: true,
      onOutcome: (o) => {
        if (o.status !== 'valid' || o.request.method !== 'POST') return;
        receivers.push(o.request.body.receive_id ?? o.request.lookup?.mobile ?? '');
      },
    });
    total = s.total;
  } catch {
    total = records.length;
  }
  const run = ctx.runs.add(new Run(id, total, ctx.options.now(), files, ctx.options.now, receivers, reachability));
  // The console's close() stops the run as Stop does, and waits for it to settle.
  const closing = new AbortController();
  closing.signal.addEventListener('abort', () => run.stop(), { once: true });
  const forget = ctx.track(closing);
  run.settled = connector
    .writeStream(records, {
      signal: run.signal,
      deliveredBefore: (line, index, uuid) => state.deliveredBefore(line, index, uuid),
      onDelivered: (outcome) => state.recordSoon(outcome),
      state,
      onOutcome: (o) => run.push(ctx.withAdvice(o)),
    })
    .then(
      async (summary) => {
        // The state is on disk before the page hears the run ended (a resume reads it).
        await state.close();
        run.finish(summary);
        // Left behind, they are only clutter: a failed removal does not change how the run ended.
        if (!run.resumeInfo()) await removeSendFiles(files).catch(() => undefined);
      },
      async (err: unknown) => {
        await state.close().catch(() => undefined);
        run.fail(ctx.scrub(String((err as Error)?.message ?? err)));
      },
    )
    .catch((err: unknown) => run.fail(ctx.scrub(String((err as Error)?.message ?? err))))
    .finally(() => {
      forget();
      connector.close();
    });
  return run;
}

/** Server-Sent Events: replays what happened so far, then follows the run (and its progress) until it ends. */
function streamRun(ctx: ConsoleContext, run: Run, req: IncomingMessage, res: ServerResponse): void {
  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-store',
    connection: 'keep-alive',
  });
  const write = (e: RunEvent): void => {
    res.write(`event: ${e.type}\ndata: ${ctx.scrub(JSON.stringify(e))}\n\n`);
  };
  res.write(`event: start\ndata: ${JSON.stringify({ type: 'start', id: run.id, total: run.total })}\n\n`);
  const progress = run.progress();
  for (const o of run.outcomes) write({ type: 'outcome', outcome: o, progress });
  const resume = run.resumeInfo();
  if (run.state === 'done' && run.summary) {
    write({ type: 'done', summary: run.summary, progress, ...(resume ? { resume } : {}) });
    return void res.end();
  }
  if (run.state === 'error') {
    write({ type: 'error', message: run.errorMessage ?? 'failed', ...(resume ? { resume } : {}) });
    return void res.end();
  }
  if (run.state === 'stopping') write({ type: 'stopping', progress });
  const timer = setInterval(() => write({ type: 'progress', progress: run.progress() }), PROGRESS_EVERY_MS);
  const end = (): void => {
    clearInterval(timer);
    unsubscribe();
  };
  const unsubscribe = run.subscribe((e) => {
    write(e);
    if (e.type === 'done' || e.type === 'error') {
      end();
      res.end();
    }
  });
  req.on('close', end);
}
