import { createHash } from "node:crypto";

/** What a session cookie resolved to: the signed-in user's id, or null for no valid session. */
export interface ResolvedSession {
  userId: string | null;
  /** when the token itself expires (ms since the epoch), when known */
  expiresAt?: number | null;
}

/**
 * Session cookies recently resolved, by a hash of the cookie's value (the token itself is not
 * kept). Resolving a session token means decrypting it, and Auth.js also re-encrypts a renewed
 * one that a page cannot even set: about 2 ms of a web process per request, 5% of its time under
 * 50 people. A token is self-contained (its content is fixed by its value), so the answer for the
 * same value is the same until the token expires: it is kept for at most `ttlMs`, never past the
 * token's expiry, and only for the `maxEntries` most recently resolved tokens.
 *
 * Only the cookie's decoding is cached: the user it names is still read from the database on
 * every request, so a disabled account or a changed role takes effect on the next request.
 */
export class SessionCache {
  private readonly entries = new Map<string, { userId: string | null; until: number }>();

  constructor(
    private readonly options: { ttlMs: number; maxEntries: number; now?: () => number },
  ) {}

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }

  /** The user id `token` resolves to, calling `resolve` only when it is not known yet. */
  async userId(token: string, resolve: () => Promise<ResolvedSession>): Promise<string | null> {
    const key = createHash("sha256").update(token).digest("base64url");
    const now = this.now();
    const hit = this.entries.get(key);
    if (hit && hit.until > now) return hit.userId;
    const resolved = await resolve();
    const until = Math.min(now + this.options.ttlMs, resolved.expiresAt ?? Infinity);
    this.entries.delete(key);
    if (until > now) {
      this.entries.set(key, { userId: resolved.userId, until });
      while (this.entries.size > this.options.maxEntries) {
        const oldest = this.entries.keys().next().value;
        if (oldest === undefined) break;
        this.entries.delete(oldest);
      }
    }
    return resolved.userId;
  }

  get size(): number {
    return this.entries.size;
  }
}

/** Auth.js's session cookie, whole or in chunks (`.0`, `.1`), with or without `__Secure-`. */
const SESSION_COOKIE = /^(__Secure-)?authjs\.session-token(\.\d+)?$/;
/** What Auth.js takes for its session cookie or one of its chunks: a name with this start. */
const SESSION_PREFIX = /^(__Secure-)?authjs\.session-token/;

/**
 * The session cookies of a request's Cookie header, as one cache key (name and value as sent,
 * in name order); null when it has none; undefined when which token Auth.js would read is not
 * plain from the header alone, so the answer must not be cached: a name sent twice (Auth.js
 * takes the first, other parsers the last), a cookie Auth.js would join as a chunk that is not
 * one of ours, or both the secure and the plain cookie (Auth.js reads one of them by the
 * request's protocol), which is what a cookie planted beside someone's session looks like.
 */
export function sessionCookieKey(header: string | null | undefined): string | null | undefined {
  if (!header) return null;
  const parts: string[] = [];
  const names = new Set<string>();
  let secure = false;
  let plain = false;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    const name = (at < 0 ? pair : pair.slice(0, at)).trim();
    if (!SESSION_PREFIX.test(name)) continue;
    if (!SESSION_COOKIE.test(name) || names.has(name)) return undefined;
    names.add(name);
    if (name.startsWith("__Secure-")) secure = true;
    else plain = true;
    parts.push(`${name}=${at < 0 ? "" : pair.slice(at + 1).trim()}`);
  }
  if (secure && plain) return undefined;
  return parts.length === 0 ? null : parts.sort().join("; ");
}
