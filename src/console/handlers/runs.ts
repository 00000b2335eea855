/** Send runs: start one (202 + its id), then its snapshot, its live events (SSE) and its report download. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiHandler, ConsoleContext } from '../api.js';
import { HttpError } from '../http-util.js';
import { parseRecordsText, requireText } from '../records.js';
import type { Run, RunEvent } from '../runs.js';
import type { InputRecord } from '../types.js';

export const send: ApiHandler = async (ctx, { res, body }) => {
  const records = await parseRecordsText(requireText(await body()));
  const run = await startRun(ctx, records);
  ctx.reply(res, 202, { runId: run.id, total: run.total });
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

async function startRun(ctx: ConsoleContext, records: InputRecord[]): Promise<Run> {
  const connector = ctx.connector();
  // A local dry pass first: it counts the messages (a record may hold several) for the progress bar.
  let total = 0;
  try {
    const s = await connector.writeStream(records, { dryRun: true });
    total = s.total;
  } catch {
    total = records.length;
  }
  const run = ctx.runs.create(total, ctx.options.now());
  const abort = new AbortController();
  const forget = ctx.track(abort);
  void connector
    .writeStream(records, { signal: abort.signal, onOutcome: (o) => run.push(ctx.withAdvice(o)) })
    .then((summary) => run.finish(summary), (err: unknown) => run.fail(ctx.scrub(String((err as Error)?.message ?? err))))
    .finally(() => { forget(); connector.close(); });
  return run;
}

/** Server-Sent Events: replays what happened so far, then follows the run until it ends. */
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
  for (const o of run.outcomes) write({ type: 'outcome', outcome: o });
  if (run.state === 'done' && run.summary) { write({ type: 'done', summary: run.summary }); return void res.end(); }
  if (run.state === 'error') { write({ type: 'error', message: run.errorMessage ?? 'failed' }); return void res.end(); }
  const unsubscribe = run.subscribe((e) => {
    write(e);
    if (e.type !== 'outcome') { unsubscribe(); res.end(); }
  });
  req.on('close', unsubscribe);
}
