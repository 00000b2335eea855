/**
 * Who may call the console's API. Host and Origin checks (security.ts) stop other web sites; they do not
 * stop another local process or user, which could read and overwrite files through the API. So each start
 * makes a random token, prints it in the URL, and the page's first load turns it into an HttpOnly,
 * SameSite=Strict cookie that every API call must carry (scripts may send it as a header instead).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const TOKEN_COOKIE = 'lark_im_console';
/** For scripts and tools that call the API without a browser. */
export const TOKEN_HEADER = 'x-console-token';

/** 24 random bytes: not guessable, short enough for a URL. The random source is injectable for specs. */
export function newToken(random: (bytes: number) => Buffer = randomBytes): string {
  return random(24).toString('base64url');
}

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The request carries this start's token (cookie or header). */
export function hasToken(req: IncomingMessage, token: string): boolean {
  const header = req.headers[TOKEN_HEADER];
  return sameToken(cookieValue(req.headers.cookie, TOKEN_COOKIE), token) || sameToken(typeof header === 'string' ? header : undefined, token);
}

/** The URL's ?token= equals this start's token: the page is being opened from the printed URL. */
export function urlHasToken(url: URL, token: string): boolean {
  return sameToken(url.searchParams.get('token') ?? undefined, token);
}

export function tokenCookie(token: string): string {
  return `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
}
