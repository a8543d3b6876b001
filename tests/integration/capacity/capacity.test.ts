import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { createToken } from "@/server/access/tokens";
import { loadUserActor, type Actor } from "@/server/auth/session";
import { GET as getCapacity } from "@/app/api/v1/capacity/route";
import { GET as getPlacement } from "@/app/api/v1/capacity/placement/route";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock } from "../../support/clock";
import { SEED_NOW } from "../../support/constants";
import { actor } from "../../support/actors";
import { createSimulatorPlatform, resetSimulatorFleet } from "@/server/fleet/simulator";
import { chaosEffects } from "@/server/fleet/chaos";
import { syncFleet } from "@/server/fleet/sync";
import { fleetPlatform } from "@/server/fleet/platform";
import { capacityOverview, HISTORY_HOURS } from "@/server/capacity/overview";
import { placeGpus } from "@/server/capacity/placement";
import { poolsOf } from "@/server/capacity/pools";
import { recordCapacitySample } from "@/server/capacity/rollups";
import { poolSplit } from "@/lib/domain/capacity/split";
import { nodeFree } from "@/lib/domain/capacity/fragmentation";
import { CAPACITY_HISTORY_DAYS } from "../../../prisma/seed/capacity-history";

const prisma = connectTestDatabase();
const time = movableTestClock();
const viewer = actor("viewer");
const HOUR = 3_600_000;
const platform = () => createSimulatorPlatform({ chaos: chaosEffects });

let token = "";
beforeAll(async () => {
  await resetSimulatorFleet();
  requestContext.userId = null;
  const a = await prisma.user.create({
    data: { email: `admin-${Date.now()}@capacity.test`, name: "Admin", role: "admin" },
  });
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  token = (
    await createToken(
      (await loadUserActor(a.id)) as Actor,
      { requestId: "t", clientIp: null },
      { name: "capacity-read", teamId: team.id, scopes: ["fleet.read"], expiresInDays: 30 },
    )
  ).secret;
});
afterAll(async () => {
  await resetSimulatorFleet();
  await prisma.$disconnect();
});

describe("the demo seed's capacity history", () => {
  it("has every pool's complete hours of the last 30 days, and every hour adds up", async () => {
    const pools = await prisma.nodePool.count();
    const hours = CAPACITY_HISTORY_DAYS * 24;
    expect(await prisma.gpuPoolHour.count()).toBe(pools * hours);
    const [bad] = await prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "GpuPoolHour"
      WHERE abs(serving + training + other + idle + unavailable - total) > 1e-9 OR idle < 0`;
    expect(bad?.n).toBe(0);
    const newest = await prisma.gpuPoolHour.aggregate({
      _max: { hour: true },
      _min: { hour: true },
    });
    // the current hour is the sync's
    expect(newest._max.hour?.getTime()).toBe(SEED_NOW.getTime() - HOUR);
    expect(newest._min.hour?.getTime()).toBe(SEED_NOW.getTime() - hours * HOUR);
    const teams = await prisma.team.count();
    expect(await prisma.gpuTeamHour.count()).toBe(teams * hours);
    // the sums by region and GPU type agree with the pools' hours
    const [mismatch] = await prisma.$queryRaw<{ n: number }[]>`
      SELECT count(*)::int AS n FROM "GpuTypeHour" t
      JOIN (SELECT region, "gpuType", hour, sum(total) AS total, sum(idle) AS idle
            FROM "GpuPoolHour" GROUP BY region, "gpuType", hour) p
        USING (region, "gpuType", hour)
      WHERE abs(t.total - p.total) > 1e-9 OR abs(t.idle - p.idle) > 1e-9`;
    expect(mismatch?.n).toBe(0);
    const [groups] = await prisma.$queryRaw<{ n: number }[]>`
      SELECT count(DISTINCT (region, "gpuType"))::int AS n FROM "GpuPoolHour"`;
    expect(await prisma.gpuTypeHour.count()).toBe(groups!.n * hours);
  });
});

describe("the fleet sync's hourly rollups", () => {
  it("adds each sample to its hour as a running average, and a repeated sample counts once", async () => {
    const hour = new Date(Math.floor(Date.now() / HOUR) * HOUR + 5 * HOUR);
    time.set(new Date(hour.getTime() + 60_000));
    const p = platform();
    await syncFleet(p);
    const first = await prisma.gpuPoolHour.findMany({ where: { hour } });
    const live = poolsOf((await p.clusters()).data);
    expect(first).toHaveLength(live.length);
    for (const pool of live) {
      const row = first.find((r) => r.cluster === pool.cluster && r.pool === pool.pool);
      expect(row).toMatchObject({ samples: 1, ...poolSplit(pool), gpuType: pool.gpuType });
    }
    const teams = await prisma.gpuTeamHour.findMany({ where: { hour } });
    expect(teams.map((t) => t.team).sort()).toEqual(["assistant", "ranking", "trust-safety"]);
    expect(teams.every((t) => t.samples === 1 && t.quota > 0)).toBe(true);

    // the same sample again (a sync retried for one moment): nothing changes
    const at = first[0]!.lastSampleAt;
    const clusters = (await p.clusters()).data;
    const namespaces = (await p.namespaces()).data;
    await prisma.$transaction((tx) => recordCapacitySample(tx, { at, clusters, namespaces }));
    expect(await prisma.gpuTeamHour.findMany({ where: { hour } })).toEqual(teams);
    const again = await prisma.gpuPoolHour.findMany({ where: { hour } });
    expect(again.map((r) => r.samples)).toEqual(first.map(() => 1));

    // a later sample in the same hour: the mean of the two
    time.set(new Date(hour.getTime() + 120_000));
    await syncFleet(p);
    const second = poolsOf((await p.clusters()).data);
    const rows = await prisma.gpuPoolHour.findMany({ where: { hour } });
    for (const r of rows) {
      expect(r.samples).toBe(2);
      const before = first.find((f) => f.cluster === r.cluster && f.pool === r.pool)!;
      const now = poolSplit(second.find((s) => s.cluster === r.cluster && s.pool === r.pool)!);
      expect(r.idle).toBeCloseTo((before.idle + now.idle) / 2, 9);
      expect(r.total).toBeCloseTo((before.total + now.total) / 2, 9);
    }
    // the sums by region and GPU type: the running average of the sums
    const types = await prisma.gpuTypeHour.findMany({ where: { hour } });
    expect(types.length).toBeGreaterThan(0);
    for (const t of types) {
      const pools = rows.filter((r) => r.region === t.region && r.gpuType === t.gpuType);
      expect(t.samples).toBe(2);
      expect(t.total).toBeCloseTo(
        pools.reduce((n, r) => n + r.total, 0),
        9,
      );
      expect(t.serving).toBeCloseTo(
        pools.reduce((n, r) => n + r.serving, 0),
        9,
      );
    }
    // the next hour starts a new row
    time.set(new Date(hour.getTime() + HOUR + 30_000));
    await syncFleet(p);
    expect(
      await prisma.gpuPoolHour.count({ where: { hour: new Date(hour.getTime() + HOUR) } }),
    ).toBe(live.length);
  });

  it("drops rollups older than 90 days", async () => {
    const old = new Date(time.now().getTime() - 91 * 24 * HOUR);
    await prisma.gpuPoolHour.create({
      data: {
        hour: old,
        cluster: "gone",
        pool: "gone",
        region: "us-east-1",
        gpuType: "H100",
        samples: 1,
        lastSampleAt: old,
        total: 8,
        serving: 0,
        training: 0,
        other: 0,
        idle: 8,
        unavailable: 0,
      },
    });
    time.set(new Date(time.now().getTime() + 30_000));
    await syncFleet(platform());
    expect(await prisma.gpuPoolHour.count({ where: { cluster: "gone" } })).toBe(0);
  });
});

describe("the Capacity page's service", () => {
  it("refuses readers without a role", async () => {
    await expect(capacityOverview(null, {})).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(placeGpus(actor(null), { gpus: 8, gpuType: "H100" })).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
  });

  it("splits the live fleet five ways by type, region and cluster, with 30 days of history", async () => {
    const view = await capacityOverview(viewer, {}, SEED_NOW);
    const live = poolsOf((await fleetPlatform().clusters()).data);
    expect(view.fleet.total).toBe(live.reduce((s, p) => s + p.total, 0));
    expect(view.fleet.serving + view.fleet.training).toBeGreaterThan(0);
    const sum = (k: "total" | "idle") => view.byType.reduce((s, g) => s + g.split[k], 0);
    expect(sum("total")).toBe(view.fleet.total);
    expect(sum("idle")).toBe(view.fleet.idle);
    expect(view.byRegion.map((g) => g.key).sort()).toEqual(view.options.regions);
    expect(view.byCluster.length).toBe(view.clusters);
    expect(view.history).toHaveLength(HISTORY_HOURS);
    // the seed's hours up to the one before now; now's hour is the sync's
    expect(view.history.at(-1)!.split).toBeNull();
    expect(view.stats.hoursWithData).toBe(HISTORY_HOURS - 1);
    expect(view.teams.map((t) => t.team).sort()).toEqual(["assistant", "ranking", "trust-safety"]);
    expect(view.teams.every((t) => t.gpuHours > 0 && t.quota > 0)).toBe(true);
    expect(view.consumers.jobs.length).toBeGreaterThan(0);
    expect(view.consumers.models.length).toBeGreaterThan(0);
    for (const f of view.fragmented) expect(f.stranded).toBeGreaterThan(0);
  });

  it("filters by GPU type and region, the history included", async () => {
    const all = await capacityOverview(viewer, {}, SEED_NOW);
    const h100 = await capacityOverview(viewer, { type: "H100" }, SEED_NOW);
    expect(h100.byType.map((g) => g.key)).toEqual(["H100"]);
    expect(h100.fleet.total).toBeLessThan(all.fleet.total);
    const hour = (v: typeof all) => v.history.find((p) => p.split)!.split!.total;
    expect(hour(h100)).toBeLessThan(hour(all));
    const region = all.options.regions[0]!;
    const one = await capacityOverview(viewer, { region }, SEED_NOW);
    expect(one.byRegion.map((g) => g.key)).toEqual([region]);
    expect(hour(one)).toBeLessThan(hour(all));
  });

  it("answers where 16 H100s fit for the ranking team: whole free nodes within its quota", async () => {
    const answer = await placeGpus(viewer, { gpus: 16, gpuType: "H100", team: "ranking" });
    expect(answer.teamName).toBe("Search & Ranking");
    expect(answer.pools.length).toBeGreaterThan(0);
    expect(answer.pools.every((p) => p.gpuType === "H100")).toBe(true);
    const live = poolsOf((await fleetPlatform().clusters()).data);
    for (const p of answer.pools.filter((x) => x.fits)) {
      const pool = live.find((l) => l.cluster === p.cluster && l.pool === p.pool)!;
      expect(p.nodes).toHaveLength(2);
      for (const name of p.nodes) {
        expect(nodeFree(pool.nodeGpus!.find((n) => n.name === name)!)).toBe(8);
      }
      expect(p.quota).toMatchObject({ kind: "ok" });
    }
    await expect(
      placeGpus(viewer, { gpus: 16, gpuType: "H100", team: "nobody" }),
    ).rejects.toMatchObject({ code: "NOT_FOUND" });
  });
});

describe("GET /api/v1/capacity and /api/v1/capacity/placement", () => {
  const get = (route: typeof getCapacity, path: string, auth = true) =>
    route(
      new NextRequest(`http://localhost:3000${path}`, {
        headers: auth ? { authorization: `Bearer ${token}` } : {},
      }),
      { params: Promise.resolve({}) },
    );

  it("answers the overview as JSON, filtered by type", async () => {
    const res = await get(getCapacity, "/api/v1/capacity?type=H100");
    expect(res.status).toBe(200);
    const body = (await res.json()) as { byType: { key: string }[]; history: unknown[] };
    expect(body.byType.map((g) => g.key)).toEqual(["H100"]);
    expect(body.history).toHaveLength(HISTORY_HOURS);
  });

  it("answers one cluster's figures and its own history when asked for a cluster", async () => {
    const cluster = (await prisma.cluster.findFirstOrThrow({ select: { name: true } })).name;
    const res = await get(getCapacity, `/api/v1/capacity?cluster=${encodeURIComponent(cluster)}`);
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      filter: { cluster?: string };
      byCluster: { key: string }[];
      history: unknown[];
    };
    expect(body.filter.cluster).toBe(cluster);
    expect(body.byCluster.map((c) => c.key)).toEqual([cluster]);
    expect(body.history).toHaveLength(HISTORY_HOURS);
    // a malformed cluster is no filter, as on the page
    const loose = await get(getCapacity, "/api/v1/capacity?cluster=%20bad%20");
    expect(
      ((await loose.json()) as { filter: { cluster?: string } }).filter.cluster,
    ).toBeUndefined();
  });

  it("answers where GPUs fit, and refuses 0 GPUs, an unknown team and anonymous callers", async () => {
    const res = await get(
      getPlacement,
      "/api/v1/capacity/placement?gpus=16&gpuType=H100&team=ranking",
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as { pools: { gpuType: string }[]; summary: string };
    expect(body.pools.length).toBeGreaterThan(0);
    expect(body.summary).toMatch(/16 H100 GPUs for ranking/);
    const zero = await get(getPlacement, "/api/v1/capacity/placement?gpus=0&gpuType=H100");
    expect(zero.status).toBe(422);
    expect((await zero.json()).error.fields).toHaveProperty("gpus");
    expect(
      (await get(getPlacement, "/api/v1/capacity/placement?gpus=8&gpuType=H100&team=nobody"))
        .status,
    ).toBe(404);
    expect(
      (await get(getPlacement, "/api/v1/capacity/placement?gpus=8&gpuType=H100", false)).status,
    ).toBe(401);
    expect((await get(getCapacity, "/api/v1/capacity", false)).status).toBe(401);
  });
});
