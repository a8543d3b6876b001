import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  budgetGate,
  budgetUnits,
  errorBudget,
  expectedPeriodEvents,
  periodContaining,
  previousPeriod,
  sloHealth,
  type ReviewPeriod,
} from "@/lib/domain/slos/budget";

const DAY = 1440;
const minutesOf = (p: ReviewPeriod) => (p.end.getTime() - p.start.getTime()) / 60_000;
const at = (iso: string) => new Date(iso);

/**
 * The budget of an occurrence SLO over the calendar period holding `now`, as the evaluator
 * computes it: the period so far (`total`, `bad`) and the period before (`previousTotal`).
 */
function calendarBudget(input: {
  unit: "month" | "quarter";
  now: Date;
  total: number;
  bad: number;
  previousTotal: number;
  objective?: number;
}) {
  const period = periodContaining(input.unit, input.now);
  const previous = previousPeriod(period);
  const windowUnits = budgetUnits({
    method: "occurrences",
    windowMinutes: minutesOf(period),
    total: input.total,
    calendar: {
      elapsedMinutes: (input.now.getTime() - period.start.getTime()) / 60_000,
      previousTotal: input.previousTotal,
      previousMinutes: minutesOf(previous),
    },
  });
  return errorBudget({
    good: input.total - input.bad,
    total: input.total,
    objective: input.objective ?? 0.999,
    ...(windowUnits === undefined ? {} : { windowUnits }),
  });
}

describe("the first minutes of a calendar month", () => {
  // November 2026 has 30 days; October had 31 days at 1,000 events a minute.
  const october = 31 * DAY * 1000;

  it("does not read exhausted on a handful of errors in the first minute", () => {
    // 1,000 events in the first minute, 10 of them errors: 10 of a budget of 43,200.
    const b = calendarBudget({
      unit: "month",
      now: at("2026-11-01T00:01:00Z"),
      total: 1000,
      bad: 10,
      previousTotal: october,
    });
    if (b.status === "no_data") throw new Error("data expected");
    // 1,000 so far + 1,000 a minute for the 43,199 minutes left = 43.2 M events
    expect(b.budgetEvents).toBeCloseTo(43_200, 6);
    expect(b.consumed).toBeCloseTo(10 / 43_200, 9);
    expect(b.status).toBe("healthy");
    // Counted on the events so far, the same minute spends ten budgets.
    const soFar = errorBudget({ good: 990, total: 1000, objective: 0.999 });
    expect(soFar).toMatchObject({ status: "exhausted", consumed: 10 });
  });

  it("lets releases through: the budget gate sees no exhausted SLO", () => {
    const b = calendarBudget({
      unit: "month",
      now: at("2026-11-01T00:03:00Z"),
      total: 3000,
      bad: 30,
      previousTotal: october,
    });
    const status = sloHealth(b, null);
    expect(status).toBe("healthy");
    const exhausted = status === "exhausted" ? ["ranker-xl-monthly"] : [];
    const gate = budgetGate({
      policy: "enforce",
      exhausted,
      fix: false,
      admin: false,
      overrideReason: null,
    });
    expect(gate).toEqual({ allowed: true, override: false, warning: null });
  });

  it("still reads exhausted once the month can no longer meet its objective", () => {
    // A total outage for 44 minutes: 44,000 bad, more than the 43,200 the month allows.
    const b = calendarBudget({
      unit: "month",
      now: at("2026-11-01T00:44:00Z"),
      total: 44_000,
      bad: 44_000,
      previousTotal: october,
    });
    expect(b.status).toBe("exhausted");
    // 43 minutes of it are not enough yet
    const before = calendarBudget({
      unit: "month",
      now: at("2026-11-01T00:43:00Z"),
      total: 43_000,
      bad: 43_000,
      previousTotal: october,
    });
    expect(before.status).toBe("at_risk");
  });

  it("has no data without traffic, whatever last month held", () => {
    expect(
      calendarBudget({
        unit: "month",
        now: at("2026-11-01T00:00:30Z"),
        total: 0,
        bad: 0,
        previousTotal: october,
      }),
    ).toEqual({ status: "no_data" });
  });

  it("falls back on this month's pace when the month before has no data (a new SLO)", () => {
    // 10 minutes at 100 a minute: 43,200 minutes at that pace is 4.32 M events.
    const b = calendarBudget({
      unit: "month",
      now: at("2026-11-01T00:10:00Z"),
      total: 1000,
      bad: 100,
      previousTotal: 0,
    });
    if (b.status === "no_data") throw new Error("data expected");
    expect(b.budgetEvents).toBeCloseTo(4320, 6);
    expect(b.consumed).toBeCloseTo(100 / 4320, 9);
    // A 10% error rate is a 100× burn: at that pace it would spend the month's budget in 7.2 h.
    expect(b.status).toBe("healthy");
    // A total outage for a whole day with no history is exhausted (1 day of 30 at 1000×).
    const outage = calendarBudget({
      unit: "month",
      now: at("2026-11-02T00:00:00Z"),
      total: 1440 * 100,
      bad: 1440 * 100,
      previousTotal: 0,
    });
    expect(outage.status).toBe("exhausted");
  });

  it("takes this month's pace when it is higher than last month's (a launch)", () => {
    // October at 10 a minute, November's first hour at 1,000 a minute.
    const b = calendarBudget({
      unit: "month",
      now: at("2026-11-01T01:00:00Z"),
      total: 60_000,
      bad: 60,
      previousTotal: 31 * DAY * 10,
    });
    if (b.status === "no_data") throw new Error("data expected");
    expect(b.budgetEvents).toBeCloseTo(43_200, 6);
  });
});

describe("month and quarter boundaries", () => {
  it("pro-rates the previous month by its length: February after 31-day January", () => {
    // January: 31 days at 1,000 a minute. February 2026's first minute: 28 days ahead.
    const b = calendarBudget({
      unit: "month",
      now: at("2026-02-01T00:01:00Z"),
      total: 1000,
      bad: 1,
      previousTotal: 31 * DAY * 1000,
    });
    if (b.status === "no_data") throw new Error("data expected");
    expect(b.budgetEvents).toBeCloseTo(28 * DAY, 6); // 40,320 of 40.32 M events
  });

  it("pro-rates 28-day February into 31-day March, and a leap February", () => {
    const march = calendarBudget({
      unit: "month",
      now: at("2026-03-01T00:01:00Z"),
      total: 1000,
      bad: 1,
      previousTotal: 28 * DAY * 1000,
    });
    if (march.status === "no_data") throw new Error("data expected");
    expect(march.budgetEvents).toBeCloseTo(31 * DAY, 6);
    const leap = calendarBudget({
      unit: "month",
      now: at("2024-03-01T00:01:00Z"),
      total: 1000,
      bad: 1,
      previousTotal: 29 * DAY * 1000,
    });
    if (leap.status === "no_data") throw new Error("data expected");
    expect(leap.budgetEvents).toBeCloseTo(31 * DAY, 6);
  });

  it("starts a new year's month from December", () => {
    const period = periodContaining("month", at("2027-01-01T00:00:00Z"));
    expect(previousPeriod(period).key).toBe("2026-12");
    const b = calendarBudget({
      unit: "month",
      now: at("2027-01-01T00:01:00Z"),
      total: 500,
      bad: 5,
      previousTotal: 31 * DAY * 500,
    });
    expect(b.status).toBe("healthy");
  });

  it("budgets a quarter's first minute on the quarter before (Q1 of 90 days → Q2 of 91)", () => {
    const b = calendarBudget({
      unit: "quarter",
      now: at("2026-04-01T00:01:00Z"),
      total: 1000,
      bad: 50,
      previousTotal: 90 * DAY * 1000,
    });
    if (b.status === "no_data") throw new Error("data expected");
    expect(b.budgetEvents).toBeCloseTo(91 * DAY, 6);
    expect(b.status).toBe("healthy");
    // The fourth quarter follows the 92-day third.
    const q4 = periodContaining("quarter", at("2026-10-01T00:00:00Z"));
    expect(minutesOf(previousPeriod(q4))).toBe(92 * DAY);
  });

  it("is exactly the period's events at its end, whatever the period before held", () => {
    expect(
      expectedPeriodEvents({
        total: 12_345,
        elapsedMinutes: 30 * DAY,
        periodMinutes: 30 * DAY,
        previousTotal: 1e9,
        previousMinutes: 31 * DAY,
      }),
    ).toBe(12_345);
  });
});

describe("expectedPeriodEvents", () => {
  const base = {
    total: 1000,
    elapsedMinutes: 10,
    periodMinutes: 100,
    previousTotal: 5000,
    previousMinutes: 100,
  };

  it("adds the time left at the higher of the two rates", () => {
    // last period 50 a minute, this one 100: 1,000 + 90 × 100
    expect(expectedPeriodEvents(base)).toBe(10_000);
    // last period 200 a minute: 1,000 + 90 × 200
    expect(expectedPeriodEvents({ ...base, previousTotal: 20_000 })).toBe(19_000);
  });

  it("counts a period whose traffic fell at last period's rate for the time left only", () => {
    // Half-way, 10 a minute against 100 before: 500 + 50 × 100; at the end, 1,000.
    expect(
      expectedPeriodEvents({ ...base, total: 500, elapsedMinutes: 50, previousTotal: 10_000 }),
    ).toBe(5500);
    expect(
      expectedPeriodEvents({ ...base, total: 1000, elapsedMinutes: 100, previousTotal: 10_000 }),
    ).toBe(1000);
  });

  it("treats events before a whole minute has passed as one minute's", () => {
    expect(expectedPeriodEvents({ ...base, elapsedMinutes: 0.5, previousTotal: 0 })).toBe(
      1000 + 99.5 * 1000,
    );
    expect(expectedPeriodEvents({ ...base, elapsedMinutes: 0, previousTotal: 0 })).toBe(
      1000 + 100 * 1000,
    );
  });

  it("clamps the elapsed time into the period", () => {
    expect(expectedPeriodEvents({ ...base, elapsedMinutes: -5 })).toBe(
      expectedPeriodEvents({ ...base, elapsedMinutes: 0 }),
    );
    expect(expectedPeriodEvents({ ...base, elapsedMinutes: 250 })).toBe(1000);
  });

  it("is zero without traffic in either period", () => {
    expect(expectedPeriodEvents({ ...base, total: 0, previousTotal: 0 })).toBe(0);
    expect(expectedPeriodEvents({ ...base, total: 0, previousTotal: 0, previousMinutes: 0 })).toBe(
      0,
    );
  });

  it("is at least the events so far, and exactly them once the period is over", () => {
    const count = fc.integer({ min: 0, max: 1e9 });
    fc.assert(
      fc.property(
        count,
        count,
        fc.integer({ min: 28 * DAY, max: 92 * DAY }),
        fc.integer({ min: 28 * DAY, max: 92 * DAY }),
        fc.double({ min: -10, max: 1.5, noNaN: true }),
        (total, previousTotal, periodMinutes, previousMinutes, share) => {
          const input = {
            total,
            previousTotal,
            periodMinutes,
            previousMinutes,
            elapsedMinutes: share * periodMinutes,
          };
          const expected = expectedPeriodEvents(input);
          expect(expected).toBeGreaterThanOrEqual(total);
          if (share >= 1) expect(expected).toBe(total);
          // never stricter than counting the events so far: consumed can only be smaller
          if (total > 0) {
            const bad = Math.floor(total / 3);
            const counted = errorBudget({ good: total - bad, total, objective: 0.99 });
            const projected = errorBudget({
              good: total - bad,
              total,
              objective: 0.99,
              windowUnits: expected,
            });
            if (counted.status === "no_data" || projected.status === "no_data") {
              throw new Error("data expected");
            }
            expect(projected.consumed).toBeLessThanOrEqual(counted.consumed);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("budgetUnits", () => {
  const calendar = { elapsedMinutes: 60, previousTotal: 31 * DAY * 10, previousMinutes: 31 * DAY };

  it("is every minute of the window for timeslices, rolling or calendar", () => {
    expect(
      budgetUnits({ method: "timeslices", windowMinutes: 30 * DAY, total: 5, calendar: null }),
    ).toBe(30 * DAY);
    expect(budgetUnits({ method: "timeslices", windowMinutes: 30 * DAY, total: 5, calendar })).toBe(
      30 * DAY,
    );
  });

  it("is nothing for occurrences over a rolling window: its events so far are all of them", () => {
    expect(
      budgetUnits({ method: "occurrences", windowMinutes: 7 * DAY, total: 5, calendar: null }),
    ).toBeUndefined();
  });

  it("is the events a calendar period is expected to hold for occurrences", () => {
    expect(
      budgetUnits({ method: "occurrences", windowMinutes: 30 * DAY, total: 600, calendar }),
    ).toBe(expectedPeriodEvents({ total: 600, periodMinutes: 30 * DAY, ...calendar }));
  });
});
