/**
 * Where the bench finds the product it measures: the built CLI in dist/, as a user runs it. The bench itself
 * is compiled to dist-bench/bench/, two levels under the repository.
 */
import { fileURLToPath } from 'node:url';

export const CLI_MAIN = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
