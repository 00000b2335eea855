/** Flag values that several commands read (the CLI's own and the console's). */
import { CliExit, EXIT_CANNOT_START } from './exit.js';

/** A --port value: a whole number 0..65535 (0 = any free port), else a usage error naming the flag. */
export function parsePort(value: string, flag = '--port'): number {
  const port = /^\s*\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new CliExit(EXIT_CANNOT_START, `${flag} must be a whole number from 0 to 65535 (0 = any free port), got ${JSON.stringify(value)}`);
  }
  return port;
}
