import { describe, expect, it } from "vitest";
import {
  budgetFractionOf,
  burnRateThreshold,
  formatWindow,
  windowMinutes,
} from "@/lib/domain/slo-alerts";
import { DEFAULT_ALERT_WINDOWS, type AlertWindow } from "@/lib/domain/slo-spec";

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

describe("burnRateThreshold", () => {
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

  it("scales to 7 days: 3.36, 1.4 and 0.2333…", () => {
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
