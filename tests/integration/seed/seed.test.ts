import { afterAll, describe, expect, it } from "vitest";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "../../../src/generated/prisma/client";
import { seedIfEmpty } from "../../../prisma/seed";
import { DEMO_USERS } from "../../../prisma/seed/fleet";
import { connectTestDatabase, testDatabaseUrl } from "../../support/db";
import { SEED_NOW } from "../../support/constants";
import { metricPeriod } from "@/lib/domain/incidents/response-times";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

const DAY = 86_400_000;

describe("demo fleet seed", () => {
  it("creates the fleet the README promises", async () => {
    expect(await prisma.region.count()).toBe(4);
    expect(await prisma.cluster.count()).toBe(8);
    expect(await prisma.team.count()).toBe(3);
    expect(await prisma.model.count()).toBe(6);
    // Other test files add jobs of their own; the seeded ones are named <model>-train-NNN.
    const jobs = await prisma.trainingJob.findMany({ select: { name: true } });
    expect(jobs.filter((j) => /^[a-z0-9-]+-train-\d{3}$/.test(j.name))).toHaveLength(5);
    expect(await prisma.slo.count()).toBeGreaterThanOrEqual(12);

    const gpuTypes = await prisma.nodePool.findMany({
      distinct: ["gpuType"],
      select: { gpuType: true },
    });
    expect(gpuTypes.map((g) => g.gpuType).sort()).toEqual(["A100", "H100", "L4"]);

    // Other test files register versions of their own; count the seeded ones.
    const versionsPerModel = await prisma.modelVersion.groupBy({
      by: ["modelId"],
      where: { createdBy: "ci@flightdeck.demo" },
      _count: true,
    });
    expect(versionsPerModel).toHaveLength(6);
    for (const v of versionsPerModel) {
      expect(v._count).toBeGreaterThanOrEqual(3);
      // 3 to 6 released versions, plus one or two candidates not rolled out yet
      expect(v._count).toBeLessThanOrEqual(8);
    }
  });

  it("gives every version full lineage", async () => {
    const versions = await prisma.modelVersion.findMany({
      where: { createdBy: "ci@flightdeck.demo" },
    });
    expect(versions.length).toBeGreaterThan(20);
    for (const v of versions) {
      expect(v.imageDigest).toMatch(/@sha256:[0-9a-f]{64}$/);
      expect(v.datasetDigest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(v.codeCommit).toMatch(/^[0-9a-f]{40}$/);
      expect(v.trainingRunId).toMatch(/^run-/);
      expect(v.artifactUri).toMatch(/^s3:\/\//);
      expect(Object.keys(v.evalMetrics as object).length).toBeGreaterThan(0);
    }
  });

  it("deploys to staging and production across regions, with weights summing to 100%", async () => {
    const deployments = await prisma.deployment.findMany({
      select: {
        modelId: true,
        trafficWeight: true,
        environment: { select: { tier: true, regionId: true } },
      },
    });
    const tiers = new Set(deployments.map((d) => d.environment.tier));
    expect(tiers).toEqual(new Set(["staging", "production"]));
    const prodRegions = new Set(
      deployments
        .filter((d) => d.environment.tier === "production")
        .map((d) => d.environment.regionId),
    );
    expect(prodRegions.size).toBeGreaterThanOrEqual(3);
    const sums = new Map<string, number>();
    for (const d of deployments) {
      const key = `${d.modelId}/${d.environment.tier}/${d.environment.regionId}`;
      sums.set(key, (sums.get(key) ?? 0) + d.trafficWeight);
    }
    for (const total of sums.values()) expect(total).toBe(100);
  });

  it("keeps capacity consistent: allocated ≤ allocatable ≤ total", async () => {
    for (const p of await prisma.nodePool.findMany()) {
      expect(p.gpuCount).toBe(p.nodeCount * p.gpusPerNode);
      expect(p.gpuAllocatable).toBeLessThanOrEqual(p.gpuCount);
      expect(p.gpuAllocated).toBeLessThanOrEqual(p.gpuAllocatable);
      expect(p.gpuAllocated).toBeGreaterThanOrEqual(0);
    }
    for (const n of await prisma.namespace.findMany()) {
      expect(n.gpuUsed).toBeLessThanOrEqual(n.gpuQuota);
    }
  });

  it("has past rollouts, some rolled back, and resolved incidents", async () => {
    expect(await prisma.rollout.count({ where: { status: "completed" } })).toBeGreaterThan(5);
    expect(await prisma.rollout.count({ where: { status: "rolled_back" } })).toBeGreaterThanOrEqual(
      2,
    );
    // Rolled back by the release manager after the analysis failed an interval (history.test.ts
    // checks every seeded rollout's story).
    const rolledBack = await prisma.rollout.findFirst({
      where: { status: "rolled_back" },
      include: { analysisRuns: true, events: true },
    });
    expect(rolledBack?.analysisRuns.some((a) => a.verdict === "fail")).toBe(true);
    expect(rolledBack?.events.map((e) => e.kind)).toContain("rollback");
    const incidents = await prisma.incident.findMany();
    expect(incidents.length).toBeGreaterThanOrEqual(3);
    for (const i of incidents) expect(["resolved", "closed"]).toContain(i.status);
  });

  it("has a few acknowledged and resolved incidents in each of the last 12 weeks", async () => {
    const thisWeek = metricPeriod("week", SEED_NOW).start.getTime();
    const incidents = await prisma.incident.findMany({
      where: {
        declaredBy: null,
        detectedAt: { gte: new Date(thisWeek - 12 * 7 * DAY), lt: new Date(thisWeek) },
      },
      select: { detectedAt: true, acknowledgedAt: true, resolvedAt: true, modelId: true },
    });
    const perWeek = new Map<string, number>();
    for (const i of incidents) {
      expect(i.acknowledgedAt!.getTime()).toBeGreaterThan(i.detectedAt.getTime());
      expect(i.resolvedAt!.getTime()).toBeGreaterThan(i.acknowledgedAt!.getTime());
      const key = metricPeriod("week", i.detectedAt).key;
      perWeek.set(key, (perWeek.get(key) ?? 0) + 1);
    }
    expect(perWeek.size).toBe(12);
    for (const n of perWeek.values()) expect(n).toBeGreaterThanOrEqual(2);
    // every team's models have some
    const teams = await prisma.model.findMany({
      where: { id: { in: incidents.map((i) => i.modelId).filter((id) => id !== null) } },
      distinct: ["teamId"],
      select: { teamId: true },
    });
    expect(teams).toHaveLength(3);
  });

  it("stores 200 days of SLI history (two quarters) with rollups that agree with the detail", async () => {
    const slo = await prisma.slo.findUniqueOrThrow({
      where: { name: "assistant-llm-70b-availability" },
    });
    const days = await prisma.sliBucket.findMany({ where: { sloId: slo.id, resolution: "day" } });
    const hours = await prisma.sliBucket.findMany({ where: { sloId: slo.id, resolution: "hour" } });
    const minutes = await prisma.sliBucket.findMany({
      where: { sloId: slo.id, resolution: "minute" },
    });
    expect(hours.length).toBe(200 * 24);
    expect(days.length).toBeGreaterThanOrEqual(200);
    expect(minutes.length).toBe(24 * 60);
    const oldest = Math.min(...hours.map((h) => h.start.getTime()));
    expect(SEED_NOW.getTime() - oldest).toBeGreaterThanOrEqual(200 * DAY - 3_600_000);

    const sum = (rows: { good: bigint; total: bigint }[]) =>
      rows.reduce((acc, r) => ({ good: acc.good + r.good, total: acc.total + r.total }), {
        good: 0n,
        total: 0n,
      });
    expect(sum(days)).toEqual(sum(hours));
    // Timeslices too: every hour has 60 one-minute slices, and the days add them up.
    expect(hours.every((h) => h.slices === 60 && h.goodSlices <= h.slices)).toBe(true);
    expect(days.reduce((a, d) => a + d.goodSlices, 0)).toBe(
      hours.reduce((a, h) => a + h.goodSlices, 0),
    );
    // The last full hour equals the sum of its minutes.
    const lastHour = hours.reduce((a, b) => (a.start > b.start ? a : b));
    const prevHourStart = lastHour.start.getTime() - 3_600_000;
    const prevHour = hours.find((h) => h.start.getTime() === prevHourStart);
    const minutesOfPrev = minutes.filter(
      (m) => m.start.getTime() >= prevHourStart && m.start.getTime() < lastHour.start.getTime(),
    );
    expect(minutesOfPrev).toHaveLength(60);
    expect(sum(minutesOfPrev)).toEqual({ good: prevHour?.good, total: prevHour?.total });
  });

  it("creates one demo user per role", async () => {
    const users = await prisma.user.findMany({ where: { demo: true } });
    expect(new Set(users.map((u) => u.role))).toEqual(
      new Set(["viewer", "engineer", "release_manager", "admin"]),
    );
    expect(users.map((u) => u.email).sort()).toEqual(DEMO_USERS.map((u) => u.email).sort());
    for (const u of users) expect(u.passwordHash).toMatch(/^\$2[aby]\$12\$/);
  });

  it("never seeds twice, even when two processes start together", async () => {
    const before = await prisma.modelVersion.count();
    const other = new PrismaClient({
      adapter: new PrismaPg({ connectionString: testDatabaseUrl() }),
    });
    const results = await Promise.all([seedIfEmpty(prisma), seedIfEmpty(other)]);
    await other.$disconnect();
    expect(results).toEqual([false, false]);
    expect(await prisma.modelVersion.count()).toBe(before);
    expect(await prisma.region.count()).toBe(4);
  });

  it("is deterministic: the same seed and instant give the same fleet", async () => {
    const admin = new pg.Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    const dbs = ["flightdeck_det_a", "flightdeck_det_b"];
    try {
      const snapshots: unknown[] = [];
      for (const name of dbs) {
        await admin.query(`DROP DATABASE IF EXISTS ${name}`);
        await admin.query(`CREATE DATABASE ${name} TEMPLATE template0`);
        const url = new URL(testDatabaseUrl());
        url.pathname = `/${name}`;
        // Apply the schema by copying it from the migrated test database's migration file.
        const { readFileSync, readdirSync } = await import("node:fs");
        const client = new pg.Client({ connectionString: url.toString() });
        await client.connect();
        for (const dir of readdirSync("prisma/migrations")
          .filter((d) => /^\d/.test(d))
          .sort()) {
          await client.query(readFileSync(`prisma/migrations/${dir}/migration.sql`, "utf8"));
        }
        await client.end();
        const p = new PrismaClient({ adapter: new PrismaPg({ connectionString: url.toString() }) });
        await seedIfEmpty(p, { now: SEED_NOW });
        snapshots.push({
          versions: await p.modelVersion.findMany({
            orderBy: { imageDigest: "asc" },
            select: { version: true, imageDigest: true, codeCommit: true, evalMetrics: true },
          }),
          pools: await p.nodePool.findMany({
            orderBy: [{ name: "asc" }, { gpuAllocated: "asc" }],
            select: { name: true, nodeCount: true, gpuAllocated: true },
          }),
          buckets: await p.sliBucket.aggregate({ _sum: { good: true, total: true }, _count: true }),
          incidents: await p.incident.findMany({
            orderBy: { number: "asc" },
            select: {
              title: true,
              severity: true,
              detectedAt: true,
              acknowledgedAt: true,
              resolvedAt: true,
            },
          }),
          rollouts: await p.rollout.groupBy({
            by: ["status"],
            _count: true,
            orderBy: { status: "asc" },
          }),
        });
        await p.$disconnect();
      }
      expect(snapshots[0]).toEqual(snapshots[1]);
    } finally {
      for (const name of dbs) await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  });
});
