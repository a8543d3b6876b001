import "server-only";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { isForeignKeyViolation } from "@/server/db/violations";
import { metricsSource } from "@/server/fleet/platform";
import type { MetricsSource, SliCounts } from "@/lib/platform/types";

const MINUTE = 60_000;
/** After downtime, catch up at most this far back; older minutes stay without data. */
export const MAX_BACKFILL_MINUTES = 60;
/** Minute buckets are kept this long; hour and day rollups keep the history. */
export const MINUTE_RETENTION_HOURS = 48;

interface SloToFeed {
  id: string;
  sliKind: "availability" | "latency" | "freshness" | "quality";
  threshold: number | null;
  model: string;
  /** a minute is a good timeslice when its good/total share reaches this */
  sliceTarget: number;
}

/** Good and total events for one SLO over one minute, from the platform's metrics. */
async function countsFor(
  source: MetricsSource,
  slo: SloToFeed,
  start: Date,
  end: Date,
): Promise<SliCounts> {
  const selector = { model: slo.model };
  if (slo.sliKind === "latency" && slo.threshold) {
    return source.sliCounts({ kind: "latency", thresholdMs: slo.threshold }, selector, start, end);
  }
  const counts = await source.sliCounts({ kind: "availability" }, selector, start, end);
  if (counts.noData) return counts;
  if (slo.sliKind === "freshness" && slo.threshold !== null) {
    // Freshness: traffic served while the features were younger than the threshold is good.
    const age = await source.instant("data_age_seconds", selector, new Date(end.getTime() - 1));
    const oldest = Math.max(...age.map((s) => s.value));
    return {
      good: age.length === 0 || oldest <= slo.threshold ? counts.total : 0,
      total: counts.total,
    };
  }
  if (slo.sliKind === "quality" && slo.threshold !== null) {
    // Model quality: traffic served while online accuracy held above the floor counts as good.
    const accuracy = await source.instant("online_accuracy", selector, new Date(end.getTime() - 1));
    const worst = Math.min(...accuracy.map((s) => s.value));
    return {
      good: accuracy.length === 0 || worst >= slo.threshold ? counts.total : 0,
      total: counts.total,
    };
  }
  return counts;
}

/**
 * Keeps on the SLO why its latest minutes had no data (null: they had data), writing only a
 * change, so a lasting gap keeps the minute it began.
 */
async function recordGap(sloId: string, gap: { reason: string; since: Date } | null) {
  const prisma = db();
  if (gap) {
    await prisma.$executeRaw`
      UPDATE "Slo" SET "noDataReason" = ${gap.reason}, "noDataSince" = ${gap.since}
      WHERE id = ${sloId} AND "noDataReason" IS DISTINCT FROM ${gap.reason}`;
  } else {
    await prisma.$executeRaw`
      UPDATE "Slo" SET "noDataReason" = NULL, "noDataSince" = NULL
      WHERE id = ${sloId} AND "noDataReason" IS NOT NULL`;
  }
}

/**
 * Feeds each SLO's SLI minute buckets from the platform's metrics, up to the last complete
 * minute, adding each minute to its hour and day rollups in the same statement. Metrics are
 * read outside any transaction (a slow source holds no locks); each minute is written by one
 * atomic statement whose rollup increments happen only if the minute row was new, so a crash,
 * a retry or several replicas feeding at once never count a minute twice. A minute whose query
 * matched no series is written empty (no data, never 0% good) and the SLO keeps the reason.
 * `sloIds` limits the round (and the retention of minutes) to those SLOs. Returns the minutes
 * this call wrote.
 */
export async function feedSliMinutes(
  now = clock.now(),
  source: MetricsSource = metricsSource(),
  sloIds?: string[],
): Promise<number> {
  const lastComplete = Math.floor(now.getTime() / MINUTE) * MINUTE - MINUTE;
  const prisma = db();
  const slos = await prisma.slo.findMany({
    ...(sloIds ? { where: { id: { in: sloIds } } } : {}),
    select: {
      id: true,
      sliKind: true,
      threshold: true,
      objective: true,
      timesliceTarget: true,
      model: { select: { name: true } },
    },
  });
  // Only minutes inside the backfill window decide where each SLO resumes (older ones resume at
  // the window's start anyway): an index range, not every minute kept (3 million at fleet scale).
  const latest = await prisma.sliBucket.groupBy({
    by: ["sloId"],
    where: {
      resolution: "minute",
      start: { gte: new Date(lastComplete - MAX_BACKFILL_MINUTES * MINUTE) },
    },
    _max: { start: true },
  });
  const latestBySlo = new Map(latest.map((r) => [r.sloId, r._max.start?.getTime() ?? 0]));
  let written = 0;
  for (const s of slos) {
    const slo: SloToFeed = {
      id: s.id,
      sliKind: s.sliKind,
      threshold: s.threshold,
      model: s.model.name,
      sliceTarget: s.timesliceTarget ?? s.objective,
    };
    const from = Math.max(
      (latestBySlo.get(s.id) ?? 0) + MINUTE,
      lastComplete - (MAX_BACKFILL_MINUTES - 1) * MINUTE,
    );
    try {
      written += await feedOne(source, slo, from, lastComplete);
    } catch (error) {
      // Deleted since this round listed it: its minutes have nowhere to go, and the SLOs
      // after it are still fed this round.
      if (isForeignKeyViolation(error)) continue;
      throw error;
    }
  }
  await prisma.sliBucket.deleteMany({
    where: {
      ...(sloIds ? { sloId: { in: sloIds } } : {}),
      resolution: "minute",
      start: { lt: new Date(now.getTime() - MINUTE_RETENTION_HOURS * 3_600_000) },
    },
  });
  return written;
}

/** Feeds one SLO's minutes from `from` to `lastComplete`; returns the minutes written. */
async function feedOne(
  source: MetricsSource,
  slo: SloToFeed,
  from: number,
  lastComplete: number,
): Promise<number> {
  const prisma = db();
  let written = 0;
  // undefined until a minute is read: then null (data) or why there was none
  let gap: { reason: string; since: Date } | null | undefined;
  for (let t = from; t <= lastComplete; t += MINUTE) {
    const start = new Date(t);
    const counts = await countsFor(source, slo, start, new Date(t + MINUTE));
    if (counts.noData) {
      if (gap?.reason !== counts.noData) gap = { reason: counts.noData, since: start };
    } else {
      gap = null;
    }
    // Good and total come from separate queries (and counters reset): keep 0 ≤ good ≤ total.
    const total = Math.max(0, Math.round(counts.total));
    const good = Math.min(Math.max(0, Math.round(counts.good)), total);
    const slices = total > 0 ? 1 : 0;
    const goodSlices = total > 0 && good / total >= slo.sliceTarget ? 1 : 0;
    written += await prisma.$executeRaw`
      WITH minute AS (
        INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
        VALUES (${slo.id}, 'minute'::"BucketResolution", ${start}, ${good}, ${total}, ${slices}, ${goodSlices})
        ON CONFLICT DO NOTHING
        RETURNING good, total, slices, "goodSlices"
      ), hour AS (
        INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
        SELECT ${slo.id}, 'hour'::"BucketResolution", date_trunc('hour', ${start}::timestamp), good, total, slices, "goodSlices" FROM minute
        ON CONFLICT ("sloId", resolution, start) DO UPDATE
          SET good = "SliBucket".good + EXCLUDED.good, total = "SliBucket".total + EXCLUDED.total,
              slices = "SliBucket".slices + EXCLUDED.slices,
              "goodSlices" = "SliBucket"."goodSlices" + EXCLUDED."goodSlices"
      )
      INSERT INTO "SliBucket" ("sloId", resolution, start, good, total, slices, "goodSlices")
      SELECT ${slo.id}, 'day'::"BucketResolution", date_trunc('day', ${start}::timestamp), good, total, slices, "goodSlices" FROM minute
      ON CONFLICT ("sloId", resolution, start) DO UPDATE
        SET good = "SliBucket".good + EXCLUDED.good, total = "SliBucket".total + EXCLUDED.total,
            slices = "SliBucket".slices + EXCLUDED.slices,
            "goodSlices" = "SliBucket"."goodSlices" + EXCLUDED."goodSlices"`;
  }
  if (gap !== undefined) await recordGap(slo.id, gap);
  return written;
}
