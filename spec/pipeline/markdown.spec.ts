/**
 * Markdown -> post / card 2.0: one spec per construct, pinned element by element, then every construct sent
 * through the emulator (which checks post elements tag by tag) in both targets.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { convertMarkdown, escapeMarkdownValue, markdownToCard, markdownToPost } from '../../src/pipeline/transform/markdown.js';
import { LarkEmulator } from '../../src/emulator/index.js';
import { LarkImConnector } from '../../src/connector.js';
import { parseConfig } from '../../src/config.js';
import { retryPolicies } from '../../src/lark/retry.js';
import type { MessageOutcome } from '../../src/pipeline/report/outcome.js';
import { ALICE, APP, CHAT_WITH_BOT, UNPACED, records } from '../integration/helpers.js';

const lines = (md: string) => markdownToPost(md).zh_cn.content;
const text = (t: string, style?: string[]) => ({ tag: 'text', text: t, ...(style ? { style } : {}) });

describe('markdown to post', () => {
  it('paragraphs become lines, soft breaks too', () => {
    expect(lines('one\ntwo\n\nthree')).toEqual([[text('one')], [text('two')], [text('three')]]);
  });
  it('bold, italic, strikethrough and their nesting become text styles', () => {
    expect(lines('**b** *i* ~~s~~ ***bi***')).toEqual([
      [text('b', ['bold']), text(' '), text('i', ['italic']), text(' '), text('s', ['lineThrough']), text(' '), text('bi', ['italic', 'bold'])],
    ]);
  });
  it('links keep their text and href, styled links too', () => {
    expect(lines('see [docs](https://example.com/a?b=1) and **[x](http://y)**')).toEqual([
      [text('see '), { tag: 'a', text: 'docs', href: 'https://example.com/a?b=1' }, text(' and '), { tag: 'a', text: 'x', href: 'http://y', style: ['bold'] }],
    ]);
  });
  it('@ou_... mentions become at elements; other @ text stays text', () => {
    expect(lines(`hi @${ALICE.openId}, mail me@example.com`)).toEqual([[text('hi '), { tag: 'at', user_id: ALICE.openId }, text(', mail me@example.com')]]);
    expect(lines('`@ou_abc` in code')).toEqual([[text('`@ou_abc`'), text(' in code')]]);
  });
  it('fenced and indented code become code blocks (language when given); inline code keeps its backticks', () => {
    expect(lines('```sql\nselect 1;\nselect 2;\n```\n\n    indented\n\nuse `x`')).toEqual([
      [{ tag: 'code_block', text: 'select 1;\nselect 2;', language: 'SQL' }],
      [{ tag: 'code_block', text: 'indented' }],
      [text('use '), text('`x`')],
    ]);
  });
  it('lists flatten to lines with bullets, numbers (from the start number) and indentation', () => {
    expect(lines('- a\n- b\n  - c\n\n3. x\n4. y')).toEqual([
      [text('• '), text('a')],
      [text('• '), text('b')],
      [text('  • '), text('c')],
      [text('3. '), text('x')],
      [text('4. '), text('y')],
    ]);
  });
  it('a leading heading is the title; later headings are bold lines', () => {
    const post = markdownToPost('# Daily report\n\nbody\n\n## Section');
    expect(post.zh_cn.title).toBe('Daily report');
    expect(post.zh_cn.content).toEqual([[text('body')], [text('Section', ['bold'])]]);
    expect(markdownToPost('body only').zh_cn.title).toBeUndefined();
  });
  it('quotes become "> " lines and rules hr elements', () => {
    expect(lines('> said\n\n---')).toEqual([[text('> '), text('said')], [{ tag: 'hr' }]]);
  });
  it('tables degrade visibly to one line per row, header bold', () => {
    expect(lines('| a | b |\n|---|---|\n| 1 | **2** |')).toEqual([[text('| a | b |', ['bold'])], [text('| 1 | 2 |')]]);
  });
  it('images (URLs, which a post cannot show) degrade visibly to a labelled link', () => {
    expect(lines('![chart](https://x.example/c.png) and ![](https://x.example/d.png)')).toEqual([
      [{ tag: 'a', text: '[image: chart]', href: 'https://x.example/c.png' }, text(' and '), { tag: 'a', text: '[image: image]', href: 'https://x.example/d.png' }],
    ]);
  });
  it('with uploads on (the node has a media option), an image is an img element of its own with the source to upload; a key is shown either way', () => {
    const post = markdownToPost('see ![chart](https://x.example/c.png) below\n\n![k](img_v3_key)', { uploadImages: true });
    expect(post.zh_cn.content).toEqual([[text('see ')], [{ tag: 'img', image: 'https://x.example/c.png' }], [text(' below')], [{ tag: 'img', image_key: 'img_v3_key' }]]);
    expect(lines('![k](img_v3_key)')).toEqual([[{ tag: 'img', image_key: 'img_v3_key' }]]);
    // Quoted, it stands alone as well: no "> " element before it; the text around it keeps its quote marks.
    expect(lines('> look ![k](img_v3_key) here')).toEqual([[text('> '), text('look ')], [{ tag: 'img', image_key: 'img_v3_key' }], [text('> '), text(' here')]]);
    expect(lines('> ![k](img_v3_key)')).toEqual([[{ tag: 'img', image_key: 'img_v3_key' }]]);
  });
  it('raw HTML and <at>-like text stay text', () => {
    expect(lines('<at user_id="all"></at> <b>x</b>')).toEqual([[text('<at user_id="all"></at> <b>x</b>')]]);
  });
  it('empty markdown still gives a valid post', () => {
    expect(lines('')).toEqual([[text('')]]);
  });
});

describe('markdown to card 2.0', () => {
  it('keeps the markdown for Lark to render, the leading heading as header, mentions and URL images rewritten', () => {
    expect(markdownToCard(`# Alert\n\n**disk** 91% @${ALICE.openId}\n\n| a |\n|---|\n| 1 |\n\n![g](https://x/g.png) ![k](img_v3_key)`)).toEqual({
      schema: '2.0',
      header: { title: { tag: 'plain_text', content: 'Alert' } },
      body: { elements: [{ tag: 'markdown', content: `**disk** 91% <at id=${ALICE.openId}></at>\n\n| a |\n|---|\n| 1 |\n\n[[image: g]](https://x/g.png) ![k](img_v3_key)` }] },
    });
  });
  it('with uploads on, URL images split the markdown around img elements whose source the media stage uploads', () => {
    expect(markdownToCard('# Alert\n\n![g](https://x/g.png)\n\nafter @ou_1 ![k](img_v3_key) ![](chart.png)', { uploadImages: true })).toEqual({
      schema: '2.0',
      header: { title: { tag: 'plain_text', content: 'Alert' } },
      body: {
        elements: [
          { tag: 'img', image: 'https://x/g.png', alt: { tag: 'plain_text', content: 'g' } },
          { tag: 'markdown', content: '\n\nafter <at id=ou_1></at> ![k](img_v3_key) ' },
          { tag: 'img', image: 'chart.png', alt: { tag: 'plain_text', content: '' } },
        ],
      },
    });
  });
  it('no heading, no header', () => {
    expect(markdownToCard('plain')).toEqual({ schema: '2.0', body: { elements: [{ tag: 'markdown', content: 'plain' }] } });
  });
});

describe('template values in markdown are inert', () => {
  it('markup in a value shows as its characters, not as markup', () => {
    const value = '**not bold** [x](y) @ou_x <at>';
    expect(lines(`name: ${escapeMarkdownValue(value)}`)).toEqual([[text(`name: ${value}`)]]);
  });
});

describe('markdown messages against the emulator', () => {
  let emulator: LarkEmulator;
  beforeEach(async () => {
    emulator = await LarkEmulator.start({ limits: false });
  });
  afterEach(async () => {
    await emulator.close();
  });

  const CONSTRUCTS = [
    'paragraph\nsoft break',
    '**b** *i* ~~s~~',
    '[link](https://example.com)',
    `mention @${ALICE.openId}`,
    '```ts\nconst x = 1;\n```',
    '- a\n  - b\n1. c',
    '# Title\n\nbody\n\n## Sub',
    '> quote\n\n---',
    '| a | b |\n|---|---|\n| 1 | 2 |',
    '![img](https://x.example/i.png)',
    '订单 🎉 "quotes" \\ back',
  ];

  it('every construct, as post and as card, in a message body and through a template, is accepted', async () => {
    const config = parseConfig({ connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl } }, {});
    const connector = new LarkImConnector(config, { retry: retryPolicies.fast, pacing: UNPACED });
    const bodies = CONSTRUCTS.flatMap((md) => [
      { receiveType: 'chat', receiveId: CHAT_WITH_BOT.chatId, contentType: 'markdown', content: md },
      { receiveType: 'chat', receiveId: CHAT_WITH_BOT.chatId, contentType: 'markdown', content: { text: md }, markdownAs: 'card' },
    ]);
    const outcomes: MessageOutcome[] = [];
    await connector.writeStream(records(bodies), { onOutcome: (o) => void outcomes.push(o) });
    connector.close();
    expect(outcomes.map((o) => o.status)).toEqual(bodies.map(() => 'delivered'));
    const byId = new Map(emulator.messages().map((m) => [m.messageId, m]));
    outcomes.forEach((o, i) => {
      const want = convertMarkdown(CONSTRUCTS[Math.floor(i / 2)]!, i % 2 === 0 ? 'post' : 'card');
      const m = o.status === 'delivered' ? byId.get(o.messageId)! : undefined;
      expect({ msgType: m?.msgType, content: m?.content }).toEqual({ msgType: want.contentType, content: JSON.stringify(want.content) });
    });

    const templated = new LarkImConnector(
      parseConfig(
        {
          connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl },
          node: { sendType: 'fixed', receivers: [CHAT_WITH_BOT.chatId], template: { contentType: 'markdown', content: '# Order {{id}}\n\n**{{status}}** for {{name}}' } },
        },
        {},
      ),
      { retry: retryPolicies.fast, pacing: UNPACED },
    );
    const out: MessageOutcome[] = [];
    await templated.writeStream(records([{ id: 7, status: 'paid', name: '**Eve** <at id=all>' }, { id: 8, name: 'x' }]), { onOutcome: (o) => void out.push(o) });
    templated.close();
    expect(out[0]!.status).toBe('delivered');
    expect(out[1]).toMatchObject({ status: 'failed', error: { code: 'FIELD_MISSING', field: 'status' } });
    const sent = out[0]!.status === 'delivered' ? emulator.messages().find((m) => m.messageId === (out[0] as { messageId: string }).messageId)! : undefined;
    expect(JSON.parse(sent!.content)).toEqual({ zh_cn: { title: 'Order 7', content: [[text('paid', ['bold']), text(' for **Eve** <at id=all>')]] } });
  });

  it('an invalid markdownAs fails that message, naming the field', async () => {
    const config = parseConfig({ connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl } }, {});
    const connector = new LarkImConnector(config);
    const out: MessageOutcome[] = [];
    await connector.writeStream(records([{ receiveType: 'chat', receiveId: CHAT_WITH_BOT.chatId, contentType: 'markdown', content: 'x', markdownAs: 'pdf' }]), {
      dryRun: true,
      onOutcome: (o) => void out.push(o),
    });
    expect(out[0]).toMatchObject({ status: 'failed', error: { field: 'markdownAs' } });
  });
});
