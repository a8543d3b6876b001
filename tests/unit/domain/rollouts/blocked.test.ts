import { describe, expect, it } from "vitest";
import fc from "fast-check";
import {
  FIRST_RETRY_MS,
  MAX_RETRY_MS,
  blockedAlertDue,
  describeMetricsOutagePolicy,
  metricsOutageDecision,
  metricsOutagePolicyOf,
  metricsOutagePolicySchema,
  retryDelayMs,
} from "@/lib/domain/rollouts/blocked";
import { VERSION_NAME } from "@/lib/domain/models/registry";

const at = (minutes: number) => new Date(Date.UTC(2026, 11, 4, 12, 0) + minutes * 60_000);

describe("retryDelayMs", () => {
  it("doubles from 10 s up to 5 minutes", () => {
    expect([1, 2, 3, 4, 5, 6, 7, 100].map(retryDelayMs)).toEqual([
      10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000,
    ]);
  });

  it("treats zero, negative and fractional counts as the first attempt", () => {
    expect(retryDelayMs(0)).toBe(FIRST_RETRY_MS);
    expect(retryDelayMs(-3)).toBe(FIRST_RETRY_MS);
    expect(retryDelayMs(1.9)).toBe(FIRST_RETRY_MS);
  });

  it("never shrinks and never exceeds the cap", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 10_000 }), (n) => {
        expect(retryDelayMs(n + 1)).toBeGreaterThanOrEqual(retryDelayMs(n));
        expect(retryDelayMs(n)).toBeLessThanOrEqual(MAX_RETRY_MS);
      }),
    );
  });
});

describe("blockedAlertDue", () => {
  const due = (since: Date | null, alertedAt: Date | null, now: Date) =>
    blockedAlertDue({ since, alertedAt, alertMinutes: 15, now });

  it("fires exactly at the configured time, not a millisecond before", () => {
    expect(due(at(0), null, new Date(at(15).getTime() - 1))).toBe(false);
    expect(due(at(0), null, at(15))).toBe(true);
  });

  it("fires once per block, and never for a rollout that is not blocked", () => {
    expect(due(at(0), at(15), at(60))).toBe(false);
    expect(due(null, null, at(60))).toBe(false);
  });
});

describe("the metrics-outage policy", () => {
  it("holds by default, for a missing or unreadable stored policy", () => {
    expect(metricsOutagePolicyOf(null)).toEqual({ action: "hold" });
    expect(metricsOutagePolicyOf({ action: "return_to_stable" })).toEqual({ action: "hold" });
    expect(metricsOutagePolicyOf("hold")).toEqual({ action: "hold" });
  });

  it("holds for ever under hold", () => {
    expect(
      metricsOutageDecision({ policy: { action: "hold" }, since: at(0), now: at(100_000) }),
    ).toBe("hold");
  });

  it("returns to stable once the outage lasted the plan's minutes, at the boundary", () => {
    const policy = { action: "return_to_stable" as const, afterMinutes: 10 };
    expect(metricsOutageDecision({ policy, since: at(0), now: at(9.99) })).toBe("hold");
    expect(metricsOutageDecision({ policy, since: at(0), now: at(10) })).toBe("return_to_stable");
  });

  it("refuses a policy without sensible minutes, naming the rule", () => {
    for (const afterMinutes of [0, -1, 1.5, 1441]) {
      const r = metricsOutagePolicySchema.safeParse({ action: "return_to_stable", afterMinutes });
      expect(r.success).toBe(false);
      expect(r.error?.issues[0]?.path).toEqual(["afterMinutes"]);
    }
  });

  it("says what it does in words", () => {
    expect(describeMetricsOutagePolicy({ action: "hold" })).toMatch(/hold the canary/);
    expect(describeMetricsOutagePolicy({ action: "return_to_stable", afterMinutes: 5 })).toMatch(
      /for 5 min, return all traffic to the stable version/,
    );
  });
});

describe("VERSION_NAME", () => {
  it("accepts what a Kubernetes label value accepts", () => {
    for (const v of ["1", "1.4.0", "1.4.0-cu121", "v2_rc.1", "a".repeat(63)])
      expect(VERSION_NAME.test(v), v).toBe(true);
  });

  it("refuses build metadata with a plus, and anything a label value refuses", () => {
    for (const v of ["", "1.4.0+cu121", "a".repeat(64), "-1", "1.", "1 0", "1/0", "ü"])
      expect(VERSION_NAME.test(v), v).toBe(false);
  });
});
