import "../../support/request-context";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NextRequest } from "next/server";
import { requestContext } from "../../support/request-context";
import { createToken } from "@/server/access/tokens";
import { GET as listRoute } from "@/app/api/v1/promotions/route";
import { GET as getRoute } from "@/app/api/v1/promotions/[number]/route";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock } from "../../support/clock";
import { driveUntil } from "../../support/drive";
import { clock } from "@/lib/clock";
import { actor } from "../../support/actors";
import type { Actor } from "@/server/auth/session";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { syncFleet } from "@/server/fleet/sync";
import { commandRollout } from "@/server/rollouts/command";
import { appliesSettled } from "@/server/rollouts/apply-now";
import { createPromotion, editPromotion, withdrawPromotion } from "@/server/promotions/request";
import { decidePromotion } from "@/server/promotions/decide";
import {
  getPromotion,
  listPromotions,
  pendingApprovalCount,
  promotionQueue,
} from "@/server/promotions/queries";
import { startPromotion } from "@/server/promotions/start";
import {
  createFreeze,
  deleteFreeze,
  modelReleaseSettings,
  setEnvironmentPolicy,
  setModelReleaseSettings,
} from "@/server/promotions/release-policy";
import { registerVersionWith } from "../../support/versions";
import { ACTIVE } from "@/lib/domain/rollouts/state-machine";
import { promotionListQuerySchema } from "@/lib/schemas/promotions";
import type { Prisma } from "@/generated/prisma/client";

const prisma = connectTestDatabase();
const meta = { requestId: "promotions-test", clientIp: "198.51.100.9" };
const MODELS = ["ranker-xl", "query-embedder"];
const FAST_PLAN = {
  strategy: "canary",
  steps: [
    { kind: "set_weight", weight: 50 },
    { kind: "set_weight", weight: 100 },
  ],
};

const people: Record<string, Actor> = {};
const as = (key: string): Actor => {
  const a = people[key];
  if (!a) throw new Error(`no test user ${key}`);
  return a;
};
let savedDeployments: Prisma.DeploymentCreateManyInput[] = [];
let savedModels: {
  id: string;
  rolloutPlan: unknown;
  evalThresholds: unknown;
  resources: unknown;
}[] = [];
let savedEnvironments: { id: string; requiredApprovals: number; soakMinutes: number }[] = [];
let savedFreezes: Awaited<ReturnType<typeof prisma.freezeWindow.findMany>> = [];
const created = { versions: [] as string[], freezes: [] as string[] };

/** Registers a version the simulator serves without faults, with the given eval metrics. */
async function healthyVersion(model: string, metrics: Record<string, number>): Promise<string> {
  const v = await registerVersionWith(prisma, model, "none", (i) => `8.${i}.0-promo`, {
    evalMetrics: metrics,
  });
  created.versions.push(v.id);
  return v.version;
}

/** Metrics that clear the model's thresholds and do not regress against production. */
async function goodMetrics(model: string): Promise<Record<string, number>> {
  const prod = await prisma.deployment.findFirstOrThrow({
    where: { model: { name: model }, environment: { tier: "production" } },
    select: { modelVersion: { select: { evalMetrics: true } } },
  });
  const m = prod.modelVersion.evalMetrics as Record<string, number>;
  return Object.fromEntries(
    Object.entries(m).map(([k, v]) => [
      k,
      k === "p99_latency_ms" ? v : k.includes("ece") ? v : v + 0.002,
    ]),
  );
}

const time = movableTestClock();

async function driveUntilDone(releaseId: string, seconds = 60) {
  const ids = (await prisma.rollout.findMany({ where: { releaseId }, select: { id: true } })).map(
    (r) => r.id,
  );
  if (ids.length === 0) throw new Error(`release ${releaseId} has no rollouts`);
  await driveUntil(prisma, time, ids, (s) => s === "completed", { seconds });
}

/** Aborts whatever a test left rolling, so later files find the models idle. */
async function abortActive(releaseId: string | null) {
  if (!releaseId) return;
  // The release's first step is applied in the background: let it finish before reading.
  await appliesSettled();
  const rows = await prisma.rollout.findMany({
    where: { releaseId, status: { in: [...ACTIVE] } },
    select: { id: true, version: true },
  });
  for (const r of rows) {
    await commandRollout(as("admin"), meta, {
      rolloutId: r.id,
      version: r.version,
      command: "abort",
    });
  }
}

async function request(
  who: string,
  input: {
    model: string;
    version: string;
    tier: "staging" | "production";
    regions?: string[];
    fix?: boolean;
  },
) {
  return createPromotion(as(who), meta, {
    model: input.model,
    version: input.version,
    tier: input.tier,
    regions: input.regions ?? [],
    fix: input.fix ?? false,
    justification: `Promote ${input.version}: better ranking quality.`,
  });
}

async function idOf(number: number) {
  return (await prisma.promotionRequest.findUniqueOrThrow({ where: { number } })).id;
}

async function decide(
  who: string,
  number: number,
  decision: "approve" | "reject",
  version?: number,
) {
  const row = await prisma.promotionRequest.findUniqueOrThrow({ where: { number } });
  return decidePromotion(as(who), meta, {
    requestId: row.id,
    version: version ?? row.version,
    decision,
    comment: decision === "reject" ? "Eval set is stale." : "",
  });
}

beforeAll(async () => {
  const teams = Object.fromEntries(
    (await prisma.team.findMany({ select: { id: true, slug: true } })).map((t) => [t.slug, t.id]),
  );
  for (const [key, role, team] of [
    ["rm1", "release_manager", "ranking"],
    ["rm2", "release_manager", "ranking"],
    ["rm3", "release_manager", "ranking"],
    ["rmOther", "release_manager", "assistant"],
    ["engineer", "engineer", "ranking"],
    ["admin", "admin", null],
  ] as const) {
    const email = `${key.toLowerCase()}@promotions.test`;
    const teamId = team ? (teams[team] ?? null) : null;
    const u = await prisma.user.upsert({
      where: { email },
      create: { email, name: `Promo ${key}`, role, teamId },
      update: {},
    });
    people[key] = { ...actor(role, teamId), id: u.id, email, name: u.name };
  }
  const models = await prisma.model.findMany({
    where: { name: { in: MODELS } },
    select: { id: true, rolloutPlan: true, evalThresholds: true, resources: true },
  });
  savedModels = models;
  savedEnvironments = await prisma.environment.findMany({
    select: { id: true, requiredApprovals: true, soakMinutes: true },
  });
  savedDeployments = await prisma.deployment.findMany({
    where: { modelId: { in: models.map((m) => m.id) } },
    omit: { updatedAt: true },
  });
  // The seed's year-end freeze is dated from the seed's clock; the gates read the real one.
  savedFreezes = await prisma.freezeWindow.findMany();
  await prisma.freezeWindow.deleteMany({ where: { id: { in: savedFreezes.map((f) => f.id) } } });
  // Short steps so releases finish within the test.
  await prisma.model.updateMany({
    where: { name: { in: MODELS } },
    data: { rolloutPlan: FAST_PLAN },
  });
  await resetSimulatorFleet();
});

afterAll(async () => {
  await prisma.promotionRequest.deleteMany({
    where: { modelVersionId: { in: created.versions } },
  });
  await prisma.freezeWindow.deleteMany({ where: { id: { in: created.freezes } } });
  await prisma.freezeWindow.createMany({ data: savedFreezes });
  const modelIds = savedModels.map((m) => m.id);
  await prisma.deployment.deleteMany({ where: { modelId: { in: modelIds } } });
  await prisma.deployment.createMany({ data: savedDeployments });
  // Restored whatever a failed test left behind, so other files find the seeded fleet.
  for (const m of savedModels) {
    await prisma.model.update({
      where: { id: m.id },
      data: {
        rolloutPlan: m.rolloutPlan ?? undefined,
        evalThresholds: m.evalThresholds ?? undefined,
        resources: m.resources ?? undefined,
      },
    });
  }
  for (const e of savedEnvironments) {
    await prisma.environment.update({
      where: { id: e.id },
      data: { requiredApprovals: e.requiredApprovals, soakMinutes: e.soakMinutes },
    });
  }
  await resetSimulatorFleet();
  await prisma.$disconnect();
});

describe("promotion requests", () => {
  let candidate = "";
  let stagingNumber = 0;

  it("only release managers of the model's team request, for a tier the model runs in", async () => {
    candidate = await healthyVersion("ranker-xl", await goodMetrics("ranker-xl"));
    await expect(
      request("engineer", { model: "ranker-xl", version: candidate, tier: "staging" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      request("rmOther", { model: "ranker-xl", version: candidate, tier: "staging" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await expect(
      request("rm1", {
        model: "ranker-xl",
        version: candidate,
        tier: "production",
        regions: ["ap-southeast-1"],
      }),
    ).rejects.toMatchObject({
      code: "INVALID_INPUT",
      message: expect.stringContaining("does not run in"),
    });
    await expect(
      request("rm1", { model: "ranker-xl", version: "0.0.0-nope", tier: "staging" }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT" });
    expect(
      await prisma.promotionRequest.count({ where: { modelVersion: { version: candidate } } }),
    ).toBe(0);
  });

  it("a double-submitted request is made once, and a different one for the same version conflicts", async () => {
    const [a, b] = await Promise.all([
      request("rm1", { model: "ranker-xl", version: candidate, tier: "staging" }),
      request("rm1", { model: "ranker-xl", version: candidate, tier: "staging" }),
    ]);
    expect(a.number).toBe(b.number);
    expect([a.created, b.created].sort()).toEqual([false, true]);
    await expect(
      request("rm2", { model: "ranker-xl", version: candidate, tier: "staging" }),
    ).rejects.toMatchObject({ code: "CONFLICT", message: expect.stringContaining(`#${a.number}`) });
    stagingNumber = a.number;
    const row = await prisma.promotionRequest.findUniqueOrThrow({ where: { number: a.number } });
    expect(row.requiredApprovals).toBe(1);
    const audits = await prisma.auditEvent.count({
      where: { action: "promotion.request", targetId: row.id },
    });
    expect(audits).toBe(1);
  });

  it("the requester can never approve; another release manager's approval starts the release", async () => {
    await expect(decide("rm1", stagingNumber, "approve")).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    // Never in the requester's own approval queue.
    expect((await promotionQueue(as("rm1"), 500)).awaiting.map((r) => r.number)).not.toContain(
      stagingNumber,
    );
    const before = await pendingApprovalCount(as("rm2"));
    expect(before).toBeGreaterThanOrEqual(1);
    const queue = await promotionQueue(as("rm2"), 500);
    expect(queue.awaiting.map((r) => r.number)).toContain(stagingNumber);
    expect((await promotionQueue(as("rm1"), 500)).mine.map((r) => r.number)).toContain(
      stagingNumber,
    );

    const result = await decide("rm2", stagingNumber, "approve");
    expect(result).toMatchObject({ status: "started", approvals: 1, requiredApprovals: 1 });
    expect(result.releaseId).toBeTruthy();
    expect(await pendingApprovalCount(as("rm2"))).toBe(before - 1);
    // A double-click of the same approval changes nothing.
    const again = await decide("rm2", stagingNumber, "approve", 1);
    expect(again).toMatchObject({ status: "started", alreadyDecided: true });
    const rollouts = await prisma.rollout.findMany({
      where: { releaseId: result.releaseId },
      select: { environment: { select: { name: true } }, events: { select: { message: true } } },
    });
    expect(rollouts.map((r) => r.environment.name)).toEqual(["staging/us-east-1"]);
    expect(rollouts[0]?.events[0]?.message).toContain(`promotion #${stagingNumber}`);
    await driveUntilDone(result.releaseId ?? "");
    await syncFleet();
    const dep = await prisma.deployment.findFirstOrThrow({
      where: { modelVersion: { version: candidate }, environment: { name: "staging/us-east-1" } },
    });
    expect(dep.trafficWeight).toBe(100);
    expect(dep.fullTrafficSince).not.toBeNull();
  });

  let prodNumber = 0;
  it("production needs two approvals and an hour of healthy staging soak", async () => {
    const r = await request("rm1", { model: "ranker-xl", version: candidate, tier: "production" });
    prodNumber = r.number;
    const detail = await getPromotion(as("rm2"), prodNumber);
    expect(detail.requiredApprovals).toBe(2);
    expect(detail.environments).toEqual(["production/us-east-1", "production/us-west-2"]);
    const deployment = detail.gates.find((g) => g.id === "deployment");
    expect(deployment?.status).toBe("fail");
    expect(deployment?.evidence.find((e) => e.label === "Staging soak")).toMatchObject({
      status: "fail",
      value: expect.stringContaining("needs 60 min"),
    });
    expect(detail.gatesPass).toBe(false);
    expect(detail.can.decide).toEqual({ allowed: true });
    expect((await getPromotion(as("rm1"), prodNumber)).can.decide).toMatchObject({
      allowed: false,
    });

    // The fleet sync saw it take all staging traffic two hours ago.
    await prisma.deployment.updateMany({
      where: { modelVersion: { version: candidate }, environment: { tier: "staging" } },
      data: { fullTrafficSince: new Date(clock.ms() - 2 * 3_600_000) },
    });
    const soaked = await getPromotion(as("rm2"), prodNumber);
    expect(soaked.gates.map((g) => [g.id, g.status])).toEqual([
      ["eval", "pass"],
      ["deployment", "pass"],
      ["budget", expect.stringMatching(/pass|warn/)],
      ["freeze", "pass"],
    ]);
    expect(soaked.gatesPass).toBe(true);
  });

  it("two approvers clicking at once count once each, and exactly one release starts", async () => {
    const row = await prisma.promotionRequest.findUniqueOrThrow({ where: { number: prodNumber } });
    const results = await Promise.allSettled([
      decide("rm2", prodNumber, "approve", row.version),
      decide("rm3", prodNumber, "approve", row.version),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "fulfilled"]);
    const final = await prisma.promotionRequest.findUniqueOrThrow({
      where: { number: prodNumber },
      select: { status: true, releaseId: true, approvals: { select: { approverId: true } } },
    });
    expect(final.status).toBe("started");
    expect(final.approvals).toHaveLength(2);
    const releases = await prisma.rollout.groupBy({
      by: ["releaseId"],
      where: { toVersion: { version: candidate }, environment: { tier: "production" } },
    });
    expect(releases).toHaveLength(1);
    // A third approver arrives after the start: refused, not counted.
    await expect(decide("admin", prodNumber, "approve", row.version)).rejects.toMatchObject({
      code: "CONFLICT",
    });
    expect(
      await prisma.promotionApproval.count({ where: { request: { number: prodNumber } } }),
    ).toBe(2);
    await abortActive(final.releaseId);
  });

  it("an edit clears approvals and fails approvals in flight with a conflict", async () => {
    const v = await healthyVersion("query-embedder", await goodMetrics("query-embedder"));
    const r = await request("rm1", { model: "query-embedder", version: v, tier: "production" });
    const seen = (await prisma.promotionRequest.findUniqueOrThrow({ where: { number: r.number } }))
      .version;
    await decide("rm2", r.number, "approve", seen);
    const regions = (await getPromotion(as("rm1"), r.number)).regionChoices;
    await editPromotion(as("rm1"), meta, {
      requestId: await idOf(r.number),
      version: seen,
      regions: regions.slice(0, 1),
      fix: false,
      justification: "Only the first region for now, then the rest.",
    });
    await expect(decide("rm3", r.number, "approve", seen)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("was changed"),
    });
    const after = await getPromotion(as("rm3"), r.number);
    expect(after.approvals).toBe(0);
    expect(after.regions).toEqual(regions.slice(0, 1));
    // Only the requester edits.
    await expect(
      editPromotion(as("rm2"), meta, {
        requestId: await idOf(r.number),
        version: after.rowVersion,
        regions: [],
        fix: false,
        justification: "Someone else's change of mind.",
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });

    // Approve against withdraw: whichever lands first, the request ends withdrawn and no
    // approval is recorded after the withdrawal.
    const id = await idOf(r.number);
    const [approve, withdraw] = await Promise.allSettled([
      decide("rm2", r.number, "approve", after.rowVersion),
      withdrawPromotion(as("rm1"), meta, { requestId: id, version: after.rowVersion }),
    ]);
    expect(withdraw.status).toBe("fulfilled");
    const final = await prisma.promotionRequest.findUniqueOrThrow({
      where: { id },
      select: { status: true, decidedAt: true, approvals: { select: { at: true } } },
    });
    expect(final.status).toBe("withdrawn");
    if (approve.status === "rejected") {
      expect(approve.reason).toMatchObject({
        code: "CONFLICT",
        message: expect.stringContaining("withdrawn"),
      });
      expect(final.approvals).toHaveLength(0);
    } else {
      expect(final.approvals[0]!.at.getTime()).toBeLessThanOrEqual(final.decidedAt!.getTime());
    }
    // Sequentially: an approver who opened it before the withdrawal gets a clear conflict.
    await expect(decide("rm3", r.number, "approve", after.rowVersion)).rejects.toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("was withdrawn"),
    });
    // Withdrawing twice is harmless.
    await expect(
      withdrawPromotion(as("rm1"), meta, { requestId: id, version: after.rowVersion }),
    ).resolves.toMatchObject({ status: "withdrawn" });
  });

  it("a rejection needs a reason and ends the request", async () => {
    const v = await healthyVersion("query-embedder", await goodMetrics("query-embedder"));
    const r = await request("rm1", { model: "query-embedder", version: v, tier: "production" });
    await decide("rm2", r.number, "reject");
    const detail = await getPromotion(as("rm3"), r.number);
    expect(detail.status).toBe("rejected");
    expect(detail.decisions).toMatchObject([{ decision: "reject", comment: "Eval set is stale." }]);
    await expect(decide("rm3", r.number, "approve")).rejects.toMatchObject({ code: "CONFLICT" });
    const list = await listPromotions(
      as("rm3"),
      promotionListQuerySchema.parse({ status: "rejected", model: "query-embedder" }),
    );
    expect(list.rows.map((x) => x.number)).toContain(r.number);
  });

  it("eval metrics below the bar or regressing against production fail the eval gate", async () => {
    const good = await goodMetrics("query-embedder");
    const v = await healthyVersion("query-embedder", { ...good, "recall@100": 0.5 });
    const r = await request("rm1", { model: "query-embedder", version: v, tier: "staging" });
    const detail = await getPromotion(as("rm2"), r.number);
    const gate = detail.gates.find((g) => g.id === "eval");
    expect(gate?.status).toBe("fail");
    expect(gate?.summary).toContain("recall@100");
    const result = await decide("rm2", r.number, "approve");
    expect(result.status).toBe("approved");
    expect(result.blockedReason).toContain("Eval metrics");
    expect(await prisma.rollout.count({ where: { toVersion: { version: v } } })).toBe(0);
  });

  it("a change freeze blocks promotions until it ends, except fixes", async () => {
    const freeze = await createFreeze(as("admin"), meta, {
      name: "Test freeze",
      tier: "all",
      startsAt: new Date(clock.ms() - 60_000),
      endsAt: new Date(clock.ms() + 3_600_000),
      reason: "Integration test freeze",
    });
    created.freezes.push(freeze.id);
    const v = await healthyVersion("query-embedder", await goodMetrics("query-embedder"));
    const r = await request("rm1", { model: "query-embedder", version: v, tier: "staging" });
    const blocked = await decide("rm2", r.number, "approve");
    expect(blocked).toMatchObject({ status: "approved" });
    expect(blocked.blockedReason).toContain("Test freeze");
    const approved = await prisma.promotionRequest.findUniqueOrThrow({
      where: { number: r.number },
    });
    const still = await startPromotion(as("rm3"), meta, {
      requestId: approved.id,
      version: approved.version,
    });
    expect(still.status).toBe("approved");
    expect(still.blockedReason).toContain("Test freeze");

    // A fix goes through the freeze (with a warning).
    const fixVersion = await healthyVersion("query-embedder", await goodMetrics("query-embedder"));
    const fixDetail = await request("rm1", {
      model: "query-embedder",
      version: fixVersion,
      tier: "staging",
      fix: true,
    }).then((x) => getPromotion(as("rm2"), x.number));
    expect(fixDetail.gates.find((g) => g.id === "freeze")?.status).toBe("warn");

    // The freeze lifted: the approved request starts.
    await deleteFreeze(as("admin"), meta, freeze.id);
    const latest = await prisma.promotionRequest.findUniqueOrThrow({ where: { number: r.number } });
    const started = await startPromotion(as("rm3"), meta, {
      requestId: latest.id,
      version: latest.version,
    });
    expect(started.status).toBe("started");
    await abortActive(started.releaseId);
  });

  it("approval counts per environment are configurable and audited", async () => {
    const env = await prisma.environment.findUniqueOrThrow({
      where: { name: "staging/eu-west-1" },
    });
    await expect(
      setEnvironmentPolicy(as("rm1"), meta, {
        environment: env.name,
        requiredApprovals: 3,
        soakMinutes: 0,
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    const changed = await setEnvironmentPolicy(as("admin"), meta, {
      environment: env.name,
      requiredApprovals: 2,
      soakMinutes: 0,
    });
    expect(changed.changed).toBe(true);
    const v = await healthyVersion("query-embedder", await goodMetrics("query-embedder"));
    const r = await request("rm1", { model: "query-embedder", version: v, tier: "staging" });
    expect((await getPromotion(as("rm2"), r.number)).requiredApprovals).toBe(2);
    await setEnvironmentPolicy(as("admin"), meta, {
      environment: env.name,
      requiredApprovals: env.requiredApprovals,
      soakMinutes: env.soakMinutes,
    });
    expect(
      await prisma.auditEvent.count({
        where: { action: "environment_policy.update", targetId: env.id },
      }),
    ).toBeGreaterThanOrEqual(2);
  });

  it("the model team's release managers set the eval bar; bad lines are refused and change nothing", async () => {
    const before = (await modelReleaseSettings(as("rm1"))).find(
      (m) => m.model === "query-embedder",
    );
    expect(before?.canEdit).toBe(true);
    expect(before?.thresholds).toContain("recall@100 >= ");
    const resources = { gpu: 1, cpu: 8, memoryGi: 32 };
    await expect(
      setModelReleaseSettings(as("rm1"), meta, {
        model: "query-embedder",
        thresholds: "recall@100 >= 0.5\nrecall@100 is great",
        ...resources,
      }),
    ).rejects.toMatchObject({ code: "INVALID_INPUT", message: expect.stringContaining("Line 2") });
    await expect(
      setModelReleaseSettings(as("rmOther"), meta, {
        model: "query-embedder",
        thresholds: "recall@100 >= 0.5",
        ...resources,
      }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    expect(
      (await modelReleaseSettings(as("rm1"))).find((m) => m.model === "query-embedder"),
    ).toEqual(before);

    // A stricter bar fails a version that passed before.
    const v = await healthyVersion("query-embedder", await goodMetrics("query-embedder"));
    const r = await request("rm1", { model: "query-embedder", version: v, tier: "staging" });
    expect((await getPromotion(as("rm2"), r.number)).gates[0]?.status).toBe("pass");
    const stricter = `${before?.thresholds}\nfreshness_score >= 0.9`;
    const changed = await setModelReleaseSettings(as("rm1"), meta, {
      model: "query-embedder",
      thresholds: stricter,
      ...resources,
    });
    expect(changed.changed).toBe(true);
    const gate = (await getPromotion(as("rm2"), r.number)).gates[0];
    expect(gate).toMatchObject({
      status: "fail",
      summary: expect.stringContaining("freshness_score"),
    });
    // Saving the same again is a no-op; then restore the seeded bar.
    expect(
      (
        await setModelReleaseSettings(as("rm1"), meta, {
          model: "query-embedder",
          thresholds: stricter,
          ...resources,
        })
      ).changed,
    ).toBe(false);
    await setModelReleaseSettings(as("admin"), meta, {
      model: "query-embedder",
      thresholds: before?.thresholds ?? "",
      ...(before?.resources ?? resources),
    });
  });

  it("a fix through an exhausted budget starts only with an admin's approval or start", async () => {
    const slo = await prisma.slo.findFirstOrThrow({
      where: { model: { name: "query-embedder" } },
      select: { id: true, name: true, snapshot: true },
    });
    const saved = slo.snapshot;
    await prisma.sloSnapshot.upsert({
      where: { sloId: slo.id },
      create: {
        sloId: slo.id,
        computedAt: new Date(),
        windowStart: new Date(clock.ms() - 30 * 86_400_000),
        status: "exhausted",
        good: 900n,
        total: 1000n,
        remaining: 0,
        consumed: 1.5,
      },
      update: { status: "exhausted", remaining: 0, consumed: 1.5 },
    });
    try {
      const plain = await healthyVersion("query-embedder", await goodMetrics("query-embedder"));
      const refused = await request("rm1", {
        model: "query-embedder",
        version: plain,
        tier: "staging",
      });
      const detail = await getPromotion(as("rm2"), refused.number);
      expect(detail.gates.find((g) => g.id === "budget")).toMatchObject({
        status: "fail",
        summary: expect.stringContaining(slo.name),
      });

      const fixVersion = await healthyVersion(
        "query-embedder",
        await goodMetrics("query-embedder"),
      );
      const fix = await request("rm1", {
        model: "query-embedder",
        version: fixVersion,
        tier: "staging",
        fix: true,
      });
      // An admin viewing it is told their approval would let it start.
      expect((await getPromotion(as("admin"), fix.number)).gatesPassOnYourApproval).toBe(true);
      expect((await getPromotion(as("rm2"), fix.number)).gatesPassOnYourApproval).toBe(false);
      const blocked = await decide("rm2", fix.number, "approve");
      expect(blocked.status).toBe("approved");
      expect(blocked.blockedReason).toContain("needs an admin to approve or start it");
      const row = await prisma.promotionRequest.findUniqueOrThrow({
        where: { number: fix.number },
      });
      // The requester may not start their own request, and a release manager's start is
      // still blocked by the budget.
      await expect(
        startPromotion(as("rm1"), meta, { requestId: row.id, version: row.version }),
      ).rejects.toMatchObject({ code: "FORBIDDEN" });
      const still = await startPromotion(as("rm3"), meta, {
        requestId: row.id,
        version: row.version,
      });
      expect(still.status).toBe("approved");
      const latest = await prisma.promotionRequest.findUniqueOrThrow({ where: { id: row.id } });
      const started = await startPromotion(as("admin"), meta, {
        requestId: row.id,
        version: latest.version,
      });
      expect(started.status).toBe("started");
      const rollout = await prisma.rollout.findFirstOrThrow({
        where: { releaseId: started.releaseId },
        select: { budgetOverride: true, events: { select: { kind: true } } },
      });
      expect(rollout.budgetOverride).toContain(`Promote ${fixVersion}`);
      expect(rollout.events.map((e) => e.kind)).toContain("policy_override");
      await abortActive(started.releaseId);
    } finally {
      if (saved) {
        const { sloId, ...data } = saved;
        await prisma.sloSnapshot.update({ where: { sloId }, data });
      } else {
        await prisma.sloSnapshot.delete({ where: { sloId: slo.id } });
      }
    }
  });

  it("the API lists requests and shows one with its gates to a token, and refuses bad input", async () => {
    requestContext.userId = null;
    const ranking = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
    const { secret } = await createToken(as("admin"), meta, {
      name: `promotions-reader-${clock.ms()}`,
      teamId: ranking.id,
      scopes: ["fleet.read"],
      expiresInDays: 1,
    });
    const get = (path: string, token: string | null = secret) =>
      new NextRequest(`http://localhost:3000${path}`, {
        headers: token ? { authorization: `Bearer ${token}` } : {},
      });
    const list = await listRoute(get("/api/v1/promotions?status=started&model=ranker-xl"), {
      params: Promise.resolve({}),
    });
    expect(list.status).toBe(200);
    const page = await list.json();
    expect(page.rows.map((r: { number: number }) => r.number)).toContain(stagingNumber);
    expect(page.rows.every((r: { status: string }) => r.status === "started")).toBe(true);

    const one = await getRoute(get(`/api/v1/promotions/${stagingNumber}`), {
      params: Promise.resolve({ number: String(stagingNumber) }),
    });
    expect(one.status).toBe(200);
    expect(await one.json()).toMatchObject({
      number: stagingNumber,
      status: "started",
      tier: "staging",
      environments: ["staging/us-east-1"],
      approvals: 1,
      decisions: [{ decision: "approve" }],
      gatesPass: true,
      gates: [{ id: "eval" }, { id: "deployment" }, { id: "budget" }, { id: "freeze" }],
    });
    const bad = await getRoute(get("/api/v1/promotions/abc"), {
      params: Promise.resolve({ number: "abc" }),
    });
    expect(bad.status).toBe(422);
    const missing = await getRoute(get("/api/v1/promotions/999999"), {
      params: Promise.resolve({ number: "999999" }),
    });
    expect(missing.status).toBe(404);
    const anonymous = await listRoute(get("/api/v1/promotions", null), {
      params: Promise.resolve({}),
    });
    expect(anonymous.status).toBe(401);
  });
});
