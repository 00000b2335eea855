/**
 * Matches a request to a route of the table. Paths are literal segments or `:name` parameters
 * (`/open-apis/im/v1/messages/:message_id`); a literal segment wins over a parameter. A path no route
 * matches is "not found"; a path some route matches under another method is "wrong method", with the
 * methods it does take (the Allow header), so both answers follow from the table alone.
 */
export interface RoutePattern {
  method: string;
  path: string;
}

export type RouteMatch<R extends RoutePattern> =
  | { kind: 'found'; route: R; params: Record<string, string> }
  | { kind: 'wrong-method'; allow: string[] }
  | { kind: 'not-found' };

interface Compiled<R> {
  route: R;
  segments: string[];
  /** Literal segments: the more, the more specific the route. */
  literals: number;
}

export class RouteTable<R extends RoutePattern> {
  private readonly compiled: Compiled<R>[];

  constructor(routes: readonly R[]) {
    const seen = new Set<string>();
    this.compiled = routes.map((route) => {
      const segments = split(route.path);
      const key = `${route.method} ${segments.map((s) => (s.startsWith(':') ? ':' : s)).join('/')}`;
      if (seen.has(key)) throw new Error(`route ${route.method} ${route.path} is in the table twice`);
      seen.add(key);
      return { route, segments, literals: segments.filter((s) => !s.startsWith(':')).length };
    });
    // Most specific first, so the first match for a method is the one to take.
    this.compiled.sort((a, b) => b.literals - a.literals);
  }

  /** `path` is the URL's pathname; trailing slashes are ignored. */
  match(method: string, path: string): RouteMatch<R> {
    const segments = split(path);
    const allow = new Set<string>();
    for (const c of this.compiled) {
      const params = paramsOf(c.segments, segments);
      if (!params) continue;
      if (c.route.method === method) return { kind: 'found', route: c.route, params };
      allow.add(c.route.method);
    }
    return allow.size > 0 ? { kind: 'wrong-method', allow: [...allow].sort() } : { kind: 'not-found' };
  }
}

function split(path: string): string[] {
  return path.replace(/\/+$/, '').split('/').slice(1);
}

function paramsOf(pattern: string[], segments: string[]): Record<string, string> | undefined {
  if (pattern.length !== segments.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const s = segments[i]!;
    if (!p.startsWith(':')) {
      if (p !== s) return undefined;
    } else {
      if (s === '') return undefined;
      params[p.slice(1)] = decoded(s);
    }
  }
  return params;
}

/** A malformed escape stays as it came (the handler then finds no such id). */
function decoded(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
