// What the console needs from the connector: the connector's own types, plus the small interfaces the
// server is written against so specs can inject a fake backend (real-backend.ts binds them to the real code).

export type { TestItem, TestStatus } from '../core/types.js';
export type { MessageOutcome, OutcomeError, RenderedRequest, RunSummary } from '../pipeline/report/outcome.js';
export type { InputRecord } from '../input.js';
import type { TestItem } from '../core/types.js';
import type { RunSummary } from '../pipeline/report/outcome.js';
import type { InputRecord } from '../input.js';
import type { LarkMessageRecord } from '../source/record.js';
import type { WriteStreamOptions } from '../connector.js';
import type { ClientEvent } from '../lark/events.js';

/** The raw form values, keyed by the manifest's property names. */
export interface RawConfig {
  connection: Record<string, unknown>;
  node: Record<string, unknown>;
  /** A loaded file's shared-store part (Redis): not in the form, but used for runs and saved back. */
  store?: Record<string, unknown>;
}

export interface ConnectorLike {
  connectionTest(): Promise<TestItem[]>;
  writeStream(
    records: Iterable<InputRecord> | AsyncIterable<InputRecord>,
    opts: Pick<WriteStreamOptions, 'dryRun' | 'thumbnailMaxBytes' | 'onOutcome' | 'signal' | 'deliveredBefore' | 'onDelivered' | 'state'>,
  ): Promise<RunSummary>;
  close(): void;
  /** The form's commands (GetReceiverOfChatsAndUsers for the fixed-receiver picker). */
  commandCallback?(command: string, args: Record<string, unknown>): Promise<unknown>;
  /** The source (optional, so a fake backend can leave it out). */
  sourceChats?(): Promise<Array<{ chatId: string; name: string; chatMode: string }>>;
  /** The source preview: a chat's newest messages, newest first, and a sender's name by open_id. */
  latestMessages?(chatId: string, limit: number): Promise<LarkMessageRecord[]>;
  userName?(openId: string): Promise<string>;
}

/** A previewed message, with its sender's name when the app may read it. */
export type SourcePreviewMessage = LarkMessageRecord & { senderName?: string };

export interface EmulatorHandle {
  baseUrl: string;
  /** The demo app the emulator seeds: used to pre-fill the form. */
  demoApp: { appId: string; appSecret: string };
  /** Receivers that exist in the emulator (for the sample records). */
  users: Array<{ openId: string; name: string; email?: string; mobile?: string }>;
  chats: Array<{ chatId: string; name: string; botMember: boolean }>;
  close(): Promise<void>;
}

/** Everything the server needs from the rest of the project; injectable so specs can fake it. */
export interface ConsoleBackend {
  manifest(): Promise<Manifest>;
  /** Validates the raw values; throws an error with a safe message (never the secret). */
  /** onEvent: the client's events (a send's progress reads the circuit's from them). */
  createConnector(raw: RawConfig, options?: { dryRun?: boolean; onEvent?: (e: ClientEvent) => void }): ConnectorLike;
  /** Optional: checks the values as the CLI would (unknown keys, ranges), credentials may be missing; throws a safe message. */
  validateConfig?(raw: RawConfig): void;
  /** Optional: advice for a Lark error code (shown next to failed sends). */
  adviceFor?(larkCode: number, httpStatus?: number): string | undefined;
  startEmulator?(): Promise<EmulatorHandle>;
}

export interface ManifestField {
  type?: string; title?: string; 'x-component'?: string; required?: boolean; default?: unknown;
  enum?: Array<{ label: string; value: unknown } | string>; 'x-index'?: number;
  'x-display'?: string; 'x-decorator-props'?: { tooltip?: string }; tooltip?: string; description?: string;
  [k: string]: unknown;
}
export interface Manifest {
  properties?: Record<string, unknown>;
  configOptions?: {
    connection?: { properties?: Record<string, ManifestField> };
    node?: { properties?: Record<string, ManifestField> };
    [k: string]: unknown;
  };
  messages?: Record<string, unknown>;
  [k: string]: unknown;
}
