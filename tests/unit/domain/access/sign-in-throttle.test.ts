import { describe, expect, it } from "vitest";
import {
  SIGN_IN_LIMITS as L,
  signInThrottle,
  type SignInFailureCounts,
} from "@/lib/domain/access/sign-in-throttle";

const now = new Date("2026-12-01T12:00:00Z");
const counts = (c: Partial<SignInFailureCounts> = {}): SignInFailureCounts => ({
  accountAddress: 0,
  account: 0,
  address: 0,
  oldestAccountAddress: null,
  oldestAddress: null,
  ...c,
});
const none = { accountAddress: 0, address: 0 };
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);

describe("signInThrottle", () => {
  it("lets a clean attempt through", () => {
    expect(signInThrottle(counts(), none, now)).toEqual({ throttled: false });
  });

  it("throttles an account from one address at the limit, not one below", () => {
    const below = counts({ accountAddress: L.perAccountAddress - 1, account: 4 });
    expect(signInThrottle(below, none, now).throttled).toBe(false);
    const at = counts({
      accountAddress: L.perAccountAddress,
      account: L.perAccountAddress,
      oldestAccountAddress: minutesAgo(14),
    });
    expect(signInThrottle(at, none, now)).toEqual({
      throttled: true,
      scope: "account_address",
      message:
        "Too many failed sign-ins for this account from your network address. Try again in 1 minute.",
    });
  });

  it("counts attempts in flight with the failures", () => {
    const c = counts({ accountAddress: L.perAccountAddress - 2 });
    expect(signInThrottle(c, { accountAddress: 1, address: 1 }, now).throttled).toBe(false);
    expect(signInThrottle(c, { accountAddress: 2, address: 2 }, now)).toMatchObject({
      throttled: true,
      scope: "account_address",
    });
  });

  it("throttles an address at its limit whatever the account", () => {
    const c = counts({ address: L.perAddress, oldestAddress: minutesAgo(5) });
    expect(signInThrottle(c, none, now)).toMatchObject({
      throttled: true,
      scope: "address",
      message: "Too many failed sign-ins from your network address. Try again in 10 minutes.",
    });
    expect(signInThrottle(counts({ address: L.perAddress - 1 }), none, now).throttled).toBe(false);
  });

  it("past the account ceiling refuses addresses that failed, never a clean one", () => {
    const clean = counts({ account: L.perAccount * 3 });
    expect(signInThrottle(clean, none, now).throttled).toBe(false);
    const failedOnce = counts({ account: L.perAccount, accountAddress: 1 });
    expect(signInThrottle(failedOnce, none, now)).toMatchObject({ scope: "account" });
    // A clean address with one attempt already being checked waits for its outcome.
    expect(signInThrottle(clean, { accountAddress: 1, address: 1 }, now)).toMatchObject({
      scope: "account",
    });
    expect(
      signInThrottle(counts({ account: L.perAccount - 1, accountAddress: 1 }), none, now),
    ).toEqual({ throttled: false });
  });

  it("says the full window when it cannot tell, and never less than a minute", () => {
    const c = counts({ accountAddress: L.perAccountAddress });
    expect(signInThrottle(c, none, now)).toMatchObject({
      message: expect.stringContaining(`${L.windowMinutes} minutes`),
    });
    const edge = counts({ accountAddress: 9, oldestAccountAddress: minutesAgo(L.windowMinutes) });
    expect(signInThrottle(edge, none, now)).toMatchObject({
      message: expect.stringContaining("Try again in 1 minute."),
    });
  });
});
