/**
 * Preloaded (node --import) into the CLI child of the streaming case: reports the child's own peak RSS on
 * exit, on stderr, so the measurement needs no platform tool.
 */
process.on('exit', () => {
  process.stderr.write(`BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\n`);
});
