import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { IncidentStatus, Severity } from "@/lib/domain/incidents/lifecycle";
import {
  metricPeriod,
  mtta,
  mttr,
  type ResponseSample,
} from "@/lib/domain/incidents/response-times";

const MIN = 60_000;
const DAY = 86_400_000;

describe("metricPeriod", () => {
  it("weeks are ISO weeks from Monday 00:00 UTC", () => {
    // Sunday 29 November 2026 is in the week of Monday the 23rd, ISO week 48
    expect(metricPeriod("week", new Date("2026-11-29T23:59:59.999Z"))).toEqual({
      key: "2026-W48",
      label: "Week of 23 Nov 2026",
      start: new Date("2026-11-23T00:00:00Z"),
      end: new Date("2026-11-30T00:00:00Z"),
    });
    expect(metricPeriod("week", new Date("2026-11-30T00:00:00Z")).key).toBe("2026-W49");
    expect(metricPeriod("week", new Date("2026-11-23T00:00:00Z")).key).toBe("2026-W48");
  });

  it("weeks at the turn of the year belong to the year of their Thursday", () => {
    expect(metricPeriod("week", new Date("2027-01-01T12:00:00Z")).key).toBe("2026-W53");
    expect(metricPeriod("week", new Date("2024-12-30T12:00:00Z")).key).toBe("2025-W01");
    expect(metricPeriod("week", new Date("2021-01-03T12:00:00Z")).key).toBe("2020-W53");
    expect(metricPeriod("week", new Date("2026-01-01T00:00:00Z"))).toMatchObject({
      key: "2026-W01",
      label: "Week of 29 Dec 2025",
    });
  });

  it("months are UTC calendar months", () => {
    expect(metricPeriod("month", new Date("2026-11-30T23:59:59Z"))).toEqual({
      key: "2026-11",
      label: "November 2026",
      start: new Date("2026-11-01T00:00:00Z"),
      end: new Date("2026-12-01T00:00:00Z"),
    });
    expect(metricPeriod("month", new Date("2026-12-01T00:00:00Z")).key).toBe("2026-12");
  });

  it("property: a period holds its instant, weeks start on Monday and keys follow time", () => {
    const instant = fc.date({
      min: new Date("1990-01-01T00:00:00Z"),
      max: new Date("2090-01-01T00:00:00Z"),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(instant, fc.constantFrom("week" as const, "month" as const), (at, unit) => {
        const p = metricPeriod(unit, at);
        expect(p.start.getTime()).toBeLessThanOrEqual(at.getTime());
        expect(at.getTime()).toBeLessThan(p.end.getTime());
        expect(metricPeriod(unit, p.start)).toEqual(p);
        const next = metricPeriod(unit, p.end);
        expect(next.key > p.key).toBe(true);
        if (unit === "week") {
          expect(p.start.getUTCDay()).toBe(1);
          expect(p.end.getTime() - p.start.getTime()).toBe(7 * DAY);
          const week = Number(p.key.slice(-2));
          expect(week).toBeGreaterThanOrEqual(1);
          expect(week).toBeLessThanOrEqual(53);
        }
      }),
    );
  });
});

const WEEK1 = new Date("2026-11-23T08:00:00Z");
const WEEK2 = new Date("2026-11-30T08:00:00Z");

function incident(
  detectedAt: Date,
  severity: Severity,
  team: string | null,
  ackMin: number | null,
  resolveMin: number | null,
  status: IncidentStatus = resolveMin === null ? "investigating" : "resolved",
): ResponseSample {
  const after = (m: number | null) =>
    m === null ? null : new Date(detectedAt.getTime() + m * MIN);
  return {
    status,
    severity,
    team,
    detectedAt,
    acknowledgedAt: after(ackMin),
    resolvedAt: after(resolveMin),
  };
}

const INCIDENTS: ResponseSample[] = [
  incident(WEEK1, "SEV2", "ranking", 4, 60),
  incident(WEEK1, "SEV2", "ranking", 10, 120),
  incident(WEEK1, "SEV2", "speech", 7, null),
  incident(WEEK1, "SEV1", "speech", 2, 30, "closed"),
  incident(WEEK1, "SEV3", null, null, null, "triage"),
  incident(WEEK2, "SEV2", "ranking", 1, 90),
  // left out: cancelled
  incident(WEEK2, "SEV1", "ranking", 3, null, "cancelled"),
  // measured for MTTA; its resolution precedes detection (bad data), so not for MTTR
  incident(WEEK2, "SEV4", "speech", 5, -10),
];

describe("mtta", () => {
  const r = mtta(INCIDENTS, "week");

  it("per week and severity, oldest week first, most severe first", () => {
    expect(r.bySeverity.map((g) => [g.period.key, g.severity, g.stats])).toEqual([
      ["2026-W48", "SEV1", { count: 1, meanMinutes: 2, medianMinutes: 2, excluded: 0 }],
      ["2026-W48", "SEV2", { count: 3, meanMinutes: 7, medianMinutes: 7, excluded: 0 }],
      ["2026-W48", "SEV3", { count: 0, meanMinutes: null, medianMinutes: null, excluded: 1 }],
      ["2026-W49", "SEV2", { count: 1, meanMinutes: 1, medianMinutes: 1, excluded: 0 }],
      ["2026-W49", "SEV4", { count: 1, meanMinutes: 5, medianMinutes: 5, excluded: 0 }],
    ]);
  });

  it("per week and team, teams by name and no team last", () => {
    expect(r.byTeam.map((g) => [g.period.key, g.team, g.stats.count, g.stats.excluded])).toEqual([
      ["2026-W48", "ranking", 2, 0],
      ["2026-W48", "speech", 2, 0],
      ["2026-W48", null, 0, 1],
      ["2026-W49", "ranking", 1, 0],
      ["2026-W49", "speech", 1, 0],
    ]);
    expect(r.byTeam[0]?.stats).toEqual({
      count: 2,
      meanMinutes: 7,
      medianMinutes: 7,
      excluded: 0,
    });
  });

  it("totals over every period", () => {
    expect(r.totalsBySeverity.map((g) => [g.severity, g.stats.count, g.stats.meanMinutes])).toEqual(
      [
        ["SEV1", 1, 2],
        ["SEV2", 4, 5.5],
        ["SEV3", 0, null],
        ["SEV4", 1, 5],
      ],
    );
    // ranking: 4, 10, 1 → median 4
    expect(r.totalsByTeam.map((g) => [g.team, g.stats.medianMinutes])).toEqual([
      ["ranking", 4],
      ["speech", 5],
      [null, null],
    ]);
    // 4, 10, 7, 2, 1, 5 acknowledged; the SEV3 in triage is not; the cancelled one is left out
    expect(r.total).toEqual({ count: 6, meanMinutes: 29 / 6, medianMinutes: 4.5, excluded: 1 });
  });
});

describe("mttr", () => {
  it("measures resolved incidents and counts the rest as excluded", () => {
    const r = mttr(INCIDENTS, "month");
    expect(r.bySeverity.map((g) => [g.period.key, g.severity, g.stats])).toEqual([
      ["2026-11", "SEV1", { count: 1, meanMinutes: 30, medianMinutes: 30, excluded: 0 }],
      // 60, 120, 90 resolved; one still investigating
      ["2026-11", "SEV2", { count: 3, meanMinutes: 90, medianMinutes: 90, excluded: 1 }],
      ["2026-11", "SEV3", { count: 0, meanMinutes: null, medianMinutes: null, excluded: 1 }],
      ["2026-11", "SEV4", { count: 0, meanMinutes: null, medianMinutes: null, excluded: 1 }],
    ]);
    expect(r.totalsByTeam.map((g) => [g.team, g.stats])).toEqual([
      ["ranking", { count: 3, meanMinutes: 90, medianMinutes: 90, excluded: 0 }],
      ["speech", { count: 1, meanMinutes: 30, medianMinutes: 30, excluded: 2 }],
      [null, { count: 0, meanMinutes: null, medianMinutes: null, excluded: 1 }],
    ]);
  });

  it("the median of an even count is the mean of the middle two; mean and median differ", () => {
    const r = mttr(
      [10, 20, 40, 500].map((m) => incident(WEEK1, "SEV3", "ranking", 1, m)),
      "week",
    );
    expect(r.totalsBySeverity[0]?.stats).toEqual({
      count: 4,
      meanMinutes: 142.5,
      medianMinutes: 30,
      excluded: 0,
    });
  });

  it("zero minutes is a measurement; no incidents gives empty reports", () => {
    const r = mttr([incident(WEEK1, "SEV3", "ranking", 0, 0)], "week");
    expect(r.totalsBySeverity[0]?.stats).toMatchObject({ count: 1, meanMinutes: 0 });
    expect(mtta([], "month")).toEqual({
      bySeverity: [],
      byTeam: [],
      totalsBySeverity: [],
      totalsByTeam: [],
      total: { count: 0, meanMinutes: null, medianMinutes: null, excluded: 0 },
    });
  });

  it("skips an incident whose detection time is invalid, and ignores invalid end times", () => {
    const bad = { ...incident(WEEK1, "SEV3", "x", 1, 1), detectedAt: new Date(Number.NaN) };
    expect(mttr([bad], "week").totalsByTeam).toEqual([]);
    const badEnd = { ...incident(WEEK1, "SEV3", "x", 1, 1), resolvedAt: new Date(Number.NaN) };
    expect(mttr([badEnd], "week").totalsByTeam[0]?.stats).toMatchObject({
      count: 0,
      excluded: 1,
    });
  });

  it("property: every non-cancelled incident is counted once per grouping", () => {
    const sample = fc.record({
      day: fc.integer({ min: 0, max: 120 }),
      severity: fc.constantFrom<Severity>("SEV1", "SEV2", "SEV3", "SEV4"),
      team: fc.constantFrom("ranking", "speech", null),
      ack: fc.option(fc.integer({ min: -5, max: 120 }), { nil: null }),
      resolve: fc.option(fc.integer({ min: -5, max: 2000 }), { nil: null }),
      cancelled: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(sample, { maxLength: 40 }),
        fc.constantFrom("week" as const, "month" as const),
        (list, unit) => {
          const incidents = list.map((s) =>
            incident(
              new Date(WEEK1.getTime() + s.day * DAY),
              s.severity,
              s.team,
              s.ack,
              s.resolve,
              s.cancelled ? "cancelled" : "resolved",
            ),
          );
          const live = list.filter((s) => !s.cancelled).length;
          for (const r of [mtta(incidents, unit), mttr(incidents, unit)]) {
            expect(r.total.count + r.total.excluded).toBe(live);
            for (const rows of [r.bySeverity, r.byTeam, r.totalsBySeverity, r.totalsByTeam]) {
              const total = rows.reduce((n, g) => n + g.stats.count + g.stats.excluded, 0);
              expect(total).toBe(live);
              for (const g of rows) {
                if (g.stats.count === 0) expect(g.stats.meanMinutes).toBeNull();
                else expect(g.stats.meanMinutes).toBeGreaterThanOrEqual(0);
              }
            }
          }
          const measuredAck = list.filter(
            (s) => !s.cancelled && s.ack !== null && s.ack >= 0,
          ).length;
          expect(
            mtta(incidents, unit).totalsBySeverity.reduce((n, g) => n + g.stats.count, 0),
          ).toBe(measuredAck);
        },
      ),
    );
  });
});
