// The large fleet's scale-out, run small on this file's demo-seeded database (the same code the
// full size runs: `npx flightdeck seed --scale large`, measured in tests/bench), and the seed
// command's refusals.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pg from "pg";
import { LARGE_FLEET, largeFleetCounts, scaleOutFleet } from "../../../prisma/seed/large";
import { seedMain } from "@/cli/seed";
import { servingProfile } from "@/lib/platform/simulator/behaviour";
import { connectTestDatabase, testDatabaseUrl } from "../../support/db";
import { SEED_NOW } from "../../support/constants";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

const HOUR = 3_600_000;
const SIZE = {
  ...LARGE_FLEET,
  models: 40,
  slos: 120,
  incidents: 300,
  trainingJobs: 60,
  auditEvents: 5_000,
  historyDays: 20,
  minuteHours: 3,
};

/** Queries sent on a connection while another query of it was still running. */
let overlapping = 0;

beforeAll(async () => {
  // A query sent while the connection runs one, or has others queued (node-postgres's internals).
  const query = pg.Client.prototype.query;
  const busy = (c: pg.Client) => {
    const client = c as unknown as { _queryQueue: unknown[]; _activeQuery: unknown };
    return client._queryQueue.length > 0 || Boolean(client._activeQuery);
  };
  pg.Client.prototype.query = function (this: pg.Client, ...args: Parameters<typeof query>) {
    if (busy(this)) overlapping++;
    return query.apply(this, args);
  } as typeof query;
  try {
    await prisma.$transaction(
      (tx) => scaleOutFleet(tx, { seed: 1, nowMs: SEED_NOW.getTime(), size: SIZE }),
      { timeout: 120_000 },
    );
  } finally {
    pg.Client.prototype.query = query;
  }
}, 180_000);

describe("the large fleet's scale-out", () => {
  it("fills the fleet up to its sizes: 12 regions, 200 clusters, 30 teams", async () => {
    const counts = await largeFleetCounts(prisma);
    expect(counts).toMatchObject({
      regions: 12,
      clusters: 200,
      teams: 30,
      models: SIZE.models,
      incidents: SIZE.incidents,
      "training jobs": SIZE.trainingJobs,
      "audit events": SIZE.auditEvents,
    });
    expect(counts.slos).toBeGreaterThanOrEqual(SIZE.slos - 4);
    expect(counts.slos).toBeLessThanOrEqual(SIZE.slos);
    // every region has both environments and serving clusters; every team a namespace on each
    const regions = await prisma.region.findMany({
      select: { code: true, _count: { select: { environments: true, clusters: true } } },
    });
    for (const r of regions) {
      expect(r._count.environments, r.code).toBe(2);
      expect(r._count.clusters, r.code).toBeGreaterThanOrEqual(16);
    }
    expect(await prisma.namespace.count()).toBe(200 * 30);
  });

  it("sends one statement at a time on its transaction's connection", () => {
    // A createMany with more parameters than a statement may carry is split by Prisma into
    // statements sent at once on the one connection, which node-postgres deprecates (pg 9 will
    // refuse): the seed writes in slices small enough to be one statement each.
    expect(overlapping).toBe(0);
  });

  it("declares in the registry the GPUs a replica takes in the simulated fleet, for every model", async () => {
    // A drain plan counts GPUs per replica from the platform, the Capacity page from the
    // registry: they must agree (the registry once said 8 H100s where the simulator placed 2).
    const models = await prisma.model.findMany({ select: { name: true, resources: true } });
    expect(models).toHaveLength(SIZE.models);
    const wrong = models.filter(
      (m) =>
        (m.resources as { gpu?: number } | null)?.gpu !== servingProfile(m.name).gpusPerReplica,
    );
    expect(wrong.map((m) => m.name)).toEqual([]);
  });

  it("sizes every serving cluster's GPU pools for the replicas it runs at the daily peak", async () => {
    // The simulator serves each deployment at its peak with one replica more than it runs now
    // (its autoscaler's target), each replica on its model's GPU type: a pool smaller than that
    // sheds requests all day (the large fleet's L4 pools once held half of what they served).
    const deployments = await prisma.deployment.findMany({
      select: { replicas: true, clusterId: true, model: { select: { name: true } } },
    });
    const need = new Map<string, number>();
    for (const d of deployments) {
      const p = servingProfile(d.model.name);
      const key = `${d.clusterId}/${p.gpuType}`;
      need.set(key, (need.get(key) ?? 0) + (d.replicas + 1) * p.gpusPerReplica);
    }
    const pools = await prisma.nodePool.findMany({
      select: { clusterId: true, gpuType: true, gpuAllocatable: true },
    });
    const have = new Map<string, number>();
    for (const p of pools) {
      const key = `${p.clusterId}/${p.gpuType}`;
      have.set(key, (have.get(key) ?? 0) + p.gpuAllocatable);
    }
    const short = [...need].filter(([key, gpus]) => (have.get(key) ?? 0) < gpus);
    expect(short).toEqual([]);
  });

  it("serves in production the last version whose rollout completed there", async () => {
    const rows = await prisma.$queryRaw<{ problems: bigint }[]>`
      SELECT count(*) AS problems FROM "Deployment" d
        JOIN "Environment" e ON e.id = d."environmentId" AND e.tier = 'production'
       WHERE d."modelId" LIKE 'lg%'
         AND d."modelVersionId" IS DISTINCT FROM (
           SELECT r."toVersionId" FROM "Rollout" r
            WHERE r."modelId" = d."modelId" AND r."environmentId" = d."environmentId"
              AND r.status = 'completed'
            ORDER BY r."finishedAt" DESC LIMIT 1)`;
    expect(Number(rows[0]?.problems)).toBe(0);
    // A failed canary's analysis says why it ended (aborted by the analysis, or rolled back
    // after a failed interval), and its later waves never started.
    const failed = await prisma.rollout.findMany({
      where: {
        modelId: { startsWith: "lg" },
        status: { in: ["aborted", "rolled_back"] },
        startedAt: { not: null },
      },
      include: { analysisRuns: true, events: true },
    });
    for (const r of failed) {
      expect(r.analysisRuns.some((a) => a.verdict === "fail")).toBe(true);
      expect(r.events.map((e) => e.kind)).toContain(
        r.status === "aborted" ? "analysis_failed" : "rollback",
      );
      const later = await prisma.rollout.findMany({
        where: { releaseId: r.releaseId, wave: { gt: 0 } },
      });
      for (const w of later) expect(w).toMatchObject({ status: "aborted", startedAt: null });
    }
    // Every analysis step that ran recorded its intervals, every 300 s.
    const steps = await prisma.rolloutStep.findMany({
      where: { rolloutId: { startsWith: "lg" }, kind: "analysis", startedAt: { not: null } },
      select: {
        intervalSec: true,
        rollout: { select: { _count: { select: { analysisRuns: true } } } },
      },
    });
    expect(steps.length).toBeGreaterThan(0);
    for (const s of steps) {
      expect(s.intervalSec).toBe(300);
      expect(s.rollout._count.analysisRuns).toBeGreaterThan(0);
    }
    const passes = await prisma.analysisRun.count({
      where: { rolloutId: { startsWith: "lg" }, verdict: "pass" },
    });
    expect(passes).toBeGreaterThan(0);
  });

  it("keeps SLI history consistent: an hour is the sum of its minutes, a day of its hours", async () => {
    for (const [fine, coarse, unit] of [
      ["minute", "hour", "hour"],
      ["hour", "day", "day"],
    ] as const) {
      const [sums] = await prisma.$queryRawUnsafe<{ bad: bigint; checked: bigint }[]>(
        `SELECT count(*) FILTER (WHERE c.good <> f.good OR c.total <> f.total) AS bad, count(*) AS checked
           FROM "SliBucket" c
           JOIN (SELECT "sloId", date_trunc('${unit}', start) AS start, sum(good) AS good, sum(total) AS total
                   FROM "SliBucket" WHERE resolution = '${fine}' AND "sloId" LIKE 'lg%' GROUP BY 1, 2) f
             ON f."sloId" = c."sloId" AND f.start = c.start
          WHERE c.resolution = '${coarse}'`,
      );
      expect(Number(sums?.checked), `${coarse} buckets checked`).toBeGreaterThan(0);
      expect(Number(sums?.bad), `${coarse} buckets unlike their ${fine}s' sum`).toBe(0);
    }
    // minutes only within the SLI feed's retention, every SLO with its history, traffic > 0
    const [span] = await prisma.$queryRaw<{ oldest: Date; slos: bigint; empty: bigint }[]>`
      SELECT min(start) AS oldest, count(DISTINCT "sloId") AS slos,
             count(*) FILTER (WHERE total = 0) AS empty
        FROM "SliBucket" WHERE resolution = 'minute' AND "sloId" LIKE 'lg%'`;
    expect(span?.oldest.getTime()).toBe(SEED_NOW.getTime() - SIZE.minuteHours * HOUR);
    expect(Number(span?.slos)).toBe(
      await prisma.slo.count({ where: { id: { startsWith: "lg" } } }),
    );
    expect(Number(span?.empty)).toBe(0);
  });

  it("leaves open only recent incidents, each with the timeline of the stages it reached", async () => {
    const open = await prisma.incident.findMany({
      where: { id: { startsWith: "lg" }, status: { notIn: ["closed", "resolved"] } },
      include: { events: true },
    });
    for (const i of open) {
      expect(SEED_NOW.getTime() - i.detectedAt.getTime()).toBeLessThan(4 * 24 * HOUR);
      expect(i.resolvedAt).toBeNull();
    }
    const closed = await prisma.incident.findFirstOrThrow({
      where: { id: { startsWith: "lg" }, status: "closed" },
      include: { events: { orderBy: { at: "asc" } } },
    });
    expect(closed.events.map((e) => e.kind)).toEqual([
      "alert",
      "acknowledged",
      "status",
      "status",
      "postmortem",
      "status",
    ]);
    // closed, so with the complete postmortem its timeline says was published
    const postmortem = await prisma.postmortem.findUniqueOrThrow({
      where: { incidentId: closed.id },
    });
    expect(postmortem.updatedAt.getTime()).toBeLessThanOrEqual(closed.closedAt?.getTime() ?? 0);
    expect(
      await prisma.incident.count({
        where: { id: { startsWith: "lg" }, status: "closed", postmortem: null },
      }),
    ).toBe(0);
  });

  it("lets every new team's people sign in with the demo password", async () => {
    const people = await prisma.user.findMany({
      where: { email: { endsWith: ".flightdeck.demo" }, id: { startsWith: "lg" } },
      select: { passwordHash: true, role: true, teamId: true },
    });
    expect(people).toHaveLength(27 * 3);
    const demo = await prisma.user.findUniqueOrThrow({
      where: { email: "engineer@flightdeck.demo" },
    });
    expect(people.every((p) => p.passwordHash === demo.passwordHash && p.teamId)).toBe(true);
  });
});

describe("flightdeck seed", () => {
  const io = () => {
    const out = { stdout: "", stderr: "" };
    return {
      out,
      io: {
        stdout: (t: string) => void (out.stdout += t),
        stderr: (t: string) => void (out.stderr += t),
        env: { DATABASE_URL: testDatabaseUrl() },
      },
    };
  };

  it("refuses an unknown scale, changing nothing", async () => {
    const { out, io: cli } = io();
    expect(await seedMain(["--scale", "huge"], cli)).toBe(2);
    expect(out.stderr).toMatch(/--scale must be demo or large, not "huge"/);
  });

  it("leaves a database that has a fleet as it is", async () => {
    const before = await largeFleetCounts(prisma);
    const { out, io: cli } = io();
    expect(await seedMain(["--scale", "large"], cli)).toBe(1);
    expect(out.stderr).toMatch(/has a fleet already; nothing was changed/);
    expect(await largeFleetCounts(prisma)).toEqual(before);
  });
});
