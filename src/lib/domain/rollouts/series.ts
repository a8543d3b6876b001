import type { MetricResult } from "./analysis";

/** One instant of a comparison chart: what the canary and the baseline measured then. */
export interface ComparisonPoint {
  /** ms since the epoch */
  t: number;
  canary: number | null;
  baseline: number | null;
  /** an analysis interval recorded here judged the canary over its limit on this metric */
  failed?: boolean;
}

/** An analysis interval as stored: when it was judged and what each side measured. */
export interface StoredMeasurement {
  at: Date;
  metrics: readonly MetricResult[];
}

const finite = (v: number | null | undefined): number | null =>
  typeof v === "number" && Number.isFinite(v) ? v : null;

/**
 * A chart's points for one metric over [start, end]: what the metrics source answered, with the
 * analysis intervals recorded in the window added at their instants. The recorded intervals are
 * what keeps the canary on the chart once it no longer serves (a source that computes the past
 * from what runs now, as the simulator does, has nothing for a version that left), and they are
 * the values the analysis judged: at an instant both have, the recorded one is kept. An interval
 * with nothing measured for the metric adds nothing. Sorted by time.
 */
export function withMeasurements(
  live: readonly ComparisonPoint[],
  runs: readonly StoredMeasurement[],
  metric: MetricResult["metric"],
  window: { start: number; end: number },
): ComparisonPoint[] {
  const byTime = new Map<number, ComparisonPoint>();
  for (const p of live) byTime.set(p.t, p);
  for (const run of runs) {
    const t = run.at.getTime();
    if (!Number.isFinite(t) || t < window.start || t > window.end) continue;
    const m = run.metrics.find((x) => x.metric === metric);
    if (!m) continue;
    const canary = finite(m.canary);
    const baseline = finite(m.baseline);
    if (canary === null && baseline === null) continue;
    byTime.set(t, {
      t,
      canary,
      baseline,
      ...(m.verdict === "fail" ? { failed: true } : {}),
    });
  }
  return [...byTime.values()].sort((a, b) => a.t - b.t);
}

/**
 * The reading a chart's caption states: the newest point with a canary value, else the newest
 * point; null without points. While a rollout runs that is "now"; once it ended, the canary's
 * last reading before it stopped serving, which is the one that says why it ended.
 */
export function latestReading(points: readonly ComparisonPoint[]): ComparisonPoint | null {
  for (let i = points.length - 1; i >= 0; i--) {
    const p = points[i];
    if (p && p.canary !== null) return p;
  }
  return points.at(-1) ?? null;
}

/**
 * The window a rollout's charts cover: its life, at most the last hour of it and at least a
 * minute; a finished rollout's runs on a little past its end (a sixth of the span, at least a
 * minute, never past now), so the chart shows the canary stop and the baseline go on.
 */
export function seriesWindow(input: {
  startedAt: Date | null;
  finishedAt: Date | null;
  now: Date;
}): { start: number; end: number } {
  const now = input.now.getTime();
  const served = Math.min(input.finishedAt?.getTime() ?? now, now);
  let start = Math.max(input.startedAt?.getTime() ?? served, served - 3_600_000);
  if (served - start < 60_000) start = served - 60_000;
  const end =
    input.finishedAt === null
      ? served
      : Math.min(now, served + Math.max(60_000, Math.round((served - start) / 6)));
  return { start, end };
}
