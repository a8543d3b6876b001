import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { person } from "../../support/people";
import { movableTestClock } from "../../support/clock";
import { driveUntil } from "../../support/drive";
import { clock } from "@/lib/clock";
import { allowDirectChanges, requirePromotions } from "../../support/release-process";
import { registerVersionWith } from "../../support/versions";
import type { Actor } from "@/server/auth/session";
import { commandRollout } from "@/server/rollouts/command";
import { retryRollout } from "@/server/rollouts/retry";
import { startRollout } from "@/server/rollouts/start";
import { getRollout } from "@/server/rollouts/queries";
import { releasePolicy, setEnvironmentPolicy } from "@/server/promotions/release-policy";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import type { StartRolloutData } from "@/lib/schemas/rollouts";

// toxicity-classifier runs in production in every region and in staging/us-east-1; no other
// integration file rolls it out.
const MODEL = "toxicity-classifier";
const GATED = "production/eu-west-1";
const OPEN = "production/ap-southeast-1";
const STAGING = "staging/us-east-1";

const prisma = connectTestDatabase();
const time = movableTestClock();
const meta = { requestId: "release-process", clientIp: "198.51.100.12" };
let release: Actor;
let admin: Actor;
let n = 0;

const version = async () =>
  (await registerVersionWith(prisma, MODEL, "none", (i) => `7.${n++}.${i}`)).version;

const start = async (who: Actor, waves: string, more: Partial<StartRolloutData> = {}) =>
  startRollout(who, meta, {
    model: MODEL,
    version: await version(),
    strategy: "canary",
    steps: "weight 10\npause\nweight 100",
    waves,
    saveAsDefault: false,
    fix: false,
    overrideReason: "",
    ...more,
  });

/** Ends whatever a test left in flight, so the next one starts from a quiet model. */
async function endActive() {
  await prisma.rollout.updateMany({
    where: {
      model: { name: MODEL },
      status: { in: ["pending", "progressing", "paused", "analyzing", "degraded"] },
    },
    data: { status: "aborted", platformSynced: true, finishedAt: new Date() },
  });
}

beforeAll(async () => {
  const model = await prisma.model.findUniqueOrThrow({
    where: { name: MODEL },
    select: { team: { select: { slug: true } } },
  });
  release = await person(prisma, "release_manager", { team: model.team.slug });
  admin = await person(prisma, "admin");
  await requirePromotions(prisma, [GATED]);
  await allowDirectChanges(prisma, [OPEN]);
  await prisma.freezeWindow.deleteMany({ where: { name: { startsWith: "Process test" } } });
  await endActive();
  await resetSimulatorFleet();
});
afterAll(async () => {
  await endActive();
  await prisma.freezeWindow.deleteMany({ where: { name: { startsWith: "Process test" } } });
  await resetSimulatorFleet();
  await prisma.$disconnect();
});

describe("changes only through promotions", () => {
  it("refuses a release manager's direct start into such an environment, creating nothing", async () => {
    const before = await prisma.rollout.count({ where: { model: { name: MODEL } } });
    await expect(start(release, GATED)).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining(
        `${GATED} takes changes only through promotions. Starting a rollout here directly is refused. Request a promotion instead`,
      ),
    });
    // A fix does not change that for a release manager.
    await expect(
      start(release, GATED, { fix: true, overrideReason: "hotfix for INC-1" }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    // Nor does a wave plan that hides it behind an open environment.
    await expect(start(release, `${OPEN}\n${GATED}`)).rejects.toMatchObject({
      code: "FORBIDDEN",
    });
    expect(await prisma.rollout.count({ where: { model: { name: MODEL } } })).toBe(before);
  });

  it("lets a release manager start directly where the rule is off", async () => {
    const started = await start(release, OPEN);
    const row = await prisma.rollout.findUniqueOrThrow({
      where: { id: started.rollouts[0]?.id ?? "" },
    });
    expect(row.processOverride).toBeNull();
    await endActive();
  });

  it("lets an admin push a fix with a reason, and records the override everywhere", async () => {
    await expect(start(admin, GATED, { fix: true })).rejects.toMatchObject({
      message: expect.stringContaining("Give a reason of at least 3 characters"),
    });
    await expect(start(admin, GATED, { overrideReason: "INC-2" })).rejects.toMatchObject({
      message: expect.stringContaining("Mark the change as a fix"),
    });
    const started = await start(admin, GATED, { fix: true, overrideReason: "hotfix for INC-2" });
    const id = started.rollouts[0]?.id ?? "";
    const override = `${GATED} takes changes only through promotions: overridden by an admin for a fix: hotfix for INC-2`;
    const row = await prisma.rollout.findUniqueOrThrow({
      where: { id },
      select: { processOverride: true, events: { select: { kind: true, message: true } } },
    });
    expect(row.processOverride).toBe(override);
    expect(row.events).toContainEqual({ kind: "policy_override", message: override });
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "rollout.start", actorEmail: admin.email },
      orderBy: { at: "desc" },
    });
    expect(audit.reason).toBe(override);
    expect(audit.after).toMatchObject({ processOverride: override });
    expect((await getRollout(admin, id)).overrides).toEqual([override]);
    await endActive();
  });
});

describe("promote to 100% and retry", () => {
  it("are refused for release managers where changes go only through promotions", async () => {
    const started = await start(admin, GATED, { fix: true, overrideReason: "hotfix for INC-3" });
    const id = started.rollouts[0]?.id ?? "";
    await driveUntil(prisma, time, [id], (s) => s === "paused");
    const r = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    // The buttons say so before anyone clicks.
    const view = await getRollout(release, id);
    expect(view.can.promote_full).toBe(false);
    expect(view.promotionsOnly).toBe(true);
    await expect(
      commandRollout(release, meta, {
        rolloutId: id,
        version: r.version,
        command: "promote_full",
        reason: "ship it",
      }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("Promoting to 100% here is refused"),
    });
    expect((await prisma.rollout.findUniqueOrThrow({ where: { id } })).version).toBe(r.version);

    const aborted = await commandRollout(release, meta, {
      rolloutId: id,
      version: r.version,
      command: "abort",
    });
    await expect(
      retryRollout(release, meta, { rolloutId: id, version: aborted.version }),
    ).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining("Retrying a rollout here directly is refused"),
    });
    const retried = await retryRollout(admin, meta, {
      rolloutId: id,
      version: aborted.version,
      fix: true,
      reason: "flaky analysis, INC-3",
    });
    const created = await prisma.rollout.findUniqueOrThrow({ where: { id: retried.rolloutId } });
    expect(created.processOverride).toMatch(/overridden by an admin for a fix: flaky analysis/);
    await endActive();
  });

  it("lets an admin promote to 100% with a reason, recorded on the rollout", async () => {
    const started = await start(admin, GATED, { fix: true, overrideReason: "hotfix for INC-4" });
    const id = started.rollouts[0]?.id ?? "";
    await driveUntil(prisma, time, [id], (s) => s === "paused");
    const r = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    const done = await commandRollout(admin, meta, {
      rolloutId: id,
      version: r.version,
      command: "promote_full",
      reason: "customer outage, INC-4",
    });
    expect(done.status).toBe("completed");
    const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(row.processOverride).toBe(
      `${GATED} takes changes only through promotions: overridden by an admin: customer outage, INC-4`,
    );
  });
});

describe("change freezes and direct rollouts", () => {
  it("refuse direct starts into the environments they cover, except an admin's fix", async () => {
    await prisma.freezeWindow.create({
      data: {
        name: "Process test freeze",
        tier: "staging",
        startsAt: new Date(clock.ms() - 60_000),
        endsAt: new Date(clock.ms() + 3_600_000),
        reason: "test",
        createdById: admin.id,
      },
    });
    await expect(start(release, STAGING)).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: expect.stringContaining(`change freeze "Process test freeze" covers ${STAGING}`),
    });
    // Production is not covered by a staging freeze.
    await expect(start(release, OPEN)).resolves.toMatchObject({ alreadyStarted: false });
    await endActive();
    const fix = await start(admin, STAGING, { fix: true, overrideReason: "fix for INC-5" });
    const row = await prisma.rollout.findUniqueOrThrow({
      where: { id: fix.rollouts[0]?.id ?? "" },
    });
    expect(row.processOverride).toMatch(/^change freeze "Process test freeze" covers/);
    await endActive();
  });
});

describe("the environment setting", () => {
  it("is shown, changed only by admins' explicit choice, and audited", async () => {
    const policy = await releasePolicy(admin);
    expect(policy.environments.find((e) => e.name === GATED)?.promotionsOnly).toBe(true);
    const env = await prisma.environment.findUniqueOrThrow({ where: { name: GATED } });
    const args = {
      environment: GATED,
      requiredApprovals: env.requiredApprovals,
      soakMinutes: env.soakMinutes,
    };
    // Leaving it out keeps it (older scripts); the same value twice changes nothing.
    await expect(setEnvironmentPolicy(admin, meta, args)).resolves.toEqual({
      environment: GATED,
      changed: false,
    });
    await expect(
      setEnvironmentPolicy(admin, meta, { ...args, promotionsOnly: false }),
    ).resolves.toEqual({ environment: GATED, changed: true });
    const audit = await prisma.auditEvent.findFirstOrThrow({
      where: { action: "environment_policy.update", targetId: env.id },
      orderBy: { at: "desc" },
    });
    expect(audit).toMatchObject({
      before: expect.objectContaining({ promotionsOnly: true }),
      after: expect.objectContaining({ promotionsOnly: false }),
      reason: `${GATED} now takes direct rollouts, not only promotions`,
    });
    await expect(
      setEnvironmentPolicy(release, meta, { ...args, promotionsOnly: true }),
    ).rejects.toMatchObject({ code: "FORBIDDEN" });
    await setEnvironmentPolicy(admin, meta, { ...args, promotionsOnly: true });
  });
});
