/** The progress line and the summary: plain lines off a terminal, an ETA from Lark's quota, resumed counts. */
import { describe, expect, it } from 'vitest';
import { ProgressBar, summaryLine } from '../../src/cli/progress.js';
import { quotaTimeMs } from '../../src/pipeline/report/eta.js';
import { VerboseLog } from '../../src/cli/verbose-log.js';
import { Reachability } from '../../src/pipeline/report/reachability.js';
import { stdinHint } from '../../src/cli/write.js';
import type { MessageOutcome } from '../../src/pipeline/report/outcome.js';
import { emptySummary } from '../../src/pipeline/report/outcome.js';

function sink(isTTY = false) {
  const lines: string[] = [];
  return { isTTY, lines, write: (t: string) => void lines.push(t) };
}
const delivered = (line: number, resumed = false): MessageOutcome => ({
  line, index: 0, status: 'delivered', messageId: `om_${line}`, uuid: `u${line}`, ...(resumed ? { resumed: true as const } : {}),
});

describe('progress off a terminal', () => {
  it('prints one plain line every 10 s (records, delivered, failed, rate, ETA), none before', () => {
    let now = 1_000_000;
    const out = sink();
    const bar = new ProgressBar({ stream: out, total: 100, now: () => now, plainEveryMs: 10_000 });
    for (let i = 1; i <= 20; i++) {
      now += 400;
      bar.update(i === 5 ? { line: i, index: 0, status: 'failed', error: { code: 'MESSAGE_INVALID', message: 'x', retryable: false } } : delivered(i));
    }
    expect(out.lines).toEqual([]);
    now += 2_000;
    bar.tick();
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^lark-im: progress: 20\/100 records, 19 delivered, 1 failed, 2\.0 msg\/s, ETA \d/);
    expect(out.lines[0]).not.toContain('\r');
    bar.tick();
    expect(out.lines).toHaveLength(1);
  });

  it('a stalled run still prints (the timer ticks without outcomes)', () => {
    let now = 0;
    const out = sink();
    const bar = new ProgressBar({ stream: out, now: () => now, plainEveryMs: 10_000 });
    now = 30_000;
    bar.tick();
    expect(out.lines[0]).toMatch(/^lark-im: progress: 0 records, 0 delivered, 0 failed/);
  });

  it('redraws one line in place on a terminal, and never prints plain lines there', () => {
    let now = 0;
    const out = sink(true);
    const bar = new ProgressBar({ stream: out, total: 10, now: () => now });
    now = 500;
    bar.update(delivered(1));
    now = 20_000;
    bar.tick();
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toMatch(/^\r\[.*\] 1\/10 records/);
  });
});

describe('progress while Lark gives no answer', () => {
  const host = '127.0.0.1:1';
  function run(isTTY: boolean) {
    let now = 1_000_000;
    const out = sink(isTTY);
    const reachability = new Reachability(() => now);
    const bar = new ProgressBar({ stream: out, total: 100, now: () => now, plainEveryMs: 10_000, reachability });
    for (let i = 1; i <= 20; i++) {
      now += 50;
      bar.update(delivered(i));
    }
    return { out, bar, reachability, at: (ms: number) => (now = ms), now: () => now };
  }

  it('off a terminal: "Lark unreachable for 12 s, retrying" (wall time) where the ETA was; the ETA once it answers', () => {
    const r = run(false);
    r.reachability.note({ type: 'circuit.open', host, since: r.now() });
    const opened = r.now();
    r.at(opened + 12_000);
    r.bar.tick();
    expect(r.out.lines).toHaveLength(1);
    expect(r.out.lines[0]).toMatch(/^lark-im: progress: 20\/100 records, 20 delivered, 0 failed, [\d.]+ msg\/s, Lark unreachable for 12 s, retrying\n$/);
    r.reachability.note({ type: 'circuit.closed', host, openMs: 12_500 });
    r.at(opened + 22_500);
    r.bar.tick();
    expect(r.out.lines[1]).toMatch(/, ETA \d/);
    expect(r.out.lines[1]).not.toContain('unreachable');
  });

  it('on a terminal: the line is redrawn every tick while it lasts (nothing else moves), not otherwise', () => {
    const r = run(true);
    const drawn = r.out.lines.length;
    r.reachability.note({ type: 'circuit.open', host, since: r.now() });
    const opened = r.now();
    // A blip (under a second) changes nothing.
    r.at(opened + 400);
    r.bar.tick();
    expect(r.out.lines).toHaveLength(drawn);
    r.at(opened + 3_000);
    r.bar.tick();
    r.at(opened + 4_000);
    r.bar.tick();
    expect(r.out.lines.slice(drawn)).toEqual([
      expect.stringMatching(/^\r\[.*\] 20\/100 records, .*Lark unreachable for 3 s, retrying/),
      expect.stringMatching(/Lark unreachable for 4 s, retrying/),
    ]);
    expect(r.out.lines[drawn]!.endsWith('retrying\u001b[K')).toBe(true);
    r.reachability.note({ type: 'circuit.closed', host, openMs: 4_100 });
    r.at(opened + 5_000);
    r.bar.tick();
    expect(r.out.lines).toHaveLength(drawn + 2);
  });
});

describe('ETA from the binding quota', () => {
  it('691 of 1,500 sent in 14 s: the minute quota binds, so about a minute is left, not the 16 s the burst rate says', () => {
    let now = 0;
    const out = sink();
    const bar = new ProgressBar({ stream: out, total: 1500, now: () => now, plainEveryMs: 1 });
    for (let i = 1; i <= 691; i++) {
      now = Math.floor((i - 1) / 50) * 1000 + 500;
      bar.noteReceiver(`ou_${i % 40}`);
      bar.update(delivered(i));
    }
    now = 14_000;
    out.lines.length = 0;
    bar.tick();
    const eta = /ETA (\d+)m(\d+)s|ETA ([\d.]+)s/.exec(out.lines[0]!)!;
    const seconds = eta[3] !== undefined ? Number(eta[3]) : Number(eta[1]) * 60 + Number(eta[2]);
    // Burst-rate estimate: 809 left at ~49/s = 16 s. The window frees the first sends only at 60 s.
    expect(seconds).toBeGreaterThan(45);
    expect(seconds).toBeLessThan(65);
  });

  it('quotaTimeMs: an idle window sends 1000 at 50/s, then 1000 a minute', () => {
    expect(quotaTimeMs(500, new Map(), 0)).toBe(10_000);
    expect(quotaTimeMs(1000, new Map(), 0)).toBe(20_000);
    // 3000 from idle: 1000 in 20 s, the next 1000 from 60 s to 80 s, the last 1000 closed-form after 120 s.
    expect(quotaTimeMs(3000, new Map(), 0)).toBeGreaterThan(120_000);
  });

  it('one receiver binds at 5/s', () => {
    let now = 0;
    const out = sink();
    const bar = new ProgressBar({ stream: out, total: 200, now: () => now, plainEveryMs: 1 });
    for (let i = 1; i <= 100; i++) {
      bar.noteReceiver('ou_only');
      now = i * 200;
      bar.update(delivered(i));
    }
    out.lines.length = 0;
    now += 1;
    bar.tick();
    // 100 left to one receiver at 5/s: 20 s at least (the app quota alone would say 2 s).
    expect(out.lines[0]).toMatch(/ETA (19\.\d|2\d\.\d)s/);
  });
});

describe('resumed runs', () => {
  it('the progress line and the summary say how many were resumed and how many sent now', () => {
    let now = 0;
    const out = sink();
    const bar = new ProgressBar({ stream: out, now: () => now, plainEveryMs: 1 });
    for (let i = 1; i <= 5; i++) bar.update(delivered(i, i <= 3));
    now = 10;
    bar.tick();
    expect(out.lines.at(-1)).toContain('5 delivered (3 resumed)');
    const summary = { ...emptySummary(), total: 5, delivered: 5, durationMs: 1200 };
    expect(summaryLine(summary, false, bar.counts.resumed)).toBe(
      '5 delivered (3 resumed from the state file, 2 sent now), 0 failed, 0 skipped of 5 messages in 1.2s',
    );
    expect(summaryLine(summary, false)).toBe('5 delivered, 0 failed, 0 skipped of 5 messages in 1.2s');
  });
});

describe('--verbose', () => {
  it('adds up pacing waits into one line per window instead of a line per message', () => {
    const out = sink();
    const log = new VerboseLog(out);
    for (let i = 0; i < 17; i++) log.onEvent({ type: 'pacer.wait', pacer: 'send', waitMs: 100, queued: i, blockedKey: 'app:second' });
    log.onEvent({ type: 'retry', op: 'send', attempt: 1, code: 'SERVER_ERROR', delayMs: 500 });
    expect(out.lines).toHaveLength(1);
    expect(out.lines[0]).toBe('lark-im: send: attempt 1 failed with SERVER_ERROR: retrying in 500ms\n');
    log.flush();
    expect(out.lines).toHaveLength(2);
    expect(out.lines[1]).toBe('lark-im: rate limit: the send pacer on app:second held messages 17 times (1.7s of waits in all, up to 16 queued)\n');
    log.flush();
    expect(out.lines).toHaveLength(2);
  });

  it('gives every event one prose line, never a raw JSON object among the prose', () => {
    const out = sink();
    const log = new VerboseLog(out);
    log.onEvent({ type: 'token.fetched', reason: 'cold', expiresInMs: 7_200_000, logId: 'L1' });
    log.onEvent({ type: 'token.invalidated', op: 'send', larkCode: 99991663 });
    log.onEvent({ type: 'retry', op: 'list_messages', attempt: 2, code: 'RATE_LIMITED', larkCode: 99991400, httpStatus: 429, logId: 'L2', delayMs: 1000 });
    log.onEvent({ type: 'circuit.open', host: 'open.feishu.cn', since: 0 });
    log.onEvent({ type: 'circuit.closed', host: 'open.feishu.cn', openMs: 8200 });
    expect(out.lines).toEqual([
      'lark-im: tenant token fetched (none was cached), valid for 120m0s [log id: L1]\n',
      'lark-im: Lark refused the tenant token during send (Lark code 99991663): fetching a fresh one and trying again\n',
      'lark-im: list_messages: attempt 2 failed with RATE_LIMITED (Lark code 99991400, HTTP 429): retrying in 1.0s [log id: L2]\n',
      'lark-im: Lark at open.feishu.cn gives no answer: one request at a time probes it, the others wait\n',
      'lark-im: Lark at open.feishu.cn answers again after 8.2s: sending resumes at full pace\n',
    ]);
    for (const line of out.lines) expect(line).not.toMatch(/[{}]/);
  });
});

describe('wording', () => {
  it('counts in the right number: "of 1 message", "1 message not sent"', () => {
    expect(summaryLine({ ...emptySummary(), total: 1, delivered: 1, durationMs: 12 }, false)).toBe('1 delivered, 0 failed, 0 skipped of 1 message in 12ms');
    expect(summaryLine({ ...emptySummary(), total: 3, delivered: 2, notSent: 1, durationMs: 12 }, false)).toBe(
      '2 delivered, 0 failed, 1 not sent, 0 skipped of 3 messages in 12ms',
    );
  });

  it('--input - on a terminal says it reads stdin (it waited silently)', () => {
    expect(stdinHint('-', { isTTY: true })).toBe('lark-im: reading records from stdin (Ctrl-D to end)');
    expect(stdinHint('-', { isTTY: false })).toBeUndefined();
    expect(stdinHint('in.jsonl', { isTTY: true })).toBeUndefined();
  });
});
