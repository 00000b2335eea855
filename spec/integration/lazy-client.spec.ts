/** A dry-run never loads the Lark client (and the HTTP stack under it): the CLI's dry-run memory depends on it. */
import { describe, expect, it, vi } from 'vitest';
import { LarkImConnector } from '../../src/connector.js';
import { parseConfig } from '../../src/config.js';

const loaded = vi.hoisted(() => ({ client: 0 }));
vi.mock('../../src/lark/client.js', async (importOriginal) => {
  loaded.client += 1;
  return importOriginal();
});

describe('LarkImConnector', () => {
  it('imports the Lark client only when a run needs it', async () => {
    const connector = new LarkImConnector(parseConfig({ connection: { appId: 'cli_a', appSecret: 's' } }, {}));
    const outcomes: unknown[] = [];
    const value = { receiveType: 'user', receiveId: 'ou_1', content: '{"text":"hi"}' };
    const summary = await connector.writeStream([{ line: 1, value }], { dryRun: true, onOutcome: (o) => void outcomes.push(o) });
    expect(summary).toMatchObject({ total: 1, valid: 1 });
    expect(loaded.client).toBe(0);

    const [a, b] = await Promise.all([connector.larkClient(), connector.larkClient()]);
    expect(loaded.client).toBe(1);
    expect(a).toBe(b);
    expect(await connector.larkClient()).toBe(a);
    connector.close();
  });
});
