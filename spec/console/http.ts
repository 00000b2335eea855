// Small node:http client for the console specs: fetch() would hide Host / Origin handling.
import http from 'node:http';

export interface Reply { status: number; headers: http.IncomingHttpHeaders; text: string; json: any }

export function request(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer; json?: unknown } = {},
): Promise<Reply> {
  const u = new URL(url);
  const body = opts.json !== undefined ? JSON.stringify(opts.json) : opts.body;
  const headers: Record<string, string> = {
    ...(opts.json !== undefined ? { 'content-type': 'application/json' } : {}),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: u.hostname, port: u.port, path: u.pathname + u.search, method: opts.method ?? (body ? 'POST' : 'GET'), headers },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try { json = JSON.parse(text); } catch { json = undefined; }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The server may answer 413 and close before the whole body is written.
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') reject(Object.assign(err, { closedEarly: true }));
      else reject(err);
    });
    if (body !== undefined) req.end(body);
    else req.end();
  });
}

/** The header that carries a console's token (what the browser's cookie does). */
export function auth(con: { token: string }): Record<string, string> {
  return { cookie: `lark_im_console=${con.token}` };
}

/** The console's address without the token: http://127.0.0.1:port/ */
export function baseOf(con: { url: string }): string {
  return new URL('/', con.url).toString();
}

/** A caller of a console's API: POST with a JSON body, GET without one; the token as the browser's cookie. */
export function apiCaller(con: { url: string; token: string }): (path: string, json?: unknown) => Promise<Reply> {
  return (p, json) => request(baseOf(con) + p, { ...(json !== undefined ? { json } : { method: 'GET' }), headers: auth(con) });
}

/** Sets a console's connection through its API, as the page's form does; throws unless it is taken. */
export async function setConnection(con: { url: string; token: string }, connection: Record<string, unknown>): Promise<void> {
  const r = await apiCaller(con)('api/config', { connection });
  if (r.status !== 200) throw new Error(`api/config answered ${r.status}: ${r.text}`);
}

/** Polls a run until it has ended (neither running nor stopping). */
export async function waitForRun(base: string, runId: string, headers: Record<string, string>, timeoutMs = 15_000): Promise<any> {
  const start = Date.now();
  for (;;) {
    const r = await request(`${base}api/runs/${runId}`, { headers });
    if (r.json?.state !== 'running' && r.json?.state !== 'stopping') return r.json;
    if (Date.now() - start > timeoutMs) throw new Error(`run ${runId} still running after ${timeoutMs} ms`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

export const DEMO_SECRET = 'demo-secret-not-real';

/** Mixed input: two valid messages, a body without receiveId, a line that is not JSON. */
export function mixedRecords(): string {
  return [
    JSON.stringify({ receiveType: 'user', receiveId: 'ou_a11ce000000000000000000000000001', contentType: 'text', content: { text: 'Hi <at user_id="ou_a11ce000000000000000000000000001">Alice</at> <b>&amp;</b> <script>alert(1)</script>' } }),
    JSON.stringify({ receiveType: 'chat', receiveId: 'oc_0b5a1e7500000000000000000000000a', contentType: 'post', content: { zh_cn: { title: 'Nightly report', content: [[{ tag: 'text', text: 'All good: ' }, { tag: 'a', text: 'details', href: 'https://example.com/r/1' }], [{ tag: 'a', text: 'bad link', href: 'javascript:alert(1)' }]] } } }),
    JSON.stringify({ receiveType: 'user', contentType: 'text', content: { text: 'missing receiver' } }),
    '{ not json',
  ].join('\n') + '\n';
}
