// The Capacity page filtered to one cluster (its 30 days from its pools' hourly rollups), each
// team's use against its quota over 30 days, and a pool scaled to zero in the placement answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { SEED_NOW } from "../../support/constants";
import { actor } from "../../support/actors";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { fleetPlatform } from "@/server/fleet/platform";
import {
  capacityOverview,
  capacityPageFilterSchema,
  HISTORY_HOURS,
} from "@/server/capacity/overview";
import { placeGpus } from "@/server/capacity/placement";
import { poolsOf } from "@/server/capacity/pools";

const prisma = connectTestDatabase();
const viewer = actor("viewer");
const HOUR = 3_600_000;

beforeAll(async () => {
  await resetSimulatorFleet();
});
afterAll(async () => {
  await resetSimulatorFleet();
  await prisma.$disconnect();
});

/** The cluster with the most GPUs in the inventory (several pools, team namespaces). */
async function largestCluster() {
  const pools = await prisma.nodePool.groupBy({
    by: ["clusterId"],
    _sum: { gpuCount: true },
    orderBy: [{ _sum: { gpuCount: "desc" } }, { clusterId: "asc" }],
    take: 1,
  });
  return prisma.cluster.findUniqueOrThrow({
    where: { id: pools[0]!.clusterId },
    select: { name: true, region: { select: { code: true } } },
  });
}

describe("the page's cluster filter", () => {
  it("comes from the URL; a malformed name means no filter", () => {
    expect(capacityPageFilterSchema.parse({ cluster: "gke_proj_us-east1_train-1" })).toEqual({
      cluster: "gke_proj_us-east1_train-1",
    });
    expect(capacityPageFilterSchema.parse({ cluster: "no spaces" })).toEqual({});
    expect(capacityPageFilterSchema.parse({ cluster: "x".repeat(300), type: "H100" })).toEqual({
      type: "H100",
    });
  });

  it("serves one cluster's 30 days from its pools' hourly rollups, and its GPUs now", async () => {
    const c = await largestCluster();
    const view = await capacityOverview(viewer, { cluster: c.name }, SEED_NOW);
    const expected = await prisma.$queryRaw<{ hour: Date; total: number; idle: number }[]>`
      SELECT hour, sum(total)::float8 AS total, sum(idle)::float8 AS idle FROM "GpuPoolHour"
      WHERE cluster = ${c.name} GROUP BY hour ORDER BY hour`;
    const points = view.history.filter((p) => p.split);
    expect(view.history).toHaveLength(HISTORY_HOURS);
    expect(points).toHaveLength(HISTORY_HOURS - 1);
    const byHour = new Map(expected.map((r) => [r.hour.getTime(), r]));
    for (const p of points) {
      const e = byHour.get(p.hour.getTime())!;
      expect(p.split!.total).toBeCloseTo(e.total, 9);
      expect(p.split!.idle).toBeCloseTo(e.idle, 9);
    }
    const fleet = await capacityOverview(viewer, {}, SEED_NOW);
    expect(view.stats.mean.total).toBeLessThan(fleet.stats.mean.total);

    // now: the cluster's pools alone, its namespaces' teams, its jobs
    const live = poolsOf((await fleetPlatform().clusters()).data).filter(
      (p) => p.cluster === c.name,
    );
    expect(view.fleet.total).toBe(live.reduce((s, p) => s + p.total, 0));
    expect(view.byCluster.map((g) => g.key)).toEqual([c.name]);
    expect(view.byRegion.map((g) => g.key)).toEqual([c.region.code]);
    expect(view.clusters).toBe(1);
    for (const f of view.fragmented) expect(f.cluster).toBe(c.name);
    for (const j of view.consumers.jobs) expect(j.detail).toMatch(new RegExp(` on ${c.name}$`));
    const owners = await prisma.namespace.findMany({
      where: { cluster: { name: c.name } },
      select: { team: { select: { slug: true } } },
    });
    expect(view.teams.map((t) => t.team).sort()).toEqual(
      [...new Set(owners.map((n) => n.team.slug))].sort(),
    );
    // a cluster with fragmented pools lists those, as the whole fleet's view does
    const fragmented = fleet.fragmented[0]!.cluster;
    const one = await capacityOverview(viewer, { cluster: fragmented }, SEED_NOW);
    expect(one.fragmented).toEqual(fleet.fragmented.filter((f) => f.cluster === fragmented));
    // the filter's choices: every live cluster
    expect(view.options.clusters).toEqual(fleet.options.clusters);
    expect(view.options.clusters).toContain(c.name);
    expect(view.filter).toEqual({ cluster: c.name });
  });

  it("with a GPU type: the cluster's pools of that type", async () => {
    const c = await largestCluster();
    const types = await prisma.nodePool.findMany({
      where: { cluster: { name: c.name } },
      select: { gpuType: true },
    });
    const type = types[0]!.gpuType;
    const view = await capacityOverview(viewer, { cluster: c.name, type }, SEED_NOW);
    const [expected] = await prisma.$queryRaw<{ total: number }[]>`
      SELECT sum(total)::float8 AS total FROM "GpuPoolHour"
      WHERE cluster = ${c.name} AND "gpuType" = ${type}::"GpuType"
        AND hour = ${new Date(SEED_NOW.getTime() - HOUR).toISOString()}::timestamp`;
    expect(view.history.at(-2)!.split!.total).toBeCloseTo(expected!.total, 9);
    expect(view.byType.map((g) => g.key)).toEqual([type]);
  });

  it("a cluster with no rollups has no history, and a cluster out of the region no GPUs", async () => {
    const none = await capacityOverview(viewer, { cluster: "not-a-cluster" }, SEED_NOW);
    expect(none.stats.hoursWithData).toBe(0);
    expect(none.pools).toBe(0);
    expect(none.options.clusters).toContain("not-a-cluster");
    const c = await largestCluster();
    const elsewhere = (await prisma.region.findMany({ select: { code: true } })).find(
      (r) => r.code !== c.region.code,
    )!;
    const mismatch = await capacityOverview(
      viewer,
      { cluster: c.name, region: elsewhere.code },
      SEED_NOW,
    );
    expect(mismatch.pools).toBe(0);
    expect(mismatch.stats.hoursWithData).toBe(0);
  });
});

describe("teams against their quotas over 30 days", () => {
  it("gives each team its mean and peak share of quota from the team rollups", async () => {
    const view = await capacityOverview(viewer, {}, SEED_NOW);
    const from = new Date(SEED_NOW.getTime() - (HISTORY_HOURS - 1) * HOUR);
    expect(view.teams.length).toBeGreaterThan(0);
    for (const t of view.teams) {
      const rows = await prisma.gpuTeamHour.findMany({
        where: { team: t.team, hour: { gte: from, lte: SEED_NOW } },
        orderBy: { hour: "asc" },
      });
      expect(rows.length).toBeGreaterThan(0);
      const used = rows.reduce((s, r) => s + r.used, 0);
      const quota = rows.reduce((s, r) => s + r.quota, 0);
      let peak = rows[0]!;
      for (const r of rows) if (r.used / r.quota > peak.used / peak.quota) peak = r;
      expect(t.quotaHistory.hours).toBe(rows.length);
      expect(t.quotaHistory.gpuHours).toBeCloseTo(used, 6);
      expect(t.gpuHours).toBeCloseTo(used, 6);
      expect(t.quotaHistory.meanOfQuota).toBeCloseTo(used / quota, 9);
      expect(t.quotaHistory.peakOfQuota!.share).toBeCloseTo(peak.used / peak.quota, 9);
      expect(t.quotaHistory.peakOfQuota!.hour).toEqual(peak.hour);
      expect(t.quotaHistory.peakOfQuota!.share).toBeGreaterThanOrEqual(t.quotaHistory.meanOfQuota!);
    }
  });
});

describe("a pool scaled to zero", () => {
  it("is placed with its recorded GPUs per node, and is unknown without them", async () => {
    const c = await largestCluster();
    const clusterId = (await prisma.cluster.findUniqueOrThrow({ where: { name: c.name } })).id;
    const empty = {
      clusterId,
      gpuType: "H100" as const,
      nodeCount: 0,
      gpuCount: 0,
      gpuAllocatable: 0,
      gpuAllocated: 0,
      minNodes: 0,
      maxNodes: 4,
    };
    await prisma.nodePool.createMany({
      data: [
        { ...empty, name: "h100-zero", gpusPerNode: 8 },
        { ...empty, name: "h100-zero-unknown", gpusPerNode: 0 },
      ],
    });
    await resetSimulatorFleet();
    const answer = await placeGpus(viewer, { gpus: 16, gpuType: "H100" });
    const zero = answer.pools.find((p) => p.cluster === c.name && p.pool === "h100-zero");
    expect(zero).toMatchObject({ gpu: "scale-up", gpusPerNode: 8, nodesNeeded: 2, addNodes: 2 });
    const unknown = answer.pools.find(
      (p) => p.cluster === c.name && p.pool === "h100-zero-unknown",
    );
    expect(unknown).toMatchObject({ gpu: "unknown", fits: false });
    expect(unknown!.summary).toMatch(/GPUs per node are not known/);
  });
});
