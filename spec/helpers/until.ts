/**
 * Waits until cond() holds, checking every few ms of real time: for outcomes that arrive over real sockets.
 * Bounded (5 s) so a broken build fails with the name of what never happened instead of hanging.
 */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`timed out waiting for: ${what}`);
}
