import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ServerResponse } from 'node:http';

/**
 * The page's files live in the package's top-level console/ folder: the same relative path from
 * src/console/*.ts (specs, tsx) and dist/console/*.js (installed package), so no copy step is needed.
 */
export const DEFAULT_STATIC_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** Serves one file under root; returns false when there is none (path traversal never leaves root). */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse, headOnly = false): Promise<boolean> {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath);
  } catch {
    return false;
  }
  if (rel.endsWith('/')) rel += 'index.html';
  if (rel.includes('\0')) return false;
  const abs = path.resolve(root, '.' + path.posix.normalize('/' + rel));
  const rootAbs = path.resolve(root);
  if (abs !== rootAbs && !abs.startsWith(rootAbs + path.sep)) return false;
  try {
    const st = await stat(abs);
    if (!st.isFile()) return false;
    const body = await readFile(abs);
    res.writeHead(200, {
      'content-type': TYPES[path.extname(abs).toLowerCase()] ?? 'application/octet-stream',
      'content-length': body.length,
      // Small local files: always fresh after an upgrade, and cheap to re-read.
      'cache-control': 'no-cache',
    });
    res.end(headOnly ? undefined : body);
    return true;
  } catch {
    return false;
  }
}
