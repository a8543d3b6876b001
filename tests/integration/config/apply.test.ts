// Fleet configuration as code against the seeded demo fleet in a real PostgreSQL: export, diff,
// apply in one transaction with one audit record, idempotence, refusals and concurrent applies.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import YAML from "yaml";
import { connectTestDatabase } from "../../support/db";
import { SEED_NOW } from "../../support/constants";
import { installClock, ManualClock } from "@/lib/clock";
import {
  applyFleetConfig,
  exportFleetConfig,
  parseConfigText,
  type ConfigActor,
} from "@/server/config/apply";
import { AppError } from "@/server/errors";
import { releasePolicy } from "@/server/promotions/release-policy";
import { actor as testActor } from "../../support/actors";

const prisma = connectTestDatabase();
const actor: ConfigActor = {
  actorId: null,
  actorEmail: "cli:tester",
  actorRole: null,
  requestId: null,
  clientIp: null,
  createdBy: "cli:tester",
};

beforeAll(() => installClock(new ManualClock(SEED_NOW.getTime() + 3_600_000)));
afterAll(async () => {
  installClock(null);
  await prisma.$disconnect();
});

const audits = () => prisma.auditEvent.count({ where: { action: "config.apply" } });

interface Doc {
  apiVersion: string;
  kind: string;
  teams: unknown[];
  regions: unknown[];
  environments: unknown[];
  clusters: unknown[];
  models: unknown[];
  freezes: unknown[];
}

async function exportedDoc(): Promise<Doc> {
  const { yaml, problems } = await exportFleetConfig(prisma);
  expect(problems).toEqual([]);
  return YAML.parse(yaml) as Doc;
}

const apply = (doc: unknown, options: { prune?: boolean; dryRun?: boolean } = {}) =>
  applyFleetConfig(prisma, actor, parseConfigText(YAML.stringify(doc)), options);

/** Everything the configuration manages, as rows, to prove a refused apply changed nothing. */
async function snapshot() {
  return {
    teams: await prisma.team.findMany({ orderBy: { slug: "asc" } }),
    regions: await prisma.region.findMany({ orderBy: { code: "asc" } }),
    environments: await prisma.environment.findMany({ orderBy: { name: "asc" } }),
    clusters: await prisma.cluster.findMany({ orderBy: { name: "asc" } }),
    pools: await prisma.nodePool.findMany({ orderBy: [{ clusterId: "asc" }, { name: "asc" }] }),
    models: await prisma.model.findMany({ orderBy: { name: "asc" } }),
    freezes: await prisma.freezeWindow.findMany({ orderBy: { id: "asc" } }),
    audits: await audits(),
  };
}

describe("export", () => {
  it("writes the demo fleet's configuration", async () => {
    const doc = await exportedDoc();
    expect(doc.apiVersion).toBe("flightdeck.dev/v1");
    expect(doc.teams).toHaveLength(3);
    expect(doc.regions).toHaveLength(4);
    expect(doc.environments).toHaveLength(8);
    expect(doc.clusters).toHaveLength(8);
    expect(doc.models).toHaveLength(6);
    expect(doc.environments).toContainEqual({
      name: "production/us-east-1",
      tier: "production",
      region: "us-east-1",
      requiredApprovals: 2,
      soakMinutes: 60,
      promotionsOnly: true,
    });
    expect(doc.models).toContainEqual(
      expect.objectContaining({
        name: "ranker-xl",
        team: "ranking",
        budgetPolicy: "enforce",
        resources: { cpu: 12, gpu: 1, memoryGi: 96 },
        rolloutPlan: expect.objectContaining({ strategy: "canary" }),
      }),
    );
    expect(doc.freezes).toEqual([
      expect.objectContaining({ name: "Year-end freeze", tier: "production" }),
    ]);
  });

  it("round-trips: applying the export changes nothing and writes no audit record", async () => {
    const before = await snapshot();
    const { yaml } = await exportFleetConfig(prisma);
    for (const prune of [false, true]) {
      const outcome = await applyFleetConfig(prisma, actor, parseConfigText(yaml), { prune });
      expect(outcome.plan.problems).toEqual([]);
      expect(outcome.plan.changes).toEqual([]);
      expect(outcome.applied).toBe(false);
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe("apply", () => {
  it("applies every change in one transaction with one audit record, then changes nothing", async () => {
    const doc = await exportedDoc();
    const envs = doc.environments as { name: string; soakMinutes: number }[];
    const prod = envs.find((e) => e.name === "production/eu-west-1");
    if (!prod) throw new Error("seed");
    prod.soakMinutes = 180;
    doc.teams = [...doc.teams, { slug: "vision", name: "Computer Vision" }];
    doc.models = [
      ...doc.models,
      {
        name: "image-tagger",
        displayName: "Image Tagger",
        task: "image-classification",
        team: "vision",
        resources: { gpu: 1, cpu: 8, memoryGi: 32 },
        evalThresholds: [{ metric: "top1", direction: "higher", bound: 0.8 }],
      },
    ];
    const clusters = doc.clusters as { name: string; nodePools: { name: string }[] }[];
    const cluster = clusters[0];
    if (!cluster) throw new Error("seed");
    cluster.nodePools = [
      ...cluster.nodePools,
      { name: "t4-pool", gpuType: "T4", gpusPerNode: 4, minNodes: 0, maxNodes: 6 },
    ] as typeof cluster.nodePools;

    const auditsBefore = await audits();
    const dry = await apply(doc, { dryRun: true });
    expect(dry).toMatchObject({ applied: false, dryRun: true });
    expect(dry.plan.changes.map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual([
      "create team vision",
      "update environment production/eu-west-1",
      `update cluster ${cluster.name}`,
      "create model image-tagger",
    ]);
    expect(await prisma.team.count({ where: { slug: "vision" } })).toBe(0);
    expect(await audits()).toBe(auditsBefore);

    const outcome = await apply(doc);
    expect(outcome.applied).toBe(true);
    expect(outcome.plan.changes).toHaveLength(4);
    const model = await prisma.model.findUniqueOrThrow({
      where: { name: "image-tagger" },
      select: { team: { select: { slug: true } }, budgetPolicy: true, resources: true },
    });
    expect(model).toEqual({
      team: { slug: "vision" },
      budgetPolicy: "enforce",
      resources: { gpu: 1, cpu: 8, memoryGi: 32 },
    });
    expect(
      await prisma.environment.findUniqueOrThrow({
        where: { name: "production/eu-west-1" },
        select: { soakMinutes: true, requiredApprovals: true },
      }),
    ).toEqual({ soakMinutes: 180, requiredApprovals: 2 });
    const pool = await prisma.nodePool.findFirstOrThrow({
      where: { name: "t4-pool", cluster: { name: cluster.name } },
    });
    expect(pool).toMatchObject({ gpuType: "T4", maxNodes: 6, nodeCount: 0, gpuCount: 0 });

    expect(await audits()).toBe(auditsBefore + 1);
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "config.apply" },
      orderBy: { at: "desc" },
    });
    expect(audit).toMatchObject({
      actorEmail: "cli:tester",
      targetType: "fleet_config",
      outcome: "allowed",
      reason: "Fleet configuration applied: 2 created, 2 updated, 0 deleted",
    });
    expect(audit.after).toMatchObject({
      prune: false,
      summary: { create: 2, update: 2, delete: 0 },
      changes: expect.arrayContaining([
        {
          kind: "environment",
          name: "production/eu-west-1",
          op: "update",
          fields: [{ field: "soakMinutes", before: 60, after: 180 }],
        },
      ]),
    });

    // The same file again: nothing to do, nothing written.
    const again = await apply(doc);
    expect(again).toMatchObject({ applied: false, plan: { changes: [], problems: [] } });
    expect(await audits()).toBe(auditsBefore + 1);
    // And the export now carries the new objects, so it still round-trips.
    const { yaml } = await exportFleetConfig(prisma);
    expect((await applyFleetConfig(prisma, actor, parseConfigText(yaml))).plan.changes).toEqual([]);
  });

  it("refuses a bad file with every problem and its path, and changes nothing", async () => {
    const before = await snapshot();
    const text = [
      "apiVersion: flightdeck.dev/v1",
      "kind: FleetConfig",
      "environments:",
      "  - name: production/us-east-1",
      "    requiredApprovals: 9",
      "    soak: 5",
      "models:",
      "  - name: ranker-xl",
      "",
    ].join("\n");
    let error: unknown;
    try {
      parseConfigText(text);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message.split("\n")).toEqual([
      "flightdeck.yaml: environments[0].requiredApprovals: At most 5 approvals.",
      'flightdeck.yaml: environments[0]: unknown field "soak"',
      "flightdeck.yaml: models[0].displayName: required",
      "flightdeck.yaml: models[0].task: required",
      "flightdeck.yaml: models[0].team: required",
    ]);
    expect(() => parseConfigText("apiVersion: [")).toThrow(/flightdeck.yaml:1:/);
    expect(() => parseConfigText("")).toThrow(/The file is empty/);
    expect(() =>
      parseConfigText("apiVersion: flightdeck.dev/v1\nkind: FleetConfig\n---\nkind: x\n"),
    ).toThrow(/2 YAML documents/);
    expect(await snapshot()).toEqual(before);
  });

  it("refuses to delete a model that still has deployments, and applies nothing of the file", async () => {
    const before = await snapshot();
    const doc = await exportedDoc();
    const models = doc.models as { name: string; displayName: string }[];
    doc.models = models
      .filter((m) => m.name !== "ranker-xl")
      .map((m) => (m.name === "query-embedder" ? { ...m, displayName: "Renamed" } : m));
    const outcome = await apply(doc, { prune: true });
    expect(outcome.applied).toBe(false);
    expect(outcome.plan.changes.map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual([
      "update model query-embedder",
      "delete model ranker-xl",
    ]);
    expect(outcome.plan.problems).toEqual([
      expect.stringMatching(
        /^Model ranker-xl cannot be deleted; still in use: \d+ deployments? \((production|staging)\/[a-z0-9-]+.*\); \d+ versions; \d+ SLOs/,
      ),
    ]);
    expect(await snapshot()).toEqual(before);
    // Without prune the model is simply not managed by this file.
    const unpruned = await apply(doc, { dryRun: true });
    expect(unpruned.plan.changes.map((c) => c.name)).toEqual(["query-embedder"]);
  });

  it("refuses to delete a team that users, namespaces and SLOs still use", async () => {
    const doc = await exportedDoc();
    const outcome = await apply(
      { apiVersion: doc.apiVersion, kind: "FleetConfig", teams: doc.teams.slice(1) },
      { prune: true, dryRun: true },
    );
    expect(outcome.plan.problems[0]).toMatch(
      /^Team assistant cannot be deleted; still in use: \d+ namespaces; \d+ SLOs; .*model assistant-llm-70b/,
    );
  });

  it("creates and then prunes objects nothing uses", async () => {
    const head = { apiVersion: "flightdeck.dev/v1", kind: "FleetConfig" };
    const created = await apply({
      ...head,
      regions: [{ code: "sa-east-1", name: "South America (São Paulo)" }],
      environments: [{ name: "staging/sa-east-1" }],
      clusters: [
        {
          name: "eks-sae1-serve-01",
          region: "sa-east-1",
          provider: "eks",
          nodePools: [{ name: "l4-pool", gpuType: "L4", gpusPerNode: 4, minNodes: 1, maxNodes: 4 }],
        },
      ],
      freezes: [
        {
          name: "Carnival freeze",
          tier: "all",
          startsAt: "2027-02-05T00:00:00Z",
          endsAt: "2027-02-10T00:00:00Z",
          reason: "Regional traffic peak.",
        },
      ],
    });
    expect(created.applied).toBe(true);
    expect(
      await prisma.environment.findUniqueOrThrow({
        where: { name: "staging/sa-east-1" },
        select: { tier: true, promotionsOnly: true, requiredApprovals: true, soakMinutes: true },
      }),
    ).toEqual({ tier: "staging", promotionsOnly: false, requiredApprovals: 1, soakMinutes: 0 });
    const freeze = await prisma.freezeWindow.findFirstOrThrow({
      where: { name: "Carnival freeze" },
    });
    expect(freeze).toMatchObject({ tier: null, createdById: "cli:tester" });
    const calendar = await releasePolicy(testActor("viewer"), SEED_NOW);
    expect(calendar.freezes).toContainEqual(
      expect.objectContaining({ name: "Carnival freeze", createdBy: "cli:tester" }),
    );

    // The file as it was, without those: pruning deletes them, children first.
    const doc = await exportedDoc();
    const pruned = await apply(
      {
        ...doc,
        regions: (doc.regions as { code: string }[]).filter((r) => r.code !== "sa-east-1"),
        environments: (doc.environments as { name: string }[]).filter(
          (e) => e.name !== "staging/sa-east-1",
        ),
        clusters: (doc.clusters as { name: string }[]).filter(
          (c) => c.name !== "eks-sae1-serve-01",
        ),
        freezes: (doc.freezes as { name: string }[]).filter((f) => f.name !== "Carnival freeze"),
      },
      { prune: true },
    );
    expect(pruned.plan.problems).toEqual([]);
    expect(pruned.plan.changes.map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual([
      "delete freeze Carnival freeze",
      "delete cluster eks-sae1-serve-01",
      "delete environment staging/sa-east-1",
      "delete region sa-east-1",
    ]);
    expect(await prisma.region.count({ where: { code: "sa-east-1" } })).toBe(0);
    expect(await prisma.nodePool.count({ where: { cluster: { name: "eks-sae1-serve-01" } } })).toBe(
      0,
    );
    expect(await prisma.freezeWindow.count({ where: { name: "Carnival freeze" } })).toBe(0);
  });

  it("serializes concurrent applies: the same file applied twice at once applies once", async () => {
    const file = {
      apiVersion: "flightdeck.dev/v1",
      kind: "FleetConfig",
      teams: [{ slug: "platform", name: "ML Platform" }],
    };
    const auditsBefore = await audits();
    const results = await Promise.all([apply(file), apply(file), apply(file)]);
    expect(results.filter((r) => r.applied)).toHaveLength(1);
    expect(results.filter((r) => !r.applied).map((r) => r.plan.changes)).toEqual([[], []]);
    expect(await prisma.team.count({ where: { slug: "platform" } })).toBe(1);
    expect(await audits()).toBe(auditsBefore + 1);
  });
});

describe("notification channels as code", () => {
  const SECRET = "whsec_file_0123456789abcdef";
  const doc = () => ({
    apiVersion: "flightdeck.dev/v1",
    kind: "FleetConfig",
    notificationChannels: [
      {
        name: "ranking-file-hook",
        kind: "webhook",
        endpoint: "https://hooks.example.com/flightdeck",
        secretFromEnv: "FD_TEST_RANKING_HOOK",
        subscriptions: [
          { team: "ranking", events: ["rollout.aborted", "incident.opened"] },
          { environment: "production/us-east-1", events: ["rollout.completed"] },
        ],
      },
    ],
  });

  it("creates a channel from the file with its secret from the environment, and exports it back without it", async () => {
    delete process.env.FD_TEST_RANKING_HOOK;
    const refused = await apply(doc());
    expect(refused.applied).toBe(false);
    expect(refused.plan.problems).toEqual([
      "notificationChannels[0].secretFromEnv: the environment variable FD_TEST_RANKING_HOOK is not set where the file is applied.",
      "notificationChannels[0].secretFromEnv: a new channel needs its secret, from an environment variable set where the file is applied.",
    ]);

    process.env.FD_TEST_RANKING_HOOK = SECRET;
    const created = await apply(doc());
    expect(created.applied).toBe(true);
    const channel = await prisma.notificationChannel.findUniqueOrThrow({
      where: { name: "ranking-file-hook" },
      include: { subscriptions: true },
    });
    expect(channel).toMatchObject({
      kind: "webhook",
      endpoint: "https://hooks.example.com/flightdeck",
      secretEnv: "FD_TEST_RANKING_HOOK",
      secretHint: "…cdef",
      createdBy: "cli:tester",
    });
    expect(channel.secret).not.toContain(SECRET);
    const ranking = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
    expect(
      channel.subscriptions.map((s) => [s.teamId, s.environmentId !== null, s.events]),
    ).toEqual(
      expect.arrayContaining([
        [ranking.id, false, ["incident.opened", "rollout.aborted"]],
        [null, true, ["rollout.completed"]],
      ]),
    );
    // the audit record shows the secret by its hint, never itself
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "config.apply" },
      orderBy: { at: "desc" },
    });
    expect(JSON.stringify(audit)).not.toContain(SECRET);
    expect(JSON.stringify(audit.after)).toContain("…cdef");

    const { yaml } = await exportFleetConfig(prisma);
    expect(yaml).not.toContain(SECRET);
    expect(yaml).toContain("secretFromEnv: FD_TEST_RANKING_HOOK");
    expect((await applyFleetConfig(prisma, actor, parseConfigText(yaml))).plan.changes).toEqual([]);
  });

  it("rotates the secret when the variable's value changes, and keeps it when the file leaves it out", async () => {
    process.env.FD_TEST_RANKING_HOOK = "whsec_file_rotated_0123456789wxyz";
    const rotated = await apply(doc());
    expect(rotated.plan.changes.map((c) => [c.name, c.fields])).toEqual([
      ["ranking-file-hook", [{ field: "secret", before: "…cdef", after: "…wxyz" }]],
    ]);
    const row = await prisma.notificationChannel.findUniqueOrThrow({
      where: { name: "ranking-file-hook" },
    });
    expect(row.secretHint).toBe("…wxyz");
    const withoutSecret: Record<string, unknown> = { ...doc().notificationChannels[0] };
    delete withoutSecret.secretFromEnv;
    delete process.env.FD_TEST_RANKING_HOOK;
    const kept = await apply({ ...doc(), notificationChannels: [withoutSecret] });
    expect(kept.plan.problems).toEqual([]);
    expect(kept.plan.changes).toEqual([]);
    const pruned = await apply({ ...doc(), notificationChannels: [] }, { prune: true });
    expect(pruned.applied).toBe(true);
    expect(await prisma.notificationChannel.count({ where: { name: "ranking-file-hook" } })).toBe(
      0,
    );
  });
});

describe("release windows as code", () => {
  it("adds a weekly window the gates then read, exports it, and prunes it", async () => {
    const file = {
      apiVersion: "flightdeck.dev/v1",
      kind: "FleetConfig",
      releaseWindows: [
        {
          name: "File weekend freeze",
          kind: "freeze",
          tier: "staging",
          timeZone: "Europe/Berlin",
          startDay: "Friday",
          startTime: "16:00",
          endDay: "Monday",
          endTime: "08:00",
          reason: "No staging changes at the weekend",
        },
      ],
    };
    expect((await apply(file)).applied).toBe(true);
    const row = await prisma.recurringWindow.findFirstOrThrow({
      where: { name: "File weekend freeze" },
    });
    expect(row).toMatchObject({
      startDay: 5,
      startMinute: 960,
      endDay: 1,
      endMinute: 480,
      tier: "staging",
    });
    const { yaml } = await exportFleetConfig(prisma);
    expect(yaml).toContain("startDay: Friday");
    expect((await applyFleetConfig(prisma, actor, parseConfigText(yaml))).plan.changes).toEqual([]);
    const pruned = await apply({ ...file, releaseWindows: [] }, { prune: true });
    expect(pruned.plan.changes.map((c) => `${c.op} ${c.kind} ${c.name}`)).toEqual([
      "delete window File weekend freeze",
    ]);
    expect(await prisma.recurringWindow.count({ where: { name: "File weekend freeze" } })).toBe(0);
  });
});
