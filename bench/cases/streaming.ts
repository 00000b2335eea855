/**
 * Case 5, streaming: a dry-run of N generated records (mixed receivers and content types) through the real CLI
 * (`lark-im write --dry-run --input FILE --report /dev/null --json`) in a child process: records/s over
 * the child's wall time (node start-up included) and its peak RSS.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { benchOpenId } from '../seed.js';
import { lastJsonLine, runCliChild } from '../cli-child.js';
import type { BenchRow } from '../table.js';

export interface StreamingOptions {
  records: number;
  /** Directory for a --cpu-prof profile of the child (none when undefined). */
  profileDir?: string;
}

/**
 * One JSONL line of a mixed input, as issue 8 measured it: user / email / chat receivers; text, post and
 * interactive content; one line in a hundred an array of two messages. About 160 bytes a record.
 */
export function recordLine(i: number): string {
  const one = (j: number) => ({ ...receiverOf(j), ...contentOf(j) });
  const value = i % 100 === 99 ? [one(i), one(i + 1)] : one(i);
  return `${JSON.stringify(value)}\n`;
}

/** How many messages recordLine(0..n-1) holds (the array lines hold two). */
export function messagesIn(records: number): number {
  return records + Math.floor((records + 1) / 100);
}

function receiverOf(i: number): { receiveType: string; receiveId: string } {
  switch (i % 3) {
    case 0:
      return { receiveType: 'user', receiveId: benchOpenId(i % 200) };
    case 1:
      return { receiveType: 'email', receiveId: `user${i % 500}@example.com` };
    default:
      return { receiveType: 'chat', receiveId: `oc_bench${String(i % 50).padStart(24, '0')}` };
  }
}

function contentOf(i: number): { contentType: string; content: string } {
  switch (i % 5) {
    case 0:
      return { contentType: 'post', content: JSON.stringify({ zh_cn: { title: 'Order', content: [[{ tag: 'text', text: `record ${i} shipped` }]] } }) };
    case 1:
      return { contentType: 'interactive', content: JSON.stringify({ elements: [{ tag: 'markdown', content: `**record ${i}** shipped` }] }) };
    default:
      return { contentType: 'text', content: JSON.stringify({ text: `record ${i}: order shipped to warehouse` }) };
  }
}

async function generate(path: string, n: number): Promise<void> {
  const out = createWriteStream(path);
  let chunk = '';
  for (let i = 0; i < n; i++) {
    chunk += recordLine(i);
    if (chunk.length > 1 << 16) {
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  out.end(chunk);
  await once(out, 'finish');
}

interface ChildResult {
  wallMs: number;
  maxRssKb: number | undefined;
  summary: { total?: number; valid?: number; failed?: number; durationMs?: number } | undefined;
  code: number | null;
  stderr: string;
}

async function runCli(input: string, profileDir: string | undefined): Promise<ChildResult> {
  const env = { LARK_APP_ID: 'cli_bench_app', LARK_APP_SECRET: 'bench-secret-not-real' };
  const r = await runCliChild(['write', '--dry-run', '--input', input, '--report', '/dev/null', '--json'], env, profileDir);
  return { wallMs: r.wallMs, maxRssKb: r.maxRssKb, summary: lastJsonLine(r.stdout), code: r.code, stderr: r.stderr };
}

export async function runStreamingCase(o: StreamingOptions, log: (s: string) => void) {
  const dir = await mkdtemp(join(tmpdir(), 'lark-im-bench-'));
  try {
    const input = join(dir, 'records.jsonl');
    log(`streaming: generating ${o.records.toLocaleString('en-US')} records`);
    await generate(input, o.records);
    log(`streaming: lark-im write --dry-run over them${o.profileDir ? ` (profile in ${o.profileDir})` : ''}`);
    const r = await runCli(input, o.profileDir);
    const valid = r.summary?.valid ?? 0;
    const messages = messagesIn(o.records);
    if (valid !== messages) log(`streaming: the CLI reported ${valid} valid of ${messages} messages (exit ${r.code}): ${r.stderr.slice(0, 500)}`);
    // Records (input lines) per second, as the goal counts them.
    const perSecond = (o.records * 1000) / r.wallMs;
    const rssMb = r.maxRssKb === undefined ? null : r.maxRssKb / 1024;
    const rows: BenchRow[] = [
      {
        case: 'streaming',
        figure: `dry-run records/s (${o.records.toLocaleString('en-US')} records)`,
        connector: perSecond,
        sdk: null,
        ratio: null,
        goal: '>= 200,000',
        met: perSecond >= 200_000 && valid === messages,
        note: `child wall ${(r.wallMs / 1000).toFixed(2)} s incl. node start-up; run's own durationMs ${r.summary?.durationMs ?? '?'}; the SDK has no input path`,
      },
      {
        case: 'streaming',
        figure: 'peak RSS (MB)',
        connector: rssMb,
        sdk: null,
        ratio: null,
        goal: '< 100',
        met: rssMb !== null && rssMb < 100,
      },
    ];
    return { rows, raw: { options: o, wallMs: r.wallMs, maxRssKb: r.maxRssKb, summary: r.summary, exitCode: r.code } };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
