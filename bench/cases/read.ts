/**
 * Case 6, read: the source reading a chat's history through the real CLI (`lark-im read --output /dev/null
 * --json`, a child process) against the emulator enforcing the list quota (50/s + 1000/min per app), at two
 * history sizes: messages/s, list requests/s against the quota, and the child's peak RSS (flat with history
 * size: the offset is bounded by the overlap, pages are written as they come). The SDK reads the same history
 * with its own list call in a plain loop (no pacing: a 429 is counted and waited out for its reset).
 */
import { LarkEmulator, seedHistory } from '../../src/emulator/index.js';
import { BENCH_APP, benchSeed } from '../seed.js';
import { lastJsonLine, runCliChild } from '../cli-child.js';
import { makeSdkClient } from '../sides.js';
import type { BenchRow } from '../table.js';

export interface ReadOptions {
  /** Messages in the larger history (the smaller one is a quarter of it). */
  messages: number;
}

const CHAT = 'oc_0b5a1e7500000000000000000000000a';
const QUOTA_PER_SECOND = 50;

async function emulatorWith(messages: number): Promise<LarkEmulator> {
  const seed = benchSeed(5);
  const emu = await LarkEmulator.start({ seed });
  seedHistory(emu, {
    chats: [{ chatId: CHAT, count: messages }],
    senders: seed.users.filter((u) => u.visible !== false).map((u) => u.openId),
    startMs: Date.UTC(2025, 0, 1),
    editRatio: 0,
    recallRatio: 0,
  });
  return emu;
}

interface ConnectorRead {
  messages: number;
  requests: number;
  status429: number;
  wallMs: number;
  durationMs: number;
  maxRssKb: number | undefined;
}

async function connectorRead(messages: number): Promise<ConnectorRead> {
  const emu = await emulatorWith(messages);
  try {
    const env = { LARK_APP_ID: BENCH_APP.appId, LARK_APP_SECRET: BENCH_APP.appSecret, LARK_DOMAIN: emu.baseUrl };
    const r = await runCliChild(['read', '--chats', CHAT, '--output', '/dev/null', '--json'], env);
    const summary = lastJsonLine<{ total: number; durationMs: number }>(r.stderr);
    const stats = emu.stats();
    return {
      messages: summary?.total ?? 0,
      requests: stats.listMessagesRequests,
      status429: stats.status429,
      wallMs: r.wallMs,
      durationMs: summary?.durationMs ?? r.wallMs,
      maxRssKb: r.maxRssKb,
    };
  } finally {
    await emu.close();
  }
}

async function sdkRead(messages: number): Promise<{ messages: number; requests: number; status429: number; durationMs: number }> {
  const emu = await emulatorWith(messages);
  const client = makeSdkClient(emu.baseUrl);
  let read = 0;
  let pageToken: string | undefined;
  const t0 = Date.now();
  try {
    do {
      try {
        const res = await client.im.message.list({
          params: { container_id_type: 'chat', container_id: CHAT, sort_type: 'ByCreateTimeAsc', page_size: 50, ...(pageToken ? { page_token: pageToken } : {}) },
        });
        read += res.data?.items?.length ?? 0;
        pageToken = res.data?.has_more ? res.data.page_token : undefined;
      } catch (err) {
        const reset = Number((err as { response?: { headers?: Record<string, string> } }).response?.headers?.['x-ogw-ratelimit-reset'] ?? 1);
        await new Promise((r) => setTimeout(r, Math.max(1, reset) * 1000));
      }
    } while (pageToken);
    const stats = emu.stats();
    return { messages: read, requests: stats.listMessagesRequests, status429: stats.status429, durationMs: Date.now() - t0 };
  } finally {
    await emu.close();
  }
}

export async function runReadCase(o: ReadOptions, log: (s: string) => void) {
  const small = Math.max(50, Math.round(o.messages / 4));
  log(`read: lark-im read of ${small.toLocaleString('en-US')} then ${o.messages.toLocaleString('en-US')} messages (list quota enforced)`);
  const a = await connectorRead(small);
  const b = await connectorRead(o.messages);
  log(`read: SDK list loop over ${o.messages.toLocaleString('en-US')} messages`);
  const sdk = await sdkRead(o.messages);

  const perSecond = (n: number, ms: number) => (ms > 0 ? (n * 1000) / ms : 0);
  const ofQuota = perSecond(b.requests, b.durationMs) / QUOTA_PER_SECOND;
  const rssA = a.maxRssKb === undefined ? null : a.maxRssKb / 1024;
  const rssB = b.maxRssKb === undefined ? null : b.maxRssKb / 1024;
  const growth = rssA && rssB ? rssB / rssA : null;
  const c = 'read';
  const rows: BenchRow[] = [
    {
      case: c,
      figure: `messages/s (${o.messages.toLocaleString('en-US')} messages)`,
      connector: perSecond(b.messages, b.durationMs),
      sdk: perSecond(sdk.messages, sdk.durationMs),
      ratio: null,
      goal: '',
      met: null,
      note: `connector ${b.requests} list requests in ${(b.durationMs / 1000).toFixed(1)} s (run's durationMs); SDK ${sdk.requests} requests, ${sdk.status429} of them answered 429`,
    },
    {
      case: c,
      figure: 'list requests/s / quota (50/s)',
      connector: ofQuota,
      sdk: perSecond(sdk.requests - sdk.status429, sdk.durationMs) / QUOTA_PER_SECOND,
      ratio: null,
      goal: '>= 0.9',
      met: ofQuota >= 0.9,
      note: 'pages are read one after another: 50 messages a request is the ceiling of 2,500 messages/s',
    },
    {
      case: c,
      figure: 'HTTP 429 answers',
      connector: a.status429 + b.status429,
      sdk: sdk.status429,
      ratio: null,
      goal: '0',
      met: a.status429 + b.status429 === 0,
    },
    {
      case: c,
      figure: 'every message read once',
      connector: a.messages === small && b.messages === o.messages ? 'yes' : `${a.messages}/${small}, ${b.messages}/${o.messages}`,
      sdk: sdk.messages === o.messages ? 'yes' : `${sdk.messages}/${o.messages}`,
      ratio: null,
      goal: 'yes',
      met: a.messages === small && b.messages === o.messages,
    },
    {
      case: c,
      figure: `peak RSS (MB) at ${small.toLocaleString('en-US')} -> ${o.messages.toLocaleString('en-US')} messages`,
      connector: rssA !== null && rssB !== null ? `${rssA.toFixed(0)} -> ${rssB.toFixed(0)}` : null,
      sdk: null,
      ratio: growth,
      goal: 'flat (x <= 1.2)',
      met: growth !== null && growth <= 1.2,
      note: 'the ratio column is the larger run over the smaller one (child process, node start-up included)',
    },
  ];
  return { rows, raw: { options: o, small: a, large: b, sdk } };
}
