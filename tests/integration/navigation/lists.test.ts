import { afterAll, afterEach, describe, expect, it, vi } from "vitest";
import { onCallBoard } from "@/server/incidents/oncall";
import { getOverview } from "@/server/fleet/overview";
import { listClusters } from "@/server/fleet/clusters";
import { listModels } from "@/server/models/list";
import { listRollouts } from "@/server/rollouts/queries";
import { listSlos } from "@/server/slos/queries";
import { listIncidents } from "@/server/incidents/queries";
import { listTrainingJobs } from "@/server/training/jobs";
import { listAuditEvents } from "@/server/access/audit-log";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import { connectTestDatabase } from "../../support/db";
import { SEED_NOW } from "../../support/constants";
import { actor } from "../../support/actors";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());
afterEach(() => vi.useRealTimers());

const viewer = actor("viewer");
const DAY = 86_400_000;

describe("overview", () => {
  it("shows counts that match the database", async () => {
    const o = await getOverview(viewer, {});
    const since = new Date(Date.now() - 30 * DAY);
    const gpu = await prisma.nodePool.aggregate({ _sum: { gpuCount: true, gpuAllocated: true } });
    expect(o).toMatchObject({
      regions: await prisma.region.count(),
      clusters: await prisma.cluster.count(),
      models: await prisma.model.count(),
      modelVersions: await prisma.modelVersion.count(),
      deployments: await prisma.deployment.count(),
      slos: await prisma.slo.count(),
      trainingJobs: await prisma.trainingJob.count(),
      trainingRunning: await prisma.trainingJob.count({ where: { status: "running" } }),
      rolloutsLast30d: await prisma.rollout.count({ where: { createdAt: { gte: since } } }),
      openIncidents: await prisma.incident.count({
        where: { status: { in: ["triage", "investigating", "mitigated"] } },
      }),
    });
    // GPU capacity is read live from the platform, which booted from the seeded pools.
    expect(o.fleetError).toBeNull();
    expect(o.gpus?.total).toBe(gpu._sum.gpuCount);
    expect(o.gpus?.allocated).toBeLessThanOrEqual(o.gpus?.allocatable ?? 0);
    expect(o.gpus?.allocated).toBeGreaterThan(0);
    expect(o.gpuByType.reduce((s, g) => s + g.total, 0)).toBe(gpu._sum.gpuCount);
    const statusTotal = Object.values(o.sloStatus).reduce((a, b) => a + b, 0);
    expect(statusTotal).toBe(o.slos);
  });

  it("gives on-call open incidents most severe first, burning SLOs, rollouts in flight and the last day's changes", async () => {
    const board = await onCallBoard(viewer, {});
    const open = await prisma.incident.count({
      where: { status: { in: ["triage", "investigating", "mitigated"] } },
    });
    expect(board.openIncidents).toBe(open);
    expect(board.incidents).toHaveLength(Math.min(open, 8));
    const ranks = board.incidents.map((i) => ["SEV1", "SEV2", "SEV3", "SEV4"].indexOf(i.severity));
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b));
    expect(
      board.incidents.every((i) => ["triage", "investigating", "mitigated"].includes(i.status)),
    ).toBe(true);
    const burns = board.burningSlos.map((s) => s.burnRate1h ?? 0);
    expect(burns).toEqual([...burns].sort((a, b) => b - a));
    expect(board.burningSlos.every((s) => s.firing !== null || (s.burnRate1h ?? 0) > 1)).toBe(true);
    const active = ["pending", "progressing", "paused", "analyzing", "degraded"];
    expect(board.rollouts.every((r) => active.includes(r.status))).toBe(true);
    const times = board.changes.map((c) => c.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(times.every((t) => t >= Date.now() - 24 * 3_600_000)).toBe(true);
  });

  it.each([
    ["a region and environment", { region: "eu-west-1", env: "production" }],
    ["a region", { region: "us-east-1" }],
    ["an environment", { env: "production" }],
  ] as const)("narrows every count to %s", async (_name, filter) => {
    // a day after the seed's "now", so its last 30 days hold rollouts and incidents
    vi.useFakeTimers({ now: SEED_NOW.getTime() + DAY, toFake: ["Date"] });
    const o = await getOverview(viewer, filter);
    const since = new Date(Date.now() - 30 * DAY);
    const region = "region" in filter ? { code: filter.region } : {};
    const environment = {
      ...("env" in filter ? { tier: filter.env } : {}),
      region,
    };
    const cluster = { region };
    const incidentRegion = "region" in filter ? { regionCode: filter.region } : {};
    const active = ["pending", "progressing", "paused", "analyzing", "degraded"] as const;
    expect(o).toMatchObject({
      regions: await prisma.region.count({ where: region }),
      clusters: await prisma.cluster.count({ where: cluster }),
      models: await prisma.model.count(),
      modelVersions: await prisma.modelVersion.count(),
      deployments: await prisma.deployment.count({ where: { environment } }),
      activeRollouts: await prisma.rollout.count({
        where: { environment, status: { in: [...active] } },
      }),
      rolloutsLast30d: await prisma.rollout.count({
        where: { environment, createdAt: { gte: since } },
      }),
      rolledBackLast30d: await prisma.rollout.count({
        where: { environment, createdAt: { gte: since }, status: "rolled_back" },
      }),
      slos: await prisma.slo.count(),
      openIncidents: await prisma.incident.count({
        where: { ...incidentRegion, status: { in: ["triage", "investigating", "mitigated"] } },
      }),
      incidentsLast30d: await prisma.incident.count({
        where: { ...incidentRegion, detectedAt: { gte: since } },
      }),
      trainingRunning: await prisma.trainingJob.count({ where: { cluster, status: "running" } }),
      trainingJobs: await prisma.trainingJob.count({ where: { cluster } }),
    });
    expect(o.deployments).toBeGreaterThan(0);
    expect(o.rolloutsLast30d).toBeGreaterThan(0);
    if ("region" in filter) expect(o.regions).toBe(1);
    else expect(o.incidentsLast30d).toBeGreaterThan(0);
  });
});

describe("every read is denied by default", () => {
  const reads = [
    ["overview", (a: ReturnType<typeof actor> | null) => getOverview(a, {})],
    ["clusters", (a: ReturnType<typeof actor> | null) => listClusters(a, { page: 1 })],
    ["models", (a: ReturnType<typeof actor> | null) => listModels(a, { page: 1 })],
    ["rollouts", (a: ReturnType<typeof actor> | null) => listRollouts(a, { page: 1 })],
    ["slos", (a: ReturnType<typeof actor> | null) => listSlos(a, { page: 1 })],
    ["incidents", (a: ReturnType<typeof actor> | null) => listIncidents(a, { page: 1 })],
    ["training", (a: ReturnType<typeof actor> | null) => listTrainingJobs(a, { page: 1 })],
    ["audit", (a: ReturnType<typeof actor> | null) => listAuditEvents(a, { page: 1 })],
  ] as const;

  it.each(reads)("%s refuses an anonymous caller", async (_name, read) => {
    await expect(read(null)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it.each(reads)("%s refuses a signed-in user without a role", async (_name, read) => {
    await expect(read(actor(null))).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it.each(reads)("%s answers every role", async (_name, read) => {
    for (const role of ["viewer", "engineer", "release_manager", "admin"] as const) {
      await expect(read(actor(role))).resolves.toBeTruthy();
    }
  });
});

describe("server-side pagination", () => {
  it("pages rollouts without gaps or repeats", async () => {
    const total = await prisma.rollout.count();
    expect(total).toBeGreaterThan(PAGE_SIZE);
    const first = await listRollouts(viewer, { page: 1 });
    expect(first.rows).toHaveLength(PAGE_SIZE);
    expect(first.total).toBe(total);
    const ids = new Set<string>();
    for (let p = 1; p <= first.pageCount; p++) {
      const page = await listRollouts(viewer, { page: p });
      for (const r of page.rows) ids.add(r.id);
    }
    expect(ids.size).toBe(total);
  });

  it("gives each listed rollout its own number of steps", async () => {
    const page = await listRollouts(viewer, { page: 1 });
    // Prisma's relation count, which the list used to read in its own query
    const counts = await prisma.rollout.findMany({
      where: { id: { in: page.rows.map((r) => r.id) } },
      select: { id: true, _count: { select: { steps: true } } },
    });
    const expected = new Map(counts.map((c) => [c.id, c._count.steps]));
    expect(page.rows.some((r) => r.stepCount > 0)).toBe(true);
    for (const r of page.rows) expect(r.stepCount, r.id).toBe(expected.get(r.id) ?? 0);
  });

  it("clamps a page past the end to the last page", async () => {
    const page = await listRollouts(viewer, { page: 999 });
    expect(page.page).toBe(page.pageCount);
    expect(page.rows.length).toBeGreaterThan(0);
  });

  it("filters rollouts by environment and region from the URL", async () => {
    const page = await listRollouts(viewer, { page: 1, env: "production", region: "us-east-1" });
    expect(page.total).toBe(
      await prisma.rollout.count({
        where: { environment: { tier: "production", region: { code: "us-east-1" } } },
      }),
    );
    for (const r of page.rows) expect(r.environment).toBe("production/us-east-1");
  });

  it("filters clusters and training jobs by region", async () => {
    const clusters = await listClusters(viewer, { page: 1, region: "ap-southeast-1" });
    expect(clusters.total).toBe(2);
    for (const c of clusters.rows) expect(c.regionCode).toBe("ap-southeast-1");
    const all = await listClusters(viewer, { page: 1 });
    expect(all.error).toBeNull();
    const gpus = (c: (typeof all.rows)[number]) =>
      c.live?.pools.reduce((n, p) => n + p.gpus, 0) ?? 0;
    expect(all.rows.reduce((s, c) => s + gpus(c), 0)).toBe(
      (await prisma.nodePool.aggregate({ _sum: { gpuCount: true } }))._sum.gpuCount,
    );
  });
});

describe("audit log", () => {
  it("is append-only in the database itself", async () => {
    const event = await prisma.auditEvent.findFirstOrThrow();
    await expect(
      prisma.auditEvent.update({ where: { id: event.id }, data: { reason: "rewritten" } }),
    ).rejects.toThrow(/append-only/);
    await expect(prisma.auditEvent.delete({ where: { id: event.id } })).rejects.toThrow(
      /append-only/,
    );
    await expect(prisma.$executeRawUnsafe('TRUNCATE "AuditEvent"')).rejects.toThrow(/append-only/);
    expect((await prisma.auditEvent.findUniqueOrThrow({ where: { id: event.id } })).reason).toBe(
      event.reason,
    );
  });

  it("lists the seed event", async () => {
    const page = await listAuditEvents(viewer, { page: 1, filter: { action: "fleet.seed" } });
    expect(page.rows.map((r) => r.action)).toEqual(["fleet.seed"]);
  });
});
