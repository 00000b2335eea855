/**
 * Imported first by each entry (the CLI's main, a dry-run worker): keeps V8's young generation at its first
 * size (1 MB semi-spaces) in this thread. A CLI run allocates fast and keeps little, and V8 grew that space to
 * 16 MB of RSS per thread for no gain in time (the million-record dry-run: docs/BENCHMARKS.md). It takes
 * effect only if it comes before the thread's other modules load, hence a module of its own, imported first.
 */
import { setFlagsFromString } from 'node:v8';

setFlagsFromString('--semi-space-growth-factor=1');
