import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock } from "../../support/clock";
import { driveUntil as drive } from "../../support/drive";
import { clock } from "@/lib/clock";
import { allowDirectChanges } from "../../support/release-process";
import { actor } from "../../support/actors";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { fleetPlatform } from "@/server/fleet/platform";
import { driveRollout, driveRollouts, RECHECK_MS } from "@/server/rollouts/engine";
import { appliesSettled } from "@/server/rollouts/apply-now";
import { commandRollout } from "@/server/rollouts/command";
import { retryRollout } from "@/server/rollouts/retry";
import { rollBackDeployment } from "@/server/rollouts/roll-back";
import { startRollout } from "@/server/rollouts/start";
import { getRollout } from "@/server/rollouts/queries";
import type { Fault } from "@/lib/platform/simulator/behaviour";
import { registerVersionWith } from "../../support/versions";
import { OutcomeUnknownError } from "@/lib/platform/types";

const prisma = connectTestDatabase();
const meta = { requestId: "engine-test", clientIp: "198.51.100.8" };
let rankingTeamId = "";
const ids = { release: "", release2: "", engineer: "" };
const release = () => ({
  ...actor("release_manager", rankingTeamId),
  id: ids.release,
  email: "rm1@engine.test",
});
const release2 = () => ({
  ...actor("release_manager", rankingTeamId),
  id: ids.release2,
  email: "rm2@engine.test",
});
const engineer = () => ({
  ...actor("engineer", rankingTeamId),
  id: ids.engineer,
  email: "eng@engine.test",
});

/** Registers a new version of the model whose simulated behaviour has the given fault. */
async function versionWith(model: string, fault: Fault): Promise<string> {
  return (await registerVersionWith(prisma, model, fault, (i) => `9.${i}.0`)).version;
}

/** A release manager starts a canary of `version` with these steps and waves. */
const startIn = (model: string, version: string, steps: string, waves: string) =>
  startRollout(release(), meta, {
    model,
    version,
    strategy: "canary",
    steps,
    waves,
    saveAsDefault: false,
    fix: false,
    overrideReason: "",
  });

const time = movableTestClock();
const driveUntil = (ids: string[], done: (status: string) => boolean, seconds?: number) =>
  drive(prisma, time, ids, done, { seconds });

async function servingIn(model: string, environment: string) {
  const env = await prisma.environment.findUniqueOrThrow({
    where: { name: environment },
    select: { tier: true, region: { select: { code: true } } },
  });
  const { data } = await fleetPlatform().deployments({ model, region: env.region.code });
  return data
    .filter((d) => d.environment === env.tier)
    .map((d) => [d.version, d.trafficWeight])
    .sort((a, b) => Number(b[1]) - Number(a[1]));
}

beforeAll(async () => {
  await allowDirectChanges(prisma, ["production/us-east-1", "production/us-west-2"]);
  rankingTeamId = (await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } })).id;
  for (const [key, email, role] of [
    ["release", "rm1@engine.test", "release_manager"],
    ["release2", "rm2@engine.test", "release_manager"],
    ["engineer", "eng@engine.test", "engineer"],
  ] as const) {
    const u = await prisma.user.upsert({
      where: { email },
      create: { email, name: key, role, teamId: rankingTeamId },
      update: {},
    });
    ids[key] = u.id;
  }
  await resetSimulatorFleet();
});
afterAll(async () => {
  await resetSimulatorFleet();
  await prisma.$disconnect();
});

const FAST = "weight 20\nanalysis 6s every 3s\nweight 100";

describe("the rollout engine on the simulator", () => {
  it("takes a good version to 100% in every wave, one wave after the other", async () => {
    const good = await versionWith("ranker-xl", "none");
    const started = await startIn(
      "ranker-xl",
      good,
      FAST,
      "production/us-east-1\nproduction/us-west-2",
    );
    expect(started.rollouts.map((r) => [r.environment, r.wave])).toEqual([
      ["production/us-east-1", 0],
      ["production/us-west-2", 1],
    ]);
    const second = started.rollouts[1];
    if (!second) throw new Error("two waves");
    // The second wave waits for the first.
    await driveRollouts();
    expect((await prisma.rollout.findUniqueOrThrow({ where: { id: second.id } })).status).toBe(
      "pending",
    );

    await driveUntil(
      started.rollouts.map((r) => r.id),
      (s) => s === "completed",
    );
    for (const env of ["production/us-east-1", "production/us-west-2"]) {
      expect(await servingIn("ranker-xl", env)).toEqual([[good, 100]]);
    }
    const first = await getRollout(release(), started.rollouts[0]?.id ?? "");
    expect(first.steps.map((s) => s.status)).toEqual(["succeeded", "succeeded", "succeeded"]);
    expect(first.analysis.length).toBeGreaterThanOrEqual(1);
    // A healthy version passes; small differences may make an interval marginal, never failed.
    expect(first.analysis.some((a) => a.verdict === "pass")).toBe(true);
    expect(first.analysis.filter((a) => a.verdict === "fail")).toEqual([]);
    // A double submit of the same start changes nothing.
    await expect(
      startIn("ranker-xl", good, FAST, "production/us-east-1\nproduction/us-west-2"),
    ).rejects.toThrow(/already serves every environment/);
  });

  it("catches a bad version within two analysis intervals and returns all traffic to stable", async () => {
    const stable = (await servingIn("ranker-xl", "production/us-east-1"))[0]?.[0];
    const bad = await versionWith("ranker-xl", "errors");
    const started = await startIn(
      "ranker-xl",
      bad,
      "weight 20\nanalysis 30s every 2s\nweight 100",
      "production/us-east-1",
    );
    const id = started.rollouts[0]?.id ?? "";
    await driveUntil([id], (s) => s === "aborted", 30);
    const r = await getRollout(release(), id);
    expect(r.analysis.length).toBeLessThanOrEqual(2);
    expect(r.analysis[0]?.verdict).toBe("fail");
    expect(r.reason).toMatch(/Analysis failed at step 2/);
    expect(r.reason).toMatch(/Canary errors/);
    expect(await servingIn("ranker-xl", "production/us-east-1")).toEqual([[stable, 100]]);
    // Retrying starts a new attempt; a double-click retries once.
    const retried = await retryRollout(release(), meta, { rolloutId: id, version: r.version });
    const again = await retryRollout(release(), meta, { rolloutId: id, version: r.version });
    expect(again).toEqual({ rolloutId: retried.rolloutId, alreadyApplied: true });
    await commandRollout(engineer(), meta, {
      rolloutId: retried.rolloutId,
      command: "abort",
      version: (await prisma.rollout.findUniqueOrThrow({ where: { id: retried.rolloutId } }))
        .version,
    });
    await driveUntil([retried.rolloutId], (s) => s === "aborted");
  });

  it("applies one step when two release managers promote at once", async () => {
    const good = await versionWith("query-embedder", "none");
    const started = await startIn(
      "query-embedder",
      good,
      "weight 10\npause\nweight 50\npause\nweight 100",
      "production/us-east-1",
    );
    const id = started.rollouts[0]?.id ?? "";
    await driveUntil([id], (s) => s === "paused");
    const before = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(before.currentStep).toBe(1);
    const results = await Promise.allSettled([
      commandRollout(release(), meta, {
        rolloutId: id,
        command: "promote",
        version: before.version,
      }),
      commandRollout(release2(), meta, {
        rolloutId: id,
        command: "promote",
        version: before.version,
      }),
    ]);
    expect(results.filter((x) => x.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((x) => x.status === "rejected");
    expect(refused?.status === "rejected" && String(refused.reason)).toMatch(
      /changed since you loaded it/,
    );
    await driveUntil([id], (s) => s === "paused");
    const after = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(after.currentStep).toBe(3);
    expect(after.currentWeight).toBe(50);
    expect(
      await prisma.auditEvent.count({ where: { action: "rollout.promote", targetId: id } }),
    ).toBe(1);

    // The same person double-clicking is answered, not applied twice.
    const once = await commandRollout(release(), meta, {
      rolloutId: id,
      command: "promote",
      version: after.version,
    });
    const twice = await commandRollout(release(), meta, {
      rolloutId: id,
      command: "promote",
      version: after.version,
    });
    expect(once.alreadyApplied).toBe(false);
    expect(twice.alreadyApplied).toBe(true);
    await driveUntil([id], (s) => s === "completed");
    expect(await servingIn("query-embedder", "production/us-east-1")).toEqual([[good, 100]]);

    // An engineer may not promote; a promote to 100% needs a reason; a finished rollout refuses.
    await expect(
      commandRollout(engineer(), meta, {
        rolloutId: id,
        command: "promote",
        version: after.version + 10,
      }),
    ).rejects.toThrow(/cannot start, promote or retry rollouts/);
    const done = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    await expect(
      commandRollout(release(), meta, { rolloutId: id, command: "pause", version: done.version }),
    ).rejects.toThrow(/completed; nothing more can happen/);
  });

  it("applies an abort decided on a page the engine has moved on since, but not one a person overtook", async () => {
    const good = await versionWith("query-embedder", "none");
    const started = await startIn(
      "query-embedder",
      good,
      "weight 10\npause\nweight 20\npause\nweight 100",
      "production/us-east-1",
    );
    const id = started.rollouts[0]?.id ?? "";
    await driveUntil([id], (s) => s === "paused");
    const seen = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    // A release manager promotes; the engine applies the 20% step and waits at its pause.
    await commandRollout(release(), meta, {
      rolloutId: id,
      command: "promote",
      version: seen.version,
    });
    await driveUntil([id], (s) => s === "paused");
    const promoted = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(promoted.currentWeight).toBe(20);
    // An engineer who decided to abort on the page as it was before the promote is told so.
    await expect(
      commandRollout(engineer(), meta, { rolloutId: id, command: "abort", version: seen.version }),
    ).rejects.toThrow(/changed since you loaded it \(it is now paused, step 4 of 5\)/);
    expect((await prisma.rollout.findUniqueOrThrow({ where: { id } })).status).toBe("paused");
    // One who saw the promote is not refused for the engine's own moves since (the 20% step
    // applied, its pause begun): the abort is what they meant whatever step it reached.
    const afterPromote = seen.version + 1;
    expect(promoted.version).toBeGreaterThan(afterPromote);
    const aborted = await commandRollout(engineer(), meta, {
      rolloutId: id,
      command: "abort",
      version: afterPromote,
    });
    expect(aborted).toMatchObject({ status: "aborted", alreadyApplied: false });
    await driveUntil([id], (s) => s === "aborted");
    const serving = await servingIn("query-embedder", "production/us-east-1");
    expect(serving).toHaveLength(1);
    expect(serving[0]?.[0]).not.toBe(good);
    expect(serving[0]?.[1]).toBe(100);
  });

  it("finishes a step interrupted after its platform write without writing it again", async () => {
    const good = await versionWith("ranker-xl", "none");
    const started = await startIn(
      "ranker-xl",
      good,
      "weight 10\npause\nweight 40\npause",
      "production/us-west-2",
    );
    const id = started.rollouts[0]?.id ?? "";
    await driveUntil([id], (s) => s === "paused");
    const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    await commandRollout(release(), meta, {
      rolloutId: id,
      command: "resume",
      version: row.version,
    }).catch(() => undefined);
    await driveUntil([id], (s) => s === "paused");
    const paused = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(paused.currentWeight).toBe(40);

    // Simulate a crash: the process wrote weight 40 then died before committing. Roll the
    // database back to step 1 while the platform already has 40%.
    await prisma.rollout.update({
      where: { id },
      data: { status: "progressing", currentStep: 2, currentWeight: 10, platformSynced: true },
    });
    await prisma.rolloutStep.updateMany({
      where: { rolloutId: id, index: { gte: 2 } },
      data: { status: "pending" },
    });
    const key = paused.target as { cluster: string; namespace: string; name: string };
    const writes = vi.spyOn(fleetPlatform(), "setCanaryWeight");
    await driveRollout(id);
    const o = await fleetPlatform().rollout(key);
    expect(o.canaryWeight).toBe(40);
    // Re-running the step found 40% already on the platform: it was not written again.
    expect(writes).not.toHaveBeenCalled();
    writes.mockRestore();
    expect((await prisma.rollout.findUniqueOrThrow({ where: { id } })).status).toBe("paused");

    // Two processes at once: exactly one drives the rollout.
    const fresh = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    await commandRollout(release(), meta, {
      rolloutId: id,
      command: "promote",
      version: fresh.version,
    });
    const events = await prisma.rolloutEvent.count({ where: { rolloutId: id } });
    // (and the command's own apply, in the background: three callers, one claim at a time)
    const both = await Promise.all([driveRollout(id), driveRollout(id)]);
    await appliesSettled();
    expect(both.filter(Boolean).length).toBeLessThanOrEqual(1);
    const done = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(done.status).toBe("completed");
    expect(await prisma.rolloutEvent.count({ where: { rolloutId: id } })).toBeLessThanOrEqual(
      events + 2,
    );
    expect(await servingIn("ranker-xl", "production/us-west-2")).toEqual([[good, 100]]);
  });

  it("rolls back to a version that ran here, and refuses one that never did", async () => {
    const serving = (await servingIn("ranker-xl", "production/us-west-2"))[0]?.[0];
    const earlier = await prisma.rollout.findFirstOrThrow({
      where: {
        model: { name: "ranker-xl" },
        environment: { name: "production/us-west-2" },
        status: "completed",
        toVersion: { version: { not: String(serving) } },
      },
      orderBy: { createdAt: "desc" },
      select: { toVersion: { select: { version: true } } },
    });
    const done = await rollBackDeployment(engineer(), meta, {
      model: "ranker-xl",
      environment: "production/us-west-2",
      toVersion: earlier.toVersion.version,
      reason: "errors after the last release",
    });
    expect(done.alreadyApplied).toBe(false);
    await appliesSettled();
    expect(await servingIn("ranker-xl", "production/us-west-2")).toEqual([
      [earlier.toVersion.version, 100],
    ]);
    await expect(
      rollBackDeployment(engineer(), meta, {
        model: "ranker-xl",
        environment: "production/us-west-2",
        toVersion: "0.0.1",
        reason: "nope",
      }),
    ).rejects.toThrow(/never ran in production\/us-west-2/);
    expect(
      await prisma.auditEvent.count({
        where: { action: "rollout.rollback", targetId: { not: null } },
      }),
    ).toBeGreaterThanOrEqual(1);
  });

  it("pauses a rollout while the model's SLO burns fast, saying why", async () => {
    const good = await versionWith("ranker-xl", "none");
    const started = await startIn(
      "ranker-xl",
      good,
      "weight 10\nanalysis 60s every 20s\nweight 100",
      "production/us-east-1",
    );
    const id = started.rollouts[0]?.id ?? "";
    await appliesSettled();
    await driveRollouts();
    const slo = await prisma.slo.findFirstOrThrow({
      where: { model: { name: "ranker-xl" }, sliKind: "availability" },
    });
    // Five bad minutes: 10% errors against a 99.9% objective is a 100x burn.
    const now = clock.ms();
    for (let m = 1; m <= 4; m++) {
      const start = new Date(Math.floor((now - m * 60_000) / 60_000) * 60_000);
      await prisma.sliBucket.upsert({
        where: { sloId_resolution_start: { sloId: slo.id, resolution: "minute", start } },
        create: { sloId: slo.id, resolution: "minute", start, good: 900n, total: 1000n },
        update: { good: 900n, total: 1000n },
      });
    }
    // Nothing tells the engine an SLO burns: it notices at its next recheck of the rollout.
    time.advance(RECHECK_MS);
    await driveRollouts();
    const r = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(r.status).toBe("paused");
    expect(r.reason).toMatch(/burning its error budget .*× too fast/);
    // Someone resumes it knowing the SLO burns: it is not paused again for five minutes.
    await commandRollout(engineer(), meta, {
      rolloutId: id,
      command: "resume",
      version: r.version,
    });
    await appliesSettled();
    time.advance(RECHECK_MS);
    await driveRollouts();
    const resumed = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(resumed.status).not.toBe("paused");
    await prisma.sliBucket.deleteMany({
      where: { sloId: slo.id, resolution: "minute", start: { gte: new Date(now - 5 * 60_000) } },
    });
    await commandRollout(engineer(), meta, {
      rolloutId: id,
      command: "abort",
      version: resumed.version,
    });
    await driveUntil([id], (x) => x === "aborted");
  });

  it("shows a platform write with an unknown outcome as verifying, then reconciles it", async () => {
    const good = await versionWith("query-embedder", "none");
    const started = await startIn(
      "query-embedder",
      good,
      "weight 10\npause\nweight 30\npause\nweight 100",
      "production/us-west-2",
    );
    const id = started.rollouts[0]?.id ?? "";
    await driveUntil([id], (s) => s === "paused");
    const platform = fleetPlatform();
    const real = platform.setCanaryWeight.bind(platform);
    // The write reaches the platform, but the answer is lost.
    const flaky = vi
      .spyOn(platform, "setCanaryWeight")
      .mockImplementationOnce(async (ref, weight) => {
        await real(ref, weight);
        throw new OutcomeUnknownError("set canary weight");
      });
    const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    const result = await commandRollout(release(), meta, {
      rolloutId: id,
      command: "promote",
      version: row.version,
    });
    expect(result.alreadyApplied).toBe(false);
    await appliesSettled();
    const verifying = await getRollout(release(), id);
    expect(verifying.verifying).toBe(true);
    expect(verifying.events[0]?.message).toMatch(/did not confirm/);
    flaky.mockRestore();
    await driveUntil([id], (s) => s === "paused");
    const settled = await getRollout(release(), id);
    expect(settled.verifying).toBe(false);
    expect(settled.currentWeight).toBe(30);
    const key = settled.target ?? { cluster: "", namespace: "", name: "" };
    expect((await fleetPlatform().rollout(key)).canaryWeight).toBe(30);
    await commandRollout(release(), meta, {
      rolloutId: id,
      command: "abort",
      version: settled.version,
    });
    await driveUntil([id], (s) => s === "aborted");
  });
});
