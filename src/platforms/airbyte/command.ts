/**
 * `lark-im airbyte <spec|check|discover|read|write>`: the connector behind Airbyte's connector protocol, and
 * the image's entrypoint. Thin: each command loads what it is given, calls the connector's lifecycle and turns
 * the result into protocol messages. stdout carries protocol messages only; errors become TRACE messages.
 * Exit 0 when done, 1 when the sync failed or stopped (the TRACE / LOG says why): Airbyte only tells 0 from not 0.
 */
import type { Command } from 'commander';
import { AIRBYTE_COMMANDS, type AirbyteFlags } from './commands.js';

export function registerAirbyteCommand(program: Command): Command {
  return program
    .command('airbyte')
    .description('run as an Airbyte connector (source and destination): spec | check | discover | read | write; stdout carries protocol messages only')
    .argument('<command>', AIRBYTE_COMMANDS.join(' | '))
    .option('--config <file>', 'the connector config Airbyte passes ({connection, node})')
    .option('--catalog <file>', 'the configured catalog (read, write)')
    .option('--state <file>', 'the state to resume from (read)')
    .action(async (command: string, flags: AirbyteFlags) => {
      // Loaded when it runs: every other command registers this one too.
      const { runAirbyte } = await import('./run.js');
      process.exitCode = await runAirbyte(command, flags);
    });
}
