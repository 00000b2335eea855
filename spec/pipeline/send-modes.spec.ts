/**
 * Each send mode end to end against the emulator: a table of order rows (nested fields, hostile values,
 * missing fields) goes out, and every delivered message is compared byte for byte with what the binding or
 * template says, read from the emulator's store; every message that cannot be built fails naming its field.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LarkEmulator } from '../../src/emulator/index.js';
import { LarkImConnector } from '../../src/connector.js';
import { parseConfig } from '../../src/config.js';
import { retryPolicies } from '../../src/lark/retry.js';
import type { MessageOutcome } from '../../src/pipeline/report/outcome.js';
import { ALICE, APP, CHAT_WITH_BOT, UNPACED, crowdSeed, records } from '../integration/helpers.js';
import { orderRow, type OrderRow } from './orders.js';

const ROWS = 300;
const CROWD = 40;
const crowd = (i: number) => {
  const n = i % CROWD;
  return { email: `crowd${n}@example.com`, openId: `ou_crowd${String(n).padStart(4, '0').padStart(26, '0')}` };
};
const rows: OrderRow[] = Array.from({ length: ROWS }, (_, i) => orderRow(i, crowd));

let emulator: LarkEmulator;
beforeEach(async () => {
  emulator = await LarkEmulator.start({ seed: crowdSeed(CROWD), limits: false });
});
afterEach(async () => {
  await emulator.close();
});

function connectorWith(node: Record<string, unknown>): LarkImConnector {
  const config = parseConfig({ connection: { appId: APP.appId, appSecret: APP.appSecret, domain: emulator.baseUrl }, node }, {});
  return new LarkImConnector(config, { retry: retryPolicies.fast, pacing: UNPACED });
}

async function send(node: Record<string, unknown>, values: unknown[], dryRun = false) {
  const connector = connectorWith(node);
  const outcomes: MessageOutcome[] = [];
  try {
    const summary = await connector.writeStream(records(values), { dryRun, onOutcome: (o) => void outcomes.push(o) });
    return { outcomes, summary };
  } finally {
    connector.close();
  }
}

/** The emulator's record of each delivered outcome, by message id. */
function deliveredById() {
  return new Map(emulator.messages().map((m) => [m.messageId, m]));
}

type Expect = { receiveIdType: string; receiveId: string; msgType: string; content: string } | { field: string };

/** Checks every outcome against the expectation for (row, index): delivered byte-equal, or failed naming the field. */
function check(outcomes: MessageOutcome[], expected: (row: OrderRow, index: number) => Expect, perRow: number) {
  const store = deliveredById();
  expect(outcomes).toHaveLength(rows.length * perRow);
  let delivered = 0;
  let failed = 0;
  for (const o of outcomes) {
    const want = expected(rows[o.line - 1]!, o.index);
    if ('field' in want) {
      expect(o, `line ${o.line} index ${o.index}`).toMatchObject({ status: 'failed', error: { code: 'FIELD_MISSING', field: want.field } });
      if (o.status === 'failed') expect(o.error.message).toContain(`"${want.field}"`);
      failed++;
      continue;
    }
    expect(o.status, `line ${o.line} index ${o.index}: ${JSON.stringify(o)}`).toBe('delivered');
    if (o.status !== 'delivered') continue;
    const m = store.get(o.messageId)!;
    expect({ receiveIdType: m.receiveIdType, receiveId: m.receiveId, msgType: m.msgType, content: m.content }).toEqual(want);
    expect(m.uuid).toBe(o.uuid);
    delivered++;
  }
  expect(emulator.messages()).toHaveLength(delivered);
  return { delivered, failed };
}

describe('dynamic binding', () => {
  const node = {
    sendType: 'dynamic_binding',
    dynamicBinding: [
      { receiveType: 'email', receiveId: 'customer.email' },
      { receiveType: 'chat_id', receiveId: 'team_chat' },
    ],
    messageConfig: [{ messageType: 'text', messageField: 'summary' }],
  };

  it('sends one message per bound receiver; a missing receiver or content field fails just those, naming it', async () => {
    const { outcomes, summary } = await send(node, rows);
    // A missing receiver is named first (it is that message's receiver that cannot be bound), then the content.
    const expected = (row: OrderRow, index: number): Expect => {
      const content = JSON.stringify({ text: row.summary });
      if (index === 0) {
        if (row.customer.email === undefined) return { field: 'customer.email' };
        return row.summary === undefined ? { field: 'summary' } : { receiveIdType: 'email', receiveId: row.customer.email, msgType: 'text', content };
      }
      if (row.team_chat === '') return { field: 'team_chat' };
      return row.summary === undefined ? { field: 'summary' } : { receiveIdType: 'chat_id', receiveId: row.team_chat, msgType: 'text', content };
    };
    const { delivered, failed } = check(outcomes, expected, 2);
    // 300 rows x 2 receivers; the counts follow from the table's gaps, not from a hard-coded figure.
    const wantFailed = rows.reduce((n, r) => n + (r.summary === undefined ? 2 : (r.customer.email === undefined ? 1 : 0) + (r.team_chat === '' ? 1 : 0)), 0);
    expect(failed).toBe(wantFailed);
    expect(delivered).toBe(600 - wantFailed);
    expect(summary).toMatchObject({ delivered, failed });
    // Each message of a record has its own uuid.
    const uuids = outcomes.flatMap((o) => (o.status === 'delivered' ? [o.uuid] : []));
    expect(new Set(uuids).size).toBe(uuids.length);
  });

  it('accepts TapData receive types chat and user, and takes an object or JSON string as Lark content', async () => {
    const values = [
      { to: CHAT_WITH_BOT.chatId, who: ALICE.openId, card: { elements: [{ tag: 'div', text: { tag: 'plain_text', content: 'x' } }] } },
      { to: CHAT_WITH_BOT.chatId, who: ALICE.openId, card: JSON.stringify({ elements: [] }) },
    ];
    const { outcomes } = await send(
      {
        dynamicBinding: [{ receiveType: 'chat', receiveId: 'to' }, { receiveType: 'user', receiveId: 'who' }],
        messageConfig: [{ messageType: 'interactive', messageField: 'card' }],
      },
      values,
    );
    expect(outcomes.map((o) => o.status)).toEqual(['delivered', 'delivered', 'delivered', 'delivered']);
    const store = deliveredById();
    const contents = outcomes.map((o) => (o.status === 'delivered' ? store.get(o.messageId)!.content : ''));
    expect(contents).toEqual([JSON.stringify(values[0]!.card), JSON.stringify(values[0]!.card), values[1]!.card, values[1]!.card]);
    expect(outcomes.map((o) => (o.status === 'delivered' ? store.get(o.messageId)!.receiveIdType : ''))).toEqual(['chat_id', 'open_id', 'chat_id', 'open_id']);
  });

  it('renders update events from the new values with updateEvents send, and skips them with skip', async () => {
    const before = rows[0]!;
    const after = { ...before, summary: 'changed: now shipped' };
    for (const updateEvents of ['send', 'skip'] as const) {
      const connector = connectorWith({ ...node, updateEvents });
      const result = await connector.writeRecord([{ op: 'u', before, after }, { op: 'd', before }]);
      connector.close();
      if (updateEvents === 'send') {
        expect(result).toMatchObject({ modifiedCount: 1, skippedCount: 1, failedCount: 0 });
        expect(emulator.messages().map((m) => m.content)).toEqual([JSON.stringify({ text: 'changed: now shipped' }), JSON.stringify({ text: 'changed: now shipped' })]);
      } else {
        expect(result).toMatchObject({ modifiedCount: 0, skippedCount: 2 });
      }
    }
    expect(emulator.messages()).toHaveLength(2);
  });

  it('dry-run shows the rendered request of every message', async () => {
    const { outcomes } = await send(node, rows.slice(0, 3), true);
    expect(outcomes.map((o) => o.status)).toEqual(['valid', 'valid', 'valid', 'valid', 'valid', 'valid']);
    const first = outcomes[0]!;
    expect(first.status === 'valid' && first.request.body).toMatchObject({
      receive_id: rows[0]!.customer.email,
      msg_type: 'text',
      content: JSON.stringify({ text: rows[0]!.summary }),
    });
    expect(emulator.messages()).toHaveLength(0);
  });
});

describe('templates', () => {
  it('text: every placeholder filled leaf by leaf, valid JSON whatever the values hold; a null status fails naming it', async () => {
    const { outcomes } = await send(
      {
        dynamicBinding: [{ receiveType: 'open_id', receiveId: 'customer.openId' }],
        template: { contentType: 'text', content: { text: 'Order {{id}} is {{status}} ({{customer.name}})' } },
      },
      rows,
    );
    check(
      outcomes,
      (row) =>
        row.status === null
          ? { field: 'status' }
          : { receiveIdType: 'open_id', receiveId: row.customer.openId, msgType: 'text', content: JSON.stringify({ text: `Order ${row.id} is ${row.status} (${row.customer.name})` }) },
      1,
    );
  });

  it('post and card templates; a Lark card template takes template_variable values (lists too) from fields', async () => {
    const post = {
      zh_cn: {
        title: '订单 {{id}}',
        content: [[{ tag: 'text', text: 'Customer: {{customer.name}}' }, { tag: 'a', text: 'open', href: 'https://shop.example.com/o/{{id}}' }]],
      },
    };
    const card = {
      type: 'template',
      data: { template_id: 'AAqkOrder01', template_variable: { order_id: '{{id}}', customer: '{{customer.name}}', lines: '{{items}}' } },
    };
    const fixed = { receivers: [{ receiveType: 'chat_id', receiveId: CHAT_WITH_BOT.chatId }] };
    const slice = rows.slice(0, 60);
    const a = await send({ sendType: 'fixed', ...fixed, template: { contentType: 'post', content: post } }, slice);
    const b = await send({ sendType: 'appoint', ...fixed, template: JSON.stringify({ contentType: 'interactive', content: card }) }, slice);
    const store = deliveredById();
    slice.forEach((row, i) => {
      const p = a.outcomes[i]!;
      const c = b.outcomes[i]!;
      expect(p.status).toBe('delivered');
      expect(c.status).toBe('delivered');
      if (p.status !== 'delivered' || c.status !== 'delivered') return;
      expect(store.get(p.messageId)!.content).toBe(
        JSON.stringify({
          zh_cn: {
            title: `订单 ${row.id}`,
            content: [[{ tag: 'text', text: `Customer: ${row.customer.name}` }, { tag: 'a', text: 'open', href: `https://shop.example.com/o/${row.id}` }]],
          },
        }),
      );
      expect(store.get(c.messageId)!.content).toBe(
        JSON.stringify({ type: 'template', data: { template_id: 'AAqkOrder01', template_variable: { order_id: String(row.id), customer: row.customer.name, lines: row.items } } }),
      );
    });
  });
});

describe("Lark's receiver names", () => {
  it('a body, a binding row and a fixed receiver reach the same user by open_id, user_id and union_id', async () => {
    const value = { open: ALICE.openId, uid: ALICE.userId, union: ALICE.unionId, text: 'hi' };
    const bodies = await send({}, [
      { receiveType: 'open_id', receiveId: ALICE.openId, content: { text: 'a' } },
      { receiveType: 'user_id', receiveId: ALICE.userId, content: { text: 'b' } },
      { receiveType: 'union_id', receiveId: ALICE.unionId, content: { text: 'c' } },
      { receiveType: 'chat_id', receiveId: CHAT_WITH_BOT.chatId, content: { text: 'd' } },
    ]);
    const bound = await send({
      dynamicBinding: [
        { receiveType: 'open_id', receiveId: 'open' }, { receiveType: 'user_id', receiveId: 'uid' },
        { receiveType: 'union_id', receiveId: 'union' },
      ],
      messageConfig: [{ messageType: 'text', messageField: 'text' }],
    }, [value]);
    const fixed = await send({
      sendType: 'fixed',
      receivers: [ALICE.unionId, { receiveType: 'user_id', receiveId: ALICE.userId }],
      messageConfig: [{ messageType: 'text', messageField: 'text' }],
    }, [value]);
    const store = deliveredById();
    const sent = (outcomes: MessageOutcome[]) => outcomes.map((o) => {
      const m = o.status === 'delivered' ? store.get(o.messageId) : undefined;
      return m ? [m.receiveIdType, m.receiveId] : [o.status];
    });
    expect(sent(bodies.outcomes)).toEqual([
      ['open_id', ALICE.openId], ['user_id', ALICE.userId], ['union_id', ALICE.unionId], ['chat_id', CHAT_WITH_BOT.chatId],
    ]);
    expect(sent(bound.outcomes)).toEqual([['open_id', ALICE.openId], ['user_id', ALICE.userId], ['union_id', ALICE.unionId]]);
    expect(sent(fixed.outcomes)).toEqual([['union_id', ALICE.unionId], ['user_id', ALICE.userId]]);
  });

  it('a binding row of an unknown type lists the names the form offers', () => {
    expect(() => connectorWith({ dynamicBinding: [{ receiveType: 'uid', receiveId: 'x' }] })).toThrow(
      /use one of chat_id, open_id, user_id, union_id, phone, email/,
    );
  });
});

describe('fixed receivers', () => {
  it('sends every record to each picked receiver (rows or the picker bare ids)', async () => {
    const { outcomes } = await send(
      { sendType: 'fixed', receivers: [CHAT_WITH_BOT.chatId, { receiveType: 'open_id', receiveId: ALICE.openId }], messageConfig: [{ messageType: 'text', messageField: 'summary' }] },
      rows,
    );
    check(
      outcomes,
      (row, index) =>
        row.summary === undefined
          ? { field: 'summary' }
          : index === 0
            ? { receiveIdType: 'chat_id', receiveId: CHAT_WITH_BOT.chatId, msgType: 'text', content: JSON.stringify({ text: row.summary }) }
            : { receiveIdType: 'open_id', receiveId: ALICE.openId, msgType: 'text', content: JSON.stringify({ text: row.summary }) },
      2,
    );
  });
});

describe('message body (today\'s behaviour)', () => {
  it('the same table as bodies a JS node would build: sent as given, markdown bodies converted', async () => {
    const { convertMarkdown } = await import('../../src/pipeline/transform/markdown.js');
    const bodies = rows.map((r, i) =>
      i % 2 === 0
        ? { receiveType: 'user', receiveId: r.customer.openId, contentType: 'text', content: JSON.stringify({ text: r.customer.name }) }
        : { receiveType: 'chat', receiveId: CHAT_WITH_BOT.chatId, contentType: 'markdown', content: `**${r.id}** ${r.customer.name}` },
    );
    const { outcomes } = await send({}, bodies);
    check(
      outcomes,
      (row) => {
        const i = row.id - 1000;
        if (i % 2 === 0) return { receiveIdType: 'open_id', receiveId: row.customer.openId, msgType: 'text', content: JSON.stringify({ text: row.customer.name }) };
        const want = convertMarkdown(`**${row.id}** ${row.customer.name}`);
        return { receiveIdType: 'chat_id', receiveId: CHAT_WITH_BOT.chatId, msgType: want.contentType, content: JSON.stringify(want.content) };
      },
      1,
    );
  });
});

describe('node config of the send modes', () => {
  const conn = { appId: 'cli_x', appSecret: 's', domain: 'feishu' };
  it('defaults to message_body, or dynamic_binding when bindings are set; names what a mode lacks', () => {
    expect(parseConfig({ connection: conn, node: {} }, {}).node.sendType).toBeUndefined();
    expect(parseConfig({ connection: conn, node: { send_type: 'from_js_node' } }, {}).node.sendType).toBe('message_body');
    expect(() => parseConfig({ connection: conn, node: { sendType: 'dynamic_binding' } }, {})).toThrow(/node\.dynamicBinding is required.*node\.messageConfig is required/);
    expect(() => parseConfig({ connection: conn, node: { sendType: 'appoint', messageConfig: [{ messageType: 'text', messageField: 'x' }] } }, {})).toThrow(/node\.receivers is required/);
    expect(() => parseConfig({ connection: conn, node: { dynamicBinding: [{ receiveType: 'fax', receiveId: 'x' }] } }, {})).toThrow(/node\.dynamicBinding\.0\.receiveType is not allowed/);
  });
  it("reads TapData's own node config: appoint with receiverArray, message rows", () => {
    const node = parseConfig({ connection: conn, node: { sendType: 'appoint', receiverArray: ['oc_1', 'ou_2', 'a@b.co'], messageConfig: [{ messageType: 'text', messageField: 'm' }] } }, {}).node;
    expect(node.sendType).toBe('fixed');
    expect(node.receivers).toEqual([{ receiveType: 'chat_id', receiveId: 'oc_1' }, { receiveType: 'open_id', receiveId: 'ou_2' }, { receiveType: 'email', receiveId: 'a@b.co' }]);
    expect(parseConfig({ connection: conn, node: { receivers: 'oc_1, ou_2', messageConfig: [{ messageType: 'text', messageField: 'm' }] } }, {}).node.receivers).toHaveLength(2);
  });
});

describe('the node form of the send modes (manifest)', () => {
  it('shows each mode field only for its modes, with x-reactions on sendType, and names every label in 3 languages', async () => {
    const { buildManifest } = await import('../../src/platforms/tapdata/manifest.js');
    const m = buildManifest() as { configOptions: { node: { properties: Record<string, Record<string, any>> } }; messages: Record<string, Record<string, string>> };
    const p = m.configOptions.node.properties;
    expect(p.sendType!.enum.map((e: { value: string }) => e.value)).toEqual(['dynamic_binding', 'message_body', 'fixed']);
    expect(p.sendType!.default).toBe('message_body');
    const display = (field: string, mode: string, template?: unknown) => {
      const r = p[field]!['x-reactions'];
      expect(r.dependencies[0]).toBe('nodeConfig.sendType');
      // Evaluate the Formily expression as the form would, with $deps.
      const expr = String(r.fulfill.state.display).replace(/^\{\{|\}\}$/g, '');
      return new Function('$deps', `return ${expr}`)([mode, template]) as string;
    };
    expect(['dynamic_binding', 'message_body', 'fixed'].map((mode) => display('dynamicBinding', mode))).toEqual(['visible', 'hidden', 'hidden']);
    expect(['dynamic_binding', 'message_body', 'fixed'].map((mode) => display('receivers', mode))).toEqual(['hidden', 'hidden', 'visible']);
    expect(['dynamic_binding', 'message_body', 'fixed'].map((mode) => display('messageConfig', mode))).toEqual(['visible', 'hidden', 'visible']);
    expect(display('messageConfig', 'fixed', { contentType: 'text' })).toBe('hidden');
    expect(['dynamic_binding', 'message_body', 'fixed'].map((mode) => display('template', mode))).toEqual(['visible', 'hidden', 'visible']);
    expect(p.dynamicBinding!['x-component']).toBe('ArrayTable');
    expect(p.receivers!['x-component']).toBe('AsyncSelect');
    expect(p.receivers!['x-component-props'].params).toContain('command: "GetReceiverOfChatsAndUsers"');
    expect(p.receivers!.apiServerKey).toBe('receiverArray');
    const keys = JSON.stringify(p).match(/\$\{(\w+)\}/g)!.map((k) => k.slice(2, -1));
    for (const lang of ['en_US', 'zh_CN', 'zh_TW']) for (const k of keys) expect(m.messages[lang]![k], `${lang}.${k}`).toBeTruthy();
  });
});
