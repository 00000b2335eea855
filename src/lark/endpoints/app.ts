/** The app itself: the bot's info and the scopes granted (connection tests). */
import { isRecord } from '../../core/is-record.js';
import { dataOf, malformed, type Endpoint } from './endpoint.js';
import { LARK_PATHS } from '../../core/vocabulary.js';

export interface BotInfo {
  activateStatus: number;
  appName?: string;
  openId?: string;
}

export interface ScopeGrant {
  scopeName: string;
  granted: boolean;
}

export const botInfo: Endpoint<void, BotInfo> = {
  op: 'bot_info',
  request: () => ({ method: 'GET', path: LARK_PATHS.botInfo }),
  parse: (res) => {
    const bot = res.body['bot'];
    if (!isRecord(bot) || typeof bot.activate_status !== 'number') throw malformed('bot_info', res.logId);
    return {
      activateStatus: bot.activate_status,
      ...(typeof bot.app_name === 'string' ? { appName: bot.app_name } : {}),
      ...(typeof bot.open_id === 'string' ? { openId: bot.open_id } : {}),
    };
  },
};

export const listScopes: Endpoint<void, ScopeGrant[]> = {
  op: 'scopes',
  request: () => ({ method: 'GET', path: LARK_PATHS.scopes }),
  parse: (res) => {
    const scopes = dataOf<{ scopes?: unknown }>(res)?.scopes;
    if (!Array.isArray(scopes)) throw malformed('scopes', res.logId);
    return scopes.filter(isRecord).map((s) => ({ scopeName: String(s.scope_name), granted: s.grant_status === 1 }));
  },
};
