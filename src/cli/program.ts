/**
 * The `lark-im` command line: thin commands around the connector (spec, check, write, demo, emulator, console).
 * A command's module is imported when it runs: a run loads only what it uses (each ES module costs time and
 * memory at start-up, and `write` alone does not need the console, the emulator or the source).
 */
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';
import { describeError, runCommand } from './run-command.js';
import { EXIT_CANNOT_START } from '../core/exit.js';
import { registerConsoleCommand } from '../console/command.js';
import { guardStdout } from './stdout.js';
import { registerAirbyteCommand } from '../platforms/airbyte/command.js';

// Before any command writes: a reader that closes stdout early (`| head -1`) ends the output, not the process.
guardStdout();

/** The installed package's version (package.json ships with the package and is one folder above dist/). */
const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

const program = new Command('lark-im')
  .description('Deliver pipeline records as Lark (Feishu) IM messages')
  .version(version, '-V, --version', 'print the version of lark-im-connector')
  .showHelpAfterError('(lark-im --help lists the commands and options)')
  .exitOverride();

program
  .command('spec')
  .description('print the connector manifest (connector.json)')
  .action(() => runCommand(async () => {
    const { buildManifest } = await import('../platforms/tapdata/manifest.js');
    process.stdout.write(JSON.stringify(buildManifest(), null, 2) + '\n');
    return 0;
  }));

program
  .command('check')
  .description('test the connection: credentials, bot, permissions (exit 0 when nothing fails)')
  .option('-c, --config <file>', 'config file (JSON); LARK_APP_ID / LARK_APP_SECRET / LARK_DOMAIN fill what it lacks')
  .option('--json', 'print the test items as JSON')
  .option('--redis <url>', "use the app's shared Redis stores, as write does (or LARK_IM_REDIS_URL): Redis unreachable is exit 2")
  .action((flags) => runCommand(async () => (await import('./check.js')).checkCommand(flags)));

program
  .command('receivers')
  .description("list the chats the bot is in and the users in the app's range (the fixed-receiver picker)")
  .option('-c, --config <file>', 'config file (JSON); LARK_APP_ID / LARK_APP_SECRET / LARK_DOMAIN fill what it lacks')
  .option('--type <kind>', 'chat, user or all', 'all')
  .option('-q, --query <text>', 'only names (or ids) containing this text')
  .option('--json', 'print {items: [{label, value, receiveType}], total} as JSON')
  .option('--redis <url>', "share the app's list quota and token with its other workers through Redis (or LARK_IM_REDIS_URL)")
  .action((flags) => runCommand(async () => (await import('./receivers.js')).receiversCommand(flags)));

program
  .command('write')
  .description('send the messages of a JSON Lines (or JSON array) file')
  .option('-c, --config <file>', 'config file (JSON); LARK_APP_ID / LARK_APP_SECRET / LARK_DOMAIN fill what it lacks')
  .requiredOption('-i, --input <file>', "input file, or '-' for standard input")
  .option('--dry-run', 'validate and render each request, send nothing')
  .option('--report <file>', "write one JSON line per message ('-' for stdout)")
  .option('--json', 'print the summary as one JSON object on stdout (not with --report -)')
  .option('--state <file>', 'resumable run: record delivered messages here; a re-run with the same input sends only the rest')
  .option('-v, --verbose', 'log retries and token refreshes to stderr, and rate-limit waits added up every 10 s')
  .option('--redis <url>', 'share the quota, token and lookups with other workers of the app through Redis (or LARK_IM_REDIS_URL)')
  .action((flags) => runCommand(async () => {
    // A large dry-run's render threads load their modules beside this command's (threads.ts); writeCommand
    // decides whether the run takes them.
    if (flags.dryRun) {
      await (await import('../pipeline/dry-run/threads.js')).prestartRenderThreads(flags.input);
    }
    return (await import('./write.js')).writeCommand(flags);
  }));

program
  .command('read')
  .description('read the messages of the chats the bot is in as JSON Lines (the source); --follow keeps reading new ones')
  .option('-c, --config <file>', 'config file (JSON); LARK_APP_ID / LARK_APP_SECRET / LARK_DOMAIN fill what it lacks')
  .option('--chats <ids>', "'all' or a comma-separated list of chat_ids (default: node option chats)")
  .option('--since <time>', 'read messages created from this time on: ISO 8601 or epoch ms (ignored when --state has an offset)')
  .option('--until <time>', 'do not read messages created at or after this time: ISO 8601 or epoch ms')
  .option('--follow', 'after the history, keep reading new messages until SIGINT/SIGTERM')
  .option('--mode <mode>', 'follow mode: poll or events (default: node option mode)')
  .option('--state <file>', 'resumable: the offset is kept here; a re-run goes on where the last one stopped')
  .option('-o, --output <file>', "JSON Lines output ('-' for stdout)", '-')
  .option('--json', 'print the summary as one JSON object on stderr')
  .option('-v, --verbose', 'log retries, token refreshes and rate-limit waits to stderr')
  .option('--redis <url>', "share the app's list quota and token with its other workers through Redis (or LARK_IM_REDIS_URL)")
  .action((flags) => runCommand(async () => (await import('./read.js')).readCommand(flags)));

program
  .command('demo')
  .description('run check and a write of the fixture messages on the embedded Lark emulator')
  .action(() => runCommand(async () => (await import('./demo.js')).demoCommand()));

program
  .command('emulator')
  .description('run the embedded Lark emulator on 127.0.0.1 until Ctrl-C')
  .option('-p, --port <port>', 'port to listen on', '8787')
  .option('--seed <file>', 'seed file (apps, users, chats); default fixtures/emulator-seed.json')
  .option('--history <n>', 'seed n messages of history into each chat the bot is in (for lark-im read)')
  .option('--no-limits', "do not enforce Lark's rate limits")
  .action((flags) => runCommand(async () => (await import('./demo.js')).emulatorCommand(flags)));

registerConsoleCommand(program);
registerAirbyteCommand(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Usage mistakes: commander already printed one line; it is a "could not start".
  if (err instanceof CommanderError) {
    process.exitCode = err.exitCode === 0 ? 0 : EXIT_CANNOT_START;
  } else {
    process.stderr.write(`lark-im: ${describeError(err)}\n`);
    process.exitCode = EXIT_CANNOT_START;
  }
}
