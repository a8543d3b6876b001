import { afterAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { feedSliMinutes, MAX_BACKFILL_MINUTES } from "@/server/slos/sli-feed";
import { SimulatorMetrics } from "@/lib/platform/simulator/metrics";
import { servingDeployments } from "@/server/fleet/platform";
import type { MetricsSource } from "@/lib/platform/types";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

const MINUTE = 60_000;
// Well after the seeded history, on an hour boundary plus a few minutes.
const NOW = new Date("2026-12-05T10:07:30Z");
const source = new SimulatorMetrics({ seed: 20261129, deployments: servingDeployments });

const sum = (rows: { good: bigint; total: bigint }[]) =>
  rows.reduce((a, r) => ({ good: a.good + r.good, total: a.total + r.total }), {
    good: 0n,
    total: 0n,
  });

describe("feeding SLI minute buckets from the platform", () => {
  it("backfills up to an hour of complete minutes for every SLO, with consistent rollups", async () => {
    const slos = await prisma.slo.count();
    const written = await feedSliMinutes(NOW, source);
    expect(written).toBe(slos * MAX_BACKFILL_MINUTES);

    const slo = await prisma.slo.findFirstOrThrow({
      where: { sliKind: "availability" },
      orderBy: { name: "asc" },
    });
    const minutes = await prisma.sliBucket.findMany({
      where: {
        sloId: slo.id,
        resolution: "minute",
        start: { gte: new Date(NOW.getTime() - 2 * 3_600_000) },
      },
      orderBy: { start: "asc" },
    });
    expect(minutes).toHaveLength(MAX_BACKFILL_MINUTES);
    expect(minutes.at(-1)?.start.toISOString()).toBe("2026-12-05T10:06:00.000Z");
    for (const m of minutes) {
      expect(m.total).toBeGreaterThan(0n);
      expect(m.good).toBeLessThanOrEqual(m.total);
    }
    // Each hour rollup equals the sum of its minutes; the day rollup equals the sum of both hours.
    for (const hourStart of ["2026-12-05T09:00:00.000Z", "2026-12-05T10:00:00.000Z"]) {
      const h = new Date(hourStart);
      const hour = await prisma.sliBucket.findUniqueOrThrow({
        where: { sloId_resolution_start: { sloId: slo.id, resolution: "hour", start: h } },
      });
      const inHour = minutes.filter(
        (m) => m.start >= h && m.start.getTime() < h.getTime() + 3_600_000,
      );
      expect({ good: hour.good, total: hour.total }).toEqual(sum(inHour));
    }
    const day = await prisma.sliBucket.findUniqueOrThrow({
      where: {
        sloId_resolution_start: {
          sloId: slo.id,
          resolution: "day",
          start: new Date("2026-12-05T00:00:00Z"),
        },
      },
    });
    expect({ good: day.good, total: day.total }).toEqual(sum(minutes));
  });

  it("never counts a minute twice, even when two processes feed at once", async () => {
    const later = new Date(NOW.getTime() + 3 * MINUTE);
    const dayKey = { resolution: "day" as const, start: new Date("2026-12-05T00:00:00Z") };
    const before = sum(await prisma.sliBucket.findMany({ where: dayKey }));
    const results = await Promise.all([
      feedSliMinutes(later, source),
      feedSliMinutes(later, source),
    ]);
    const slos = await prisma.slo.count();
    // Between them the two wrote each of the three new minutes once.
    expect(results[0] + results[1]).toBe(slos * 3);
    expect(await feedSliMinutes(later, source)).toBe(0);
    const after = sum(await prisma.sliBucket.findMany({ where: dayKey }));
    const minutes = sum(
      await prisma.sliBucket.findMany({
        where: {
          resolution: "minute",
          start: { gte: new Date(NOW.getTime() - MINUTE), lt: new Date(later.getTime() - MINUTE) },
        },
      }),
    );
    expect(after.total - before.total).toBe(minutes.total);
  });

  it("counts latency SLOs against their threshold", async () => {
    const slo = await prisma.slo.findFirstOrThrow({
      where: { sliKind: "latency", model: { name: "ranker-xl" } },
    });
    const m = await prisma.sliBucket.findFirstOrThrow({
      where: { sloId: slo.id, resolution: "minute", start: new Date("2026-12-05T10:00:00Z") },
    });
    const expected = await source.sliCounts(
      { kind: "latency", thresholdMs: slo.threshold ?? 0 },
      { model: "ranker-xl" },
      new Date("2026-12-05T10:00:00Z"),
      new Date("2026-12-05T10:01:00Z"),
    );
    expect({ good: Number(m.good), total: Number(m.total) }).toEqual(expected);
  });
  it("skips an SLO deleted while the round reads its metrics, and still feeds the others", async () => {
    const template = await prisma.slo.findFirstOrThrow({
      where: { sliKind: "availability" },
      orderBy: { name: "asc" },
    });
    const [first, second] = await prisma.model.findMany({ orderBy: { name: "asc" }, take: 2 });
    if (!first || !second) throw new Error("the seed has at least two models");
    const sloOn = (model: { id: string }, name: string) =>
      prisma.slo.create({
        data: {
          name: `${name}-${Date.now()}`,
          description: "fed while another replica deletes one (test)",
          modelId: model.id,
          teamId: template.teamId,
          sliKind: "availability",
          objective: 0.99,
          windowDays: 28,
        },
      });
    const doomed = await sloOn(first, "feed-race-deleted");
    const kept = await sloOn(second, "feed-race-kept");
    // Deleted by "another replica" as soon as the feed asks for its first minute.
    let deleted = false;
    const racing: MetricsSource = Object.assign(Object.create(source) as MetricsSource, {
      sliCounts: async (...args: Parameters<MetricsSource["sliCounts"]>) => {
        if (!deleted && args[1].model === first.name) {
          deleted = true;
          await prisma.slo.delete({ where: { id: doomed.id } });
        }
        return source.sliCounts(...args);
      },
    });
    const written = await feedSliMinutes(NOW, racing, [doomed.id, kept.id]);
    expect(deleted).toBe(true);
    expect(written).toBe(MAX_BACKFILL_MINUTES);
    expect(await prisma.sliBucket.count({ where: { sloId: kept.id, resolution: "minute" } })).toBe(
      MAX_BACKFILL_MINUTES,
    );
    await prisma.slo.delete({ where: { id: kept.id } });
  });
});
