/**
 * Airbyte protocol v0 messages as zod schemas: what the adapter writes on stdout and reads on stdin, and what
 * the specs parse every stdout line with. Checked against airbyte_protocol.yaml (airbytehq/airbyte-protocol)
 * and docs/understanding-airbyte/airbyte-protocol.md; see docs/airbyte.md for what was confirmed.
 *
 * Every object is loose (additionalProperties: true in the protocol): unknown fields from a newer platform
 * are kept, never an error. The envelope is {type, <payload>} where the payload key is the type in lower case
 * except CONNECTION_STATUS, whose key is `connectionStatus`.
 */
import { z } from 'zod';

const blob = z.record(z.string(), z.unknown());

export const streamDescriptorSchema = z.looseObject({ name: z.string(), namespace: z.string().optional() });
export type StreamDescriptor = z.infer<typeof streamDescriptorSchema>;

export const SYNC_MODES = ['full_refresh', 'incremental'] as const;
export const DESTINATION_SYNC_MODES = ['append', 'overwrite', 'append_dedup'] as const;

export const recordMessageSchema = z.looseObject({
  stream: z.string(),
  namespace: z.string().optional(),
  data: blob,
  /** Epoch milliseconds. */
  emitted_at: z.number().int(),
});

export const streamStateSchema = z.looseObject({
  stream_descriptor: streamDescriptorSchema,
  /** null: the stream's state is reset. */
  stream_state: blob.nullable().optional(),
});

export const stateStatsSchema = z.looseObject({ recordCount: z.number().optional() });

export const stateMessageSchema = z.looseObject({
  /** Absent means LEGACY (deprecated: this connector never emits it). */
  type: z.enum(['STREAM', 'GLOBAL', 'LEGACY']).optional(),
  stream: streamStateSchema.optional(),
  global: z
    .looseObject({ shared_state: blob.nullable().optional(), stream_states: z.array(streamStateSchema) })
    .optional(),
  data: z.unknown().optional(),
  sourceStats: stateStatsSchema.optional(),
  destinationStats: stateStatsSchema.optional(),
});
export type StateMessage = z.infer<typeof stateMessageSchema>;

export const LOG_LEVELS = ['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];
export const logMessageSchema = z.looseObject({ level: z.enum(LOG_LEVELS), message: z.string(), stack_trace: z.string().optional() });

export const FAILURE_TYPES = ['system_error', 'config_error', 'transient_error'] as const;
export type FailureType = (typeof FAILURE_TYPES)[number];
export const STREAM_STATUSES = ['STARTED', 'RUNNING', 'COMPLETE', 'INCOMPLETE'] as const;
export type StreamStatus = (typeof STREAM_STATUSES)[number];

export const traceMessageSchema = z.looseObject({
  type: z.enum(['ERROR', 'ESTIMATE', 'STREAM_STATUS', 'ANALYTICS']),
  emitted_at: z.number(),
  error: z
    .looseObject({
      message: z.string(),
      internal_message: z.string().optional(),
      stack_trace: z.string().optional(),
      failure_type: z.enum(FAILURE_TYPES).optional(),
      stream_descriptor: streamDescriptorSchema.optional(),
    })
    .optional(),
  stream_status: z
    .looseObject({
      stream_descriptor: streamDescriptorSchema,
      status: z.enum(STREAM_STATUSES),
      reasons: z.array(z.looseObject({ type: z.string() })).optional(),
    })
    .optional(),
  estimate: z.looseObject({ name: z.string(), type: z.enum(['STREAM', 'SYNC']) }).optional(),
  analytics: z.looseObject({ type: z.string(), value: z.string().optional() }).optional(),
});

export const connectionStatusSchema = z.looseObject({ status: z.enum(['SUCCEEDED', 'FAILED']), message: z.string().optional() });

export const airbyteStreamSchema = z.looseObject({
  name: z.string(),
  json_schema: blob,
  supported_sync_modes: z.array(z.enum(SYNC_MODES)).min(1),
  source_defined_cursor: z.boolean().optional(),
  default_cursor_field: z.array(z.string()).optional(),
  source_defined_primary_key: z.array(z.array(z.string())).optional(),
  namespace: z.string().optional(),
  is_resumable: z.boolean().optional(),
});
export type AirbyteStream = z.infer<typeof airbyteStreamSchema>;

export const catalogSchema = z.looseObject({ streams: z.array(airbyteStreamSchema) });

export const connectorSpecificationSchema = z.looseObject({
  connectionSpecification: blob,
  documentationUrl: z.string().optional(),
  changelogUrl: z.string().optional(),
  supportsIncremental: z.boolean().optional(),
  supported_destination_sync_modes: z.array(z.enum(DESTINATION_SYNC_MODES)).optional(),
  protocol_version: z.string().optional(),
});

/** One line of stdout (or of a destination's stdin). */
export const airbyteMessageSchema = z.discriminatedUnion('type', [
  z.looseObject({ type: z.literal('RECORD'), record: recordMessageSchema }),
  z.looseObject({ type: z.literal('STATE'), state: stateMessageSchema }),
  z.looseObject({ type: z.literal('LOG'), log: logMessageSchema }),
  z.looseObject({ type: z.literal('SPEC'), spec: connectorSpecificationSchema }),
  z.looseObject({ type: z.literal('CONNECTION_STATUS'), connectionStatus: connectionStatusSchema }),
  z.looseObject({ type: z.literal('CATALOG'), catalog: catalogSchema }),
  z.looseObject({ type: z.literal('TRACE'), trace: traceMessageSchema }),
  z.looseObject({ type: z.literal('CONTROL'), control: z.looseObject({ type: z.literal('CONNECTOR_CONFIG'), emitted_at: z.number() }) }),
]);
export type AirbyteMessage = z.infer<typeof airbyteMessageSchema>;

export const configuredStreamSchema = z.looseObject({
  stream: airbyteStreamSchema,
  sync_mode: z.enum(SYNC_MODES).default('full_refresh'),
  destination_sync_mode: z.enum(DESTINATION_SYNC_MODES).default('append'),
  cursor_field: z.array(z.string()).optional(),
  primary_key: z.array(z.array(z.string())).optional(),
});
export const configuredCatalogSchema = z.looseObject({ streams: z.array(configuredStreamSchema) });
export type ConfiguredCatalog = z.infer<typeof configuredCatalogSchema>;

/** The --state file of `read`: a list of STATE payloads (what the platform passes), or one of them. */
export const inputStateSchema = z.union([z.array(stateMessageSchema), stateMessageSchema]);

// ---------------------------------------------------------------------------------------------
// builders: the messages this connector emits, typed so a wrong shape does not compile

export function logMessage(level: LogLevel, message: string): AirbyteMessage {
  return { type: 'LOG', log: { level, message } };
}

export function errorTrace(message: string, failureType: FailureType, now: number, internal?: string): AirbyteMessage {
  return {
    type: 'TRACE',
    trace: { type: 'ERROR', emitted_at: now, error: { message, failure_type: failureType, ...(internal ? { internal_message: internal } : {}) } },
  };
}

export function streamStatusTrace(stream: StreamDescriptor, status: StreamStatus, now: number): AirbyteMessage {
  return { type: 'TRACE', trace: { type: 'STREAM_STATUS', emitted_at: now, stream_status: { stream_descriptor: stream, status } } };
}

export function streamState(stream: StreamDescriptor, state: Record<string, unknown>, recordCount: number): AirbyteMessage {
  return {
    type: 'STATE',
    state: { type: 'STREAM', stream: { stream_descriptor: stream, stream_state: state }, sourceStats: { recordCount } },
  };
}

/** Where a stream's records and states meet: name, and namespace when there is one. */
export function streamKey(d: { name: string; namespace?: string | undefined }): string {
  return JSON.stringify([d.namespace ?? null, d.name]);
}
