/** Embedded Lark Open Platform emulator (demo, integration tests, benchmarks). */
export { LarkEmulator } from './emulator.js';
export { FaultController, seededRandom, type Fault, type FaultKind, type FaultOptions, type FaultRatios } from './faults.js';
export { defaultSeed, loadSeedFile, parseSeed, DEFAULT_SCOPES } from './seed.js';
export { LARK_MSG_TYPES as MSG_TYPES, RECEIVE_ID_TYPES, type ReceiveIdType } from '../core/vocabulary.js';
export {
  DEFAULT_LIMITS,
  type DeliveredMessage,
  type EmulatorClock,
  type EmulatorLimits,
  type EmulatorOptions,
  type EmulatorSeed,
  type EmulatorStats,
  type LongConnectionSettings,
  type SeedApp,
  type SeedChat,
  type SeedUser,
} from './types.js';
export { EmulatorLongConnection, DEFAULT_LONG_CONNECTION, type LongConnectionStats, type PushedEvent } from './long-connection.js';
export { messageReceiveEnvelope, messageRecalledEnvelope, type EventApp, type EventMessage, type EventSender, type RecallInfo } from './im-events.js';
export { ChatHistory, RECALLED_CONTENT, type ChatActivity, type HistoryMessage } from './history.js';
export type { PostMessageInput } from './post-message.js';
export { seedHistory, type HistorySpec, type SeededHistory } from './history-gen.js';
