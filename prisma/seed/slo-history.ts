import { dataAgeSeconds } from "../../src/lib/platform/simulator/behaviour";
import { DAY, HOUR, MINUTE, lookup, type BadWindow, type Tx } from "./common";
import { HISTORY_DAYS, MODELS, type ModelSpec, type SloSpec } from "./demo-data";
import type { Rng } from "./rng";

interface Sums {
  good: number;
  total: number;
  slices: number;
  goodSlices: number;
}

interface Bucket extends Sums {
  resolution: "minute" | "hour" | "day";
  start: number;
}

/** What an SLO's history is drawn from. */
interface SliSource {
  rng: Rng;
  nowMs: number;
  model: ModelSpec;
  spec: SloSpec;
  badWindows: readonly BadWindow[];
}

/**
 * Every model's SLOs with 200 days of SLI history (two quarters for the leadership review):
 * minute buckets for the last day, hourly and daily rollups.
 */
export async function seedSloHistory(
  tx: Tx,
  input: {
    rng: Rng;
    nowMs: number;
    modelIds: ReadonlyMap<string, string>;
    teamIds: ReadonlyMap<string, string>;
    badWindows: readonly BadWindow[];
  },
): Promise<void> {
  for (const model of MODELS) {
    const modelId = lookup(input.modelIds, model.name, "model");
    const teamId = lookup(input.teamIds, model.team, "team");
    for (const spec of model.slos) {
      const slo = await tx.slo.create({
        data: {
          name: `${model.name}-${spec.suffix}`,
          description: spec.description(model.displayName),
          modelId,
          teamId,
          sliKind: spec.sliKind,
          objective: spec.objective,
          windowKind: spec.windowKind ?? "rolling",
          windowDays: spec.windowDays ?? 30,
          budgetingMethod: spec.timeslices ? "timeslices" : "occurrences",
          timesliceTarget: spec.timeslices ? 0.99 : null,
          threshold: spec.threshold,
          createdAt: new Date(input.nowMs - HISTORY_DAYS * DAY),
        },
      });
      await insertBuckets(tx, slo.id, sliBuckets({ ...input, model, spec }));
    }
  }
}

/**
 * One statement per SLO from column arrays: createMany over ~6,000 rows per SLO made the first
 * start several times slower.
 */
async function insertBuckets(tx: Tx, sloId: string, buckets: readonly Bucket[]) {
  const resolutions = buckets.map((b) => b.resolution);
  const starts = buckets.map((b) => new Date(b.start).toISOString());
  const goods = buckets.map((b) => String(b.good));
  const totals = buckets.map((b) => String(b.total));
  const slices = buckets.map((b) => b.slices);
  const goodSlices = buckets.map((b) => b.goodSlices);
  await tx.$executeRaw`
    INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
    SELECT ${sloId}, r::"BucketResolution", s, g, t, n, gn
    FROM unnest(${resolutions}::text[], ${starts}::timestamp[], ${goods}::bigint[],
                ${totals}::bigint[], ${slices}::int[], ${goodSlices}::int[])
      AS x(r, s, g, t, n, gn)`;
}

/** Requests per minute for a model at an instant: a daily cycle peaking mid-afternoon UTC. */
function trafficAt(rpm: number, t: number): number {
  const hour = (t % DAY) / HOUR;
  return rpm * (0.65 + 0.35 * Math.sin(((hour - 9) / 24) * 2 * Math.PI));
}

/**
 * The share of requests failing at an instant: normal operation burns a fraction of the
 * budget; bad windows burn fast.
 */
function errorRates(source: SliSource): (t: number) => number {
  const { rng, model, spec } = source;
  const baseBad = (1 - spec.objective) * rng.float(0.15, 0.6);
  // The simulator's own data age decides freshness: stale minutes serve only bad requests.
  if (spec.sliKind === "freshness")
    return (t) => (dataAgeSeconds(model.name, t) > (spec.threshold ?? 0) ? 1 : 0);
  const windows = source.badWindows.filter((w) => w.model === model.name);
  return (t) => {
    let rate = baseBad * (0.8 + 0.4 * rng.next());
    for (const w of windows) if (t >= w.start && t < w.end) rate += w.errorRate * spec.share;
    return Math.min(rate, 1);
  };
}

/** Hourly buckets (with the minutes of the last day before their hour) then daily rollups. */
function sliBuckets(source: SliSource): Bucket[] {
  const { nowMs } = source;
  const errorRateAt = errorRates(source);
  // A minute (or a 10-minute slice) is a good timeslice when it met the objective.
  const sliceTarget = source.spec.timeslices ? 0.99 : source.spec.objective;
  const goodSlice = (good: number, total: number) => total > 0 && good / total >= sliceTarget;
  const rpm = source.model.rpm;
  const buckets: Bucket[] = [];
  const hours: Bucket[] = [];
  const windowStart = Math.floor((nowMs - HISTORY_DAYS * DAY) / HOUR) * HOUR;
  const minuteStart = nowMs - DAY;
  for (let h = windowStart; h < nowMs; h += HOUR) {
    const sums: Sums = { good: 0, total: 0, slices: 0, goodSlices: 0 };
    if (h + HOUR > minuteStart) {
      for (let t = h; t < Math.min(h + HOUR, nowMs); t += MINUTE) {
        const tot = Math.round(trafficAt(rpm, t) * source.rng.float(0.95, 1.05));
        const bad = Math.round(tot * errorRateAt(t));
        const minute = {
          good: tot - bad,
          total: tot,
          slices: tot > 0 ? 1 : 0,
          goodSlices: goodSlice(tot - bad, tot) ? 1 : 0,
        };
        add(sums, minute);
        if (t >= minuteStart) buckets.push({ resolution: "minute", start: t, ...minute });
      }
    } else {
      // Older hours: sum six 10-minute slices so incident windows show up sharply.
      for (let t = h; t < h + HOUR; t += 10 * MINUTE) {
        const tot = Math.round(trafficAt(rpm, t) * 10 * source.rng.float(0.95, 1.05));
        const bad = Math.round(tot * errorRateAt(t));
        const good = goodSlice(tot - bad, tot) ? 10 : 0;
        add(sums, { good: tot - bad, total: tot, slices: 10, goodSlices: good });
      }
    }
    const hour: Bucket = { resolution: "hour", start: h, ...sums };
    hours.push(hour);
    buckets.push(hour);
  }
  return buckets.concat(dailyRollups(hours));
}

function dailyRollups(hours: readonly Bucket[]): Bucket[] {
  const days = new Map<number, Bucket>();
  for (const h of hours) {
    const start = Math.floor(h.start / DAY) * DAY;
    let day = days.get(start);
    if (!day) {
      day = { resolution: "day", start, good: 0, total: 0, slices: 0, goodSlices: 0 };
      days.set(start, day);
    }
    add(day, h);
  }
  return [...days.values()];
}

function add(into: Sums, more: Sums) {
  into.good += more.good;
  into.total += more.total;
  into.slices += more.slices;
  into.goodSlices += more.goodSlices;
}
