import type { Command } from 'commander';
import { DEFAULT_PORT, startConsole } from './server.js';
import { parsePort } from '../core/flags.js';

/** Adds `lark-im console`; the CLI's main calls this (the console stays out of src/cli). */
export function registerConsoleCommand(program: Command): Command {
  return program
    .command('console')
    .description('serve the local pipeline console (connection form, Test connection, dry-run, send) on 127.0.0.1')
    .option('-p, --port <n>', `port to listen on (0 = any free port)`, String(DEFAULT_PORT))
    .option('--emulator', 'start the embedded Lark emulator and pre-fill its demo app', false)
    .option('-c, --config <file>', 'config file ({connection, node}) to load into the form')
    .option('--lang <lang>', 'initial language: en_US | zh_CN | zh_TW', 'en_US')
    .action(async (opts: { port: string; emulator: boolean; config?: string; lang: string }) => {
      const port = parsePort(opts.port);
      const handle = await startConsole({
        port,
        host: '127.0.0.1',
        emulator: opts.emulator,
        lang: opts.lang,
        ...(opts.config ? { configPath: opts.config } : {}),
      });
      if (handle.emulatorUrl) process.stdout.write(`Lark emulator: ${handle.emulatorUrl}\n`);
      process.stdout.write(`lark-im console: ${handle.url}\n(press Ctrl+C to stop)\n`);
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
      await handle.close();
    });
}
