import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { inflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CONNECTION_TEST_ITEMS, CONNECTION_TEST_ITEM_KEYS } from '../../../src/core/types.js';
import { MESSAGES, buildManifest, testDetail, testItemTitle, type TestDetailKey } from '../../../src/platforms/tapdata/manifest.js';
import { LANGUAGES } from '../../../src/core/vocabulary.js';
import { DOMAINS, connectionConfigSchema, nodeConfigSchema } from '../../../src/config.js';
import { UPDATE_EVENTS } from '../../../src/pipeline/lifecycle/config.js';

const root = new URL('../../../', import.meta.url);
const connectorJsonPath = new URL('connector.json', root);
const rendered = JSON.stringify(buildManifest(), null, 2) + '\n';

// WRITE_MANIFEST=1 npx vitest run spec/platforms/tapdata/manifest.spec.ts regenerates connector.json (same as `npm run manifest`).
if (process.env.WRITE_MANIFEST === '1') writeFileSync(connectorJsonPath, rendered);

type FormField = Record<string, unknown> & { enum?: Array<{ label: string; value: string }> };
const manifest = buildManifest() as {
  properties: Record<string, unknown>;
  configOptions: { connection: { properties: Record<string, FormField> }; node: { properties: Record<string, FormField> } };
  messages: Record<string, unknown> & { default: string };
};
const forms = {
  connection: { fields: manifest.configOptions.connection.properties, schema: connectionConfigSchema },
  node: { fields: manifest.configOptions.node.properties, schema: nodeConfigSchema },
};

/** Every ${key} placeholder anywhere in the manifest (outside messages). */
function placeholders(v: unknown, out = new Set<string>()): Set<string> {
  if (typeof v === 'string') for (const m of v.matchAll(/\$\{([^}]+)\}/g)) out.add(m[1]!);
  else if (Array.isArray(v)) v.forEach((x) => placeholders(x, out));
  else if (v && typeof v === 'object') Object.values(v).forEach((x) => placeholders(x, out));
  return out;
}

describe('connector.json', () => {
  it('equals buildManifest() (run `npm run manifest` to regenerate it)', () => {
    const onDisk = existsSync(connectorJsonPath) ? readFileSync(connectorJsonPath, 'utf8') : '(missing)';
    expect(onDisk, 'connector.json is out of date with src/config.ts / src/platforms/tapdata/manifest.ts: run `npm run manifest` (or WRITE_MANIFEST=1 npx vitest run spec/platforms/tapdata/manifest.spec.ts)').toBe(rendered);
  });
});

describe('buildManifest', () => {
  it('has the TapData properties', () => {
    expect(manifest.properties).toEqual({ name: 'Lark IM', id: 'lark-im', icon: 'icons/lark.png', doc: '${doc}', tags: ['SaaS'] });
  });

  it('lists exactly the zod schema fields, as Formily FormItems with unique x-index', () => {
    for (const { fields, schema } of Object.values(forms)) {
      expect(Object.keys(fields).sort()).toEqual(Object.keys(schema.shape).sort());
      const indexes = Object.values(fields).map((f) => f['x-index']);
      expect(new Set(indexes).size).toBe(indexes.length);
      for (const f of Object.values(fields)) {
        expect(f['x-decorator']).toBe('FormItem');
        expect(f.title).toMatch(/^\$\{\w+\}$/);
        expect(f['x-decorator-props']).toEqual({ tooltip: `\${${String(f.title).slice(2, -1)}_tooltip}` });
        expect(['Input', 'Password', 'Select', 'InputNumber', 'Switch', 'ArrayTable', 'AsyncSelect', 'JsonEditor']).toContain(f['x-component']);
        expect(typeof f.apiServerKey).toBe('string');
      }
    }
  });

  it('masks the App Secret and the proxy URL (it may hold a password) with a Password component, and only those', () => {
    const c = forms.connection.fields;
    expect(c.appSecret!['x-component']).toBe('Password');
    expect(Object.entries(c).filter(([, f]) => f['x-component'] === 'Password').map(([k]) => k)).toEqual(['appSecret', 'proxy']);
    expect(c.appId!['x-component']).toBe('Input');
  });

  it('marks required exactly the fields zod requires', () => {
    for (const { fields, schema } of Object.values(forms)) {
      const r = schema.safeParse({});
      const zodRequired = r.success ? [] : [...new Set(r.error.issues.map((i) => String(i.path[0])))];
      const manifestRequired = Object.entries(fields).filter(([, f]) => f.required === true).map(([k]) => k);
      expect(manifestRequired.sort()).toEqual(zodRequired.sort());
    }
    expect(Object.entries(forms.connection.fields).filter(([, f]) => f.required).map(([k]) => k).sort()).toEqual(['appId', 'appSecret']);
  });

  it('takes enum values and defaults from zod, and zod accepts them', () => {
    const domain = forms.connection.fields.domain!;
    expect(domain['x-component']).toBe('Select');
    expect(domain.enum!.map((e) => e.value)).toEqual([...DOMAINS]);
    expect(domain['x-component-props']).toMatchObject({ allowCreate: true });
    expect(domain.default).toBe('feishu');
    const ue = forms.node.fields.updateEvents!;
    expect(ue.enum!.map((e) => e.value)).toEqual([...UPDATE_EVENTS]);
    expect(ue.default).toBe('skip');
    for (const { fields, schema } of Object.values(forms)) {
      for (const [key, f] of Object.entries(fields)) {
        const field = (schema.shape as Record<string, { safeParse(v: unknown): { success: boolean } }>)[key]!;
        for (const e of f.enum ?? []) expect(field.safeParse(e.value).success).toBe(true);
        if (f.default !== undefined) expect(field.safeParse(f.default).success).toBe(true);
      }
    }
  });

  it('gives number fields their zod range', () => {
    expect(forms.node.fields.maxInFlight).toMatchObject({ type: 'number', 'x-component': 'InputNumber', default: 16, 'x-component-props': { min: 1, max: 50 } });
    expect(forms.connection.fields.timeoutMs).toMatchObject({ type: 'number', required: false, 'x-component-props': { min: 1000, max: 120000 } });
  });
});

describe('messages', () => {
  it('default en_US, with en_US, zh_CN and zh_TW', () => {
    expect(manifest.messages.default).toBe('en_US');
    expect(Object.keys(manifest.messages).sort()).toEqual(['default', ...LANGUAGES].sort());
  });

  it('every ${key} used in the manifest exists, non-empty, in every language', () => {
    const keys = placeholders({ ...manifest, messages: undefined });
    expect(keys.size).toBeGreaterThan(10);
    for (const lang of LANGUAGES) {
      const table = manifest.messages[lang] as Record<string, string>;
      const missing = [...keys].filter((k) => typeof table[k] !== 'string' || table[k] === '');
      expect(missing, `${lang} misses`).toEqual([]);
    }
  });

  it('all languages have the same keys', () => {
    const en = Object.keys(MESSAGES.en_US).sort();
    for (const lang of LANGUAGES) expect(Object.keys(MESSAGES[lang]).sort()).toEqual(en);
  });

  it('doc paths point at existing docs, one per language', () => {
    for (const lang of LANGUAGES) {
      const doc = MESSAGES[lang].doc;
      expect(doc).toBe(`docs/lark_im_${lang}.md`);
      expect(existsSync(new URL(doc, root))).toBe(true);
    }
  });

  it('names the connection test items in every language', () => {
    expect(CONNECTION_TEST_ITEM_KEYS).toEqual(['credentials', 'bot', 'permissions', 'read', 'media']);
    for (const lang of LANGUAGES) {
      for (const item of CONNECTION_TEST_ITEM_KEYS) {
        expect(MESSAGES[lang][CONNECTION_TEST_ITEMS[item]]).toBeTruthy();
        expect(testItemTitle(item, lang)).toBe(MESSAGES[lang][CONNECTION_TEST_ITEMS[item]]);
      }
    }
    expect(testItemTitle('credentials')).toBe('App credentials');
  });

  it('words every connection test detail in every language, with the same {placeholders}', () => {
    const keys = Object.keys(MESSAGES.en_US).filter((k) => k.startsWith('test_detail_')) as TestDetailKey[];
    expect(keys.length).toBeGreaterThanOrEqual(15);
    const names = (text: string) => [...new Set([...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();
    for (const key of keys) {
      for (const lang of ['zh_CN', 'zh_TW'] as const) {
        expect(MESSAGES[lang][key], `${lang} ${key}`).toMatch(/[\u4e00-\u9fff]/);
        expect(names(MESSAGES[lang][key]), `${lang} ${key}`).toEqual(names(MESSAGES.en_US[key]));
      }
    }
    const vars = { appId: 'cli_x', baseUrl: 'https://open.feishu.cn' };
    expect(testDetail('test_detail_credentials_ok', vars)).toBe('App cli_x obtained a tenant_access_token from https://open.feishu.cn (no proxy)');
    expect(testDetail('test_detail_credentials_ok', vars, 'zh_CN')).toBe('应用 cli_x 已从 https://open.feishu.cn 获取 tenant_access_token（未使用代理）');
    expect(testDetail('test_detail_credentials_ok', vars, 'zh_TW')).toBe('應用 cli_x 已從 https://open.feishu.cn 取得 tenant_access_token（未使用代理）');
  });
});

describe('icons/lark.png', () => {
  it('is a valid PNG that decodes to its declared size', () => {
    const png = readFileSync(new URL('icons/lark.png', root));
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    expect(png.subarray(12, 16).toString('ascii')).toBe('IHDR');
    const w = png.readUInt32BE(16), h = png.readUInt32BE(20);
    expect([w, h]).toEqual([64, 64]);
    const idatLen = png.readUInt32BE(33);
    expect(png.subarray(37, 41).toString('ascii')).toBe('IDAT');
    expect(inflateSync(png.subarray(41, 41 + idatLen)).length).toBe((w * 4 + 1) * h);
  });
});
