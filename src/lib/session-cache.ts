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

/**
 * The session cookies of a request, as one key (name and value, in name order), or null when
 * it has none.
 */
export function sessionCookieKey(
  cookies: readonly { name: string; value: string }[],
): string | null {
  const parts = cookies
    .filter((c) => SESSION_COOKIE.test(c.name))
    .map((c) => `${c.name}=${c.value}`)
    .sort();
  return parts.length === 0 ? null : parts.join("; ");
}
