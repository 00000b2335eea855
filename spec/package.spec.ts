/** What `npm pack` ships: what a user runs, nothing else (no screenshots, benchmarks, icon generator, source maps). */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import { runCli } from './cli/cli-helpers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const run = promisify(execFile);

async function packedFiles(): Promise<string[]> {
  // --ignore-scripts: the spec runs after the build; prepare would build again.
  const { stdout } = await run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 });
  const [pack] = JSON.parse(stdout) as Array<{ files: Array<{ path: string }> }>;
  return pack!.files.map((f) => f.path);
}

describe('the package', () => {
  it('ships the CLI, the library, the console, the manifest and the fixtures; not screenshots, benchmarks, maps or the icon generator', async () => {
    const files = await packedFiles();
    for (const needed of ['dist/cli/main.js', 'dist/index.js', 'dist/index.d.ts', 'dist/emulator/index.js', 'console/index.html', 'connector.json', 'icons/lark.png', 'fixtures/demo-messages.jsonl', 'fixtures/emulator-seed.json', 'README.md', 'package.json']) {
      expect(files, needed).toContain(needed);
    }
    expect(files.filter((f) => f.startsWith('docs/screenshots/'))).toEqual([]);
    expect(files.filter((f) => f.startsWith('dist/bench/'))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.map') || f.endsWith('.tsbuildinfo'))).toEqual([]);
    expect(files).not.toContain('icons/generate-icon.mjs');
    // A source map would point at ../src, which is not shipped.
    expect(files.filter((f) => f.startsWith('src/'))).toEqual([]);
  }, 60_000);

  it('exports ./package.json, and lark-im --version prints its version', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8')) as { version: string; exports: Record<string, unknown> };
    expect(pkg.exports['./package.json']).toBe('./package.json');
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe(pkg.version);
  });

  it('the emulator shuts down with close(), like the connector (one name: no stop() alias)', async () => {
    const { LarkEmulator } = await import('../src/emulator/index.js');
    const emu = await LarkEmulator.start();
    await emu.close();
    await expect(fetch(`${emu.baseUrl}/open-apis/auth/v3/tenant_access_token/internal`, { method: 'POST' })).rejects.toThrow();
    await emu.close(); // idempotent
    expect('stop' in emu).toBe(false);
  });
});
