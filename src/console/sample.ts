import type { EmulatorHandle } from './types.js';

/**
 * A small mixed batch for the "Load sample" button: valid text / post / email / chat messages plus two
 * broken lines, so a first dry-run shows both rendered requests and validation errors. With the emulator
 * the receivers are ones it knows; otherwise they are placeholders to edit.
 */
export function sampleRecords(emu?: Pick<EmulatorHandle, 'users' | 'chats'>): string {
  const user = emu?.users.find((u) => u.openId) ?? { openId: 'ou_replace_with_an_open_id', name: 'Alice' };
  const withEmail = emu?.users.find((u) => u.email) ?? { email: 'alice@example.com', name: 'Alice' };
  const chat = emu?.chats.find((c) => c.botMember) ?? { chatId: 'oc_replace_with_a_chat_id', name: 'Ops' };
  const lines: unknown[] = [
    {
      receiveType: 'user', receiveId: user.openId, contentType: 'text',
      content: { text: `Hello <at user_id="${user.openId}">${user.name}</at>, the nightly sync finished: 1,204 rows.` },
    },
    {
      receiveType: 'chat', receiveId: chat.chatId, contentType: 'post',
      content: {
        zh_cn: {
          title: 'Pipeline report',
          content: [
            [{ tag: 'text', text: 'orders → warehouse: ' }, { tag: 'text', text: 'OK' }],
            [{ tag: 'text', text: 'Details: ' }, { tag: 'a', text: 'dashboard', href: 'https://example.com/runs/42' }],
          ],
        },
      },
    },
    {
      receiveType: 'email', receiveId: withEmail.email, contentType: 'text',
      content: { text: 'A message addressed by email.' },
    },
    { receiveType: 'user', contentType: 'text', content: { text: 'no receiveId: this one is rejected' } },
    '{ this line is not JSON',
  ];
  return lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
}
