import { sloSpecSchema } from "@/lib/domain/slos/spec";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import {
  AT_RISK_REMAINING,
  budgetGate,
  burnRate,
  errorBudget,
  firingSeverity,
  judgeAlerts,
  parsePeriod,
  periodContaining,
  previousPeriod,
  sloHealth,
  timeToExhaustion,
  windowStart,
  type AlertJudgement,
  type BudgetGateInput,
  type BudgetResult,
  type ReviewPeriod,
} from "@/lib/domain/slos/budget";
import { effectiveAlerts, windowMinutes } from "@/lib/domain/slos/alerts";
import { DEFAULT_ALERT_WINDOWS, type AlertWindow, type SloWindow } from "@/lib/domain/slos/spec";

const DAY = 1440;
const MONTH_30 = 30 * DAY; // 43,200 minutes
const HOUR_MS = 3_600_000;
const at = (iso: string) => new Date(iso);
const [fast, slow, drain] = DEFAULT_ALERT_WINDOWS as [AlertWindow, AlertWindow, AlertWindow];

// ---------------------------------------------------------------------------------------------
// burnRate
// ---------------------------------------------------------------------------------------------

describe("burnRate", () => {
  it.each([
    [0, 0],
    [5, 0], // good > total with no traffic is still no traffic
    [0, -1],
    [-3, -3],
  ])("is null without traffic (good=%s total=%s), never NaN, Infinity or 0", (good, total) => {
    expect(burnRate(good, total, 0.999)).toBeNull();
  });

  it.each([0.5, 0.9, 0.99, 0.999, 0.9999])(
    "is exactly 0 when every event is good (objective %s)",
    (objective) => {
      expect(Object.is(burnRate(1000, 1000, objective), 0)).toBe(true);
      expect(Object.is(burnRate(1, 1, objective), 0)).toBe(true);
    },
  );

  it("is exactly 1 when the error rate equals the budget rate (binary-exact objectives)", () => {
    // 1 bad of 2 at 50%: 0.5 / 0.5 = 1; 1 of 4 at 75%: 0.25 / 0.25; 1 of 8 at 87.5%.
    expect(burnRate(1, 2, 0.5)).toBe(1);
    expect(burnRate(3, 4, 0.75)).toBe(1);
    expect(burnRate(7, 8, 0.875)).toBe(1);
    expect(burnRate(7_000, 8_000, 0.875)).toBe(1);
  });

  it.each([
    [999, 1000, 0.999],
    [99, 100, 0.99],
    [9, 10, 0.9],
    [9_999, 10_000, 0.9999],
  ])("is 1 (to 12 digits) when spending exactly the budget: %s/%s at %s", (g, t, o) => {
    expect(burnRate(g, t, o)).toBeCloseTo(1, 12);
  });

  it("gives 20 for 2% errors at 99.9%", () => {
    // 20 bad of 1000 → 0.02 error rate; budget rate 0.001 → 0.02 / 0.001 = 20.
    expect(burnRate(980, 1000, 0.999)).toBeCloseTo(20, 12);
  });

  it("gives the fast-burn 14.4 for 1.44% errors at 99.9%", () => {
    // 144 bad of 10,000 → 0.0144 / 0.001 = 14.4
    expect(burnRate(9_856, 10_000, 0.999)).toBeCloseTo(14.4, 12);
  });

  it("gives 6 for 6% errors at 99% and 0.5 for 0.05% at 99.9%", () => {
    expect(burnRate(94, 100, 0.99)).toBeCloseTo(6, 12); // 0.06 / 0.01
    expect(burnRate(19_990, 20_000, 0.999)).toBeCloseTo(0.5, 12); // 10/20000 = 0.0005 / 0.001
  });

  it("gives 1/(1 − objective) when every event is bad", () => {
    expect(burnRate(0, 1, 0.5)).toBe(2);
    expect(burnRate(0, 4, 0.75)).toBe(4);
    expect(burnRate(0, 1000, 0.999)).toBeCloseTo(1000, 9);
    expect(burnRate(0, 1000, 0.9)).toBeCloseTo(10, 12);
  });

  it("depends on the ratio only, not on the volume", () => {
    // 1 bad in 1,000 vs 1,000,000 bad in 1,000,000,000 at 99%: 0.001 / 0.01 = 0.1
    expect(burnRate(999, 1000, 0.99)).toBeCloseTo(0.1, 12);
    expect(burnRate(999_000_000, 1_000_000_000, 0.99)).toBeCloseTo(0.1, 12);
  });

  it("clamps good > total to no bad events (0), never negative", () => {
    expect(Object.is(burnRate(1200, 1000, 0.999), 0)).toBe(true);
    expect(Object.is(burnRate(2, 1, 0.5), 0)).toBe(true);
  });

  it.each([1, 1.5, 2, Number.POSITIVE_INFINITY])(
    "is null for objective %s (no error budget to burn)",
    (objective) => {
      expect(burnRate(90, 100, objective)).toBeNull();
      expect(burnRate(100, 100, objective)).toBeNull();
    },
  );

  it("has no burn rate for an objective outside (0, 1) or non-finite counts", () => {
    expect(burnRate(3, 4, 0)).toBeNull();
    expect(burnRate(3, 4, -1)).toBeNull();
    expect(burnRate(3, 4, Number.NaN)).toBeNull();
    expect(burnRate(Number.NaN, 4, 0.99)).toBeNull();
    expect(burnRate(3, Number.POSITIVE_INFINITY, 0.99)).toBeNull();
  });

  it("puts a burn exactly at an alert threshold on it, not a hair above (so it does not fire)", () => {
    expect(burnRate(9_999, 10_000, 0.9999)).toBe(1);
    expect(burnRate(400, 1_000, 0.9)).toBe(6);
    expect(burnRate(999, 1_000, 0.999)).toBe(1);
    expect(burnRate(980, 1_000, 0.999)).toBe(20);
  });

  it("stays finite at the largest objective below 1", () => {
    const objective = 1 - Number.EPSILON / 2; // 0.9999999999999999
    expect(objective).toBeLessThan(1);
    const r = burnRate(999, 1000, objective);
    expect(r).not.toBeNull();
    expect(Number.isFinite(r)).toBe(true);
    expect(r!).toBeGreaterThan(1e12);
  });

  it("is finite and non-negative for any traffic and objective in (0, 1), null without traffic", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -5, max: 2_000_000 }),
        fc.integer({ min: 0, max: 2_000_000 }),
        fc.double({ min: 0.5, max: 0.99999, noNaN: true }),
        (good, total, objective) => {
          const r = burnRate(good, total, objective);
          if (total === 0) {
            expect(r).toBeNull();
            return;
          }
          expect(r).not.toBeNull();
          expect(Number.isFinite(r)).toBe(true);
          expect(r!).toBeGreaterThanOrEqual(0);
          // Times the budget rate it is the error rate (with good clamped to total).
          const bad = Math.max(0, total - good);
          expect(r! * (1 - objective)).toBeCloseTo(bad / total, 9);
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// windowStart
// ---------------------------------------------------------------------------------------------

const rolling = (days: number): SloWindow => ({ kind: "rolling", days });
const month: SloWindow = { kind: "calendar", unit: "month" };
const quarter: SloWindow = { kind: "calendar", unit: "quarter" };

describe("windowStart: rolling windows", () => {
  it("goes back 30 days and rounds down to the hour", () => {
    // 2026-11-29T07:42:10Z − 30 d = 2026-10-30T07:42:10Z → 07:00
    expect(windowStart(rolling(30), at("2026-11-29T07:42:10Z"))).toEqual(
      at("2026-10-30T07:00:00.000Z"),
    );
  });

  it("keeps a time exactly on the hour, and rounds a millisecond either side", () => {
    expect(windowStart(rolling(30), at("2026-11-29T07:00:00.000Z"))).toEqual(
      at("2026-10-30T07:00:00.000Z"),
    );
    expect(windowStart(rolling(30), at("2026-11-29T07:00:00.001Z"))).toEqual(
      at("2026-10-30T07:00:00.000Z"),
    );
    expect(windowStart(rolling(30), at("2026-11-29T06:59:59.999Z"))).toEqual(
      at("2026-10-30T06:00:00.000Z"),
    );
  });

  it("goes back 7 days across a month end", () => {
    // 2026-03-05 − 7 d = 2026-02-26 (February 2026 has 28 days)
    expect(windowStart(rolling(7), at("2026-03-05T00:30:00Z"))).toEqual(
      at("2026-02-26T00:00:00.000Z"),
    );
  });

  it("goes back 28 days: one February in a common year, one day short in a leap year", () => {
    expect(windowStart(rolling(28), at("2026-03-01T12:15:00Z"))).toEqual(
      at("2026-02-01T12:00:00.000Z"),
    );
    // February 2024 has 29 days: 2024-03-01 − 28 d = 2024-02-02
    expect(windowStart(rolling(28), at("2024-03-01T12:15:00Z"))).toEqual(
      at("2024-02-02T12:00:00.000Z"),
    );
  });

  it("crosses a year boundary", () => {
    // 2026-01-15 − 30 d = 2025-12-16
    expect(windowStart(rolling(30), at("2026-01-15T23:59:59Z"))).toEqual(
      at("2025-12-16T23:00:00.000Z"),
    );
  });

  it("crosses 29 February in a leap year", () => {
    // 2024-03-10 − 30 d: March gives back 9 days to 2024-03-01, then 21 more from 29 Feb → 2024-02-09
    expect(windowStart(rolling(30), at("2024-03-10T10:10:10Z"))).toEqual(
      at("2024-02-09T10:00:00.000Z"),
    );
  });

  it("starts on the hour, within an hour before now − days", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 90 }),
        fc.date({
          min: at("2000-01-01T00:00:00Z"),
          max: at("2100-01-01T00:00:00Z"),
          noInvalidDate: true,
        }),
        (days, now) => {
          const start = windowStart(rolling(days), now).getTime();
          const exact = now.getTime() - days * 24 * HOUR_MS;
          expect(start % HOUR_MS).toBe(0);
          expect(start).toBeLessThanOrEqual(exact);
          expect(exact - start).toBeLessThan(HOUR_MS);
        },
      ),
    );
  });
});

describe("windowStart: calendar windows", () => {
  it.each([
    ["2026-11-29T07:42:10Z", "2026-11-01"],
    ["2026-11-01T00:00:00.000Z", "2026-11-01"], // exactly midnight on the 1st
    ["2026-10-31T23:59:59.999Z", "2026-10-01"],
    ["2026-12-31T23:59:59.999Z", "2026-12-01"], // December
    ["2027-01-01T00:00:00.000Z", "2027-01-01"], // January, the instant it begins
    ["2027-01-15T08:00:00Z", "2027-01-01"],
    ["2024-02-29T23:59:59.999Z", "2024-02-01"], // leap-year February
    ["2026-02-28T12:00:00Z", "2026-02-01"],
    ["2026-01-31T23:30:00Z", "2026-01-01"], // already February east of UTC
  ])("a month window at %s starts on %s", (now, first) => {
    expect(windowStart(month, at(now))).toEqual(at(`${first}T00:00:00.000Z`));
  });

  it.each([
    ["2026-01-01T00:00:00.000Z", "2026-01-01"], // Q1
    ["2026-02-14T12:00:00Z", "2026-01-01"],
    ["2026-03-31T23:59:59Z", "2026-01-01"],
    ["2026-04-01T00:00:00.000Z", "2026-04-01"], // Q2
    ["2026-06-30T23:59:59.999Z", "2026-04-01"],
    ["2026-07-01T00:00:00.000Z", "2026-07-01"], // Q3
    ["2026-09-15T09:09:09Z", "2026-07-01"],
    ["2026-10-01T00:00:00.000Z", "2026-10-01"], // Q4
    ["2026-11-29T07:42:10Z", "2026-10-01"],
    ["2026-12-31T23:59:59.999Z", "2026-10-01"],
    ["2024-02-29T12:00:00Z", "2024-01-01"], // leap-year February
  ])("a quarter window at %s starts on %s", (now, first) => {
    expect(windowStart(quarter, at(now))).toEqual(at(`${first}T00:00:00.000Z`));
  });

  it("starts at UTC midnight on the first of the month or quarter that contains now", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(month, quarter),
        fc.date({
          min: at("1970-01-01T00:00:00Z"),
          max: at("2200-01-01T00:00:00Z"),
          noInvalidDate: true,
        }),
        (window, now) => {
          const start = windowStart(window, now);
          expect(start.getUTCDate()).toBe(1);
          expect(start.getTime() % (24 * HOUR_MS)).toBe(0);
          if (window.kind === "calendar" && window.unit === "quarter") {
            expect(start.getUTCMonth() % 3).toBe(0);
          }
          expect(start.getTime()).toBeLessThanOrEqual(now.getTime());
          // now lies within the period that starts there
          expect(now.getTime() - start.getTime()).toBeLessThan(windowMinutes(window, now) * 60_000);
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Review periods
// ---------------------------------------------------------------------------------------------

const utc = (ymd: string) => at(`${ymd}T00:00:00.000Z`);

describe("parsePeriod", () => {
  it("parses a month", () => {
    expect(parsePeriod("2026-10")).toEqual({
      key: "2026-10",
      label: "October 2026",
      unit: "month",
      start: utc("2026-10-01"),
      end: utc("2026-11-01"),
    });
  });

  it.each([
    ["2026-01", "January 2026", "2026-01-01", "2026-02-01"],
    ["2026-02", "February 2026", "2026-02-01", "2026-03-01"],
    ["2024-02", "February 2024", "2024-02-01", "2024-03-01"],
    ["2026-09", "September 2026", "2026-09-01", "2026-10-01"],
    ["2026-12", "December 2026", "2026-12-01", "2027-01-01"],
  ])("parses %s as %s", (key, label, start, end) => {
    expect(parsePeriod(key)).toEqual({
      key,
      label,
      unit: "month",
      start: utc(start),
      end: utc(end),
    });
  });

  it("makes February 28 days in a common year and 29 in a leap year", () => {
    const span = (key: string) => {
      const p = parsePeriod(key)!;
      return (p.end.getTime() - p.start.getTime()) / (24 * HOUR_MS);
    };
    expect(span("2026-02")).toBe(28);
    expect(span("2024-02")).toBe(29);
    expect(span("2000-02")).toBe(29);
    expect(span("2100-02")).toBe(28);
  });

  it("parses a quarter", () => {
    expect(parsePeriod("2026-Q3")).toEqual({
      key: "2026-Q3",
      label: "Q3 2026",
      unit: "quarter",
      start: utc("2026-07-01"),
      end: utc("2026-10-01"),
    });
  });

  it.each([
    ["2026-Q1", "Q1 2026", "2026-01-01", "2026-04-01"],
    ["2026-Q2", "Q2 2026", "2026-04-01", "2026-07-01"],
    ["2026-Q4", "Q4 2026", "2026-10-01", "2027-01-01"],
  ])("parses %s as %s", (key, label, start, end) => {
    expect(parsePeriod(key)).toEqual({
      key,
      label,
      unit: "quarter",
      start: utc(start),
      end: utc(end),
    });
  });

  it.each([
    "2026-13",
    "2026-Q5",
    "2026-Q0",
    "2026-1",
    "",
    "abc",
    "2026-00",
    "2026-q3",
    "2026-Q",
    "2026-Q12",
    "26-10",
    "20260-10",
    "2026/10",
    "2026-10-01",
    " 2026-10",
    "2026-10 ",
    "2026-10\n",
    "2026-1O",
  ])("rejects %j", (key) => {
    expect(parsePeriod(key)).toBeNull();
  });
});

describe("periodContaining", () => {
  it("finds the month and the quarter", () => {
    const now = at("2026-11-29T07:42:10Z");
    expect(periodContaining("month", now)).toEqual({
      key: "2026-11",
      label: "November 2026",
      unit: "month",
      start: utc("2026-11-01"),
      end: utc("2026-12-01"),
    });
    expect(periodContaining("quarter", now)).toEqual({
      key: "2026-Q4",
      label: "Q4 2026",
      unit: "quarter",
      start: utc("2026-10-01"),
      end: utc("2027-01-01"),
    });
  });

  it("includes its start and excludes its end", () => {
    expect(periodContaining("month", at("2026-10-01T00:00:00.000Z")).key).toBe("2026-10");
    expect(periodContaining("month", at("2026-10-31T23:59:59.999Z")).key).toBe("2026-10");
    expect(periodContaining("month", at("2026-11-01T00:00:00.000Z")).key).toBe("2026-11");
    expect(periodContaining("quarter", at("2026-03-31T23:59:59.999Z")).key).toBe("2026-Q1");
    expect(periodContaining("quarter", at("2026-04-01T00:00:00.000Z")).key).toBe("2026-Q2");
    expect(periodContaining("quarter", at("2026-12-31T23:59:59.999Z")).key).toBe("2026-Q4");
    expect(periodContaining("quarter", at("2027-01-01T00:00:00.000Z")).key).toBe("2027-Q1");
  });

  it("reads the date in UTC", () => {
    expect(periodContaining("month", at("2026-01-31T23:30:00Z")).key).toBe("2026-01");
    expect(periodContaining("quarter", at("2026-06-30T23:30:00Z")).key).toBe("2026-Q2");
  });
});

describe("previousPeriod", () => {
  it("steps back one month within a year", () => {
    expect(previousPeriod(parsePeriod("2026-10")!)).toEqual(parsePeriod("2026-09"));
    expect(previousPeriod(parsePeriod("2026-03")!)).toEqual({
      key: "2026-02",
      label: "February 2026",
      unit: "month",
      start: utc("2026-02-01"),
      end: utc("2026-03-01"),
    });
  });

  it("steps back from January to December of the year before", () => {
    expect(previousPeriod(parsePeriod("2026-01")!)).toEqual({
      key: "2025-12",
      label: "December 2025",
      unit: "month",
      start: utc("2025-12-01"),
      end: utc("2026-01-01"),
    });
  });

  it("steps back one quarter within a year", () => {
    expect(previousPeriod(parsePeriod("2026-Q3")!)).toEqual({
      key: "2026-Q2",
      label: "Q2 2026",
      unit: "quarter",
      start: utc("2026-04-01"),
      end: utc("2026-07-01"),
    });
  });

  it("steps back from Q1 to Q4 of the year before", () => {
    expect(previousPeriod(parsePeriod("2026-Q1")!)).toEqual({
      key: "2025-Q4",
      label: "Q4 2025",
      unit: "quarter",
      start: utc("2025-10-01"),
      end: utc("2026-01-01"),
    });
  });
});

const monthKeyArb = fc
  .tuple(fc.integer({ min: 1971, max: 9999 }), fc.integer({ min: 1, max: 12 }))
  .map(([y, m]) => `${y}-${String(m).padStart(2, "0")}`);
const quarterKeyArb = fc
  .tuple(fc.integer({ min: 1971, max: 9999 }), fc.integer({ min: 1, max: 4 }))
  .map(([y, q]) => `${y}-Q${q}`);
const periodKeyArb = fc.oneof(monthKeyArb, quarterKeyArb);
const periodDateArb = fc.date({
  min: at("1971-01-01T00:00:00.000Z"),
  max: at("9999-12-31T23:59:59.999Z"),
  noInvalidDate: true,
});

describe("review periods: properties", () => {
  it("round-trips: parsePeriod(p.key) equals p, and the key is the one parsed", () => {
    fc.assert(
      fc.property(periodKeyArb, (key) => {
        const p = parsePeriod(key);
        expect(p).not.toBeNull();
        expect(p!.key).toBe(key);
        expect(parsePeriod(p!.key)).toEqual(p);
      }),
    );
  });

  it("round-trips periods found by date, which contain that date", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("month" as const, "quarter" as const),
        periodDateArb,
        (unit, date) => {
          const p: ReviewPeriod = periodContaining(unit, date);
          expect(p.unit).toBe(unit);
          expect(p.start.getTime()).toBeLessThanOrEqual(date.getTime());
          expect(date.getTime()).toBeLessThan(p.end.getTime());
          expect(parsePeriod(p.key)).toEqual(p);
        },
      ),
    );
  });

  it("tiles time: the previous period ends where this one starts", () => {
    fc.assert(
      fc.property(periodKeyArb, (key) => {
        const p = parsePeriod(key)!;
        const prev = previousPeriod(p);
        expect(prev.unit).toBe(p.unit);
        expect(prev.end).toEqual(p.start);
        expect(prev).toEqual(periodContaining(p.unit, new Date(p.start.getTime() - 1)));
        expect(parsePeriod(prev.key)).toEqual(prev);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// timeToExhaustion
// ---------------------------------------------------------------------------------------------

describe("timeToExhaustion", () => {
  it.each([
    [0, 2],
    [0, null],
    [0, 0],
    [-0.5, 3],
    [-1, null],
  ])("is 0 when the budget is gone (remaining %s, burn %s)", (remaining, burn) => {
    expect(timeToExhaustion(remaining, burn, MONTH_30)).toBe(0);
  });

  it.each([null, 0, -0, -1, Number.NaN])("is null when nothing is burning (burn %s)", (burn) => {
    expect(timeToExhaustion(0.5, burn, MONTH_30)).toBeNull();
  });

  it("is null for a window of no length", () => {
    expect(timeToExhaustion(0.5, 2, 0)).toBeNull();
    expect(timeToExhaustion(0.5, 2, -10)).toBeNull();
  });

  it("spends 50% at burn 2 over 30 days in 10,800 minutes (7.5 days)", () => {
    // 0.5 × 43,200 / 2 = 10,800 min = 7.5 × 1,440
    expect(timeToExhaustion(0.5, 2, MONTH_30)).toBe(10_800);
    expect(10_800 / DAY).toBe(7.5);
  });

  it("spends the whole budget at burn 1 in exactly one window", () => {
    expect(timeToExhaustion(1, 1, MONTH_30)).toBe(MONTH_30);
    expect(timeToExhaustion(1, 1, 28 * DAY)).toBe(40_320);
    expect(timeToExhaustion(1, 1, 7 * DAY)).toBe(10_080);
  });

  it("spends the whole budget at the fast burn 14.4 in 50 hours", () => {
    // 43,200 / 14.4 = 3,000 min = 50 h
    expect(timeToExhaustion(1, 14.4, MONTH_30)).toBeCloseTo(3_000, 9);
  });

  it("spends 25% at burn 0.5 over 28 days in 14 days", () => {
    // 0.25 × 40,320 / 0.5 = 20,160 min = 14 d
    expect(timeToExhaustion(0.25, 0.5, 28 * DAY)).toBe(20_160);
  });

  it("takes longer than the window when burning slower than 1", () => {
    // 1 × 43,200 / 0.1 = 432,000 min = 300 days
    expect(timeToExhaustion(1, 0.1, MONTH_30)).toBeCloseTo(432_000, 6);
  });

  it("spends exactly `remaining` of the budget over its result at that burn", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 1, noNaN: true }),
        fc.double({ min: 1e-3, max: 1e4, noNaN: true }),
        fc.constantFrom(7 * DAY, 28 * DAY, MONTH_30, 92 * DAY),
        (remaining, burn, minutes) => {
          const t = timeToExhaustion(remaining, burn, minutes);
          expect(t).not.toBeNull();
          expect(t!).toBeGreaterThan(0);
          // burn × t / window is the share of the whole budget spent in t
          expect((burn * t!) / minutes / remaining).toBeCloseTo(1, 9);
        },
      ),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// judgeAlerts and firingSeverity
// ---------------------------------------------------------------------------------------------

/** burnOver stub: window minutes → burn rate; windows not listed have no data. */
const burns =
  (table: Record<number, number | null>) =>
  (minutes: number): number | null =>
    table[minutes] ?? null;

/** The same burn rate over every window. */
const everywhere = (rate: number | null) => () => rate;

const firing = (js: AlertJudgement[]) => js.map((j) => j.firing);

describe("judgeAlerts", () => {
  it("derives the Workbook thresholds 14.4, 6 and 1 for a 30-day window", () => {
    const js = judgeAlerts(effectiveAlerts(DEFAULT_ALERT_WINDOWS, MONTH_30), everywhere(0));
    expect(js.map((j) => j.alert.threshold)).toEqual([14.4, 6, 1]);
    expect(js.map((j) => j.alert.written)).toEqual(DEFAULT_ALERT_WINDOWS);
    expect(js[0]!.alert.written).toBe(fast);
    expect(firing(js)).toEqual([false, false, false]);
  });

  it("asks burnOver for each alert's long and short windows and reports them", () => {
    const burnOver = vi.fn(burns({ 60: 20, 5: 21, 360: 7, 30: 8, 4320: 2 }));
    const js = judgeAlerts(effectiveAlerts(DEFAULT_ALERT_WINDOWS, MONTH_30), burnOver);
    const asked = burnOver.mock.calls.map(([m]) => m).sort((a, b) => a - b);
    expect(asked).toEqual([5, 30, 60, 360, 360, 4320]);
    expect(js.map((j) => [j.longBurn, j.shortBurn])).toEqual([
      [20, 21],
      [7, 8],
      [2, 7], // the ticket's short window (6 h) is the slow page's long window
    ]);
    expect(firing(js)).toEqual([true, true, true]);
  });

  it("returns nothing for no alerts", () => {
    const burnOver = vi.fn(everywhere(100));
    expect(judgeAlerts(effectiveAlerts([], MONTH_30), burnOver)).toEqual([]);
    expect(burnOver).not.toHaveBeenCalled();
  });

  it("does not fire when the long window is above but the short one below (the burn stopped)", () => {
    const js = judgeAlerts(effectiveAlerts([fast], MONTH_30), burns({ 60: 20, 5: 0.5 }));
    expect(js[0]).toMatchObject({
      alert: { threshold: 14.4 },
      longBurn: 20,
      shortBurn: 0.5,
      firing: false,
    });
  });

  it("does not fire when the short window is above but the long one below (a blip)", () => {
    const js = judgeAlerts(effectiveAlerts([fast], MONTH_30), burns({ 60: 10, 5: 30 }));
    expect(js[0]).toMatchObject({ longBurn: 10, shortBurn: 30, firing: false });
  });

  it("fires when both windows are above", () => {
    expect(
      firing(judgeAlerts(effectiveAlerts([fast], MONTH_30), burns({ 60: 14.5, 5: 15 }))),
    ).toEqual([true]);
    expect(
      firing(judgeAlerts(effectiveAlerts([slow], MONTH_30), burns({ 360: 6.01, 30: 9 }))),
    ).toEqual([true]);
    expect(
      firing(judgeAlerts(effectiveAlerts([drain], MONTH_30), burns({ 4320: 1.2, 360: 1.01 }))),
    ).toEqual([true]);
  });

  it.each([
    [fast, 14.4],
    [slow, 6],
    [drain, 1],
  ])("does not fire at exactly the threshold (%o → %s)", (alert, threshold) => {
    expect(firing(judgeAlerts(effectiveAlerts([alert], MONTH_30), everywhere(threshold)))).toEqual([
      false,
    ]);
    // either window exactly at it, the other above
    const long = {
      [alert.longWindowMinutes]: threshold,
      [alert.shortWindowMinutes]: threshold * 2,
    };
    const short = {
      [alert.longWindowMinutes]: threshold * 2,
      [alert.shortWindowMinutes]: threshold,
    };
    expect(firing(judgeAlerts(effectiveAlerts([alert], MONTH_30), burns(long)))).toEqual([false]);
    expect(firing(judgeAlerts(effectiveAlerts([alert], MONTH_30), burns(short)))).toEqual([false]);
    // and fires just above it
    expect(
      firing(judgeAlerts(effectiveAlerts([alert], MONTH_30), everywhere(threshold + 1e-9))),
    ).toEqual([true]);
  });

  it("never fires without data in either window", () => {
    expect(
      firing(judgeAlerts(effectiveAlerts([fast], MONTH_30), burns({ 60: null, 5: 100 }))),
    ).toEqual([false]);
    expect(
      firing(judgeAlerts(effectiveAlerts([fast], MONTH_30), burns({ 60: 100, 5: null }))),
    ).toEqual([false]);
    expect(
      firing(judgeAlerts(effectiveAlerts(DEFAULT_ALERT_WINDOWS, MONTH_30), everywhere(null))),
    ).toEqual([false, false, false]);
    const js = judgeAlerts(effectiveAlerts([fast], MONTH_30), burns({ 60: 100 }));
    expect(js[0]).toMatchObject({ longBurn: 100, shortBurn: null, firing: false });
  });

  it("never fires on a zero burn, whatever the threshold", () => {
    expect(
      firing(judgeAlerts(effectiveAlerts(DEFAULT_ALERT_WINDOWS, 7 * DAY), everywhere(0))),
    ).toEqual([false, false, false]);
  });

  it("grades a steady burn: 2 is a ticket, 7 also a slow page, 15 pages everything", () => {
    expect(
      firing(judgeAlerts(effectiveAlerts(DEFAULT_ALERT_WINDOWS, MONTH_30), everywhere(2))),
    ).toEqual([false, false, true]);
    expect(
      firing(judgeAlerts(effectiveAlerts(DEFAULT_ALERT_WINDOWS, MONTH_30), everywhere(7))),
    ).toEqual([false, true, true]);
    expect(
      firing(judgeAlerts(effectiveAlerts(DEFAULT_ALERT_WINDOWS, MONTH_30), everywhere(15))),
    ).toEqual([true, true, true]);
  });

  it("follows the SLO window: burn 14 pages on 28 days (13.44) but not on 30 (14.4)", () => {
    const on = (minutes: number) => judgeAlerts(effectiveAlerts([fast], minutes), everywhere(14));
    expect(on(28 * DAY)[0]).toMatchObject({ alert: { threshold: 13.44 }, firing: true });
    expect(on(MONTH_30)[0]).toMatchObject({ alert: { threshold: 14.4 }, firing: false });
    // An alert written out on its own applies as written: on 7 days 0.02 × 10,080 / 60 = 3.36
    expect(judgeAlerts(effectiveAlerts([fast], 7 * DAY), everywhere(3.5))[0]).toMatchObject({
      alert: { threshold: 3.36, longWindowMinutes: 60 },
      firing: true,
    });
  });

  it("never tickets a 7-day SLO with the default alerts on a burn that cannot exhaust it", () => {
    // Unscaled, the 3-day ticket would fire above 0.1 × 10,080 / 4,320 = 0.23×.
    const js = (rate: number) =>
      judgeAlerts(effectiveAlerts(DEFAULT_ALERT_WINDOWS, 7 * DAY), everywhere(rate));
    expect(firing(js(0.5))).toEqual([false, false, false]);
    expect(firing(js(0.99))).toEqual([false, false, false]);
    expect(firing(js(1.01))).toEqual([false, false, true]);
    // It asks for the scaled windows: 14 min and 1 min, 84 and 7, 1,008 and 84.
    const burnOver = vi.fn((minutes: number): number | null => (minutes > 0 ? 0 : null));
    judgeAlerts(effectiveAlerts(DEFAULT_ALERT_WINDOWS, 7 * DAY), burnOver);
    expect(burnOver.mock.calls.map(([m]) => m).sort((a, b) => a - b)).toEqual([
      1, 7, 14, 84, 84, 1008,
    ]);
  });

  it("fires exactly when both windows are strictly above the threshold", () => {
    const burnArb = fc.option(fc.double({ min: 0, max: 50, noNaN: true }), { nil: null });
    fc.assert(
      fc.property(fc.constantFrom(fast, slow, drain), burnArb, burnArb, (alert, long, short) => {
        const table = { [alert.longWindowMinutes]: long, [alert.shortWindowMinutes]: short };
        const [j] = judgeAlerts(effectiveAlerts([alert], MONTH_30), burns(table));
        const expected =
          long !== null &&
          short !== null &&
          long > j!.alert.threshold &&
          short > j!.alert.threshold;
        expect(j!.firing).toBe(expected);
      }),
    );
  });
});

const judged = (severity: "page" | "ticket", isFiring: boolean): AlertJudgement => {
  const written = severity === "page" ? fast : drain;
  return {
    alert: { ...written, threshold: 1, written },
    longBurn: isFiring ? 2 : 0,
    shortBurn: isFiring ? 2 : 0,
    firing: isFiring,
  };
};

describe("firingSeverity", () => {
  it("is null for no judgements or none firing", () => {
    expect(firingSeverity([])).toBeNull();
    expect(firingSeverity([judged("page", false), judged("ticket", false)])).toBeNull();
  });

  it("is ticket when only a ticket fires", () => {
    expect(firingSeverity([judged("ticket", true)])).toBe("ticket");
    expect(firingSeverity([judged("page", false), judged("ticket", true)])).toBe("ticket");
  });

  it("is page when a page fires, beating a ticket in either order", () => {
    expect(firingSeverity([judged("page", true)])).toBe("page");
    expect(firingSeverity([judged("page", true), judged("ticket", true)])).toBe("page");
    expect(firingSeverity([judged("ticket", true), judged("page", true)])).toBe("page");
    expect(
      firingSeverity([judged("ticket", true), judged("page", false), judged("page", true)]),
    ).toBe("page");
  });

  it("grades the default alerts end to end", () => {
    const sev = (rate: number | null) =>
      firingSeverity(
        judgeAlerts(effectiveAlerts(DEFAULT_ALERT_WINDOWS, MONTH_30), everywhere(rate)),
      );
    expect(sev(null)).toBeNull();
    expect(sev(0)).toBeNull();
    expect(sev(1)).toBeNull();
    expect(sev(2)).toBe("ticket");
    expect(sev(7)).toBe("page");
    expect(sev(20)).toBe("page");
    // the fast burn stopped: long 1 h still hot, short 5 min cool, others calm
    expect(
      firingSeverity(
        judgeAlerts(
          effectiveAlerts(DEFAULT_ALERT_WINDOWS, MONTH_30),
          burns({ 60: 30, 5: 0, 360: 3, 30: 0, 4320: 0.5 }),
        ),
      ),
    ).toBeNull();
  });
});

// ---------------------------------------------------------------------------------------------
// sloHealth
// ---------------------------------------------------------------------------------------------

describe("sloHealth", () => {
  const noData = errorBudget({ good: 0, total: 0, objective: 0.999 });
  const exhausted = errorBudget({ good: 900, total: 1000, objective: 0.9 });
  const atRisk = errorBudget({ good: 924, total: 1000, objective: 0.9 });
  const healthy = errorBudget({ good: 1000, total: 1000, objective: 0.9 });

  it("builds the budgets it means to", () => {
    expect([noData, exhausted, atRisk, healthy].map((b) => b.status)).toEqual([
      "no_data",
      "exhausted",
      "at_risk",
      "healthy",
    ]);
  });

  const severities = [null, "ticket", "page"] as const;

  it.each(severities)("keeps no_data with firing %s", (sev) => {
    expect(sloHealth(noData, sev)).toBe("no_data");
  });

  it.each(severities)("keeps exhausted with firing %s", (sev) => {
    expect(sloHealth(exhausted, sev)).toBe("exhausted");
  });

  it.each(severities)("keeps at_risk with firing %s", (sev) => {
    expect(sloHealth(atRisk, sev)).toBe("at_risk");
  });

  it("turns healthy into at_risk when an alert fires", () => {
    expect(sloHealth(healthy, "page")).toBe("at_risk");
    expect(sloHealth(healthy, "ticket")).toBe("at_risk");
  });

  it("stays healthy without a firing alert", () => {
    expect(sloHealth(healthy, null)).toBe("healthy");
  });

  it("takes the status only from budget and severity", () => {
    const budget: BudgetResult = {
      status: "healthy",
      attainment: 0.5,
      budgetEvents: 0,
      badEvents: 0,
      consumed: 0,
      remaining: 1,
    };
    expect(sloHealth(budget, null)).toBe("healthy");
    expect(sloHealth({ ...budget, status: "at_risk" }, null)).toBe("at_risk");
  });
});

// ---------------------------------------------------------------------------------------------
// budgetGate
// ---------------------------------------------------------------------------------------------

const gate = (over: Partial<BudgetGateInput>): BudgetGateInput => ({
  policy: "enforce",
  exhausted: ["checkout-availability", "checkout-latency"],
  fix: true,
  admin: true,
  overrideReason: "hotfix for INC-42",
  ...over,
});

describe("budgetGate", () => {
  it.each([
    [false, false, null],
    [true, false, null],
    [true, true, "hotfix for INC-42"],
    [false, true, ""],
  ] as const)(
    "allows anything when no budget is exhausted (fix=%s admin=%s reason=%j)",
    (fix, admin, overrideReason) => {
      for (const policy of ["enforce", "advisory"] as const) {
        expect(budgetGate(gate({ policy, exhausted: [], fix, admin, overrideReason }))).toEqual({
          allowed: true,
          override: false,
          warning: null,
        });
      }
    },
  );

  it("lets an advisory policy through with a warning naming the SLOs", () => {
    const r = budgetGate(
      gate({ policy: "advisory", fix: false, admin: false, overrideReason: null }),
    );
    expect(r).toMatchObject({ allowed: true, override: false });
    if (!r.allowed) throw new Error("expected allowed");
    expect(r.warning).toContain("checkout-availability, checkout-latency");
    expect(r.warning).toMatch(/advisory/i);
  });

  it("refuses a change that is not a fix, naming the SLOs and saying only fixes go out", () => {
    const r = budgetGate(gate({ fix: false }));
    expect(r.allowed).toBe(false);
    if (r.allowed) throw new Error("expected refusal");
    expect(r.reason).toContain("checkout-availability");
    expect(r.reason).toContain("checkout-latency");
    expect(r.reason).toMatch(/only fixes/i);
  });

  it("refuses a fix from someone who is not an admin, mentioning admin", () => {
    const r = budgetGate(gate({ admin: false }));
    expect(r.allowed).toBe(false);
    if (r.allowed) throw new Error("expected refusal");
    expect(r.reason).toContain("checkout-availability");
    expect(r.reason).toMatch(/admin/i);
  });

  it.each([null, "", "    ", "\t\n", "abcd", "  ab  ", " fix ", "\n\n  ok\t\t"])(
    "refuses an admin's fix without a real reason (%j), asking for one",
    (overrideReason) => {
      const r = budgetGate(gate({ overrideReason }));
      expect(r.allowed).toBe(false);
      if (r.allowed) throw new Error("expected refusal");
      expect(r.reason).toContain("checkout-latency");
      expect(r.reason).toMatch(/reason/i);
    },
  );

  it.each(["fixit", "  fixit  ", "hotfix for INC-42", "\tabcde\n"])(
    "allows an admin's fix with a reason (%j), as an override with a warning",
    (overrideReason) => {
      const r = budgetGate(gate({ overrideReason }));
      expect(r).toMatchObject({ allowed: true, override: true });
      if (!r.allowed) throw new Error("expected allowed");
      expect(r.warning).toContain("checkout-availability, checkout-latency");
    },
  );

  it("checks fix before admin before reason", () => {
    const notFix = budgetGate(gate({ fix: false, admin: false, overrideReason: null }));
    expect(notFix.allowed === false && notFix.reason).toMatch(/only fixes/i);
    const notAdmin = budgetGate(gate({ admin: false, overrideReason: null }));
    expect(notAdmin.allowed === false && notAdmin.reason).toMatch(/admin/i);
    expect(notAdmin.allowed === false && notAdmin.reason).not.toMatch(/only fixes/i);
  });

  const whitespace = fc.string({ unit: fc.constantFrom(" ", "\t", "\n"), maxLength: 3 });
  const reasonArb = fc.option(
    fc
      .tuple(whitespace, fc.string({ maxLength: 8 }), whitespace)
      .map(([a, b, c]) => `${a}${b}${c}`),
    { nil: null },
  );
  const namesArb = fc.array(fc.stringMatching(/^[a-z][a-z0-9-]{0,10}$/), {
    minLength: 1,
    maxLength: 4,
  });

  it("under enforce with a spent budget, allows exactly a fix by an admin with a 5+ char reason", () => {
    fc.assert(
      fc.property(namesArb, fc.boolean(), fc.boolean(), reasonArb, (exhausted, fix, admin, why) => {
        const r = budgetGate({ policy: "enforce", exhausted, fix, admin, overrideReason: why });
        const expected = fix && admin && why !== null && why.trim().length >= 5;
        expect(r.allowed).toBe(expected);
        const text = r.allowed ? r.warning : r.reason;
        if (r.allowed) expect(r.override).toBe(true);
        for (const name of exhausted) expect(text).toContain(name);
      }),
    );
  });

  it("under advisory with a spent budget, always allows without override, warning", () => {
    fc.assert(
      fc.property(namesArb, fc.boolean(), fc.boolean(), reasonArb, (exhausted, fix, admin, why) => {
        const r = budgetGate({ policy: "advisory", exhausted, fix, admin, overrideReason: why });
        expect(r).toMatchObject({ allowed: true, override: false });
        for (const name of exhausted) expect(r.allowed && r.warning).toContain(name);
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// errorBudget: edge cases beyond slo.test.ts
// ---------------------------------------------------------------------------------------------

describe("errorBudget with huge counts", () => {
  const T = 1e12; // a trillion events at 99.9%: a budget of a billion bad events

  it("keeps precision at a trillion events", () => {
    const r = errorBudget({ good: T - 5e8, total: T, objective: 0.999 });
    if (r.status === "no_data") throw new Error("expected data");
    expect(r.badEvents).toBe(5e8);
    expect(r.budgetEvents).toBeCloseTo(1e9, 0);
    expect(r.consumed).toBe(0.5);
    expect(r.remaining).toBe(0.5);
    expect(r.attainment).toBeCloseTo(0.9995, 12);
    expect(r.status).toBe("healthy");
  });

  it("is exhausted at exactly the budget of a trillion events, and not one event before", () => {
    expect(errorBudget({ good: T - 1e9, total: T, objective: 0.999 })).toMatchObject({
      status: "exhausted",
      consumed: 1,
      remaining: 0,
    });
    const oneUnder = errorBudget({ good: T - 1e9 + 1, total: T, objective: 0.999 });
    expect(oneUnder).toMatchObject({ status: "at_risk", consumed: 0.999999999 });
    if (oneUnder.status !== "no_data") expect(oneUnder.remaining).toBeCloseTo(1e-9, 15);
  });

  it("reports all-bad as 1000× the budget at 99.9%", () => {
    expect(errorBudget({ good: 0, total: T, objective: 0.999 })).toMatchObject({
      status: "exhausted",
      attainment: 0,
      badEvents: T,
      consumed: 1000,
      remaining: 0,
    });
  });

  it("reports a perfect trillion as healthy with the whole budget left", () => {
    expect(errorBudget({ good: T, total: T, objective: 0.999 })).toMatchObject({
      status: "healthy",
      attainment: 1,
      badEvents: 0,
      consumed: 0,
      remaining: 1,
    });
  });
});

describe("errorBudget agrees with exact rational arithmetic", () => {
  // objective = 1 − 1/q exactly, so the budget is total/q events:
  // exhausted ⇔ bad × q ≥ total; at risk ⇔ not exhausted and 1 − bad·q/total < 1/4.
  const objectives: [number, number][] = [
    [0.9, 10],
    [0.95, 20],
    [0.99, 100],
    [0.995, 200],
    [0.999, 1000],
    [0.9995, 2000],
    [0.9999, 10_000],
  ];

  it("classifies every count like the exact fractions, with remaining in [0, 1]", () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...objectives),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        ([objective, q], total, share) => {
          // bias bad counts towards the interesting region around the budget
          const bad = Math.min(total, Math.floor((share * 2 * total) / q));
          const r = errorBudget({ good: total - bad, total, objective });
          if (r.status === "no_data") throw new Error("expected data");
          const exhausted = bad * q >= total;
          const atRisk = !exhausted && 3 * total < 4 * bad * q;
          expect(r.status).toBe(exhausted ? "exhausted" : atRisk ? "at_risk" : "healthy");
          expect(r.remaining).toBeGreaterThanOrEqual(0);
          expect(r.remaining).toBeLessThanOrEqual(1);
          expect(r.consumed).toBeCloseTo((bad * q) / total, 8);
          expect(r.status === "healthy").toBe(r.remaining >= AT_RISK_REMAINING);
        },
      ),
    );
  });
});

describe("sloSpecSchema: alert windows", () => {
  const base = {
    name: "x",
    service: "m",
    team: "t",
    sliKind: "availability" as const,
    objective: 0.999,
    window: { kind: "rolling" as const, days: 30 },
    budgetingMethod: "occurrences" as const,
  };
  it("refuses two alerts of one severity on the same long window (they would share one state)", () => {
    const r = sloSpecSchema.safeParse({
      ...base,
      alerts: [
        { severity: "page", budgetFraction: 0.05, longWindowMinutes: 60, shortWindowMinutes: 30 },
        { severity: "page", budgetFraction: 0.02, longWindowMinutes: 60, shortWindowMinutes: 5 },
      ],
    });
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/share the 60-minute long window/);
  });
  it("accepts a page and a ticket on the same long window", () => {
    const r = sloSpecSchema.safeParse({
      ...base,
      alerts: [
        { severity: "page", budgetFraction: 0.05, longWindowMinutes: 60, shortWindowMinutes: 30 },
        { severity: "ticket", budgetFraction: 0.02, longWindowMinutes: 60, shortWindowMinutes: 5 },
      ],
    });
    expect(r.success).toBe(true);
  });
  it("refuses the names the SLO pages use", () => {
    for (const name of ["new", "review", "import"]) {
      expect(sloSpecSchema.safeParse({ ...base, name }).success).toBe(false);
    }
  });
});

describe("errorBudget with timeslices over a whole window", () => {
  it("budgets the window's minutes, so a month's first hour does not exhaust it", () => {
    // 99.5% of a 30-day month: 216 minutes of budget. One bad minute of the first 120 spends 1/216.
    const r = errorBudget({ good: 119, total: 120, objective: 0.995, windowUnits: 43_200 });
    if (r.status === "no_data") throw new Error("data expected");
    expect(r.budgetEvents).toBeCloseTo(216, 9);
    expect(r.consumed).toBeCloseTo(1 / 216, 9);
    expect(r.status).toBe("healthy");
    // Without the window it would read exhausted.
    expect(errorBudget({ good: 119, total: 120, objective: 0.995 }).status).toBe("exhausted");
  });
});
