/**
 * `lark-im demo` and `lark-im emulator`: the whole connector on the embedded Lark emulator, with no Lark
 * account. The demo runs the connection test, sends the fixture messages (every receive type and content
 * type), then a file full of mistakes to show that each fails alone with its reason, then reads the group back.
 */
import { fileURLToPath } from 'node:url';
// Type-only: the emulator is imported by the commands that run it, so that loading the CLI for another
// command (a `write --dry-run` of a large file) does not load it too.
import type { DeliveredMessage } from '../emulator/index.js';
import { LarkImConnector } from '../connector.js';
import { parseConfig } from '../config.js';
import { openInput, readRecords } from '../input.js';
import type { MessageOutcome, RunSummary } from '../pipeline/report/outcome.js';
import { formatTestItems } from '../core/format-test-items.js';
import { summaryLine } from './progress.js';
import { CliExit, EXIT_CANNOT_START, EXIT_FAILED, EXIT_OK } from '../core/exit.js';
import { parsePort } from '../core/flags.js';
import { demoReadBack } from './demo-read.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../fixtures/${name}`, import.meta.url));
const out = (text: string) => process.stdout.write(text + '\n');

export async function demoCommand(): Promise<number> {
  const { LarkEmulator, loadSeedFile } = await import('../emulator/index.js');
  const seed = await loadSeedFile(fixture('emulator-seed.json'));
  const app = seed.apps[0]!;
  const emulator = await LarkEmulator.start({ seed });
  const connector = new LarkImConnector(
    parseConfig(
      {
        connection: { appId: app.appId, appSecret: app.appSecret, domain: emulator.baseUrl },
        // The demo's images and files are local paths inside fixtures/media/.
        node: { media: { root: fixture('media') } },
      },
      {},
    ),
  );
  try {
    out(`Lark emulator listening on ${emulator.baseUrl} (app ${app.appId}; no real Lark is contacted)\n`);
    out('== lark-im check');
    const items = await connector.connectionTest();
    out(formatTestItems(items));

    /** Writes one fixture file and prints each message's outcome, with whom it reached. */
    const writeAndShow = async (name: string, note = ''): Promise<RunSummary> => {
      out(`== lark-im write --input fixtures/${name}${note}`);
      const { outcomes, summary } = await writeFile(connector, name);
      const delivered = new Map(emulator.messages().map((m) => [m.messageId, m]));
      for (const o of outcomes) out(describeOutcome(o, delivered, seed.users));
      out(summaryLine(summary, false) + '\n');
      return summary;
    };
    const good = await writeAndShow('demo-messages.jsonl');
    const bad = await writeAndShow('bad-messages.jsonl', '   (every mistake fails alone, the rest is delivered)');
    const media = await writeAndShow('demo-media.jsonl', '   (an image and a file from fixtures/media/, each uploaded once)');
    out(`uploaded ${emulator.uploads().map((u) => `${u.kind} ${u.fileName ?? ''} (${u.bytes} bytes) -> ${u.key}`).join(', ')}\n`);
    const groupChat = seed.chats.find((c) => c.botMember)!.chatId;
    const readBack = await demoReadBack(emulator, connector, groupChat, seed.users[0]!.openId, out);

    const stats = emulator.stats();
    out(`emulator saw ${stats.tokenRequests} token request(s), ${stats.sendRequests} send request(s), ${stats.batchGetIdRequests} phone lookup(s); ${emulator.messages().length} messages delivered`);
    const ok = items.every((i) => i.status !== 'fail') && good.failed === 0 && bad.delivered === 2 && media.failed === 0 && readBack;
    return ok ? EXIT_OK : EXIT_FAILED;
  } finally {
    connector.close();
    await emulator.close();
  }
}

async function writeFile(connector: LarkImConnector, name: string): Promise<{ outcomes: MessageOutcome[]; summary: RunSummary }> {
  const outcomes: MessageOutcome[] = [];
  const summary = await connector.writeStream(readRecords(await openInput(fixture(name))), { onOutcome: (o) => void outcomes.push(o) });
  return { outcomes, summary };
}

function describeOutcome(o: MessageOutcome, delivered: Map<string, DeliveredMessage>, users: Array<{ openId: string; name: string }>): string {
  const at = `line ${String(o.line).padStart(2)}[${o.index}]`;
  if (o.status === 'delivered') {
    const m = delivered.get(o.messageId);
    const who = users.find((u) => u.openId === m?.resolvedOpenId)?.name ?? m?.chatId ?? '?';
    return `  delivered ${at}  ${m?.msgType.padEnd(11) ?? ''} -> ${who.padEnd(12)} ${o.messageId}`;
  }
  if (o.status === 'failed') return `  failed    ${at}  ${o.error.code}: ${o.error.message}`;
  if (o.status === 'skipped') return `  skipped   ${at}  ${o.reason}`;
  if (o.status === 'not_sent') return `  not sent  ${at}  ${o.code}: ${o.reason}`;
  return `  valid     ${at}`;
}

export interface EmulatorFlags {
  port: string;
  /** Messages of seeded history per chat the bot is in. */
  history?: string;
  seed?: string;
  limits: boolean;
}

/** Runs the emulator in the foreground, so `check` and `write` can be pointed at it by hand. */
export async function emulatorCommand(flags: EmulatorFlags): Promise<number> {
  // Checked before anything starts: Number('abc') would silently seed nothing.
  const history = flags.history === undefined ? 0 : Number(flags.history);
  if (!Number.isInteger(history) || history < 0) throw new CliExit(EXIT_CANNOT_START, `--history must be a whole number of messages (0 or more), got "${flags.history}"`);
  const { LarkEmulator, loadSeedFile } = await import('../emulator/index.js');
  const seed = await loadSeedFile(flags.seed ?? fixture('emulator-seed.json'));
  const emulator = await LarkEmulator.start({ seed, port: parsePort(flags.port), ...(flags.limits ? {} : { limits: false }) });
  const app = seed.apps[0]!;
  if (history > 0) {
    const { seedHistory } = await import('../emulator/index.js');
    const chats = seed.chats.filter((c) => c.botMember).map((c) => ({ chatId: c.chatId, count: history }));
    seedHistory(emulator, { chats, senders: seed.users.filter((u) => u.visible !== false).map((u) => u.openId), startMs: Date.now() - history * 10_000 });
  }
  out(`Lark emulator on ${emulator.baseUrl}${history > 0 ? ` (${history} messages of history in each chat the bot is in)` : ''}`);
  out(`try: LARK_APP_ID=${app.appId} LARK_APP_SECRET=${app.appSecret} LARK_DOMAIN=${emulator.baseUrl} lark-im check`);
  out(`post as a user: curl -s ${emulator.baseUrl}/_emulator/messages -d '{"chatId":"${seed.chats[0]?.chatId ?? 'oc_...'}","text":"hello"}'`);
  out('Ctrl-C to stop');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.close();
  return EXIT_OK;
}
