import { describe, expect, it } from "vitest";
import { AT_RISK_REMAINING, errorBudget } from "@/lib/domain/slos/budget";

describe("errorBudget", () => {
  it("reports no data for a window without events, never NaN or 100%", () => {
    expect(errorBudget({ good: 0, total: 0, objective: 0.999 })).toEqual({ status: "no_data" });
  });

  it("computes attainment and budget for a hand-worked case", () => {
    // 1,000,000 requests at 99.9%: 1,000 bad allowed; 250 bad spends 25%.
    const r = errorBudget({ good: 999_750, total: 1_000_000, objective: 0.999 });
    if (r.status === "no_data") throw new Error("expected data");
    expect(r.attainment).toBeCloseTo(0.99975, 10);
    expect(r.budgetEvents).toBeCloseTo(1000, 6);
    expect(r.badEvents).toBe(250);
    expect(r.consumed).toBeCloseTo(0.25, 10);
    expect(r.remaining).toBeCloseTo(0.75, 10);
    expect(r.status).toBe("healthy");
  });

  it("is healthy with a perfect window", () => {
    const r = errorBudget({ good: 10, total: 10, objective: 0.99 });
    expect(r).toMatchObject({ status: "healthy", attainment: 1, consumed: 0, remaining: 1 });
  });

  it("is at risk just below the remaining-budget threshold and healthy at it", () => {
    // objective 0.9 over 1000 events: budget 100 bad events.
    const atThreshold = errorBudget({ good: 925, total: 1000, objective: 0.9 });
    expect(atThreshold.status).toBe("healthy");
    if (atThreshold.status !== "no_data") {
      expect(atThreshold.remaining).toBeCloseTo(AT_RISK_REMAINING, 10);
    }
    expect(errorBudget({ good: 924, total: 1000, objective: 0.9 }).status).toBe("at_risk");
  });

  it("is exhausted exactly when the budget is spent, and clamps remaining at zero", () => {
    expect(errorBudget({ good: 900, total: 1000, objective: 0.9 }).status).toBe("exhausted");
    const over = errorBudget({ good: 500, total: 1000, objective: 0.9 });
    expect(over).toMatchObject({ status: "exhausted", remaining: 0 });
    if (over.status !== "no_data") expect(over.consumed).toBeCloseTo(5, 10);
  });

  it("handles a single event", () => {
    expect(errorBudget({ good: 0, total: 1, objective: 0.999 }).status).toBe("exhausted");
    expect(errorBudget({ good: 1, total: 1, objective: 0.999 }).status).toBe("healthy");
  });

  it.each([0, 1, -0.1, 1.5, Number.NaN])("rejects objective %s", (objective) => {
    expect(() => errorBudget({ good: 1, total: 1, objective })).toThrow(RangeError);
  });

  it.each([
    [-1, 10],
    [11, 10],
    [0, -1],
  ])("rejects impossible counts good=%s total=%s", (good, total) => {
    expect(() => errorBudget({ good, total, objective: 0.99 })).toThrow(RangeError);
  });
});

describe("errorBudget at exact boundaries despite floating point", () => {
  it.each([0.9, 0.99, 0.999, 0.9995, 0.9999])(
    "spending exactly the budget at objective %s is exhausted",
    (objective) => {
      const total = 10_000_000;
      const bad = Math.round(total * (1 - objective));
      const r = errorBudget({ good: total - bad, total, objective });
      expect(r.status).toBe("exhausted");
    },
  );

  it.each([0.9, 0.99, 0.999])(
    "one event under the budget at objective %s is not exhausted",
    (objective) => {
      const total = 10_000_000;
      const bad = Math.round(total * (1 - objective)) - 1;
      expect(errorBudget({ good: total - bad, total, objective }).status).toBe("at_risk");
    },
  );
});
