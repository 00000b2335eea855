// The source tab: list the bot's chats, preview the newest messages of one (read through the connector), with
// the senders' names where the app may read them.
import { api } from './api.js';
import { clear, h } from './dom.js';

/** ctx: { $, t(key, vars), setStatus(id, key, vars, kind), errorText(err), pushConfig() }; returns { render }. */
export function initSource(ctx) {
  const { $, t } = ctx;
  let messages = [];

  /** The sender's name with its id as the tooltip, or the id alone (the name is not the app's to read). */
  const sender = (m) => {
    if (m.senderName) return h('span', { class: 'sender', title: m.senderId ?? '' }, m.senderName);
    const unknown = t(m.senderType === 'app' ? 'sourceApp' : 'sourceUnknown');
    return h('code', { class: 'sender sender-id' }, m.senderId ?? unknown);
  };

  const render = () => {
    const list = clear($('source-results'));
    for (const m of messages) {
      const flags = [m.updated ? t('sourceEdited') : null, m.deleted ? t('sourceRecalled') : null].filter(Boolean);
      list.append(
        h('li', { class: 'card', 'data-message': m.messageId },
          h('p', { class: 'meta' },
            `${new Date(m.createTime).toISOString()} · `, sender(m), flags.length ? ` · ${flags.join(' · ')}` : ''),
          h('p', { class: 'body' }, m.text ?? `[${m.msgType}]`)),
      );
    }
  };

  $('source-chats-btn').addEventListener('click', async () => {
    ctx.setStatus('source-status', 'sourceLoadingChats');
    try {
      await ctx.pushConfig();
      const { chats } = await api.sourceChats();
      const select = clear($('source-chat'));
      for (const c of chats) select.append(h('option', { value: c.chatId }, `${c.name || c.chatId} (${c.chatMode})`));
      ctx.setStatus('source-status', 'sourceChatsDone', { n: chats.length }, 'ok');
    } catch (err) {
      ctx.setStatus('source-status', 'error', { message: ctx.errorText(err) }, 'error');
    }
  });

  $('source-preview-btn').addEventListener('click', async () => {
    const chatId = $('source-chat').value;
    if (!chatId) return ctx.setStatus('source-status', 'sourcePickChat', {}, 'error');
    ctx.setStatus('source-status', 'sourceReading');
    ctx.setStatus('source-names', null);
    try {
      await ctx.pushConfig();
      const preview = await api.sourcePreview(chatId, 20);
      messages = preview.messages;
      render();
      ctx.setStatus('source-status', 'sourceRead', { n: messages.length }, 'ok');
      // Why some senders show as ids, said once for the preview (not on every message).
      const why = preview.names ?? {};
      if (why.denied) ctx.setStatus('source-names', 'sourceNamesDenied', { reason: why.denied }, 'warn');
      else if (why.outside) ctx.setStatus('source-names', 'sourceNamesOutside', { n: why.outside }, 'warn');
    } catch (err) {
      ctx.setStatus('source-status', 'error', { message: ctx.errorText(err) }, 'error');
    }
  });

  return { render };
}
