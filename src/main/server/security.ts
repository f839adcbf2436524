/**
 * Request checks of the browser-mode server: the per-launch token, the Host header (DNS rebinding),
 * the Origin of WebSocket upgrades, and the security headers of responses.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { networkInterfaces } from 'node:os';

/** 32 random bytes, base64url (43 characters). */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Tokens travel in a query string, a cookie and a header: keep them to URL- and cookie-safe characters. */
export const TOKEN_PATTERN = /^[A-Za-z0-9._~-]{16,512}$/;

/** Constant-time comparison: both sides are hashed first so that lengths leak nothing either. */
export function tokenMatches(expected: string, given: string | undefined | null): boolean {
  if (typeof given !== 'string' || given.length === 0 || given.length > 1024) return false;
  const a = createHash('sha256').update(expected, 'utf8').digest();
  const b = createHash('sha256').update(given, 'utf8').digest();
  return timingSafeEqual(a, b);
}

/**
 * The cookie is named per port: browsers do not isolate cookies by port, so two servers on
 * 127.0.0.1 (two projects) must not overwrite each other's token.
 */
export function cookieName(port: number): string {
  return `parsel_token_${port}`;
}

export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function readBearer(req: IncomingMessage): string | undefined {
  const h = req.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : undefined;
}

export function isLoopbackHost(host: string): boolean {
  const h = stripBrackets(host.toLowerCase());
  return h === 'localhost' || h === '::1' || /^127(\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

export function isWildcardHost(host: string): boolean {
  const h = stripBrackets(host);
  return h === '0.0.0.0' || h === '::' || h === '';
}

function stripBrackets(h: string): string {
  return h.startsWith('[') && h.endsWith(']') ? h.slice(1, -1) : h;
}

/** `host` as it appears in a URL authority (IPv6 in brackets). */
export function urlHost(host: string): string {
  const h = stripBrackets(host);
  return h.includes(':') ? `[${h}]` : h;
}

/**
 * Host names (lower case, IPv6 without brackets) a request may address the server by. `localhost` and
 * `127.0.0.1` always; the bound address; for a wildcard bind, every address of this machine.
 */
export function allowedHostnames(boundHost: string): Set<string> {
  const set = new Set<string>(['localhost', '127.0.0.1']);
  const h = stripBrackets(boundHost.toLowerCase());
  if (isWildcardHost(h)) {
    set.add('::1');
    for (const list of Object.values(networkInterfaces())) {
      for (const ni of list ?? []) set.add(ni.address.toLowerCase());
    }
  } else {
    set.add(h);
  }
  return set;
}

/**
 * Checks a `Host` header against the allowed names and the port. A DNS-rebinding page reaches us under
 * its own host name (attacker.example:port), which is refused here.
 */
export function hostAllowed(hostHeader: string | undefined, allowed: Set<string>, port: number): boolean {
  if (typeof hostHeader !== 'string' || hostHeader.length === 0 || hostHeader.length > 300) return false;
  const m = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+)(?::(\d{1,5}))?$/.exec(hostHeader);
  if (!m) return false;
  const name = stripBrackets(m[1].toLowerCase());
  const p = m[2] === undefined ? 80 : Number(m[2]);
  return p === port && allowed.has(name);
}

/** The renderer's Content-Security-Policy; `wsHost` is `host:port` as the browser addressed us. */
export function contentSecurityPolicy(wsHost: string): string {
  return [
    "default-src 'self'",
    "img-src 'self' blob: data:",
    `connect-src 'self' ws://${wsHost}`,
    "style-src 'self' 'unsafe-inline'",
    "script-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

/** For anything that is not the app's HTML (media, errors): nothing may run or be framed. */
export const LOCKED_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'";
