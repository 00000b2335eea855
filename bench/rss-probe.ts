/**
 * Preloaded (node --import) into bench children (the CLI, the SDK script): reports the child's own peak RSS
 * and CPU (user + system, µs) on exit, on stderr, so the measurement needs no platform tool.
 */
process.on('exit', () => {
  const cpu = process.cpuUsage();
  process.stderr.write(`BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\nBENCH_CPU_US=${cpu.user + cpu.system}\n`);
});
