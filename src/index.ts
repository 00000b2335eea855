/** The library entry point: what a platform (or your own code) needs to run the connector. */
export { LarkImConnector } from './connector.js';
export type { ConnectorDeps, WriteEvent, WriteResult, WriteStreamOptions } from './connector.js';
export type { FieldSchema, TableSchema, TestItem, TestItemKey, TestStatus } from './core/types.js';
export { parseConfig, loadConfigFile, baseUrlFor, redactConfig, connectionConfigSchema, nodeConfigSchema } from './config.js';
export type { ConnectionConfig, ConnectorConfig, NodeConfig } from './config.js';
export { buildManifest } from './platforms/tapdata/manifest.js';
export { openInput, readRecords, readRecordBatches, type InputRecord } from './input.js';
export { parseMessageBody, parseRecord, type MessageBody } from './message/schema.js';
export { CONTENT_TYPES, RECEIVE_TYPES, RECEIVE_TYPE_NAMES } from './core/vocabulary.js';
export type { MessageOutcome, OutcomeError, RenderedRequest, RunSummary } from './pipeline/report/outcome.js';
export { RunState } from './pipeline/state.js';
export { ReportWriter } from './pipeline/report/report-writer.js';
export { LarkClient } from './lark/client.js';
export type { LarkClientOptions } from './lark/engine.js';
export { ConnectorError, ValidationError, type ErrorCode } from './core/errors.js';
export { LarkError, classifyLarkCode } from './lark/errors.js';
export { ERROR_STOPS, isAppLevel, stopsOf, type ErrorStops } from './core/errors.js';
export type { Transport, WireRequest, WireResponse } from './lark/transport.js';
export { retryPolicies, type RetryPolicy } from './lark/retry.js';
export type { PacingOptions } from './lark/pacer.js';
export type { LimiterStore, LookupStore, TokenStore } from './core/stores.js';
export { InMemoryLimiterStore } from './stores/memory/limiter.js';
export { InMemoryTokenStore } from './stores/memory/token.js';
export { InMemoryLookupStore } from './stores/memory/lookup.js';
export { ReceiverResolver } from './message/receivers.js';
export { MessageWriter, type WriterOptions } from './pipeline/writer.js';
// Shared stores for several workers of one app (docs/scaling.md); ioredis is loaded only when they are opened.
export { openRedisStores, storeScope, storeConfigSchema, type SharedStores, type StoreConfig } from './stores/index.js';
// The source (lark-im read): lifecycle types, the offset, the follow modes' seam.
export type { SourceRunOptions } from './source/source.js';
export { timestampToStreamOffset } from './source/source.js';
export { parseOffset, initialOffset, type SourceOffset, type ContainerCursor } from './source/offset.js';
export { toRecord, plainText, type LarkMessageRecord, type SourceEvent, type SourceOp } from './source/record.js';
export { MessageReader, type EmitBatch, type ReaderOptions } from './source/reader.js';
export { FOLLOWERS, PollFollower, SOURCE_MODES, type Follower, type FollowContext, type FollowerDeps, type FollowerFactory, type SourceMode } from './source/follower.js';
export { LARK_MESSAGES_TABLE } from './source/schema.js';
