/** What the commands that talk to Lark share: loading the config, and saying when Lark stops answering. */
import type { ClientEvent } from '../lark/events.js';
import { describeEvent } from './verbose-log.js';
import { loadConfigFile, parseConfig, type ConnectorConfig } from '../config.js';
import { withRedisUrl } from '../stores/config.js';

/**
 * --config FILE, or the LARK_* environment variables alone when no file is given. A dry-run never talks to
 * Lark, so it needs no credentials: placeholders stand in for a missing App ID / App Secret.
 */
export async function loadConfig(path: string | undefined, options: { dryRun?: boolean; redis?: string } = {}): Promise<ConnectorConfig> {
  const env = options.dryRun ? { LARK_APP_ID: 'cli_dry_run', LARK_APP_SECRET: 'dry-run', ...process.env } : process.env;
  const config = path ? await loadConfigFile(path, env) : parseConfig({}, env);
  // --redis URL: shared stores for several workers of one app (see docs/scaling.md).
  return options.redis ? { ...config, store: withRedisUrl(config.store, options.redis) } : config;
}

/**
 * The client events of a CLI command: when Lark stops answering, one line on stderr at once says so (host,
 * cause, how long the client keeps trying) instead of a silent wait; the others go to --verbose's log, if any.
 */
export function cliClientEvents(stderr: { write(text: string): unknown }, verbose?: (e: ClientEvent) => void): (e: ClientEvent) => void {
  return (e) => {
    if (e.type === 'endpoint.silent') stderr.write(`lark-im: ${describeEvent(e)}\n`);
    else verbose?.(e);
  };
}
