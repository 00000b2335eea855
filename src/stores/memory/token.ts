import type { CachedToken, TokenStore } from '../../core/stores.js';

/** Tokens in a Map: one process. */
export class InMemoryTokenStore implements TokenStore {
  private readonly tokens = new Map<string, CachedToken>();
  get(key: string): CachedToken | undefined {
    return this.tokens.get(key);
  }
  set(key: string, value: CachedToken): void {
    this.tokens.set(key, value);
  }
  delete(key: string, token: string): void {
    if (this.tokens.get(key)?.token === token) this.tokens.delete(key);
  }
}
