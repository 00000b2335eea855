import { createHash } from 'node:crypto';
import { DEFAULT_SCOPES } from './seed.js';
import type { EmulatorSeed, SeedApp, SeedChat, SeedUser } from './types.js';

export interface App extends Required<Omit<SeedApp, 'scopes'>> {
  scopes: ReadonlySet<string>;
}

/** The tenant's apps, users and chats, indexed for O(1) lookups. */
export class Directory {
  readonly apps = new Map<string, App>();
  private readonly byOpenId = new Map<string, SeedUser>();
  private readonly byUserId = new Map<string, SeedUser>();
  private readonly byUnionId = new Map<string, SeedUser>();
  private readonly byEmail = new Map<string, SeedUser>();
  private readonly byMobile = new Map<string, SeedUser>();
  private readonly chats = new Map<string, SeedChat>();
  /** p2p chat id -> its (app, user), created on first delivery to a user. */
  private readonly p2p = new Map<string, { appId: string; openId: string }>();

  constructor(seed: EmulatorSeed) {
    for (const a of seed.apps) {
      this.apps.set(a.appId, {
        appId: a.appId,
        appSecret: a.appSecret,
        appName: a.appName ?? a.appId,
        botOpenId: a.botOpenId ?? `ou_${hex32(`bot:${a.appId}`)}`,
        botActivateStatus: a.botActivateStatus ?? 2,
        scopes: new Set(a.scopes ?? DEFAULT_SCOPES),
        tenantKey: a.tenantKey ?? hex32(`tenant:${a.appId}`).slice(0, 16),
      });
    }
    for (const u of seed.users) {
      this.byOpenId.set(u.openId, u);
      if (u.userId) this.byUserId.set(u.userId, u);
      if (u.unionId) this.byUnionId.set(u.unionId, u);
      if (u.email) this.byEmail.set(u.email.toLowerCase(), u);
      const m = u.mobile === undefined ? undefined : canonicalMobile(u.mobile);
      if (m) this.byMobile.set(m, u);
    }
    for (const c of seed.chats) this.chats.set(c.chatId, c);
  }

  userBy(kind: 'open_id' | 'user_id' | 'union_id' | 'email', id: string): SeedUser | undefined {
    switch (kind) {
      case 'open_id':
        return this.byOpenId.get(id);
      case 'user_id':
        return this.byUserId.get(id);
      case 'union_id':
        return this.byUnionId.get(id);
      case 'email':
        return this.byEmail.get(id.toLowerCase());
    }
  }

  userByMobile(mobile: string): SeedUser | undefined {
    const m = canonicalMobile(mobile);
    return m === undefined ? undefined : this.byMobile.get(m);
  }

  firstUserOpenId(): string | undefined {
    return this.byOpenId.keys().next().value;
  }

  groupChats(): SeedChat[] {
    return [...this.chats.values()];
  }

  groupChat(chatId: string): SeedChat | undefined {
    return this.chats.get(chatId);
  }

  p2pChat(chatId: string): { appId: string; openId: string } | undefined {
    return this.p2p.get(chatId);
  }

  /** The app<->user single chat (stable id). */
  p2pChatId(appId: string, openId: string): string {
    const chatId = `oc_${hex32(`p2p:${appId}:${openId}`)}`;
    if (!this.p2p.has(chatId)) this.p2p.set(chatId, { appId, openId });
    return chatId;
  }

  /** Every user, in seed order (the contact list pages through them). */
  allUsers(): SeedUser[] {
    return [...this.byOpenId.values()];
  }

  clearP2p(): void {
    this.p2p.clear();
  }
}

/**
 * Lark reads a number without a country code as +86. "+8613800000001" and "13800000001" are the same user;
 * other country codes must be given with "+". Anything but [+]digits matches nobody.
 */
export function canonicalMobile(raw: string): string | undefined {
  if (/^\+\d{4,20}$/.test(raw)) return raw;
  if (/^\d{4,20}$/.test(raw)) return `+86${raw}`;
  return undefined;
}

function hex32(s: string): string {
  return createHash('sha256').update(s).digest('hex').slice(0, 32);
}
