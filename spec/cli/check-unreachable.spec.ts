/** `lark-im check` against a host that is not there: a connection test answers at once with the cause. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';

describe('lark-im check, endpoint not reachable', () => {
  it('a closed port: exit 1, the credentials item names the host and "connection refused", one quick retry only', async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    await new Promise<void>((r) => server.close(() => r()));
    const dir = await mkdtemp(join(tmpdir(), 'lark-im-check-'));
    try {
      const config = join(dir, 'config.json');
      await writeFile(config, JSON.stringify({ connection: { appId: 'cli_x', appSecret: 'secret-x', domain: `http://127.0.0.1:${port}` } }));
      const r = await runCli(['check', '--config', config, '--json']);
      expect(r.code).toBe(1);
      const items = JSON.parse(r.stdout) as Array<{ item: string; status: string; detail: string }>;
      expect(items[0]).toMatchObject({ item: 'credentials', status: 'fail' });
      expect(items[0]!.detail).toContain(`to 127.0.0.1:${port} failed before a response: connection refused (ECONNREFUSED)`);
      expect(r.stdout + r.stderr).not.toContain('secret-x');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
