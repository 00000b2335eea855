// The source tab: list the bot's chats, preview the first messages of one (read through the connector).
import { api } from './api.js';
import { clear, h } from './dom.js';

/** ctx: { $, t, lang(), setStatus(id, key, vars, kind), errorText(err), pushConfig() } */
export function initSource(ctx) {
  const { $ } = ctx;
  let messages = [];

  const render = () => {
    const list = clear($('source-results'));
    for (const m of messages) {
      const text = m.text ?? `[${m.msgType}]`;
      list.append(
        h('li', { class: 'card', 'data-op': m.op },
          h('p', { class: 'meta' }, `${new Date(m.createTime).toISOString()} · ${m.senderType ?? '?'} ${m.senderId ?? ''} · ${m.op}${m.updated ? ' · edited' : ''}`),
          h('p', { class: 'body' }, text)),
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
    try {
      await ctx.pushConfig();
      ({ messages } = await api.sourcePreview(chatId, 20));
      render();
      ctx.setStatus('source-status', 'sourceRead', { n: messages.length }, 'ok');
    } catch (err) {
      ctx.setStatus('source-status', 'error', { message: ctx.errorText(err) }, 'error');
    }
  });
}
