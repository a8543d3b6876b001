import { describe, expect, it } from "vitest";
import { SessionCache, sessionCookieKey, type ResolvedSession } from "@/lib/session-cache";

function setup(options: { ttlMs?: number; maxEntries?: number } = {}) {
  let now = 1_000_000;
  const cache = new SessionCache({
    ttlMs: options.ttlMs ?? 30_000,
    maxEntries: options.maxEntries ?? 100,
    now: () => now,
  });
  const calls: string[] = [];
  const resolver = (token: string, answer: ResolvedSession) => () => {
    calls.push(token);
    return Promise.resolve(answer);
  };
  return {
    cache,
    calls,
    resolver,
    advance: (ms: number) => {
      now += ms;
    },
    now: () => now,
  };
}

describe("session cache", () => {
  it("decodes a token once, and again after its time to live", async () => {
    const { cache, calls, resolver, advance } = setup();
    const alice = resolver("a", { userId: "alice" });
    expect(await cache.userId("token-a", alice)).toBe("alice");
    advance(29_999);
    expect(await cache.userId("token-a", alice)).toBe("alice");
    expect(calls).toEqual(["a"]);
    advance(1);
    expect(await cache.userId("token-a", alice)).toBe("alice");
    expect(calls).toEqual(["a", "a"]);
  });

  it("never keeps a token past its own expiry", async () => {
    const { cache, calls, resolver, advance, now } = setup();
    const expiring = resolver("e", { userId: "eve", expiresAt: now() + 5_000 });
    await cache.userId("token-e", expiring);
    advance(4_999);
    await cache.userId("token-e", expiring);
    expect(calls).toEqual(["e"]);
    advance(1);
    // expired: Auth.js is asked again (and says no session)
    expect(await cache.userId("token-e", resolver("e2", { userId: null }))).toBeNull();
    expect(calls).toEqual(["e", "e2"]);
  });

  it("does not keep a token that has already expired", async () => {
    const { cache, calls, resolver, now } = setup();
    const expired = resolver("x", { userId: "xavier", expiresAt: now() - 1 });
    await cache.userId("token-x", expired);
    await cache.userId("token-x", expired);
    expect(calls).toEqual(["x", "x"]);
    expect(cache.size).toBe(0);
  });

  it("keeps each token's own answer, an invalid token's too", async () => {
    const { cache, calls, resolver } = setup();
    expect(await cache.userId("token-a", resolver("a", { userId: "alice" }))).toBe("alice");
    expect(await cache.userId("token-b", resolver("b", { userId: "bob" }))).toBe("bob");
    expect(await cache.userId("forged", resolver("f", { userId: null }))).toBeNull();
    expect(await cache.userId("forged", resolver("f", { userId: "never" }))).toBeNull();
    expect(await cache.userId("token-a", resolver("a", { userId: "never" }))).toBe("alice");
    expect(calls).toEqual(["a", "b", "f"]);
  });

  it("keeps only the most recently decoded tokens", async () => {
    const { cache, calls, resolver } = setup({ maxEntries: 2 });
    await cache.userId("t1", resolver("1", { userId: "u1" }));
    await cache.userId("t2", resolver("2", { userId: "u2" }));
    await cache.userId("t3", resolver("3", { userId: "u3" }));
    expect(cache.size).toBe(2);
    await cache.userId("t1", resolver("1", { userId: "u1" }));
    expect(calls).toEqual(["1", "2", "3", "1"]);
  });

  it("does not keep a failed decoding", async () => {
    const { cache, calls, resolver } = setup();
    await expect(cache.userId("t", () => Promise.reject(new Error("boom")))).rejects.toThrow(
      "boom",
    );
    expect(await cache.userId("t", resolver("t", { userId: "u" }))).toBe("u");
    expect(calls).toEqual(["t"]);
  });
});

describe("session cookie key", () => {
  it("is Auth.js's session cookie, whole, secure or in chunks, in name order", () => {
    expect(sessionCookieKey("authjs.session-token=abc")).toBe("authjs.session-token=abc");
    expect(sessionCookieKey("theme=dark; __Secure-authjs.session-token=s")).toBe(
      "__Secure-authjs.session-token=s",
    );
    expect(
      sessionCookieKey("authjs.session-token.1=second; theme=dark; authjs.session-token.0=first=="),
    ).toBe("authjs.session-token.0=first==; authjs.session-token.1=second");
  });

  it("is null without a session cookie, whatever else the request carries", () => {
    expect(sessionCookieKey(null)).toBeNull();
    expect(sessionCookieKey("")).toBeNull();
    expect(
      sessionCookieKey(
        "authjs.csrf-token=x; authjs.callback-url=/; my-authjs.session-token=y; theme",
      ),
    ).toBeNull();
  });

  it("is undefined (never cached) when which token Auth.js reads is not plain", () => {
    // a name sent twice: parsers disagree on which one counts
    expect(
      sessionCookieKey("authjs.session-token=mine; authjs.session-token=planted"),
    ).toBeUndefined();
    // a cookie Auth.js would join as a chunk of its session cookie
    expect(
      sessionCookieKey("authjs.session-token=mine; authjs.session-token-x=planted"),
    ).toBeUndefined();
    // both the secure and the plain cookie: Auth.js reads one by the request's protocol
    expect(
      sessionCookieKey("__Secure-authjs.session-token=mine; authjs.session-token=planted"),
    ).toBeUndefined();
  });
});
