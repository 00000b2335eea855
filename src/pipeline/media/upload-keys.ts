/**
 * Where the keys of uploaded bytes are kept, so the same bytes are uploaded once per app: in memory (one
 * run), in the --state journal (re-runs), in Redis (every worker of the app). An id names the bytes and how
 * they were uploaded: `image:<sha256>` or `file:<file_type>:<sha256>`.
 */
import type { FileType } from './bytes.js';

export interface UploadKeyStore {
  get(id: string): Promise<string | undefined>;
  set(id: string, key: string): Promise<void>;
}

export function uploadId(kind: 'image' | 'file', sha256: string, fileType?: FileType): string {
  return kind === 'image' ? `image:${sha256}` : `file:${fileType ?? 'stream'}:${sha256}`;
}

export class InMemoryUploadKeyStore implements UploadKeyStore {
  private readonly keys = new Map<string, string>();

  get(id: string): Promise<string | undefined> {
    return Promise.resolve(this.keys.get(id));
  }

  set(id: string, key: string): Promise<void> {
    this.keys.set(id, key);
    return Promise.resolve();
  }

  get size(): number {
    return this.keys.size;
  }
}

/** Asks the stores in order (a hit is copied into the ones before it); a key is kept in all of them. */
export class LayeredUploadKeyStore implements UploadKeyStore {
  constructor(private readonly stores: readonly UploadKeyStore[]) {}

  async get(id: string): Promise<string | undefined> {
    for (let i = 0; i < this.stores.length; i++) {
      const key = await this.stores[i]!.get(id);
      if (key === undefined) continue;
      await Promise.all(this.stores.slice(0, i).map((s) => s.set(id, key)));
      return key;
    }
    return undefined;
  }

  async set(id: string, key: string): Promise<void> {
    await Promise.all(this.stores.map((s) => s.set(id, key)));
  }
}
