/**
 * How a command ends: its exit code, and the error that ends it with one line for the user. The CLI's own
 * commands and the ones src/console/ and src/platforms/ register on it share these.
 */
export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_CANNOT_START = 2;

/** An error that ends a command with a given exit code and a one-line message. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}
