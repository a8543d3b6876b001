import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { MetricResult } from "@/lib/domain/rollouts/analysis";
import {
  latestReading,
  seriesWindow,
  withMeasurements,
  type ComparisonPoint,
} from "@/lib/domain/rollouts/series";

const T0 = Date.UTC(2026, 11, 4, 12, 0);
const MIN = 60_000;
const at = (minutes: number) => new Date(T0 + minutes * MIN);

function metric(
  name: MetricResult["metric"],
  canary: number | null,
  baseline: number | null,
  verdict: MetricResult["verdict"] = "pass",
): MetricResult {
  return { metric: name, canary, baseline, limit: null, verdict, reason: "" };
}

const window = { start: T0, end: T0 + 10 * MIN };

describe("withMeasurements", () => {
  it("keeps the canary on the chart from the recorded intervals when the source has none", () => {
    // What the simulator answers once the canary is gone: the baseline only.
    const live: ComparisonPoint[] = [0, 1, 2, 3].map((m) => ({
      t: at(m).getTime(),
      canary: null,
      baseline: 0.0004,
    }));
    const runs = [
      { at: at(1.5), metrics: [metric("error_rate", 0.031, 0.0004, "fail")] },
      { at: at(2.5), metrics: [metric("error_rate", 0.029, 0.0005, "fail")] },
    ];
    const points = withMeasurements(live, runs, "error_rate", window);
    expect(points.map((p) => p.t)).toEqual([0, 1, 1.5, 2, 2.5, 3].map((m) => at(m).getTime()));
    expect(points.filter((p) => p.canary !== null)).toEqual([
      { t: at(1.5).getTime(), canary: 0.031, baseline: 0.0004, failed: true },
      { t: at(2.5).getTime(), canary: 0.029, baseline: 0.0005, failed: true },
    ]);
  });

  it("takes the metric asked for, and marks only that metric's failures", () => {
    const runs = [
      {
        at: at(2),
        metrics: [
          metric("error_rate", 0.001, 0.0009, "pass"),
          metric("latency_p99", 900, 300, "fail"),
        ],
      },
    ];
    expect(withMeasurements([], runs, "error_rate", window)).toEqual([
      { t: at(2).getTime(), canary: 0.001, baseline: 0.0009 },
    ]);
    expect(withMeasurements([], runs, "latency_p99", window)).toEqual([
      { t: at(2).getTime(), canary: 900, baseline: 300, failed: true },
    ]);
  });

  it("prefers the judged values where the source answers for the same instant", () => {
    const live = [{ t: at(2).getTime(), canary: 0.002, baseline: 0.001 }];
    const runs = [{ at: at(2), metrics: [metric("error_rate", 0.003, 0.0011, "pass")] }];
    expect(withMeasurements(live, runs, "error_rate", window)).toEqual([
      { t: at(2).getTime(), canary: 0.003, baseline: 0.0011 },
    ]);
  });

  it("leaves out intervals outside the window, without the metric, or without values", () => {
    const runs = [
      { at: at(-0.01), metrics: [metric("error_rate", 0.1, 0.001)] },
      { at: at(10.01), metrics: [metric("error_rate", 0.1, 0.001)] },
      { at: at(3), metrics: [] },
      { at: at(4), metrics: [metric("latency_p99", 100, 90)] },
      { at: at(5), metrics: [metric("error_rate", null, null, "no_data")] },
      { at: at(6), metrics: [metric("error_rate", Number.NaN, Number.POSITIVE_INFINITY)] },
      { at: new Date(Number.NaN), metrics: [metric("error_rate", 0.1, 0.001)] },
    ];
    expect(withMeasurements([], runs, "error_rate", window)).toEqual([]);
  });

  it("keeps the window's edges and a one-sided interval (no baseline to compare with)", () => {
    const runs = [
      { at: at(0), metrics: [metric("error_rate", 0.002, null, "no_data")] },
      { at: at(10), metrics: [metric("error_rate", null, 0.001, "no_data")] },
    ];
    expect(withMeasurements([], runs, "error_rate", window)).toEqual([
      { t: at(0).getTime(), canary: 0.002, baseline: null },
      { t: at(10).getTime(), canary: null, baseline: 0.001 },
    ]);
  });

  it("returns the source's points unchanged, sorted, without intervals", () => {
    const live = [
      { t: at(2).getTime(), canary: 1, baseline: 2 },
      { t: at(1).getTime(), canary: 3, baseline: null },
    ];
    expect(withMeasurements(live, [], "error_rate", window)).toEqual([live[1], live[0]]);
    expect(withMeasurements([], [], "error_rate", window)).toEqual([]);
  });

  it("always sorts by time, one point per instant, and never loses a recorded canary", () => {
    const minute = fc.integer({ min: 0, max: 10 });
    fc.assert(
      fc.property(
        fc.array(minute.map((m) => ({ t: at(m).getTime(), canary: null, baseline: 0.001 }))),
        fc.array(fc.record({ m: minute, canary: fc.double({ min: 0, max: 1, noNaN: true }) })),
        (live, recorded) => {
          const runs = recorded.map((x) => ({
            at: at(x.m),
            metrics: [metric("error_rate", x.canary, 0.001)],
          }));
          const points = withMeasurements(live, runs, "error_rate", window);
          const times = points.map((p) => p.t);
          expect(times).toEqual([...new Set(times)].sort((a, b) => a - b));
          // the last interval recorded at an instant is the one shown there
          const last = new Map(recorded.map((x) => [at(x.m).getTime(), x.canary]));
          for (const [t, canary] of last) {
            expect(points.find((p) => p.t === t)?.canary).toBe(canary);
          }
        },
      ),
    );
  });
});

describe("latestReading", () => {
  it("is the newest point with a canary value", () => {
    const points = [
      { t: 1, canary: 0.01, baseline: 0.001 },
      { t: 2, canary: 0.03, baseline: 0.001, failed: true },
      { t: 3, canary: null, baseline: 0.001 },
      { t: 4, canary: null, baseline: 0.002 },
    ];
    expect(latestReading(points)).toEqual(points[1]);
  });

  it("falls back to the newest point when the canary never had a value, and null without any", () => {
    const points = [
      { t: 1, canary: null, baseline: 0.001 },
      { t: 2, canary: null, baseline: 0.002 },
    ];
    expect(latestReading(points)).toEqual(points[1]);
    expect(latestReading([])).toBeNull();
  });

  it("takes a canary value of zero as a reading", () => {
    const points = [
      { t: 1, canary: 0, baseline: 0.001 },
      { t: 2, canary: null, baseline: 0.001 },
    ];
    expect(latestReading(points)?.t).toBe(1);
  });
});

describe("seriesWindow", () => {
  const now = at(600);

  it("covers a running rollout from its start until now, at most the last hour", () => {
    expect(seriesWindow({ startedAt: at(590), finishedAt: null, now })).toEqual({
      start: at(590).getTime(),
      end: now.getTime(),
    });
    expect(seriesWindow({ startedAt: at(0), finishedAt: null, now })).toEqual({
      start: at(540).getTime(),
      end: now.getTime(),
    });
  });

  it("is at least a minute long, and one not started yet ends now", () => {
    expect(seriesWindow({ startedAt: at(599.9), finishedAt: null, now })).toEqual({
      start: at(599).getTime(),
      end: now.getTime(),
    });
    expect(seriesWindow({ startedAt: null, finishedAt: null, now })).toEqual({
      start: at(599).getTime(),
      end: now.getTime(),
    });
    // exactly a minute is long enough
    expect(seriesWindow({ startedAt: at(599), finishedAt: null, now }).start).toBe(
      at(599).getTime(),
    );
  });

  it("runs a finished rollout's window a sixth of its span past its end", () => {
    expect(seriesWindow({ startedAt: at(0), finishedAt: at(30), now })).toEqual({
      start: at(0).getTime(),
      end: at(35).getTime(),
    });
    // the last hour of a long one, and a sixth of that hour past it
    expect(seriesWindow({ startedAt: at(0), finishedAt: at(300), now })).toEqual({
      start: at(240).getTime(),
      end: at(310).getTime(),
    });
  });

  it("runs at least a minute past the end, never past now", () => {
    // served 12 s: the window is the minute before its end and the minute after
    expect(seriesWindow({ startedAt: at(500 - 0.2), finishedAt: at(500), now })).toEqual({
      start: at(499).getTime(),
      end: at(501).getTime(),
    });
    // ended 20 s ago: the window stops at now
    expect(seriesWindow({ startedAt: at(590), finishedAt: at(599 + 2 / 3), now })).toEqual({
      start: at(590).getTime(),
      end: now.getTime(),
    });
  });

  it("reads an end in the future (a clock ahead of ours) as now", () => {
    expect(seriesWindow({ startedAt: at(590), finishedAt: at(601), now })).toEqual({
      start: at(590).getTime(),
      end: now.getTime(),
    });
  });
});
