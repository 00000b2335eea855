// The state journal now lives in src/pipeline/state.ts; kept so existing imports keep working.
export { RunState, StateMismatchError, type RunStateOptions, type DeliveredEntry } from '../pipeline/state.js';
