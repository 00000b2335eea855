import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { DEFAULT_PORT, HttpError } from './http-util.js';
import { CliExit, EXIT_CANNOT_START } from '../core/exit.js';
import { fileError } from '../core/errno.js';
import { parsePort } from '../core/flags.js';
import { LANGUAGES, type Language } from '../core/vocabulary.js';

/**
 * Adds `lark-im console`; the CLI's main calls this (the console stays out of src/cli). The server's modules
 * load when the command runs: every other command registers this one too.
 */
export function registerConsoleCommand(program: Command): Command {
  return program
    .command('console')
    .description('serve the local pipeline console (connection form, Test connection, dry-run, send) on 127.0.0.1')
    .option('-p, --port <n>', `port to listen on (0 = any free port)`, String(DEFAULT_PORT))
    .option('--emulator', 'start the embedded Lark emulator and pre-fill its demo app', false)
    .option('-c, --config <file>', 'config file ({connection, node}) to load into the form')
    .option('--lang <lang>', `initial language: ${LANGUAGES.join(' | ')}`, 'en_US')
    .action(async (opts: { port: string; emulator: boolean; config?: string; lang: string }) => {
      const port = parsePort(opts.port);
      const lang = parseLang(opts.lang);
      const configPath = opts.config;
      // Read here first, so a missing or unreadable file is named with its flag.
      if (configPath) await readFile(configPath).catch((err: unknown) => {
        throw fileError('--config', configPath, err);
      });
      const { startConsole } = await import('./server.js');
      const handle = await startConsole({
        port,
        host: '127.0.0.1',
        emulator: opts.emulator,
        lang,
        ...(configPath ? { configPath } : {}),
      }).catch((err: unknown) => {
        throw configPath && err instanceof HttpError ? new CliExit(EXIT_CANNOT_START, `--config ${configPath}: ${err.message}`) : err;
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

/** en_US, zh_CN or zh_TW (any case, '-' or '_'); anything else is a usage error naming the flag. */
function parseLang(value: string): Language {
  const lang = LANGUAGES.find((l) => l.toLowerCase() === value.trim().toLowerCase().replace('-', '_'));
  if (!lang) throw new CliExit(EXIT_CANNOT_START, `--lang must be one of ${LANGUAGES.join(', ')}, got ${JSON.stringify(value)}`);
  return lang;
}
