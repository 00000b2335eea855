/**
 * A TCP front for a host that goes away: it passes connections to a target port, or, switched to reset mode,
 * resets every connection it accepts and the open ones at once (the host gone: every connection reset). It
 * counts the connections it accepts in reset mode.
 */
import net from 'node:net';
import type { AddressInfo } from 'node:net';

/** A TCP front that passes connections to `target`, or resets every one of them. */
export class SwitchableFront {
  resetMode = false;
  /** Connections accepted while in reset mode. */
  resetConnections = 0;
  accepted = 0;
  private readonly server: net.Server;
  private readonly open = new Set<net.Socket>();

  constructor(private readonly target: number) {
    this.server = net.createServer((client) => this.accept(client));
  }

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  /** From now on every connection is reset; those open now are reset at once. */
  goDown(): void {
    this.resetMode = true;
    for (const s of this.open) s.resetAndDestroy();
  }

  comeBack(): void {
    this.resetMode = false;
  }

  async close(): Promise<void> {
    for (const s of this.open) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  private accept(client: net.Socket): void {
    this.accepted++;
    if (this.resetMode) {
      this.resetConnections++;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect(this.target, '127.0.0.1');
    this.open.add(client);
    const drop = (): void => {
      this.open.delete(client);
      upstream.destroy();
      if (!client.destroyed) client.destroy();
    };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
    client.pipe(upstream).pipe(client);
  }
}
