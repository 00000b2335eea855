/** Real sockets (no nock in this file: its interceptor hides connection reuse). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { LarkHttp } from '../../src/lark/http.js';
import { caught } from '../helpers/caught.js';


describe('LarkHttp against a real socket', () => {
  it('reuses one keep-alive connection and maps ECONNREFUSED', async () => {
    let connections = 0;
    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ code: 0, msg: 'ok' }));
    });
    server.on('connection', () => connections++);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const h = new LarkHttp({ baseUrl: `http://127.0.0.1:${port}` });
    try {
      for (let i = 0; i < 3; i++) await h.request({ method: 'GET', path: '/open-apis/bot/v3/info' });
      // keep-alive: one connection for three sequential requests.
      expect(connections).toBe(1);
    } finally {
      h.close();
      await new Promise<void>((r) => server.close(() => r()));
    }
    const dead = new LarkHttp({ baseUrl: `http://127.0.0.1:${port}` });
    const e = await caught(dead.request({ method: 'GET', path: '/x' }));
    expect(e).toMatchObject({ code: 'NETWORK', retryable: true });
    expect(e.message).toContain('ECONNREFUSED');
    dead.close();
  });
});
