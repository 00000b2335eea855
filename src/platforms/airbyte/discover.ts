/**
 * `airbyte discover`: the streams a sync can read (the source side: lark_messages), plus, under `destination_record_schema`
 * (an extra field the protocol allows), the record shape `airbyte write` accepts. The destination's shape is
 * not listed as a stream: Airbyte would offer it for reading, and nothing can be read from it.
 */
import type { LarkImConnector } from '../../connector.js';
import { resolveSendType } from '../../pipeline/transform/send-type.js';
import { tableJsonSchema } from './json-schema.js';
import type { AirbyteStream } from './protocol.js';
import { sourceStreams } from './read.js';

export function discoverCatalog(connector: LarkImConnector): { streams: AirbyteStream[]; destination_record_schema: Record<string, unknown> } {
  return { streams: sourceStreams(connector), destination_record_schema: destinationRecordSchema(connector) };
}

/**
 * What `write` accepts: a message body (or an array of them) in the message_body send mode; in the other
 * modes any object, whose fields the node's bindings, message fields or template name.
 */
function destinationRecordSchema(connector: LarkImConnector): Record<string, unknown> {
  const mode = resolveSendType(connector.config.node);
  const messages = connector.discoverSchema().find((t) => t.name === 'messages');
  if (mode === 'message_body' && messages) return tableJsonSchema(messages);
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    type: 'object',
    description: `any record: the ${mode} send mode builds the messages from the fields its node options name`,
  };
}
