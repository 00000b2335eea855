/**
 * The safety rules of media sources: which URL hosts may be fetched (node option media.allowHosts: host
 * names, `*.example.com` wildcards, optional ports) and which local paths may be read (inside media.root,
 * after resolving `..` and symlinks). A record must not be able to read the machine or the network behind it.
 */
import { realpath } from 'node:fs/promises';
import { isAbsolute, relative, resolve, sep } from 'node:path';

interface HostRule {
  /** Lower-case host name, without a leading `*.` for wildcards. */
  host: string;
  wildcard: boolean;
  /** Only this port when given. */
  port?: string;
}

/** A rule as written: `host`, `host:port`, `*.host`, `*.host:port`; undefined when it is none of those. */
export function parseHostRule(rule: string): HostRule | undefined {
  const m = /^(\*\.)?([a-z0-9.-]+|\[[0-9a-f:.]+\])(?::(\d{1,5}))?$/i.exec(rule.trim());
  if (!m) return undefined;
  const host = m[2]!.toLowerCase();
  if (host.startsWith('.') || host.endsWith('.') || host.includes('..')) return undefined;
  return { host, wildcard: m[1] !== undefined, ...(m[3] !== undefined ? { port: String(Number(m[3])) } : {}) };
}

export class HostAllowList {
  private readonly rules: HostRule[];

  constructor(rules: readonly string[]) {
    this.rules = rules.flatMap((r) => {
      const parsed = parseHostRule(r);
      return parsed ? [parsed] : [];
    });
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /**
   * Whether the URL's host and port are allowed. A rule without a port allows the scheme's default port
   * only (80, 443): another port of the same host is another service, and needs its own rule.
   */
  allows(url: URL): boolean {
    const host = url.hostname.toLowerCase();
    const port = url.port !== '' ? url.port : url.protocol === 'https:' ? '443' : '80';
    return this.rules.some((r) => {
      if (r.port !== undefined ? r.port !== port : url.port !== '') return false;
      return r.wildcard ? host.endsWith(`.${r.host}`) : host === r.host;
    });
  }
}

/**
 * The real path of `source` when it lies inside `root` (both resolved through symlinks), else why not.
 * A relative source is taken relative to the root.
 */
export async function pathInsideRoot(source: string, root: string): Promise<{ path: string } | { refused: string }> {
  const realRoot = await realpath(resolve(root)).catch(() => undefined);
  if (realRoot === undefined) return { refused: `node option media.root (${root}) does not exist` };
  const wanted = isAbsolute(source) ? source : resolve(realRoot, source);
  let real: string;
  try {
    real = await realpath(wanted);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Outside the root is the answer even for a path that does not exist: nothing about the rest is told.
    if (!inside(realRoot, resolve(wanted))) return { refused: `outside node option media.root (${root})` };
    return { refused: code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? 'error'})` };
  }
  if (!inside(realRoot, real)) return { refused: `outside node option media.root (${root})` };
  return { path: real };
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel);
}
