/**
 * The built Airbyte image played as the platform plays it (`npm run test:image`, not part of `npm test`):
 * `docker run IMAGE spec | check | discover | write | read`, every stdout line parsed as a protocol message,
 * against an emulator this spec starts on the host. Also what the image holds: what runs, nothing else.
 */
import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { seedHistory, type LarkEmulator } from '../../src/emulator/index.js';
import { specMessage } from '../../src/platforms/airbyte/spec.js';
import { ALICE, APP, BOB, CHAT_WITH_BOT, startEmulator, text } from '../integration/helpers.js';
import { Workdir, destinationCatalog, recordLine, sourceCatalog, stateLine } from '../platforms/airbyte/platform.js';
import {
  IMAGE,
  VERSION,
  docker,
  inContainer,
  removeLeftContainers,
  runImage,
  shareWithContainer,
  spawnImage,
} from './docker.js';

let emulator: LarkEmulator | undefined;
let work: Workdir;
beforeAll(async () => {
  work = await Workdir.create();
  await shareWithContainer(work);
});
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
  await removeLeftContainers();
});
afterAll(() => work.remove());

async function configFor(emu: LarkEmulator, name: string, appSecret = APP.appSecret): Promise<string> {
  const connection = { appId: APP.appId, appSecret, domain: emu.baseUrl, timeoutMs: 2000 };
  const path = await work.json(name, { connection });
  return inContainer(path);
}

describe('the image', () => {
  it('carries what Airbyte reads: the labels, AIRBYTE_ENTRYPOINT = ENTRYPOINT, a non-root user', async () => {
    const inspect = await docker(['image', 'inspect', IMAGE, '--format', '{{json .Config}}']);
    expect(inspect.code).toBe(0);
    type Config = { Labels: Record<string, string>; Env: string[]; Entrypoint: string[]; User: string };
    const config = JSON.parse(inspect.stdout) as Config;
    expect(config.Labels).toMatchObject({
      'io.airbyte.name': 'lark-im/airbyte-lark-im',
      'io.airbyte.version': VERSION,
    });
    expect(config.Entrypoint).toEqual(['node', '/app/dist/cli/main.js', 'airbyte']);
    expect(config.Env).toContain(`AIRBYTE_ENTRYPOINT=${config.Entrypoint.join(' ')}`);
    expect(config.Env).toContain('NODE_ENV=production');
    expect(config.User).toBe('node');
  });

  it('/app holds only what runs: compiled JavaScript, package.json and the production dependencies', async () => {
    // Listed by the image's own node (no shell assumed): every file outside node_modules, the installed packages.
    const script = [
      "const fs = require('fs');",
      "const path = require('path');",
      "const files = fs.readdirSync('/app', { recursive: true, withFileTypes: true }).filter((d) => d.isFile())",
      "  .map((d) => path.relative('/app', path.join(d.parentPath ?? d.path, d.name)))",
      "  .filter((f) => !f.startsWith('node_modules/'));",
      "const packages = fs.readdirSync('/app/node_modules').filter((n) => !n.startsWith('.'))",
      "  .flatMap((n) => n.startsWith('@') ? fs.readdirSync('/app/node_modules/' + n).map((s) => n + '/' + s) : [n]);",
      'console.log(JSON.stringify({ files, packages, uid: process.getuid() }));',
    ].join('\n');
    const run = await docker(['run', '--rm', '--network', 'none', '--entrypoint', 'node', IMAGE, '-e', script]);
    expect(run.stderr).toBe('');
    const { files, packages, uid } = JSON.parse(run.stdout) as { files: string[]; packages: string[]; uid: number };
    expect(uid).not.toBe(0);
    expect(files).toContain('package.json');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/platforms/airbyte/command.js');
    // Nothing but the compiled modules: no source maps, declarations, build info, console assets, fixtures, bench.
    expect(files.filter((f) => f !== 'package.json' && !/^dist\/.+\.js$/.test(f))).toEqual([]);
    // The emulator is the demo's (loaded on demand by `lark-im demo`), and dist/index.js the library's entry.
    expect(files.filter((f) => /^dist\/(emulator|bench)\//.test(f) || f === 'dist/index.js')).toEqual([]);

    // Exactly the production dependencies package-lock.json resolves (hoisted), no dev ones, no link to itself.
    const lock = JSON.parse(readFileSync(new URL('../../package-lock.json', import.meta.url), 'utf8')) as {
      packages: Record<string, { dev?: boolean; link?: boolean }>;
    };
    const production = Object.entries(lock.packages)
      .filter(([path, p]) => /^node_modules\/(@[^/]+\/)?[^/@]+$/.test(path) && !p.dev && !p.link)
      .map(([path]) => path.slice('node_modules/'.length));
    expect(production.length).toBeGreaterThan(0);
    expect(packages.sort()).toEqual(production.sort());
    expect(packages).not.toContain('typescript');
  });
});

describe('docker run IMAGE <command>', () => {
  it('spec: one SPEC message, the same form the sources build (App Secret an airbyte_secret)', async () => {
    const run = await runImage(['spec']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.messages).toEqual([specMessage()]);
    const m = run.messages[0]!;
    if (m.type !== 'SPEC') throw new Error(`expected SPEC, got ${m.type}`);
    type Form = { properties: { connection: { properties: Record<string, Record<string, unknown>> } } };
    const spec = m.spec.connectionSpecification as Form;
    expect(spec.properties.connection.properties['appSecret']!['airbyte_secret']).toBe(true);
  });

  it('check: SUCCEEDED against the emulator on the host', async () => {
    emulator = await startEmulator();
    const ok = await runImage(['check', '--config', await configFor(emulator, 'check-ok.json')], { work });
    expect(ok.code).toBe(0);
    expect(ok.ofType('CONNECTION_STATUS').map((m) => m.connectionStatus.status)).toEqual(['SUCCEEDED']);
    expect(emulator.stats().tokenRequests).toBeGreaterThan(0); // it did reach the emulator
  });

  it('check: a wrong App Secret is FAILED saying so, and never shown', async () => {
    emulator = await startEmulator();
    const wrong = 'not-the-secret-in-the-image-4711';
    const bad = await runImage(['check', '--config', await configFor(emulator, 'check-bad.json', wrong)], { work });
    expect(bad.code).toBe(0);
    const status = bad.ofType('CONNECTION_STATUS')[0]!.connectionStatus;
    expect(status.status).toBe('FAILED');
    expect(status.message).toMatch(/App Secret/);
    expect(JSON.stringify(bad.messages) + bad.stderr).not.toContain(wrong);
  });

  it('discover: the lark_messages stream and the record schema write accepts', async () => {
    emulator = await startEmulator();
    const run = await runImage(['discover', '--config', await configFor(emulator, 'discover.json')], { work });
    expect(run.code).toBe(0);
    const [catalog] = run.ofType('CATALOG');
    expect(catalog!.catalog.streams.map((s) => s.name)).toEqual(['lark_messages']);
    expect(catalog!.catalog).toHaveProperty('destination_record_schema');
  });

  it('write: RECORDs on stdin delivered (the emulator holds them), each STATE echoed after its records', async () => {
    emulator = await startEmulator();
    const catalog = inContainer(await work.json('write-catalog.json', destinationCatalog(['alerts'])));
    const receivers: Array<[string, string]> = [
      ['user', ALICE.openId],
      ['email', BOB.email!],
      ['chat', CHAT_WITH_BOT.chatId],
    ];
    const labels = Array.from({ length: 9 }, (_, i) => `image-record-${i}`);
    const stdin = labels.flatMap((label, i) => {
      const [type, id] = receivers[i % receivers.length]!;
      const line = recordLine('alerts', text(type, id, label));
      return (i + 1) % 3 === 0 ? [line, stateLine('alerts', i + 1)] : [line];
    });
    const run = await runImage(['write', '--config', await configFor(emulator, 'write.json'), '--catalog', catalog], {
      work,
      stdin: stdin.join('\n') + '\n',
    });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.ofType('TRACE').filter((t) => t.trace.type === 'ERROR')).toEqual([]);
    const delivered = emulator.messages();
    expect(delivered.map((m) => JSON.parse(m.content).text as string).sort()).toEqual([...labels].sort());
    expect(new Set(delivered.map((m) => m.chatId)).size).toBe(3); // to a user, a user by email and a group
    const states = run.ofType('STATE').map((m) => ({
      cursor: (m.state.stream?.stream_state as { cursor: number }).cursor,
      recordCount: m.state.destinationStats?.recordCount,
    }));
    expect(states).toEqual([3, 6, 9].map((cursor) => ({ cursor, recordCount: 3 })));
    expect(run.logs('INFO').at(-1)).toMatch(/9 records read, 9 messages delivered, 0 failed/);
  });

  it('write cancelled as the platform does (docker kill --signal TERM): settled STATEs echoed, exit 1', async () => {
    emulator = await startEmulator();
    const catalog = inContainer(await work.json('cancel-catalog.json', destinationCatalog(['alerts'])));
    // One receiver at Lark's 5/s: 100 records take ~20 s, so the signal lands mid-sync.
    const stdin = Array.from({ length: 100 }, (_, i) => {
      const line = recordLine('alerts', text('user', ALICE.openId, `cancel-${i}`));
      return (i + 1) % 5 === 0 ? `${line}\n${stateLine('alerts', i + 1)}` : line;
    });
    const config = await configFor(emulator, 'cancel.json');
    const p = spawnImage(['write', '--config', config, '--catalog', catalog], { work });
    p.child.stdin!.end(stdin.join('\n') + '\n');
    while (p.ofType('STATE').length < 1 && p.child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    expect((await docker(['kill', '--signal', 'TERM', p.container])).code).toBe(0);
    const { code } = await p.exited;
    p.assertProtocolOnly();
    expect(code).toBe(1);
    const cursors = p.ofType('STATE').map((m) => (m.state.stream?.stream_state as { cursor: number }).cursor);
    expect(cursors.length).toBeGreaterThanOrEqual(1);
    expect(cursors).toEqual(cursors.map((_, i) => (i + 1) * 5));
    expect(cursors.length).toBeLessThan(20);
    expect(emulator.messages().length).toBeLessThan(100);
    expect(emulator.messages().length).toBeGreaterThanOrEqual(cursors.at(-1)!);
    expect(p.logs('WARN').join('\n')).toMatch(/stopped by a signal/);
  });

  it('read: the chat history comes out as RECORDs of lark_messages, with STATEs and a COMPLETE status', async () => {
    emulator = await startEmulator({ limits: false });
    const seeded = seedHistory(emulator, {
      chats: [{ chatId: CHAT_WITH_BOT.chatId, count: 700 }],
      senders: [ALICE.openId, BOB.openId],
      startMs: Date.now() - 3 * 3600_000,
    });
    const expected = [...seeded.byChat.values()].flat();
    const catalog = inContainer(
      await work.json('read-catalog.json', sourceCatalog()),
    );
    const config = await configFor(emulator, 'read.json');
    const run = await runImage(['read', '--config', config, '--catalog', catalog], { work });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const records = run.ofType('RECORD');
    expect(records.every((r) => r.record.stream === 'lark_messages')).toBe(true);
    expect(records.map((r) => (r.record.data as { messageId: string }).messageId).sort()).toEqual(
      expected.map((m) => m.messageId).sort(),
    );
    const states = run.ofType('STATE');
    expect(states.length).toBeGreaterThanOrEqual(2); // after 500 records and at the end
    expect(states.reduce((n, s) => n + (s.state.sourceStats?.recordCount ?? 0), 0)).toBe(expected.length);
    const statuses = run.ofType('TRACE').flatMap((t) => (t.trace.stream_status ? [t.trace.stream_status.status] : []));
    expect(statuses).toEqual(['STARTED', 'RUNNING', 'COMPLETE']);
  });
});
