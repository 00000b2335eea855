/**
 * The image Airbyte runs, checked without Docker (CI has no daemon): the labels and entrypoint Airbyte reads,
 * a non-root user, production dependencies only, and a version that follows package.json.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
const dockerignore = readFileSync(new URL('.dockerignore', root), 'utf8').split('\n').map((l) => l.trim());
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { version: string };
const instructions = dockerfile.split('\n').filter((l) => l.trim() !== '' && !l.trim().startsWith('#'));
const finalStage = instructions.slice(instructions.map((l) => l.startsWith('FROM ')).lastIndexOf(true));

describe('Dockerfile', () => {
  it('is multi-stage on Node 20 slim, the final stage running as a non-root user', () => {
    const froms = instructions.filter((l) => l.startsWith('FROM '));
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const f of froms) expect(f).toMatch(/^FROM node:20-slim\b/);
    expect(finalStage.filter((l) => l.startsWith('USER ')).at(-1)).toMatch(/^USER (node|\d{3,})$/);
  });

  it('carries the labels Airbyte reads, the version of package.json by default', () => {
    expect(finalStage).toContain('LABEL io.airbyte.name=lark-im/airbyte-lark-im');
    expect(finalStage).toContain('LABEL io.airbyte.version=${VERSION}');
    expect(finalStage).toContain(`ARG VERSION=${pkg.version}`);
  });

  it('AIRBYTE_ENTRYPOINT is the same command as the ENTRYPOINT: lark-im airbyte', () => {
    const env = /^ENV AIRBYTE_ENTRYPOINT="(.+)"$/.exec(finalStage.find((l) => l.startsWith('ENV AIRBYTE_ENTRYPOINT'))!)![1]!;
    const entry = JSON.parse(finalStage.find((l) => l.startsWith('ENTRYPOINT '))!.slice('ENTRYPOINT '.length)) as string[];
    expect(env).toBe(entry.join(' '));
    expect(entry).toEqual(['node', '/app/dist/cli/main.js', 'airbyte']);
  });

  it('installs production dependencies only in what ships, and keeps sources and local builds out of the context', () => {
    expect(dockerfile).toMatch(/npm ci --omit=dev --ignore-scripts/);
    expect(finalStage.some((l) => /npm (ci|install)/.test(l))).toBe(false); // the final stage copies them in
    for (const ignored of ['node_modules', 'dist', '.git', 'spec']) expect(dockerignore).toContain(ignored);
  });
});
