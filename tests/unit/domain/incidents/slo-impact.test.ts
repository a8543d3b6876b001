import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { budgetConsumedDuring, incidentImpactWindow } from "@/lib/domain/incidents/slo-impact";
import { needsPostmortem } from "@/lib/domain/incidents/postmortem";
import { errorBudget } from "@/lib/domain/slos/budget";

describe("budgetConsumedDuring", () => {
  const occurrences = (bad: number, total = 50_000, windowTotal = 1_000_000, objective = 0.999) =>
    budgetConsumedDuring({ during: { good: total - bad, total }, windowTotal, objective });

  it("is the bad events during the incident over the SLO window's budget", () => {
    // budget: 1,000,000 × 0.001 = 1,000 bad events
    expect(occurrences(10)).toBe(0.01);
    expect(occurrences(250)).toBe(0.25);
    expect(occurrences(1_000)).toBe(1);
    expect(occurrences(3_000)).toBe(3);
  });

  it("zero traffic or no bad events consumes nothing, never NaN", () => {
    expect(occurrences(0, 0)).toBe(0);
    expect(occurrences(0, 0, 0)).toBe(0);
    expect(occurrences(0)).toBe(0);
  });

  it("exactly 20% of the budget is exactly 0.2 (no postmortem); one event more is over", () => {
    const at = occurrences(200);
    expect(at).toBe(0.2);
    expect(
      needsPostmortem({ severity: "SEV3", budgetConsumedShares: [{ slo: "s", share: at }] }),
    ).toMatchObject({ required: false });
    const over = occurrences(201);
    expect(over).toBe(0.201);
    expect(
      needsPostmortem({ severity: "SEV3", budgetConsumedShares: [{ slo: "s", share: over }] }),
    ).toMatchObject({ required: true });
  });

  it("agrees with the SLO page's budget for the same window", () => {
    const window = errorBudget({ good: 999_400, total: 1_000_000, objective: 0.999 });
    if (window.status === "no_data") throw new Error("unexpected");
    // an incident that held every bad event of the window consumed what the SLO page shows
    expect(occurrences(600)).toBe(window.consumed);
  });

  it("timeslices: bad minutes over the whole window's minutes × (1 − objective)", () => {
    // a 30-day window holds 43,200 minutes: 432 bad minutes at 99%; 12,000 minutes seen so far
    const share = budgetConsumedDuring({
      during: { good: 30, total: 90 },
      windowTotal: 12_000,
      windowUnits: 43_200,
      objective: 0.99,
    });
    expect(share).toBeCloseTo(60 / 432, 9);
  });

  it("a window total below the incident's (inconsistent counts) sizes the budget by the incident", () => {
    expect(occurrences(5, 10_000, 0)).toBe(0.5);
    expect(occurrences(5, 10_000, 5_000)).toBe(0.5);
  });

  it("refuses impossible counts and objectives", () => {
    expect(() => occurrences(-1)).toThrow(RangeError);
    expect(() => occurrences(20, 10)).toThrow(RangeError);
    expect(() => occurrences(1, 100, Number.NaN)).toThrow(RangeError);
    expect(() => occurrences(1, 100, -1)).toThrow(RangeError);
    expect(() => occurrences(1, 100, 1_000, 1)).toThrow(RangeError);
    expect(() => occurrences(1, 100, 1_000, 0)).toThrow(RangeError);
  });

  it("property: finite, zero without bad events, and growing with bad events", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.constantFrom(0.9, 0.99, 0.995, 0.999, 0.9999),
        (a, b, windowTotal, objective) => {
          const total = Math.max(a, b);
          const bad = Math.min(a, b);
          const share = occurrences(bad, total, windowTotal, objective);
          expect(Number.isFinite(share)).toBe(true);
          expect(share >= 0).toBe(true);
          if (bad === 0) expect(share).toBe(0);
          if (bad > 0)
            expect(occurrences(bad - 1, total, windowTotal, objective)).toBeLessThan(share);
          const budget = Math.max(total, windowTotal) * (1 - objective);
          if (total > 0) expect(share).toBeCloseTo(bad / budget, 6);
        },
      ),
    );
  });
});

describe("incidentImpactWindow", () => {
  const detectedAt = new Date("2026-11-29T10:00:00Z");
  const now = new Date("2026-11-29T12:00:00Z");
  const base = { detectedAt, resolvedAt: null, closedAt: null };

  it("runs from detection to resolution, cancellation, or now while open", () => {
    const resolvedAt = new Date("2026-11-29T11:00:00Z");
    expect(
      incidentImpactWindow({ ...base, status: "closed", resolvedAt, closedAt: now }, now),
    ).toEqual({ start: detectedAt, end: resolvedAt });
    const closedAt = new Date("2026-11-29T10:20:00Z");
    expect(incidentImpactWindow({ ...base, status: "cancelled", closedAt }, now)).toEqual({
      start: detectedAt,
      end: closedAt,
    });
    expect(incidentImpactWindow({ ...base, status: "investigating" }, now)).toEqual({
      start: detectedAt,
      end: now,
    });
  });

  it("never ends before it starts, even with a clock behind detection", () => {
    const early = new Date("2026-11-29T09:59:00Z");
    expect(incidentImpactWindow({ ...base, status: "triage" }, early)).toEqual({
      start: detectedAt,
      end: detectedAt,
    });
  });
});
