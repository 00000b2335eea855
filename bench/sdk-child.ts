/**
 * The official SDK as a user's script runs it, in its own process (so its whole-process CPU can be compared
 * with the CLI's): argv[2] = JSON {baseUrl, messages, concurrency, tag}. Sends the messages with
 * client.im.message.create through a pool, prints one JSON line {ok, failed} on stdout.
 */
import { benchMessages } from './seed.js';
import { makeSdkClient, runSdk } from './sides.js';

async function main(): Promise<void> {
  const o = JSON.parse(process.argv[2] ?? '{}') as { baseUrl: string; messages: number; concurrency: number; tag: string };
  const client = makeSdkClient(o.baseUrl);
  const res = await runSdk(client, benchMessages(o.messages, 200, o.tag), o.concurrency, o.tag);
  process.stdout.write(`${JSON.stringify({ ok: res.ok, failed: res.failed })}\n`);
}

void main();
