/** Templates rendered leaf by leaf: valid JSON whatever the values hold, missing fields named, Mustache's own features kept. */
import { describe, expect, it } from 'vitest';
import { renderTemplate } from '../../src/pipeline/transform/template.js';
import { sendModeTransform } from '../../src/pipeline/transform/send-modes.js';
import { parseConfig } from '../../src/config.js';
import { HOSTILE } from './orders.js';

describe('renderTemplate', () => {
  it('inserts any value verbatim into a JSON string leaf (no HTML escaping, no re-rendering)', () => {
    for (const v of HOSTILE) {
      const r = renderTemplate({ text: 'Hi {{name}}!', keep: 'no placeholder', n: 3 }, { name: v });
      expect(r).toEqual({ ok: true, value: { text: `Hi ${v}!`, keep: 'no placeholder', n: 3 } });
      // And through JSON, byte for byte what the template says.
      expect(JSON.parse(JSON.stringify(r.ok && r.value))).toEqual({ text: `Hi ${v}!`, keep: 'no placeholder', n: 3 });
    }
  });

  it('reads dot paths and array indexes; numbers and booleans as text, objects as JSON', () => {
    const view = { a: { b: { c: 'deep' } }, items: [{ sku: 'X' }], n: 0, ok: false, obj: { k: 1 } };
    expect(renderTemplate('{{a.b.c}} {{items.0.sku}} {{n}} {{ok}} {{obj}}', view)).toEqual({ ok: true, value: 'deep X 0 false {"k":1}' });
  });

  it('a missing or null field fails naming it; an empty string is a value', () => {
    expect(renderTemplate({ t: '{{a}} {{b.c}}' }, { a: 'x', b: {} })).toMatchObject({ ok: false, error: { code: 'FIELD_MISSING', field: 'b.c' } });
    expect(renderTemplate({ t: '{{a}}' }, { a: null })).toMatchObject({ ok: false, error: { field: 'a' } });
    expect(renderTemplate({ t: '[{{a}}]' }, { a: '' })).toEqual({ ok: true, value: { t: '[]' } });
  });

  it('sections loop and stay optional, as in Mustache', () => {
    const t = { text: '{{#items}}{{sku}}x{{qty}} {{/items}}{{^items}}none{{/items}}' };
    expect(renderTemplate(t, { items: [{ sku: 'A', qty: 1 }, { sku: 'B', qty: 2 }] })).toEqual({ ok: true, value: { text: 'Ax1 Bx2 ' } });
    expect(renderTemplate(t, {})).toEqual({ ok: true, value: { text: 'none' } });
  });

  it('a leaf that is one placeholder naming an object or a list takes the value itself', () => {
    expect(renderTemplate({ template_variable: '{{vars}}', id: '{{id}}' }, { vars: { a: [1, 2] }, id: 7 })).toEqual({ ok: true, value: { template_variable: { a: [1, 2] }, id: '7' } });
  });
});

describe('sendModeTransform', () => {
  const node = (n: Record<string, unknown>) => parseConfig({ connection: { appId: 'a', appSecret: 'b' }, node: n }, {}).node;
  it('message_body passes bodies through untouched (arrays element by element)', () => {
    const t = sendModeTransform(node({}));
    const body = { receiveType: 'chat', receiveId: 'oc_1', content: '{"text":"x"}', extra: 1 };
    expect(t(body)).toEqual([{ body }]);
    expect(t([body, body])).toEqual([{ body }, { body }]);
    expect(t([])).toEqual([{ body: [] }]);
  });
  it('messageConfig: text from a string or number; other types take the object or JSON string as content', () => {
    const t = sendModeTransform(node({ receivers: ['oc_1'], messageConfig: [{ messageType: 'text', messageField: 'n' }, { messageType: 'post', messageField: 'p' }] }));
    expect(t({ n: 42, p: '{"zh_cn":{"content":[]}}' })).toEqual([
      { body: { receiveType: 'chat', receiveId: 'oc_1', contentType: 'text', content: '{"text":"42"}' } },
      { body: { receiveType: 'chat', receiveId: 'oc_1', contentType: 'post', content: '{"zh_cn":{"content":[]}}' } },
    ]);
  });
  it('a receiver field holding an object fails naming the field', () => {
    const t = sendModeTransform(node({ dynamicBinding: [{ receiveType: 'email', receiveId: 'to' }], messageConfig: [{ messageType: 'text', messageField: 's' }] }));
    expect(t({ to: { x: 1 }, s: 'hi' })[0]).toMatchObject({ error: { code: 'FIELD_MISSING', field: 'to' } });
    expect(t({ to: 13800000000, s: 'hi' })[0]).toEqual({ body: { receiveType: 'email', receiveId: '13800000000', contentType: 'text', content: '{"text":"hi"}' } });
  });
});

describe('template checks at config time', () => {
  it('an unclosed section or tag is a config error naming the string', () => {
    const conn = { appId: 'a', appSecret: 'b' };
    expect(() => parseConfig({ connection: conn, node: { receivers: ['oc_1'], template: { content: { text: 'x {{#items}} y' } } } }, {})).toThrow(
      /node\.template\.content has a placeholder Mustache cannot read: text: Unclosed section "items"/,
    );
    expect(() => parseConfig({ connection: conn, node: { receivers: ['oc_1'], template: { content: { zh_cn: { content: [[{ tag: 'text', text: '{{a' }]] } } } } }, {})).toThrow(
      /zh_cn\.content\[0\]\[0\]\.text: Unclosed tag/,
    );
  });
  it('a record that cannot be read fails alone (the writer catches the transform)', async () => {
    const { LarkImConnector } = await import('../../src/connector.js');
    const config = parseConfig({ connection: { appId: 'a', appSecret: 'b' }, node: { receivers: ['oc_1'], messageConfig: [{ messageType: 'post', messageField: 'p' }] } }, {});
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    const outcomes: unknown[] = [];
    await new LarkImConnector(config).writeStream([{ line: 1, value: { p: cyclic } }, { line: 2, value: { p: { zh_cn: { content: [] } } } }], { dryRun: true, onOutcome: (o) => void outcomes.push(o) });
    expect(outcomes).toMatchObject([{ line: 1, status: 'failed', error: { code: 'INPUT_INVALID' } }, { line: 2, status: 'valid' }]);
  });
});
