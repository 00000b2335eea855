import { randomBytes } from 'node:crypto';
import type { EmulatorClock } from './types.js';

interface TokenRecord {
  appId: string;
  expiresAt: number;
  invalid: boolean;
}

export type TokenCheck =
  | { ok: true; appId: string }
  | { ok: false; code: 99991663 | 99991677; msg: string };

/**
 * tenant_access_token issuing as Lark does it: the same token while it has >= reuseMinMs left, a new one
 * after that; older tokens stay valid until their own expiry.
 */
export class TokenIssuer {
  private readonly tokens = new Map<string, TokenRecord>();
  private readonly current = new Map<string, string>();

  constructor(private readonly clock: EmulatorClock, private readonly ttlMs: number, private readonly reuseMinMs: number) {}

  issue(appId: string): { token: string; expireSeconds: number; fresh: boolean } {
    const now = this.clock.now();
    const existing = this.current.get(appId);
    const rec = existing === undefined ? undefined : this.tokens.get(existing);
    if (existing !== undefined && rec && !rec.invalid && rec.expiresAt - now >= this.reuseMinMs) {
      return { token: existing, expireSeconds: Math.floor((rec.expiresAt - now) / 1000), fresh: false };
    }
    this.prune(now);
    const token = `t-g${randomBytes(20).toString('hex')}`;
    this.tokens.set(token, { appId, expiresAt: now + this.ttlMs, invalid: false });
    this.current.set(appId, token);
    return { token, expireSeconds: Math.floor(this.ttlMs / 1000), fresh: true };
  }

  check(token: string): TokenCheck {
    const rec = this.tokens.get(token);
    if (!rec || rec.invalid) {
      return { ok: false, code: 99991663, msg: 'Invalid access token for authorization. Please make a request with token attached.' };
    }
    if (this.clock.now() >= rec.expiresAt) {
      return { ok: false, code: 99991677, msg: 'Authentication token expired.' };
    }
    return { ok: true, appId: rec.appId };
  }

  invalidateAll(): void {
    for (const rec of this.tokens.values()) rec.invalid = true;
    this.current.clear();
  }

  expireAll(): void {
    const now = this.clock.now();
    for (const rec of this.tokens.values()) rec.expiresAt = Math.min(rec.expiresAt, now);
    this.current.clear();
  }

  clear(): void {
    this.tokens.clear();
    this.current.clear();
  }

  /** Forget tokens expired for longer than a lifetime (they then read as unknown, 99991663). */
  private prune(now: number): void {
    for (const [token, rec] of this.tokens) if (rec.expiresAt + this.ttlMs < now) this.tokens.delete(token);
  }
}
