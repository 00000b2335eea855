// The writer now lives in src/pipeline/ (one module per stage); kept so existing imports keep working.
export { MessageWriter, DEFAULT_GRACE_MS, type WriterOptions, type RecordSource } from '../pipeline/writer.js';
export { ValidOutcome } from '../pipeline/render.js';
