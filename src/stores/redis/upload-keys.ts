/**
 * Upload keys on Redis, shared by every worker of an app: the same bytes are uploaded once for all of them.
 * Lark's keys do not expire, so neither do these. A Redis that is down answers nothing known (the bytes are
 * uploaded again, which is only a cost) and a failed write is dropped.
 */
import type { UploadKeyStore } from '../../pipeline/media/upload-keys.js';
import type { RedisConnection } from './connection.js';

export class RedisUploadKeyStore implements UploadKeyStore {
  constructor(
    private readonly conn: RedisConnection,
    private readonly opts: { prefix: string },
  ) {}

  async get(id: string): Promise<string | undefined> {
    if (!this.conn.ready) return undefined;
    const v = await this.conn.client.get(this.key(id)).catch(() => null);
    return v ?? undefined;
  }

  async set(id: string, key: string): Promise<void> {
    if (!this.conn.ready) return;
    await this.conn.client.set(this.key(id), key).catch(() => undefined);
  }

  private key(id: string): string {
    return `${this.opts.prefix}upload:${id}`;
  }
}
