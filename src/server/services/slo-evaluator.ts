import "server-only";
import { db, Prisma } from "@/server/db/client";
import {
  burnRate,
  errorBudget,
  firingSeverity,
  judgeAlerts,
  sloHealth,
  timeToExhaustion,
  windowStart,
  type AlertJudgement,
} from "@/lib/domain/slo";
import { windowMinutes } from "@/lib/domain/slo-alerts";
import { sloSpecOf, type StoredSlo } from "@/server/services/slo-definitions";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
/** Burn-rate windows up to this long are summed from minute buckets; longer ones from hours. */
export const MINUTE_WINDOW_LIMIT = 360;

export interface Counts {
  good: number;
  total: number;
  slices: number;
  goodSlices: number;
}
const ZERO: Counts = { good: 0, total: 0, slices: 0, goodSlices: 0 };

/** The counts an SLO budgets by: events (occurrences) or minutes (timeslices). */
export function budgetCounts(c: Counts, method: "occurrences" | "timeslices") {
  return method === "timeslices"
    ? { good: c.goodSlices, total: c.slices }
    : { good: c.good, total: c.total };
}

/**
 * Good and total counts of each SLO from `start` (on the hour) to now, from the rollups only:
 * whole days from daily buckets (today's is kept current minute by minute), the hours before
 * the first whole day from hourly buckets. One query for any number of SLOs.
 */
export async function windowCounts(
  windows: { sloId: string; start: Date }[],
): Promise<Map<string, Counts>> {
  if (windows.length === 0) return new Map();
  const ids = windows.map((w) => w.sloId);
  const hourFrom = windows.map((w) => w.start.toISOString());
  const dayFrom = windows.map((w) =>
    new Date(Math.ceil(w.start.getTime() / DAY) * DAY).toISOString(),
  );
  const rows = await db().$queryRaw<
    { sloId: string; good: bigint; total: bigint; slices: bigint; goodSlices: bigint }[]
  >`
    WITH w AS (
      SELECT * FROM unnest(${ids}::text[], ${hourFrom}::timestamp[], ${dayFrom}::timestamp[])
        AS t(id, "hourFrom", "dayFrom")
    )
    SELECT b."sloId", sum(b.good)::bigint AS good, sum(b.total)::bigint AS total,
           sum(b.slices)::bigint AS slices, sum(b."goodSlices")::bigint AS "goodSlices"
    FROM w JOIN "SliBucket" b ON b."sloId" = w.id AND (
      (b.resolution = 'day' AND b.start >= w."dayFrom")
      OR (b.resolution = 'hour' AND b.start >= w."hourFrom" AND b.start < w."dayFrom"))
    GROUP BY b."sloId"`;
  return new Map(
    rows.map((r) => [
      r.sloId,
      {
        good: Number(r.good),
        total: Number(r.total),
        slices: Number(r.slices),
        goodSlices: Number(r.goodSlices),
      },
    ]),
  );
}

/**
 * Counts of each SLO over each trailing window (in minutes) ending now. Windows up to six hours
 * read minute buckets, longer ones hourly buckets from the hour the window starts in. Each
 * resolution is read once, with one filtered sum per window.
 */
export async function trailingCounts(
  sloIds: string[],
  windowsMinutes: number[],
  now: Date,
): Promise<Map<string, Map<number, Counts>>> {
  const out = new Map<string, Map<number, Counts>>();
  const windows = [...new Set(windowsMinutes)];
  if (sloIds.length === 0 || windows.length === 0) return out;
  const put = (sloId: string, minutes: number, c: Counts) => {
    const bySlo = out.get(sloId) ?? new Map<number, Counts>();
    bySlo.set(minutes, c);
    out.set(sloId, bySlo);
  };
  const read = async (
    resolution: "minute" | "hour",
    group: number[],
    since: (m: number) => Date,
  ) => {
    if (group.length === 0) return;
    const from = new Date(Math.min(...group.map((m) => since(m).getTime())));
    const sums = group.map(
      (m, i) => Prisma.sql`
        sum(good) FILTER (WHERE start >= ${since(m)}) AS ${Prisma.raw(`"g${i}"`)},
        sum(total) FILTER (WHERE start >= ${since(m)}) AS ${Prisma.raw(`"t${i}"`)},
        sum(slices) FILTER (WHERE start >= ${since(m)}) AS ${Prisma.raw(`"s${i}"`)},
        sum("goodSlices") FILTER (WHERE start >= ${since(m)}) AS ${Prisma.raw(`"gs${i}"`)}`,
    );
    const rows = await db().$queryRaw<Record<string, string | bigint | null>[]>`
      SELECT "sloId", ${Prisma.join(sums)}
      FROM "SliBucket"
      WHERE "sloId" = ANY(${sloIds}::text[])
        AND resolution = ${resolution}::"BucketResolution" AND start >= ${from}
      GROUP BY "sloId"`;
    for (const r of rows) {
      group.forEach((m, i) =>
        put(String(r.sloId), m, {
          good: Number(r[`g${i}`] ?? 0),
          total: Number(r[`t${i}`] ?? 0),
          slices: Number(r[`s${i}`] ?? 0),
          goodSlices: Number(r[`gs${i}`] ?? 0),
        }),
      );
    }
  };
  await Promise.all([
    read(
      "minute",
      windows.filter((m) => m <= MINUTE_WINDOW_LIMIT),
      (m) => new Date(now.getTime() - m * MINUTE),
    ),
    read(
      "hour",
      windows.filter((m) => m > MINUTE_WINDOW_LIMIT),
      (m) => new Date(Math.floor((now.getTime() - m * MINUTE) / HOUR) * HOUR),
    ),
  ]);
  return out;
}

export interface SloEvaluation {
  sloId: string;
  windowStart: Date;
  windowMinutes: number;
  counts: Counts;
  judgements: AlertJudgement[];
}

const EVALUATE_SELECT = {
  id: true,
  name: true,
  displayName: true,
  description: true,
  sliKind: true,
  objective: true,
  windowKind: true,
  windowDays: true,
  budgetingMethod: true,
  timesliceTarget: true,
  threshold: true,
  alertWindows: true,
  model: { select: { name: true } },
  team: { select: { slug: true } },
} satisfies Prisma.SloSelect;

/**
 * Recomputes every SLO's budget snapshot and its burn-rate alerts: opens alerts whose long and
 * short windows both burn past the threshold, resolves the ones that stopped. One replica
 * evaluates at a time (advisory lock); a second one skips the round. Returns null when skipped.
 */
export async function evaluateSlos(
  now = new Date(),
): Promise<{ slos: number; fired: number; resolved: number } | null> {
  return db().$transaction(
    async (tx) => {
      const lock = await tx.$queryRaw<{ locked: boolean }[]>`
        SELECT pg_try_advisory_xact_lock(hashtext('flightdeck:slo-evaluator')) AS locked`;
      if (!lock[0]?.locked) return null;
      const slos = await tx.slo.findMany({ select: EVALUATE_SELECT });
      const specs = new Map(slos.map((s) => [s.id, sloSpecOf(s as StoredSlo)]));
      const starts = slos.map((s) => ({
        sloId: s.id,
        start: windowStart(specs.get(s.id)!.window, now),
      }));
      const startOf = new Map(starts.map((x) => [x.sloId, x.start]));
      const alertMinutes = [...specs.values()].flatMap((spec) =>
        spec.alerts.flatMap((a) => [a.longWindowMinutes, a.shortWindowMinutes]),
      );
      const [windowSums, trailing, open] = await Promise.all([
        windowCounts(starts),
        trailingCounts(
          slos.map((s) => s.id),
          [60, ...alertMinutes],
          now,
        ),
        tx.sloAlert.findMany({
          where: { resolvedAt: null },
          select: {
            id: true,
            sloId: true,
            severity: true,
            longWindowMinutes: true,
            peakBurn: true,
          },
        }),
      ]);
      const openByKey = new Map(
        open.map((a) => [`${a.sloId}/${a.severity}/${a.longWindowMinutes}`, a]),
      );
      const snapshots: Prisma.SloSnapshotCreateManyInput[] = [];
      const toOpen: Prisma.SloAlertCreateManyInput[] = [];
      const toResolve: string[] = [];
      const peaks: { id: string; peak: number }[] = [];
      for (const s of slos) {
        const spec = specs.get(s.id)!;
        const start = startOf.get(s.id)!;
        const minutes = windowMinutes(spec.window, now);
        const counts = windowSums.get(s.id) ?? ZERO;
        const burnOver = (m: number) => {
          const c = budgetCounts(trailing.get(s.id)?.get(m) ?? ZERO, spec.budgetingMethod);
          return burnRate(c.good, c.total, spec.objective);
        };
        const judgements = judgeAlerts(spec.alerts, minutes, burnOver);
        const firing = firingSeverity(judgements);
        const budget = errorBudget({
          ...budgetCounts(counts, spec.budgetingMethod),
          objective: spec.objective,
        });
        const burn1h = burnOver(60);
        snapshots.push({
          sloId: s.id,
          computedAt: now,
          windowStart: start,
          status: sloHealth(budget, firing),
          good: BigInt(counts.good),
          total: BigInt(counts.total),
          attainment: budget.status === "no_data" ? null : budget.attainment,
          consumed: budget.status === "no_data" ? null : budget.consumed,
          remaining: budget.status === "no_data" ? null : budget.remaining,
          budgetAmount: budget.status === "no_data" ? null : budget.budgetEvents,
          burnRate1h: burn1h,
          exhaustsInMin:
            budget.status === "no_data"
              ? null
              : timeToExhaustion(budget.remaining, burn1h, minutes),
          firing,
        });
        for (const j of judgements) {
          const key = `${s.id}/${j.alert.severity}/${j.alert.longWindowMinutes}`;
          const existing = openByKey.get(key);
          if (j.firing && !existing) {
            toOpen.push({
              sloId: s.id,
              severity: j.alert.severity,
              longWindowMinutes: j.alert.longWindowMinutes,
              shortWindowMinutes: j.alert.shortWindowMinutes,
              threshold: j.threshold,
              longBurn: j.longBurn ?? 0,
              shortBurn: j.shortBurn ?? 0,
              peakBurn: j.longBurn ?? 0,
              firedAt: now,
            });
          } else if (j.firing && existing && (j.longBurn ?? 0) > existing.peakBurn) {
            peaks.push({ id: existing.id, peak: j.longBurn ?? 0 });
          }
          if (existing) openByKey.delete(key);
          if (!j.firing && existing) toResolve.push(existing.id);
        }
      }
      // Open alerts whose window the SLO no longer has (edited away) resolve too.
      for (const stale of openByKey.values()) toResolve.push(stale.id);
      const ids = snapshots.map((s) => s.sloId);
      await tx.sloSnapshot.deleteMany({ where: { sloId: { in: ids } } });
      await tx.sloSnapshot.createMany({ data: snapshots });
      const fired = await tx.sloAlert.createMany({ data: toOpen, skipDuplicates: true });
      const resolved = await tx.sloAlert.updateMany({
        where: { id: { in: toResolve }, resolvedAt: null },
        data: { resolvedAt: now },
      });
      for (const p of peaks) {
        await tx.sloAlert.update({ where: { id: p.id }, data: { peakBurn: p.peak } });
      }
      return { slos: slos.length, fired: fired.count, resolved: resolved.count };
    },
    { timeout: 30_000 },
  );
}
