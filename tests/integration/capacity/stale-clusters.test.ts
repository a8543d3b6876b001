// The hourly rollups while a cluster is out of reach: the fleet sync samples only the clusters
// whose data is current, and the sums by region and GPU type (the page's history) and the teams'
// figures carry the missing cluster's last known ones instead of dipping as if it were lost.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { SEED_NOW } from "../../support/constants";
import { CARRY_STALE_HOURS, recordCapacitySample } from "@/server/capacity/rollups";
import type { ClusterState, NamespaceState, NodePoolState } from "@/lib/platform/types";

const prisma = connectTestDatabase();
const HOUR = 3_600_000;
const MINUTE = 60_000;
const REGION = "zz-stale-test";
// Ten days after the seeded history: no seeded rollup is recent enough to be carried.
const H = new Date(Math.floor(SEED_NOW.getTime() / HOUR) * HOUR + 10 * 24 * HOUR);

function pool(name: string, split: { allocatable: number; serving: number; training: number }) {
  return {
    name,
    gpuType: "H100",
    gpusPerNode: 8,
    nodes: 2,
    readyNodes: 2,
    unhealthyNodes: [],
    scalingUp: false,
    minNodes: 2,
    maxNodes: 2,
    gpus: 16,
    allocatable: split.allocatable,
    allocated: split.serving + split.training,
    utilization: null,
    allocatedTo: { serving: split.serving, training: split.training },
  } satisfies NodePoolState;
}

interface InventoryCluster {
  name: string;
  namespaces: { name: string; gpuUsed: number; gpuQuota: number; team: { slug: string } }[];
}
let a: InventoryCluster;
let b: InventoryCluster;

const cluster = (c: InventoryCluster, p: NodePoolState): ClusterState => ({
  name: c.name,
  region: REGION,
  status: "healthy",
  pools: [p],
});
const namespacesOf = (c: InventoryCluster): NamespaceState[] =>
  c.namespaces.map((n) => ({
    cluster: c.name,
    name: n.name,
    gpuQuota: n.gpuQuota,
    gpuUsed: n.gpuUsed,
    team: n.team.slug,
  }));

const stateA = () => cluster(a, pool("pool-a", { allocatable: 16, serving: 8, training: 0 }));
const stateB = () => cluster(b, pool("pool-b", { allocatable: 12, serving: 0, training: 4 }));
const record = (at: Date, clusters: ClusterState[], namespaces: NamespaceState[]) =>
  prisma.$transaction((tx) => recordCapacitySample(tx, { at, clusters, namespaces }));
const typeHour = (hour: Date) =>
  prisma.gpuTypeHour.findUnique({
    where: { region_gpuType_hour: { region: REGION, gpuType: "H100", hour } },
  });
const teamHours = async (hour: Date) =>
  Object.fromEntries(
    (await prisma.gpuTeamHour.findMany({ where: { hour }, orderBy: { team: "asc" } })).map((t) => [
      t.team,
      { used: t.used, quota: t.quota, samples: t.samples },
    ]),
  );

beforeAll(async () => {
  // two clusters of the inventory that have team namespaces with quotas
  const clusters = await prisma.cluster.findMany({
    where: { namespaces: { some: { gpuQuota: { gt: 0 } } } },
    orderBy: { name: "asc" },
    take: 2,
    select: {
      name: true,
      namespaces: {
        orderBy: { name: "asc" },
        select: { name: true, gpuUsed: true, gpuQuota: true, team: { select: { slug: true } } },
      },
    },
  });
  expect(clusters).toHaveLength(2);
  [a, b] = clusters as [InventoryCluster, InventoryCluster];
  // a cluster's rollups that outlived it in the inventory: never carried
  await prisma.gpuPoolHour.create({
    data: {
      hour: H,
      cluster: "gone-from-the-inventory",
      pool: "pool-x",
      region: REGION,
      gpuType: "H100",
      samples: 1,
      lastSampleAt: H,
      total: 64,
      serving: 0,
      training: 0,
      other: 0,
      idle: 64,
      unavailable: 0,
    },
  });
});
afterAll(async () => {
  await prisma.$disconnect();
});

describe("a cluster out of reach for a sample", () => {
  it("keeps its last figures in the sums by region and type and in the teams', not a dip", async () => {
    await record(
      new Date(H.getTime() + MINUTE),
      [stateA(), stateB()],
      [...namespacesOf(a), ...namespacesOf(b)],
    );
    const first = await typeHour(H);
    expect(first).toMatchObject({
      samples: 1,
      total: 32,
      serving: 8,
      training: 4,
      idle: 16,
      unavailable: 4,
    });
    const teams = await teamHours(H);
    expect(Object.keys(teams).length).toBeGreaterThan(0);

    // b is out of reach: the sync samples a alone
    await record(new Date(H.getTime() + 2 * MINUTE), [stateA()], namespacesOf(a));
    expect(await typeHour(H)).toMatchObject({
      samples: 2,
      total: 32,
      serving: 8,
      training: 4,
      idle: 16,
      unavailable: 4,
    });
    // the teams' hours: b's namespaces count with what the sync last wrote for them
    const carried = await teamHours(H);
    for (const [team, t] of Object.entries(teams)) {
      expect(carried[team]).toEqual({ used: t.used, quota: t.quota, samples: 2 });
    }
    // b's own pools have no figure for the sample: a gap in its history, not a made-up one
    const pools = await prisma.gpuPoolHour.findMany({
      where: { hour: H, cluster: { in: [a.name, b.name] } },
      orderBy: { cluster: "asc" },
    });
    expect(pools.map((p) => [p.cluster, p.samples])).toEqual([
      [a.name, 2],
      [b.name, 1],
    ]);
  });

  it("a sample with no cluster at all changes nothing: the fleet was not read", async () => {
    const before = await typeHour(H);
    const teams = await teamHours(H);
    await record(new Date(H.getTime() + 3 * MINUTE), [], []);
    expect(await typeHour(H)).toEqual(before);
    expect(await teamHours(H)).toEqual(teams);
  });

  it(`counts for ${CARRY_STALE_HOURS} hours after its last figures, then no longer`, async () => {
    const last = new Date(H.getTime() + CARRY_STALE_HOURS * HOUR);
    await record(new Date(last.getTime() + MINUTE), [stateA()], namespacesOf(a));
    expect(await typeHour(last)).toMatchObject({ samples: 1, total: 32, idle: 16 });
    const after = new Date(last.getTime() + HOUR);
    await record(new Date(after.getTime() + MINUTE), [stateA()], namespacesOf(a));
    expect(await typeHour(after)).toMatchObject({ samples: 1, total: 16, idle: 8 });
  });
});
