/**
 * Preloaded (node --import) into bench children (the CLI, the SDK script): reports the child's own peak RSS
 * and CPU (user + system, µs) on exit, on stderr, so the measurement needs no platform tool.
 *
 * With BENCH_METER_AFTER=K it also meters the CPU from the start of the child's (K + 1)-th HTTP request to its
 * exit, and counts the requests in that span: a per-request figure with the process's start-up, its token and
 * its first requests left out, measured inside one process (the cpu case). Both of that case's sides make their
 * requests through node:http (axios), so the same diagnostics channel sees them.
 */
import { subscribe } from 'node:diagnostics_channel';

const meterAfter = Number(process.env.BENCH_METER_AFTER ?? Number.NaN);

const cpuNow = (): number => {
  const cpu = process.cpuUsage();
  return cpu.user + cpu.system;
};

let requests = 0;
let meterFrom: number | undefined;
if (Number.isSafeInteger(meterAfter) && meterAfter >= 0) {
  subscribe('http.client.request.start', () => {
    requests += 1;
    if (requests === meterAfter + 1) meterFrom = cpuNow();
  });
}

process.on('exit', () => {
  const cpu = cpuNow();
  const metered = meterFrom === undefined ? '' : `BENCH_METERED_CPU_US=${cpu - meterFrom}\nBENCH_METERED_REQUESTS=${requests - meterAfter}\n`;
  process.stderr.write(`BENCH_MAXRSS_KB=${process.resourceUsage().maxRSS}\nBENCH_CPU_US=${cpu}\n${metered}`);
});
