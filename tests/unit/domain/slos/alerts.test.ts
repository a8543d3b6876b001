import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  alertPolicyProblems,
  budgetFractionOf,
  burnRateThreshold,
  effectiveAlerts,
  formatWindow,
  isDefaultAlertPolicy,
  MIN_ALERT_BURN_RATE,
  shortestWindowMinutes,
  windowMinutes,
} from "@/lib/domain/slos/alerts";
import {
  DEFAULT_ALERT_WINDOWS,
  sloSpecSchema,
  type AlertWindow,
  type SloWindow,
} from "@/lib/domain/slos/spec";

const DAY = 1440;
const [fast, slow, drain] = DEFAULT_ALERT_WINDOWS as [AlertWindow, AlertWindow, AlertWindow];
const at = (iso: string) => new Date(iso);

describe("windowMinutes", () => {
  it("is the days of a rolling window, whatever the date", () => {
    expect(windowMinutes({ kind: "rolling", days: 30 }, at("2026-02-10T00:00:00Z"))).toBe(43_200);
    expect(windowMinutes({ kind: "rolling", days: 28 }, at("2026-07-31T23:59:59Z"))).toBe(40_320);
    expect(windowMinutes({ kind: "rolling", days: 7 }, at("2024-02-29T12:00:00Z"))).toBe(10_080);
  });

  it.each([
    ["2026-02-10T00:00:00Z", 28],
    ["2024-02-29T23:59:59.999Z", 29],
    ["2026-04-01T00:00:00Z", 30],
    ["2026-01-31T23:59:59.999Z", 31],
    ["2026-12-15T08:00:00Z", 31],
  ])("is the length of the UTC month containing %s (%i days)", (now, days) => {
    expect(windowMinutes({ kind: "calendar", unit: "month" }, at(now))).toBe(days * DAY);
  });

  it.each([
    ["2026-02-10T00:00:00Z", 90], // Jan 31 + Feb 28 + Mar 31
    ["2024-03-31T23:59:59.999Z", 91], // leap February
    ["2026-05-20T00:00:00Z", 91], // Apr 30 + May 31 + Jun 30
    ["2026-07-01T00:00:00Z", 92], // Jul 31 + Aug 31 + Sep 30
    ["2026-12-31T23:59:59.999Z", 92], // Oct 31 + Nov 30 + Dec 31
  ])("is the length of the UTC quarter containing %s (%i days)", (now, days) => {
    expect(windowMinutes({ kind: "calendar", unit: "quarter" }, at(now))).toBe(days * DAY);
  });

  it("reads the month in UTC, not in the local time zone", () => {
    // 23:30 on 31 January in UTC is already 1 February east of Greenwich.
    expect(windowMinutes({ kind: "calendar", unit: "month" }, at("2026-01-31T23:30:00Z"))).toBe(
      31 * DAY,
    );
  });
});

describe("burnRateThreshold (the formula, before the rule of effectiveAlerts)", () => {
  it("gives the SRE Workbook's thresholds for 30 days: 14.4, 6 and 1", () => {
    // 2% of 43,200 min spent in 60 min: 0.02 × 43200 / 60 = 14.4
    expect(burnRateThreshold(fast, 30 * DAY)).toBe(14.4);
    // 5% in 360 min: 0.05 × 43200 / 360 = 6
    expect(burnRateThreshold(slow, 30 * DAY)).toBe(6);
    // 10% in 4320 min: 0.1 × 43200 / 4320 = 1
    expect(burnRateThreshold(drain, 30 * DAY)).toBe(1);
  });

  it("scales to 28 days: 13.44, 5.6 and 0.9333…", () => {
    // 0.02 × 40320 / 60 = 13.44; 0.05 × 40320 / 360 = 5.6; 0.1 × 40320 / 4320 = 14/15
    expect(burnRateThreshold(fast, 28 * DAY)).toBe(13.44);
    expect(burnRateThreshold(slow, 28 * DAY)).toBe(5.6);
    expect(burnRateThreshold(drain, 28 * DAY)).toBeCloseTo(14 / 15, 11);
  });

  it("gives 3.36, 1.4 and 0.2333… for the 30-day windows on 7 days (why they are scaled)", () => {
    // 0.02 × 10080 / 60 = 3.36; 0.05 × 10080 / 360 = 1.4; 0.1 × 10080 / 4320 = 7/30
    expect(burnRateThreshold(fast, 7 * DAY)).toBe(3.36);
    expect(burnRateThreshold(slow, 7 * DAY)).toBe(1.4);
    expect(burnRateThreshold(drain, 7 * DAY)).toBeCloseTo(7 / 30, 11);
  });

  it("scales to quarters of 90 and 92 days", () => {
    // 90 days: 0.02 × 129600 / 60 = 43.2; 0.05 × 129600 / 360 = 18; 0.1 × 129600 / 4320 = 3
    expect(burnRateThreshold(fast, 90 * DAY)).toBe(43.2);
    expect(burnRateThreshold(slow, 90 * DAY)).toBe(18);
    expect(burnRateThreshold(drain, 90 * DAY)).toBe(3);
    // 92 days: 0.02 × 132480 / 60 = 44.16; 0.1 × 132480 / 4320 = 3.0666…
    expect(burnRateThreshold(fast, 92 * DAY)).toBe(44.16);
    expect(burnRateThreshold(drain, 92 * DAY)).toBeCloseTo(46 / 15, 11);
  });

  it("follows the calendar month in progress: February's page threshold is 28-day's", () => {
    const february = windowMinutes({ kind: "calendar", unit: "month" }, at("2026-02-10T00:00:00Z"));
    const march = windowMinutes({ kind: "calendar", unit: "month" }, at("2026-03-10T00:00:00Z"));
    expect(burnRateThreshold(fast, february)).toBe(13.44);
    expect(burnRateThreshold(fast, march)).toBe(14.88); // 0.02 × 44640 / 60
  });

  it("prints as hand-computed numbers, without binary floating-point noise", () => {
    // 1% of a 28-day budget in 6 hours: 0.01 × 40320 / 360 is 1.1199999999999999 in plain
    // floating point, and in 29 days 1.1600000000000001.
    const onePercent = { ...slow, budgetFraction: 0.01 };
    expect((0.01 * 40_320) / 360).not.toBe(1.12);
    expect(String(burnRateThreshold(onePercent, 28 * DAY))).toBe("1.12");
    expect(String(burnRateThreshold(onePercent, 29 * DAY))).toBe("1.16");
  });
});

describe("budgetFractionOf", () => {
  it("inverts burnRateThreshold", () => {
    expect(budgetFractionOf(14.4, 60, 30 * DAY)).toBe(0.02);
    expect(budgetFractionOf(13.44, 60, 28 * DAY)).toBe(0.02);
    expect(budgetFractionOf(6, 360, 30 * DAY)).toBe(0.05);
    expect(budgetFractionOf(1, 4320, 30 * DAY)).toBe(0.1);
    // 6 over 6h in a 28-day month: 6 × 360 / 40320 = 3/56
    expect(budgetFractionOf(6, 360, 28 * DAY)).toBeCloseTo(3 / 56, 11);
  });
});

describe("formatWindow", () => {
  it.each([
    [1, "1m"],
    [5, "5m"],
    [30, "30m"],
    [60, "1h"],
    [90, "90m"],
    [120, "2h"],
    [360, "6h"],
    [1440, "1d"],
    [2160, "36h"],
    [4320, "3d"],
    [43_200, "30d"],
  ])("writes %i minutes as %s", (minutes, text) => {
    expect(formatWindow(minutes)).toBe(text);
  });
});

/** An alert's windows and threshold, the parts that decide when it fires. */
const shape = (a: {
  severity: string;
  longWindowMinutes: number;
  shortWindowMinutes: number;
  threshold: number;
}) => [a.severity, a.longWindowMinutes, a.shortWindowMinutes, a.threshold] as const;

describe("effectiveAlerts: the default alerts", () => {
  it("apply as written on 30 days: 14.4×, 6× and 1× (SRE Workbook)", () => {
    const plan = effectiveAlerts(DEFAULT_ALERT_WINDOWS, 30 * DAY);
    expect(plan.map(shape)).toEqual([
      ["page", 60, 5, 14.4],
      ["page", 360, 30, 6],
      ["ticket", 4320, 360, 1],
    ]);
    expect(plan.map((a) => a.budgetFraction)).toEqual([0.02, 0.05, 0.1]);
    expect(plan.map((a) => a.written)).toEqual(DEFAULT_ALERT_WINDOWS);
  });

  it("apply as written on 28 days: 13.44×, 5.6× and 0.9333× (Sloth)", () => {
    const plan = effectiveAlerts(DEFAULT_ALERT_WINDOWS, 28 * DAY);
    expect(plan.map((a) => [a.longWindowMinutes, a.shortWindowMinutes])).toEqual([
      [60, 5],
      [360, 30],
      [4320, 360],
    ]);
    expect(plan[0]?.threshold).toBe(13.44);
    expect(plan[1]?.threshold).toBe(5.6);
    expect(plan[2]?.threshold).toBeCloseTo(14 / 15, 11);
  });

  it.each([
    ["2026-02-10T00:00:00Z", 13.44, 14 / 15], // 28 days
    ["2024-02-10T00:00:00Z", 13.92, 29 / 30], // 29 days
    ["2026-04-10T00:00:00Z", 14.4, 1], // 30 days
    ["2026-03-10T00:00:00Z", 14.88, 31 / 30], // 31 days
  ])("apply as written in every calendar month (%s)", (now, page, ticket) => {
    const month = windowMinutes({ kind: "calendar", unit: "month" }, at(now));
    const plan = effectiveAlerts(DEFAULT_ALERT_WINDOWS, month);
    expect(plan.map((a) => a.longWindowMinutes)).toEqual([60, 360, 4320]);
    expect(plan[0]?.threshold).toBe(page);
    expect(plan[2]?.threshold).toBeCloseTo(ticket, 11);
  });

  it("scale their windows to 7 days and keep 14.4×, 6× and 1×", () => {
    // 7/30 of 1 h, 5 min, 6 h, 30 min, 3 d, 6 h: 14, 1.17 → 1, 84, 7, 1008 (16.8 h), 84 minutes
    const plan = effectiveAlerts(DEFAULT_ALERT_WINDOWS, 7 * DAY);
    expect(plan.map(shape)).toEqual([
      ["page", 14, 1, 14.4],
      ["page", 84, 7, 6],
      ["ticket", 1008, 84, 1],
    ]);
    // Each still fires once its share of the 7-day budget is spent.
    expect(plan.map((a) => a.budgetFraction)).toEqual([0.02, 0.05, 0.1]);
    expect(plan.map((a) => a.written)).toEqual(DEFAULT_ALERT_WINDOWS);
  });

  it("scale their windows to 90 days (3 h, 18 h, 9 d) and keep their burn rates", () => {
    expect(effectiveAlerts(DEFAULT_ALERT_WINDOWS, 90 * DAY).map(shape)).toEqual([
      ["page", 180, 15, 14.4],
      ["page", 1080, 90, 6],
      ["ticket", 12_960, 1080, 1],
    ]);
  });

  it("scale to the calendar quarter in progress: 92 days in Q3", () => {
    const q3 = windowMinutes({ kind: "calendar", unit: "quarter" }, at("2026-08-01T00:00:00Z"));
    const plan = effectiveAlerts(DEFAULT_ALERT_WINDOWS, q3);
    // 92/30 of 5 min is 15.33 → 15
    expect(plan.map(shape)).toEqual([
      ["page", 184, 15, 14.4],
      ["page", 1104, 92, 6],
      ["ticket", 13_248, 1104, 1],
    ]);
    expect(plan.map((a) => a.budgetFraction)).toEqual([0.02, 0.05, 0.1]);
  });

  it("scale to a 1-day window without a window shorter than a minute", () => {
    expect(effectiveAlerts(DEFAULT_ALERT_WINDOWS, DAY).map(shape)).toEqual([
      ["page", 2, 1, 14.4],
      ["page", 12, 1, 6],
      ["ticket", 144, 12, 1],
    ]);
  });

  it("scale just outside 28 to 31 days, and not at its edges", () => {
    const longs = (days: number) =>
      effectiveAlerts(DEFAULT_ALERT_WINDOWS, days * DAY).map((a) => a.longWindowMinutes);
    expect(longs(27)).toEqual([54, 324, 3888]);
    expect(longs(28)).toEqual([60, 360, 4320]);
    expect(longs(31)).toEqual([60, 360, 4320]);
    expect(longs(32)).toEqual([64, 384, 4608]);
  });

  it("are recognised in any order, and only when all three are unchanged", () => {
    const reversed = [...DEFAULT_ALERT_WINDOWS].reverse();
    expect(isDefaultAlertPolicy(reversed)).toBe(true);
    expect(effectiveAlerts(reversed, 7 * DAY).map((a) => a.longWindowMinutes)).toEqual([
      1008, 84, 14,
    ]);
    expect(isDefaultAlertPolicy([fast, slow])).toBe(false);
    expect(isDefaultAlertPolicy([fast, slow, { ...drain, budgetFraction: 0.2 }])).toBe(false);
    expect(isDefaultAlertPolicy([fast, slow, drain, drain])).toBe(false);
    expect(isDefaultAlertPolicy([])).toBe(false);
  });

  it("never fire below 0.9× and always spend their share of the budget first, on any window", () => {
    const windowArb: fc.Arbitrary<SloWindow> = fc.oneof(
      fc.integer({ min: 1, max: 90 }).map((days) => ({ kind: "rolling" as const, days })),
      fc.constantFrom("month" as const, "quarter" as const).map((unit) => ({
        kind: "calendar" as const,
        unit,
      })),
    );
    const nowArb = fc.date({
      min: new Date("2000-01-01T00:00:00Z"),
      max: new Date("2100-01-01T00:00:00Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(windowArb, nowArb, (window, now) => {
        const minutes = windowMinutes(window, now);
        for (const a of effectiveAlerts(DEFAULT_ALERT_WINDOWS, minutes)) {
          expect(a.threshold).toBeGreaterThanOrEqual(MIN_ALERT_BURN_RATE);
          expect(a.shortWindowMinutes).toBeGreaterThanOrEqual(1);
          expect(a.shortWindowMinutes).toBeLessThan(a.longWindowMinutes);
          expect(a.longWindowMinutes).toBeLessThan(minutes);
          // firing at the threshold over the long window spends the written share of the budget
          expect((a.threshold * a.longWindowMinutes) / minutes).toBeCloseTo(
            a.written.budgetFraction,
            2,
          );
        }
      }),
      { numRuns: 500 },
    );
  });
});

describe("effectiveAlerts: alerts written out", () => {
  it("apply as written on any window, the threshold following the window", () => {
    const custom: AlertWindow[] = [
      { severity: "page", budgetFraction: 0.0002, longWindowMinutes: 5, shortWindowMinutes: 1 },
    ];
    for (const days of [1, 7, 28, 30, 90]) {
      const [a] = effectiveAlerts(custom, days * DAY);
      expect(a).toEqual({
        ...custom[0],
        threshold: burnRateThreshold(custom[0]!, days * DAY),
        written: custom[0],
      });
    }
  });

  it("keep the Workbook's windows when only some of them are written", () => {
    expect(effectiveAlerts([fast, slow], 7 * DAY).map(shape)).toEqual([
      ["page", 60, 5, 3.36],
      ["page", 360, 30, 1.4],
    ]);
  });

  it("are none for none", () => {
    expect(effectiveAlerts([], 7 * DAY)).toEqual([]);
  });
});

describe("shortestWindowMinutes", () => {
  it("is a rolling window's days, February for a month, January to March for a quarter", () => {
    expect(shortestWindowMinutes({ kind: "rolling", days: 7 })).toBe(7 * DAY);
    expect(shortestWindowMinutes({ kind: "calendar", unit: "month" })).toBe(28 * DAY);
    expect(shortestWindowMinutes({ kind: "calendar", unit: "quarter" })).toBe(90 * DAY);
  });

  it("is never longer than the window in progress", () => {
    fc.assert(
      fc.property(
        fc.constantFrom("month" as const, "quarter" as const),
        fc.date({ min: new Date("1970-01-01"), max: new Date("2200-01-01"), noInvalidDate: true }),
        (unit, now) => {
          const window = { kind: "calendar" as const, unit };
          expect(shortestWindowMinutes(window)).toBeLessThanOrEqual(windowMinutes(window, now));
        },
      ),
    );
  });
});

describe("alertPolicyProblems", () => {
  const rolling = (days: number): SloWindow => ({ kind: "rolling", days });

  it("finds none in the default alerts, on any window", () => {
    for (const window of [
      rolling(1),
      rolling(7),
      rolling(28),
      rolling(90),
      { kind: "calendar", unit: "month" } as const,
      { kind: "calendar", unit: "quarter" } as const,
    ]) {
      expect(alertPolicyProblems(DEFAULT_ALERT_WINDOWS, window)).toEqual([]);
    }
  });

  it("accepts the README's fast page: 0.02% of a 30-day budget in 5 min is 1.728×", () => {
    const tryIt: AlertWindow = {
      severity: "page",
      budgetFraction: 0.0002,
      longWindowMinutes: 5,
      shortWindowMinutes: 1,
    };
    expect(alertPolicyProblems([tryIt], rolling(30))).toEqual([]);
    expect(effectiveAlerts([tryIt], 30 * DAY)[0]?.threshold).toBe(1.728);
  });

  it("refuses the Workbook's 3-day ticket written out alone on 7 days, saying what would do", () => {
    expect(alertPolicyProblems([fast, drain], rolling(7))).toEqual([
      {
        index: 1,
        message:
          "Alert 2 (ticket: 10% of the budget in 3d) would fire at 0.23× on a 7-day window, under 0.9×: a burn that slow cannot come near exhausting the budget. Make it at least 38.58% of the budget in 3d, or 10% in a long window of at most 1120m.",
      },
    ]);
    // and both suggestions are valid
    const share = { ...drain, budgetFraction: 0.3858 };
    const window = { ...drain, longWindowMinutes: 1120 };
    expect(alertPolicyProblems([share], rolling(7))).toEqual([]);
    expect(alertPolicyProblems([window], rolling(7))).toEqual([]);
  });

  it("accepts exactly 0.9× and refuses just under it", () => {
    // 0.9 × 60 / 43200 = 0.00125
    const at = (budgetFraction: number): AlertWindow => ({ ...fast, budgetFraction });
    expect(alertPolicyProblems([at(0.00125)], rolling(30))).toEqual([]);
    expect(alertPolicyProblems([at(0.00124)], rolling(30))).toHaveLength(1);
    // 0.0012499 × 720 = 0.899928: rounded down, so it never reads as 0.9×
    const [problem] = alertPolicyProblems([at(0.0012499)], rolling(30));
    expect(problem?.message).toContain("would fire at 0.89× on a 30-day window");
    expect(problem?.message).toContain("Make it at least 0.13% of the budget in 1h");
  });

  it("judges a calendar month by February and a quarter by its 90 days", () => {
    // 9% in 3 days: 0.9× on 30 days, 0.84× in February
    const nine = { ...drain, budgetFraction: 0.09 };
    expect(alertPolicyProblems([nine], rolling(30))).toEqual([]);
    const [problem] = alertPolicyProblems([nine], { kind: "calendar", unit: "month" });
    expect(problem?.message).toMatch(
      /^Alert 1 \(ticket: 9% of the budget in 3d\) would fire at 0\.84× on a calendar month \(28 days at the shortest\)/,
    );
    // 3% in 3 days: 0.9× on 90 days
    const three = { ...drain, budgetFraction: 0.03 };
    expect(alertPolicyProblems([three], { kind: "calendar", unit: "quarter" })).toEqual([]);
    expect(
      alertPolicyProblems([{ ...three, budgetFraction: 0.0299 }], {
        kind: "calendar",
        unit: "quarter",
      }),
    ).toHaveLength(1);
  });

  it("suggests only what is possible: no share above 100%, no window under 5 minutes", () => {
    // 2 days on a 1-day window: even all of the budget is 0.5×
    const [tooLong] = alertPolicyProblems(
      [{ severity: "ticket", budgetFraction: 1, longWindowMinutes: 2880, shortWindowMinutes: 60 }],
      rolling(1),
    );
    expect(tooLong?.message).toContain("Make it 100% in a long window of at most 1600m.");
    // 0.1% of a day in 3 days: neither alone can fix it
    const [neither] = alertPolicyProblems(
      [
        {
          severity: "ticket",
          budgetFraction: 0.001,
          longWindowMinutes: 4320,
          shortWindowMinutes: 60,
        },
      ],
      rolling(1),
    );
    expect(neither?.message).toContain("Give it a shorter long window and a larger share");
  });

  it("names every alert that is too slow, by position", () => {
    const problems = alertPolicyProblems(
      [drain, fast, { ...drain, severity: "page" as const }],
      rolling(7),
    );
    expect(problems.map((p) => p.index)).toEqual([0, 2]);
    expect(problems[1]?.message).toMatch(/^Alert 3 \(page: 10% of the budget in 3d\)/);
  });

  it("is what the SLO schema refuses, at the alert's path", () => {
    const result = sloSpecSchema.safeParse({
      name: "weekly",
      service: "ranker-xl",
      team: "ranking",
      sliKind: "availability",
      objective: 0.999,
      window: { kind: "rolling", days: 7 },
      budgetingMethod: "occurrences",
      alerts: [fast, drain],
    });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => [i.path, i.message])).toEqual([
      [["alerts", 1], alertPolicyProblems([fast, drain], rolling(7))[0]?.message],
    ]);
    // the defaults (left out, or written out) are accepted on 7 days
    const defaults = sloSpecSchema.safeParse({
      name: "weekly",
      service: "ranker-xl",
      team: "ranking",
      sliKind: "availability",
      objective: 0.999,
      window: { kind: "rolling", days: 7 },
      budgetingMethod: "occurrences",
    });
    expect(defaults.success).toBe(true);
  });
});
