/**
 * PUT / PATCH / DELETE /open-apis/im/v1/messages/:message_id: a bot edits its text and post messages,
 * updates its cards and recalls its messages, with Lark's codes and limits: only the app's own messages
 * (230071), 20 edits (230072), the edit window (230075), the card window (230031), the recall window
 * (230009), a message gone (230110), 5 changes/s per message (230020) and each API's 50/s + 1000/min.
 * Every change lands in the chat history (what the source reads back) and in the delivered message.
 */
import { EDIT_SCOPES, RECALL_SCOPES } from '../core/vocabulary.js';
import { bodyLimitBytes, contentProblem } from './content.js';
import type { App } from './directory.js';
import type { ChatHistory } from './history.js';
import type { RateLimits } from './rate-limits.js';
import { KeyedWindows, admit } from './rate-window.js';
import { fieldError, invalidParam, larkError, missingScope, type Reply } from './reply.js';
import type { MessageStore } from './store.js';
import type { MessageChangeSettings } from './types.js';

export type ChangeKind = 'edit' | 'update_card' | 'recall';

const SCOPES: Readonly<Record<ChangeKind, readonly string[]>> = { edit: EDIT_SCOPES, update_card: EDIT_SCOPES, recall: RECALL_SCOPES };

interface Deps {
  history: ChatHistory;
  store: MessageStore;
  limits: RateLimits;
  now: () => number;
  settings: MessageChangeSettings;
}

/** The state of the changes (edit counts, per-message windows) and their rules; endpoints/message-changes.ts routes to it. */
export class MessageChanges {
  private readonly edits = new Map<string, number>();
  private perMessage!: KeyedWindows;

  constructor(private readonly deps: Deps) {
    this.reset();
  }

  reset(): void {
    this.edits.clear();
    this.perMessage = new KeyedWindows(this.deps.settings.perMessagePerSecond, 1000);
  }

  /** Edits made to a message so far. */
  editCount(messageId: string): number {
    return this.edits.get(messageId) ?? 0;
  }

  handle(kind: ChangeKind, app: App, messageId: string, body: Record<string, unknown>, bodyBytes: number, logId: string): Reply {
    if (!SCOPES[kind].some((s) => app.scopes.has(s))) return missingScope(logId, SCOPES[kind]);
    const now = this.deps.now();
    const over = this.deps.limits.admitApp(app.appId, kind, now, logId);
    if (over) return over;
    const m = this.deps.history.get(messageId);
    if (!m) return invalidParam(logId, `invalid message_id: ${messageId}`);
    if (m.sender.senderType !== 'app' || m.sender.id !== app.appId) {
      return larkError(400, 230071, 'The operator is not the sender of the message.', logId);
    }
    if (m.deleted) return larkError(400, 230110, 'The message has been deleted.', logId);
    if (admit([this.perMessage.get(messageId, now)], now)) {
      return larkError(400, 230020, 'This operation triggers the frequency limit.', logId);
    }
    const s = this.deps.settings;
    const age = now - m.createTime;
    if (kind === 'recall') {
      if (age > s.recallWindowSeconds * 1000) return larkError(400, 230009, 'The message is beyond the recall time limit.', logId);
      this.deps.history.recall(messageId, now);
      this.deps.store.changed(messageId, { recalled: true, updateTime: now });
      return { status: 200, body: { code: 0, msg: 'success', data: {} } };
    }
    const content = body['content'];
    if (typeof content !== 'string' || content === '') return fieldError(logId, 'content', 'content is required and must be a JSON string');
    let msgType: 'text' | 'post' | 'interactive';
    if (kind === 'update_card') {
      if (m.msgType !== 'interactive') return invalidParam(logId, 'only interactive (card) messages can be updated with PATCH');
      if (age > s.cardWindowSeconds * 1000) return larkError(400, 230031, 'The card can only be updated within 14 days of being sent.', logId);
      msgType = 'interactive';
    } else {
      const asked = body['msg_type'];
      if (asked !== 'text' && asked !== 'post') return fieldError(logId, 'msg_type', 'msg_type must be text or post');
      if (m.msgType !== 'text' && m.msgType !== 'post') return invalidParam(logId, `a ${m.msgType} message cannot be edited`);
      if ((this.edits.get(messageId) ?? 0) >= s.maxEdits) return larkError(400, 230072, 'The message has reached the maximum number of edits.', logId);
      if (age > s.editWindowSeconds * 1000) return larkError(400, 230075, 'The message is beyond the edit time limit.', logId);
      msgType = asked;
    }
    if (bodyBytes > bodyLimitBytes(msgType)) return larkError(400, 230025, 'The length of the message content reaches its limit.', logId);
    const problem = contentProblem(msgType, content);
    if (problem) return invalidParam(logId, `invalid content: ${problem}`);
    if (kind === 'edit') this.edits.set(messageId, (this.edits.get(messageId) ?? 0) + 1);
    m.msgType = msgType;
    const edited = this.deps.history.edit(messageId, content, now);
    this.deps.store.changed(messageId, { content, msgType, updateTime: edited.updateTime, edits: this.editCount(messageId) });
    const t = (ms: number) => String(ms);
    return {
      status: 200,
      body: {
        code: 0,
        msg: 'success',
        data: {
          message_id: m.messageId, msg_type: m.msgType, create_time: t(m.createTime), update_time: t(edited.updateTime),
          deleted: false, updated: true, chat_id: m.chatId, body: { content },
          sender: { id: app.appId, id_type: 'app_id', sender_type: 'app', tenant_key: app.tenantKey },
        },
      },
    };
  }
}
