/**
 * `airbyte read`: the connector as an Airbyte source. Built on the connector's source side (lark_messages);
 * until that exists in this build, read says so with a config_error rather than pretending to read.
 */
import type { LarkImConnector } from '../../connector.js';
import { ConnectorError } from '../../lark/errors.js';
import type { ProtocolOutput } from './output.js';
import type { AirbyteStream, ConfiguredCatalog } from './protocol.js';

export interface ReadOptions {
  connector: LarkImConnector;
  out: ProtocolOutput;
  catalog: ConfiguredCatalog;
  statePath?: string;
}

/** The readable streams (none until the connector has a source side). */
export function sourceStreams(_connector: LarkImConnector): AirbyteStream[] {
  return [];
}

export async function runRead(_options: ReadOptions): Promise<number> {
  throw new ConnectorError({
    code: 'CONFIG_INVALID',
    message: 'reading is not available in this build of lark-im: the source side (lark_messages) is not part of it yet; use this connector as a destination',
  });
}
