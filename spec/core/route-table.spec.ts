import { describe, expect, it } from 'vitest';
import { RouteTable } from '../../src/core/route-table.js';

const table = new RouteTable([
  { method: 'POST', path: '/open-apis/im/v1/messages' },
  { method: 'GET', path: '/open-apis/im/v1/messages' },
  { method: 'PUT', path: '/open-apis/im/v1/messages/:message_id' },
  { method: 'DELETE', path: '/open-apis/im/v1/messages/:message_id' },
  { method: 'POST', path: '/open-apis/im/v1/messages/:message_id/reply' },
  { method: 'POST', path: '/_emulator/messages/:message_id' },
  { method: 'POST', path: '/_emulator/messages/edit' },
]);

describe('route table', () => {
  it('finds a literal path; trailing slashes do not matter', () => {
    const m = table.match('GET', '/open-apis/im/v1/messages/');
    expect(m).toEqual({ kind: 'found', route: { method: 'GET', path: '/open-apis/im/v1/messages' }, params: {} });
  });

  it('binds :name segments (decoded) and tells paths of different lengths apart', () => {
    const put = table.match('PUT', '/open-apis/im/v1/messages/om_a%2Fb');
    expect(put.kind === 'found' && put.params).toEqual({ message_id: 'om_a/b' });
    const reply = table.match('POST', '/open-apis/im/v1/messages/om_1/reply');
    expect(reply.kind === 'found' && reply.route.path).toBe('/open-apis/im/v1/messages/:message_id/reply');
  });

  it('a literal segment wins over a parameter', () => {
    const m = table.match('POST', '/_emulator/messages/edit');
    expect(m.kind === 'found' && m.route.path).toBe('/_emulator/messages/edit');
    const p = table.match('POST', '/_emulator/messages/om_9');
    expect(p.kind === 'found' && p.params).toEqual({ message_id: 'om_9' });
  });

  it('404 and 405 follow from the table: unknown path, or the methods the path takes', () => {
    expect(table.match('GET', '/open-apis/nope')).toEqual({ kind: 'not-found' });
    expect(table.match('DELETE', '/open-apis/im/v1/messages//')).toEqual({ kind: 'wrong-method', allow: ['GET', 'POST'] });
    expect(table.match('PATCH', '/open-apis/im/v1/messages/om_1')).toEqual({ kind: 'wrong-method', allow: ['DELETE', 'PUT'] });
    // An empty segment is no parameter value.
    expect(table.match('PUT', '/open-apis/im/v1/messages//x')).toEqual({ kind: 'not-found' });
  });

  it('refuses a route listed twice (also under another parameter name)', () => {
    expect(() => new RouteTable([
      { method: 'GET', path: '/a/:id' },
      { method: 'GET', path: '/a/:other' },
    ])).toThrow(/twice/);
  });
});
