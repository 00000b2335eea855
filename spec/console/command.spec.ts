// `lark-im console`: the commander wiring the CLI gets from registerConsoleCommand().
import { describe, expect, it, vi } from 'vitest';
import { Command } from 'commander';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { registerConsoleCommand } from '../../src/console/command.js';
import { request } from './http.js';

describe('lark-im console command', () => {
  it('registers console with --port, --emulator, --config and --lang', () => {
    const program = new Command();
    registerConsoleCommand(program);
    const cmd = program.commands.find((c) => c.name() === 'console')!;
    expect(cmd).toBeTruthy();
    expect(cmd.options.map((o) => o.long)).toEqual(['--port', '--emulator', '--config', '--lang']);
    expect(cmd.options.find((o) => o.long === '--port')!.defaultValue).toBe('4780');
  });

  it('prints the URL, serves until SIGINT, then stops', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'console-cmd-'));
    const cfg = path.join(dir, 'cfg.json');
    await writeFile(cfg, JSON.stringify({ connection: { appId: 'cli_from_file', appSecret: 's3cret-from-file' }, node: {} }));
    const out: string[] = [];
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: unknown) => { out.push(String(chunk)); return true; });
    try {
      const program = new Command().exitOverride();
      registerConsoleCommand(program);
      const done = program.parseAsync(['node', 'lark-im', 'console', '--port', '0', '--config', cfg, '--lang', 'zh-CN']);
      await vi.waitFor(() => expect(out.join('')).toMatch(/http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+/), { timeout: 10_000 });
      const [printed, url, token] = /(http:\/\/127\.0\.0\.1:\d+\/)\?token=([\w-]+)/.exec(out.join(''))!;
      expect(printed).toBe(`${url}?token=${token}`);
      expect((await request(url + 'api/state')).status).toBe(401);
      const state = await request(url + 'api/state', { headers: { cookie: `lark_im_console=${token}` } });
      expect(state.json.lang).toBe('zh_CN');
      expect(state.json.config.connection.appId).toBe('cli_from_file');
      expect(state.text).not.toContain('s3cret-from-file');
      process.emit('SIGINT');
      await done;
      await expect(request(url + 'api/state')).rejects.toThrow();
    } finally {
      spy.mockRestore();
    }
  });

  it('rejects a bad port', async () => {
    const program = new Command().exitOverride();
    registerConsoleCommand(program);
    await expect(program.parseAsync(['node', 'lark-im', 'console', '--port', 'abc'])).rejects.toThrow(/--port/);
  });

  it('rejects a language it has no strings for, naming the ones it has', async () => {
    const program = new Command().exitOverride();
    registerConsoleCommand(program);
    await expect(program.parseAsync(['node', 'lark-im', 'console', '--port', '0', '--lang', 'fr'])).rejects.toThrow('--lang must be one of en_US, zh_CN, zh_TW, got "fr"');
  });
});
