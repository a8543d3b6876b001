import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  compareVersions,
  getModelDetail,
  getModelVersion,
  modelTeams,
  versionChoices,
} from "@/server/models/registry";
import { listModels } from "@/server/models/list";
import { metricsSource } from "@/server/fleet/platform";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { TimeoutError } from "@/lib/platform/types";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import { connectTestDatabase } from "../../support/db";
import { actor } from "../../support/actors";

const prisma = connectTestDatabase();
const viewer = actor("viewer");
// The assistant team's speech model: no other test file rolls it out. Seeded with three
// versions (1.2.0 serves production in four regions and staging in eu-west-1) and a newer
// candidate that runs nowhere.
const MODEL = "speech-asr";
const STABLE = "1.2.0";
const PREVIOUS = "1.1.0";

let assistantTeamId = "";
let candidate = "";
const created = { modelIds: [] as string[] };

beforeAll(async () => {
  assistantTeamId = (await prisma.team.findUniqueOrThrow({ where: { slug: "assistant" } })).id;
  const newest = await prisma.modelVersion.findFirstOrThrow({
    where: { model: { name: MODEL } },
    orderBy: [{ createdAt: "desc" }, { id: "desc" }],
    select: { version: true },
  });
  candidate = newest.version;
});

afterAll(async () => {
  await prisma.modelVersion.deleteMany({ where: { modelId: { in: created.modelIds } } });
  await prisma.model.deleteMany({ where: { id: { in: created.modelIds } } });
  await prisma.$disconnect();
});

/** The model's deployments straight from the database, as comparable tuples. */
async function deploymentsOf(model: string, version?: string) {
  const rows = await prisma.deployment.findMany({
    where: { model: { name: model }, ...(version ? { modelVersion: { version } } : {}) },
    select: {
      trafficWeight: true,
      cluster: { select: { name: true } },
      environment: { select: { name: true } },
      modelVersion: { select: { version: true } },
    },
  });
  return rows
    .map((d) => [d.environment.name, d.cluster.name, d.modelVersion.version, d.trafficWeight])
    .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
}

const tuples = (
  ps: { environment: string; cluster: string; version: string; trafficWeight: number }[],
) =>
  ps
    .map((p) => [p.environment, p.cluster, p.version, p.trafficWeight])
    .sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));

describe("a model's page", () => {
  it("lists versions newest first with where each runs now, per environment and cluster", async () => {
    const d = await getModelDetail(viewer, MODEL, { page: 1 });
    expect(d.model).toMatchObject({
      name: MODEL,
      displayName: "Speech ASR",
      task: "speech-recognition",
      teamSlug: "assistant",
      teamName: "Conversational AI",
    });
    const versions = await prisma.modelVersion.findMany({
      where: { model: { name: MODEL } },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      select: { version: true, createdAt: true, createdBy: true },
    });
    expect(d.versions.total).toBe(versions.length);
    expect(d.versions.rows.map((v) => v.version)).toEqual(versions.map((v) => v.version));
    expect(d.versionNames).toEqual(versions.map((v) => v.version));
    const times = d.versions.rows.map((v) => v.createdAt.getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
    expect(d.versions.rows[0]?.createdBy).toBe(versions[0]?.createdBy);

    // Placements are the inventory's deployments of the model, each with cluster and traffic.
    expect(tuples(d.placements)).toEqual(await deploymentsOf(MODEL));
    const production = d.placements.filter((p) => p.tier === "production");
    expect(production.map((p) => p.region).sort()).toEqual([
      "ap-southeast-1",
      "eu-west-1",
      "us-east-1",
      "us-west-2",
    ]);
    for (const p of production) {
      expect(p.version).toBe(STABLE);
      expect(p.cluster).toMatch(/-serve-01$/);
      expect(p.environment).toBe(`production/${p.region}`);
    }
    for (const v of d.versions.rows) {
      expect(v.placements).toEqual(d.placements.filter((p) => p.version === v.version));
    }
    expect(d.versions.rows.find((v) => v.version === candidate)?.placements).toEqual([]);

    // The matrix: tier × every region, with the cluster and version serving there.
    expect(d.matrix.rows.map((r) => r.tier)).toEqual(["staging", "production"]);
    const cell = (tier: string, region: string) =>
      d.matrix.rows.find((r) => r.tier === tier)?.cells.find((c) => c.region === region);
    expect(cell("production", "us-east-1")?.placements.map((p) => p.version)).toEqual([STABLE]);
    expect(cell("staging", "eu-west-1")?.placements.map((p) => p.version)).toEqual([STABLE]);
    expect(cell("staging", "us-east-1")?.placements).toEqual([]);

    // Eval metrics come out of the stored JSON, the model's quality metric first.
    const stableRow = d.versions.rows.find((v) => v.version === STABLE);
    expect(stableRow?.metrics.map((m) => m.name)).toEqual([
      "1-wer",
      "calibration_ece",
      "p99_latency_ms",
      "eval_examples",
    ]);

    // Compare starts from what production serves against the newest version.
    expect(d.servingProduction).toBe(STABLE);
    expect(d.compareDefaults).toEqual({ a: STABLE, b: candidate });
  });

  it("pages a long version history on the server without gaps or repeats", async () => {
    const model = await prisma.model.create({
      data: {
        name: `registry-test-${Date.now().toString(36)}`,
        displayName: "Registry Test",
        task: "test",
        description: "Created by the model registry tests.",
        teamId: assistantTeamId,
      },
    });
    created.modelIds.push(model.id);
    const count = PAGE_SIZE + 3;
    const start = Date.UTC(2026, 0, 1);
    await prisma.modelVersion.createMany({
      data: Array.from({ length: count }, (_, i) => ({
        modelId: model.id,
        version: `0.${i}.0`,
        imageDigest: `registry.test/m@sha256:${String(i).padStart(64, "0")}`,
        baseImageDigest: `registry.test/base@sha256:${"b".repeat(64)}`,
        artifactUri: `s3://test/${i}`,
        trainingRunId: `run-${i}`,
        datasetDigest: `sha256:${"c".repeat(64)}`,
        codeCommit: "d".repeat(40),
        evalMetrics: { auc: 0.5 + i / 100 },
        createdBy: "test",
        createdAt: new Date(start + i * 3_600_000),
      })),
    });
    const first = await getModelDetail(viewer, model.name, { page: 1 });
    const second = await getModelDetail(viewer, model.name, { page: 2 });
    expect(first.versions).toMatchObject({ total: count, page: 1, pageCount: 2 });
    expect(first.versions.rows).toHaveLength(PAGE_SIZE);
    expect(second.versions.rows.map((v) => v.version)).toEqual(["0.2.0", "0.1.0", "0.0.0"]);
    expect(first.versions.rows[0]?.version).toBe(`0.${count - 1}.0`);
    const seen = new Set([...first.versions.rows, ...second.versions.rows].map((v) => v.version));
    expect(seen.size).toBe(count);
    // Nothing runs: no production version, so the newest is compared with the one before.
    expect(first.placements).toEqual([]);
    expect(first.compareDefaults).toEqual({ a: `0.${count - 2}.0`, b: `0.${count - 1}.0` });
    // A page past the end shows the last page.
    expect((await getModelDetail(viewer, model.name, { page: 99 })).versions.page).toBe(2);
  });

  it("filters the model list by team and offers the teams that own models", async () => {
    const teams = await modelTeams(viewer);
    expect(teams.map((t) => t.slug)).toEqual(
      expect.arrayContaining(["assistant", "ranking", "trust-safety"]),
    );
    const page = await listModels(viewer, { page: 1, team: "assistant" });
    const expected = await prisma.model.findMany({
      where: { team: { slug: "assistant" } },
      orderBy: { name: "asc" },
      select: { name: true },
    });
    expect(page.total).toBe(expected.length);
    expect(page.rows.map((m) => m.name)).toEqual(expected.map((m) => m.name).slice(0, PAGE_SIZE));
    for (const m of page.rows) expect(m.teamName).toBe("Conversational AI");
  });
});

describe("a version's page", () => {
  it("shows lineage, eval metrics, where it runs and the rollouts that involved it", async () => {
    const v = await getModelVersion(viewer, MODEL, STABLE);
    const row = await prisma.modelVersion.findFirstOrThrow({
      where: { model: { name: MODEL }, version: STABLE },
    });
    expect(v.lineage).toEqual({
      trainingRunId: row.trainingRunId,
      datasetDigest: row.datasetDigest,
      codeCommit: row.codeCommit,
      baseImageDigest: row.baseImageDigest,
      imageDigest: row.imageDigest,
      artifactUri: row.artifactUri,
    });
    expect(v.createdAt).toEqual(row.createdAt);
    expect(Object.fromEntries(v.metrics.map((m) => [m.name, m.value]))).toEqual(row.evalMetrics);
    expect(tuples(v.placements)).toEqual(await deploymentsOf(MODEL, STABLE));
    for (const p of v.placements) expect(p.readyReplicas).toBeLessThanOrEqual(p.replicas);
    expect(v.servingProduction).toBe(STABLE);

    const involved = await prisma.rollout.findMany({
      where: { OR: [{ toVersionId: row.id }, { fromVersionId: row.id }] },
      select: { id: true, toVersionId: true },
    });
    expect(v.rolloutTotal).toBe(involved.length);
    expect(v.rollouts.map((r) => r.id).sort()).toEqual(involved.map((r) => r.id).sort());
    expect(v.rollouts.length).toBeGreaterThan(0);
    for (const r of v.rollouts) {
      const to = involved.find((i) => i.id === r.id)?.toVersionId === row.id;
      expect(r.direction).toBe(to ? "to" : "from");
      expect(to ? r.toVersion : r.fromVersion).toBe(STABLE);
    }
    const times = v.rollouts.map((r) => r.createdAt.getTime());
    expect(times).toEqual([...times].sort((x, y) => y - x));
  });

  it("offers promotion requests only to release managers of the model's team and admins", async () => {
    const may = async (a: ReturnType<typeof actor>) =>
      (await getModelVersion(a, MODEL, candidate)).canRequestPromotion;
    expect(await may(viewer)).toBe(false);
    expect(await may(actor("engineer", assistantTeamId))).toBe(false);
    expect(await may(actor("release_manager", assistantTeamId))).toBe(true);
    expect(await may(actor("release_manager", "another-team"))).toBe(false);
    expect(await may(actor("admin"))).toBe(true);
  });
});

describe("comparing two versions", () => {
  it("gives each eval metric's change and which lineage fields differ", async () => {
    const c = await compareVersions(viewer, MODEL, PREVIOUS, STABLE);
    const [a, b] = await Promise.all(
      [PREVIOUS, STABLE].map((version) =>
        prisma.modelVersion.findFirstOrThrow({ where: { model: { name: MODEL }, version } }),
      ),
    );
    const am = a?.evalMetrics as Record<string, number>;
    const bm = b?.evalMetrics as Record<string, number>;
    expect(c.metrics.map((m) => m.name).sort()).toEqual(Object.keys(am).sort());
    for (const m of c.metrics) {
      expect(m.a).toBe(am[m.name]);
      expect(m.b).toBe(bm[m.name]);
      expect(m.delta).toBeCloseTo((bm[m.name] ?? 0) - (am[m.name] ?? 0), 6);
      if (m.delta !== 0 && m.direction !== "neutral") {
        const up = (m.delta ?? 0) > 0;
        expect(m.change).toBe(up === (m.direction === "higher") ? "better" : "worse");
      }
    }
    // Seeded versions of a model share the serving base image; data and code change.
    const same = Object.fromEntries(c.lineage.map((l) => [l.key, l.same]));
    expect(same).toEqual({
      trainingRunId: false,
      datasetDigest: false,
      codeCommit: false,
      baseImageDigest: true,
      imageDigest: false,
      artifactUri: false,
    });
    expect(c.lineage.find((l) => l.key === "codeCommit")).toMatchObject({
      a: a?.codeCommit,
      b: b?.codeCommit,
    });
  });

  it("says when two versions never serve in the same place, with each one's own metrics", async () => {
    const c = await compareVersions(viewer, MODEL, STABLE, candidate);
    expect(c.b.placements).toEqual([]);
    expect(c.live.together).toBe(false);
    expect(c.live.errors).toEqual([]);
    const stableEnvironments = [...new Set(c.a.placements.map((p) => p.environment))].sort();
    expect(c.live.rows.map((r) => r.environment)).toEqual(stableEnvironments);
    for (const r of c.live.rows) {
      expect(r.b).toBeNull();
      expect(r.a?.version).toBe(STABLE);
      expect(r.a?.reading.rps).toBeGreaterThan(0);
      expect(r.a?.reading.errorRate).toBeGreaterThanOrEqual(0);
    }
    // The candidate improves the model's quality metric.
    expect(c.metrics.find((m) => m.name === "1-wer")?.change).toBe("better");
  });

  describe("during a canary", () => {
    let canaryId = "";
    let stableId = "";
    beforeAll(async () => {
      const stable = await prisma.deployment.findFirstOrThrow({
        where: {
          model: { name: MODEL },
          modelVersion: { version: STABLE },
          environment: { name: "production/us-east-1" },
        },
      });
      const version = await prisma.modelVersion.findFirstOrThrow({
        where: { model: { name: MODEL }, version: candidate },
      });
      stableId = stable.id;
      await prisma.deployment.update({ where: { id: stable.id }, data: { trafficWeight: 90 } });
      canaryId = (
        await prisma.deployment.create({
          data: {
            modelId: stable.modelId,
            modelVersionId: version.id,
            clusterId: stable.clusterId,
            environmentId: stable.environmentId,
            replicas: 1,
            readyReplicas: 1,
            hpaMin: 1,
            hpaMax: 2,
            hpaCurrent: 1,
            trafficWeight: 10,
          },
        })
      ).id;
      // The simulator boots from the inventory: now it serves the canary too.
      await resetSimulatorFleet();
    });
    afterAll(async () => {
      vi.restoreAllMocks();
      await prisma.deployment.deleteMany({ where: { id: canaryId } });
      await prisma.deployment.update({ where: { id: stableId }, data: { trafficWeight: 100 } });
      await resetSimulatorFleet();
    });

    it("shows both versions' live metrics where both serve", async () => {
      const c = await compareVersions(viewer, MODEL, STABLE, candidate);
      expect(c.live.together).toBe(true);
      expect(c.live.errors).toEqual([]);
      expect(c.live.rows.map((r) => r.environment)).toEqual(["production/us-east-1"]);
      const [row] = c.live.rows;
      expect(row?.a).toMatchObject({ version: STABLE, trafficWeight: 90 });
      expect(row?.b).toMatchObject({ version: candidate, trafficWeight: 10 });
      for (const side of [row?.a, row?.b]) {
        expect(side?.clusters).toEqual([expect.stringMatching(/-serve-01$/)]);
        expect(side?.reading.rps).toBeGreaterThan(0);
        expect(side?.reading.errorRate).toBeGreaterThanOrEqual(0);
        expect(side?.reading.errorRate).toBeLessThanOrEqual(1);
        expect(side?.reading.p99Ms).toBeGreaterThan(0);
        expect(side?.reading.onlineAccuracy).toBeGreaterThan(0);
        expect(side?.reading.onlineAccuracy).toBeLessThanOrEqual(1);
      }
      // The stable version carries most of the environment's requests.
      expect(row?.a?.reading.rps ?? 0).toBeGreaterThan(row?.b?.reading.rps ?? 0);
    });

    it("keeps the rest when one metric does not answer, and says which", async () => {
      const source = metricsSource();
      const instant = source.instant.bind(source);
      vi.spyOn(source, "instant").mockImplementation((metric, selector, at) =>
        metric === "latency_p99"
          ? Promise.reject(new TimeoutError("p99 latency", 5_000))
          : instant(metric, selector, at),
      );
      const c = await compareVersions(viewer, MODEL, STABLE, candidate);
      vi.restoreAllMocks();
      expect(c.live.errors).toEqual(["p99 latency: no answer within 5000 ms"]);
      const side = c.live.rows[0]?.a;
      expect(side?.reading.p99Ms).toBeNull();
      expect(side?.reading.errorRate).not.toBeNull();
      expect(c.metrics.length).toBeGreaterThan(0);
    });
  });
});

describe("reads of the registry", () => {
  const reads = [
    ["model", (a: ReturnType<typeof actor> | null) => getModelDetail(a, MODEL, { page: 1 })],
    ["version", (a: ReturnType<typeof actor> | null) => getModelVersion(a, MODEL, STABLE)],
    ["choices", (a: ReturnType<typeof actor> | null) => versionChoices(a, MODEL)],
    [
      "compare",
      (a: ReturnType<typeof actor> | null) => compareVersions(a, MODEL, PREVIOUS, STABLE),
    ],
    ["teams", (a: ReturnType<typeof actor> | null) => modelTeams(a)],
  ] as const;

  it.each(reads)("%s answers a viewer and refuses callers without a role", async (_n, read) => {
    await expect(read(viewer)).resolves.toBeTruthy();
    await expect(read(null)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
    await expect(read(actor(null))).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("answers unknown models and versions with NOT_FOUND", async () => {
    const notFound = { name: "AppError", code: "NOT_FOUND" };
    await expect(getModelDetail(viewer, "no-such-model", { page: 1 })).rejects.toMatchObject(
      notFound,
    );
    await expect(versionChoices(viewer, "no-such-model")).rejects.toMatchObject(notFound);
    await expect(getModelVersion(viewer, "no-such-model", STABLE)).rejects.toMatchObject(notFound);
    await expect(getModelVersion(viewer, MODEL, "9.9.9")).rejects.toMatchObject({
      ...notFound,
      message: `No version "9.9.9" of ${MODEL}.`,
    });
    await expect(compareVersions(viewer, MODEL, STABLE, "9.9.9")).rejects.toMatchObject(notFound);
    await expect(compareVersions(viewer, "no-such-model", STABLE, STABLE)).rejects.toMatchObject(
      notFound,
    );
  });
});
