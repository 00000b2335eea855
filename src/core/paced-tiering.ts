/**
 * A paced command (a live `write`, `read`, the Airbyte write and read) waits on Lark's quota most of its time:
 * at 50 messages a second the process is idle 95% of it, and what it runs per message is many short calls
 * (Node's HTTP client, axios, the pipeline). With V8's default tier-up, TurboFan compiles about 90 of those
 * functions within the first thousand messages: 290 ms of CPU in an 810-message run, about a quarter of its CPU,
 * spent to speed up code that then waits. A larger interrupt budget (how much bytecode a function runs between
 * V8's looks at whether to optimise it) leaves them to the interpreter and Sparkplug for longer; what stays
 * hot in a long run is still optimised. V8's flags are the process's, so only paced commands call this: a
 * dry-run is CPU-bound and keeps the default.
 */
import { setFlagsFromString } from 'node:v8';

/** About 7x Node 20's default (67,584); the measurements behind it are in docs/BENCHMARKS.md. */
const PACED_INTERRUPT_BUDGET = 500_000;

export function tierUpSlowly(): void {
  setFlagsFromString(`--interrupt-budget=${PACED_INTERRUPT_BUDGET}`);
}
