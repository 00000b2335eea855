// Shapes the console needs from the connector, mirrored from .tmp/CONTRACT.md so the console stays
// decoupled from the modules' internals: real-backend.ts is the one place that binds them to the real code.

export type TestStatus = 'ok' | 'warn' | 'fail';
export interface TestItem { item: string; title: string; status: TestStatus; detail: string }

export interface RenderedRequest {
  method: 'POST';
  url: string;
  body: { receive_id: string | null; msg_type: string; content: string; uuid: string };
  lookup?: { mobile: string };
}

export interface OutcomeError {
  code: string; message: string; larkCode?: number; logId?: string; retryable: boolean; field?: string;
}

export type MessageOutcome =
  | { line: number; index: number; status: 'delivered'; messageId: string; uuid: string }
  | { line: number; index: number; status: 'failed'; error: OutcomeError }
  | { line: number; index: number; status: 'skipped'; reason: string }
  | { line: number; index: number; status: 'valid'; request: RenderedRequest };

export interface RunSummary { total: number; delivered: number; failed: number; skipped: number; valid: number; durationMs: number }
export interface InputRecord { line: number; value?: unknown; parseError?: string; skipReason?: string }

/** The raw form values, keyed by the manifest's property names. */
export interface RawConfig { connection: Record<string, unknown>; node: Record<string, unknown> }

export interface ConnectorLike {
  connectionTest(): Promise<TestItem[]>;
  writeStream(
    records: Iterable<InputRecord> | AsyncIterable<InputRecord>,
    opts: { dryRun?: boolean; onOutcome?: (o: MessageOutcome) => void; signal?: AbortSignal },
  ): Promise<RunSummary>;
  close(): void;
}

export interface EmulatorHandle {
  baseUrl: string;
  /** The demo app the emulator seeds: used to pre-fill the form. */
  demoApp: { appId: string; appSecret: string };
  /** Receivers that exist in the emulator (for the sample records). */
  users: Array<{ openId: string; name: string; email?: string; mobile?: string }>;
  chats: Array<{ chatId: string; name: string; botMember: boolean }>;
  stop(): Promise<void>;
}

/** Everything the server needs from the rest of the project; injectable so specs can fake it. */
export interface ConsoleBackend {
  manifest(): Promise<Manifest>;
  /** Validates the raw values; throws an error with a safe message (never the secret). */
  createConnector(raw: RawConfig): ConnectorLike;
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
