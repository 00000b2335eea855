/**
 * A dry-run on worker threads (LARK_IM_WORKERS, src/pipeline/dry-run/) writes the report the in-thread writer
 * writes, byte for byte, with the same summary and exit code: every kind of line (invalid JSON, blank, CRLF,
 * arrays, every mistake of bad-messages.jsonl, phone receivers, own and empty uuids, media sources left to the
 * writer, non-ASCII text), identical messages (their uuids counted across blocks and threads) and a last line
 * without its newline.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli-helpers.js';
import { PARALLEL_MIN_BYTES, usableCores } from '../../src/pipeline/dry-run/fit.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const env = { LARK_APP_ID: 'cli_dry_run_workers', LARK_APP_SECRET: 'dry-run-workers-secret-not-real' };

let dir: string;
let input: string;

/** One generated record of many shapes; `i` decides which. */
function line(i: number, fixtures: string[]): string {
  switch (i % 13) {
    case 0:
      return fixtures[i % fixtures.length]!;
    case 1:
      return '';
    case 2:
      return `{"receiveType":"user","receiveId":"ou_${i % 7}","contentType":"text","content":"{\\"text\\":\\"same text\\"}"}`;
    case 3:
      return `{"receiveType":"chat","receiveId":"oc_${i}","contentType":"text","content":"{\\"text\\":\\"订单 ${i} 已发货 🚚\\"}"}\r`;
    case 4:
      return `[{"receiveType":"email","receiveId":"a${i}@example.com","contentType":"text","content":"{\\"text\\":\\"one\\"}"},` +
        `{"receiveType":"phone","receiveId":"+86 138-0000-${String(i % 10000).padStart(4, '0')}","contentType":"text","content":"{\\"text\\":\\"two ✓\\"}"}]`;
    case 5:
      return `{"receiveType":"user","receiveId":"ou_${i}","contentType":"text","content":"{\\"text\\":\\"own\\"}","uuid":"own-${i}"}`;
    case 6:
      return `{"receiveType":"user","receiveId":"ou_${i}","contentType":"text","content":"{\\"text\\":\\"empty uuid\\"}","uuid":""}`;
    case 7:
      return `{"receiveType":"user","receiveId":"ou_x" not json ${i}`;
    case 8:
      return '[]';
    case 9:
      return `{"receiveType":"user","receiveId":"ou_${i}","contentType":"image","content":{"image":"https://example.com/${i}.png"}}`;
    case 10:
      return `  {"receiveType":"phone","receiveId":"1380000${String(i % 10000).padStart(4, '0')}","contentType":"post","content":"{\\"zh_cn\\":{\\"title\\":\\"t\\",\\"content\\":[[{\\"tag\\":\\"text\\",\\"text\\":\\"${i}\\"}]]}}"}  `;
    case 11:
      return `{"op":"u","before":{},"after":{"receiveType":"user","receiveId":"ou_${i}","contentType":"text","content":"{\\"text\\":\\"x\\"}"}}`;
    default:
      return `{"receiveType":"user","receiveId":"ou_${i % 200}","contentType":"interactive","content":"{\\"elements\\":[{\\"tag\\":\\"markdown\\",\\"content\\":\\"**${i}**\\"}]}"}`;
  }
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lark-im-dry-run-workers-'));
  const fixtures = [
    ...(await readFile(fixture('bad-messages.jsonl'), 'utf8')).split('\n'),
    ...(await readFile(fixture('demo-messages.jsonl'), 'utf8')).split('\n'),
    ...(await readFile(fixture('demo-media.jsonl'), 'utf8')).split('\n'),
  ].filter((l) => l.trim() !== '');
  const lines: string[] = [];
  let bytes = 0;
  for (let i = 0; bytes < PARALLEL_MIN_BYTES * 1.5; i++) {
    const l = line(i, fixtures);
    lines.push(l);
    bytes += Buffer.byteLength(l) + 1;
  }
  input = join(dir, 'records.jsonl');
  // Bytes that are not UTF-8 (decoded as U+FFFD), one line ending inside a multi-byte sequence; the last line
  // without its newline.
  const notUtf8 = Buffer.concat([
    Buffer.from('{"receiveType":"user","receiveId":"ou_bytes","contentType":"text","content":"{\\"text\\":\\"'),
    Buffer.from([0xff, 0xfe, 0x20, 0xe4, 0xb8]),
    Buffer.from('\\"}"}\n{"receiveType":"user","receiveId":"ou_cut","contentType":"text","content":"{}"}'),
    Buffer.from([0xe4, 0xb8, 0x0a]),
  ]);
  await writeFile(input, Buffer.concat([
    Buffer.from(lines.slice(0, 1000).join('\n') + '\n'),
    notUtf8,
    Buffer.from(lines.slice(1000).join('\n') + '\n' + line(2, fixtures)),
  ]));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function dryRun(workers: string, name: string) {
  const report = join(dir, `${name}.jsonl`);
  const r = await runCli(['write', '--dry-run', '--input', input, '--report', report, '--json', '--verbose'], {
    env: { ...env, LARK_IM_WORKERS: workers },
    timeoutMs: 120_000,
  });
  const summary = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, unknown>;
  delete summary.durationMs;
  return { code: r.code, stderr: r.stderr, summary, report: await readFile(report) };
}

describe('lark-im write --dry-run on worker threads', () => {
  it('writes the in-thread report byte for byte, with the same summary and exit code', async () => {
    const inThread = await dryRun('0', 'in-thread');
    const one = await dryRun('1', 'one-worker');
    const three = await dryRun('3', 'three-workers');
    // Unset (empty): one worker where two cores or more are usable, in-thread on one core.
    const byDefault = await dryRun('', 'default');
    expect(inThread.stderr).not.toMatch(/worker thread/);
    expect(one.stderr).toMatch(/^lark-im: dry-run on 1 worker thread beside the main thread$/m);
    expect(three.stderr).toMatch(/^lark-im: dry-run on 3 worker threads beside the main thread$/m);
    if (usableCores() >= 2) expect(byDefault.stderr).toMatch(/^lark-im: dry-run on 1 worker thread beside the main thread$/m);
    else expect(byDefault.stderr).not.toMatch(/worker thread/);
    // The input holds what it is meant to: repeats (the same message again gets another uuid), failures, skips.
    const outcomes = inThread.report.toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    const sameText = outcomes.filter((o) => o.status === 'valid' && o.request.body.content === '{"text":"same text"}');
    expect(sameText.length).toBeGreaterThan(100);
    expect(new Set(sameText.map((o) => o.request.body.uuid)).size).toBe(sameText.length);
    expect(outcomes.some((o) => o.status === 'failed' && o.error.code === 'MEDIA_INVALID')).toBe(true);
    const notUtf8 = outcomes.find((o) => o.status === 'valid' && o.request.body.receive_id === 'ou_bytes');
    expect(notUtf8.request.body.content).toBe('{"text":"\ufffd\ufffd \ufffd"}');
    expect(outcomes.find((o) => o.line === notUtf8.line + 1)).toMatchObject({ status: 'failed', error: { code: 'INPUT_INVALID' } });
    expect(inThread.summary).toMatchObject({ failed: expect.any(Number), skipped: expect.any(Number) });
    expect((inThread.summary.failed as number) > 0 && (inThread.summary.skipped as number) > 0).toBe(true);
    expect(inThread.code).toBe(1);
    for (const parallel of [one, three, byDefault]) {
      expect(parallel.code).toBe(inThread.code);
      expect(parallel.summary).toEqual(inThread.summary);
      expect(parallel.report.equals(inThread.report)).toBe(true);
    }
  }, 240_000);

  it('stays in-thread on a small input or stdin, and refuses a LARK_IM_WORKERS it cannot read', async () => {
    const small = await runCli(['write', '--dry-run', '--input', fixture('demo-messages.jsonl'), '--report', join(dir, 'small.jsonl'), '--verbose'], {
      env: { ...env, LARK_IM_WORKERS: '1' },
    });
    expect(small.code).toBe(0);
    expect(small.stderr).not.toMatch(/worker thread/);
    const piped = await runCli(['write', '--dry-run', '--input', '-', '--report', join(dir, 'piped.jsonl'), '--verbose'], {
      env: { ...env, LARK_IM_WORKERS: '1' },
      input: await readFile(input, 'utf8'),
    });
    expect(piped.code).toBe(1);
    expect(piped.stderr).not.toMatch(/worker thread/);
    const bad = await runCli(['write', '--dry-run', '--input', input, '--report', join(dir, 'bad.jsonl')], {
      env: { ...env, LARK_IM_WORKERS: 'many' },
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/LARK_IM_WORKERS must be a whole number from 0 to 16, or auto \(got "many"\)/);
  }, 120_000);

  it('a config that keeps the run in-thread (keyed records) is not changed by the threads started for it early', async () => {
    // The CLI starts the threads before it reads the config; a messageKey makes the run in-thread (the key map is
    // in order): the threads are stopped, and the run ends as the in-thread one does, without waiting on them.
    const config = join(dir, 'keyed.json');
    await writeFile(config, JSON.stringify({ node: { messageKey: ['receiveId'] } }));
    const runs = [];
    for (const workers of ['0', '1']) {
      const report = join(dir, `keyed-${workers}.jsonl`);
      const r = await runCli(['write', '--dry-run', '--config', config, '--input', input, '--report', report, '--verbose'], {
        env: { ...env, LARK_IM_WORKERS: workers },
        timeoutMs: 120_000,
      });
      runs.push({ ...r, report: await readFile(report) });
    }
    const [inThread, keyed] = runs;
    expect(keyed!.stderr).not.toMatch(/worker thread/);
    expect(keyed!.code).toBe(inThread!.code);
    expect(keyed!.report.equals(inThread!.report)).toBe(true);
    expect(keyed!.report.length).toBeGreaterThan(PARALLEL_MIN_BYTES);
  }, 240_000);
});
