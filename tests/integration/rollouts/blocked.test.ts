// A rollout the engine cannot drive is never silently stuck: a refused platform write, a metrics
// outage during analysis and a missing platform object each block it with the reason (on the
// rollout, in its timeline, in a metric), it is tried again with a growing delay that keeps it
// from crowding out other rollouts, and after a while it raises a ticket-severity alert.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock } from "../../support/clock";
import { driveUntil as drive } from "../../support/drive";
import { allowDirectChanges } from "../../support/release-process";
import { actor } from "../../support/actors";
import { registerVersionWith } from "../../support/versions";
import { clock } from "@/lib/clock";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { fleetPlatform, metricsSource } from "@/server/fleet/platform";
import { alertBlockedRollouts, driveRollout, dueRollouts } from "@/server/rollouts/engine";
import { appliesSettled } from "@/server/rollouts/apply-now";
import { commandRollout } from "@/server/rollouts/command";
import { rollBackDeployment } from "@/server/rollouts/roll-back";
import { startRollout } from "@/server/rollouts/start";
import { getRollout } from "@/server/rollouts/queries";
import { PlatformError, TimeoutError } from "@/lib/platform/types";
import { blockedRollouts, rolloutBlocks } from "@/lib/telemetry/metrics";
import type { StartRolloutData } from "@/lib/schemas/rollouts";

const prisma = connectTestDatabase();
const meta = { requestId: "blocked-test", clientIp: "198.51.100.9" };
let teamId = "";
let userId = "";
const release = () => ({
  ...actor("release_manager", teamId),
  id: userId,
  email: "rm@blocked.test",
});
const time = movableTestClock();
const EAST = "production/us-east-1";
const WEST = "production/us-west-2";

async function start(
  environment: string,
  steps: string,
  extra: Partial<StartRolloutData> = {},
): Promise<string> {
  const { version } = await registerVersionWith(prisma, "ranker-xl", "none", (i) => `7.${i}.0`);
  const started = await startRollout(release(), meta, {
    model: "ranker-xl",
    version,
    strategy: "canary",
    steps,
    waves: environment,
    saveAsDefault: false,
    fix: false,
    overrideReason: "",
    ...extra,
  });
  const id = started.rollouts[0]?.id;
  if (!id) throw new Error("no rollout started");
  return id;
}

const row = (id: string) => prisma.rollout.findUniqueOrThrow({ where: { id } });
const events = (id: string, kind: string) =>
  prisma.rolloutEvent.findMany({ where: { rolloutId: id, kind }, orderBy: { at: "asc" } });
async function blocks(kind: string): Promise<number> {
  const { values } = await rolloutBlocks.get();
  return values.find((v) => v.labels.kind === kind)?.value ?? 0;
}
async function alerting(): Promise<number | undefined> {
  const { values } = await blockedRollouts.get();
  return values.find((v) => v.labels.alerting === "true")?.value;
}
/** Drives until the rollout's status satisfies `done`, a second of test time at a time. */
const driveTo = (id: string, done: (s: string) => boolean, seconds = 120) =>
  drive(prisma, time, [id], done, { seconds });

beforeAll(async () => {
  await allowDirectChanges(prisma, [EAST, WEST]);
  teamId = (await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } })).id;
  userId = (
    await prisma.user.upsert({
      where: { email: "rm@blocked.test" },
      create: { email: "rm@blocked.test", name: "RM", role: "release_manager", teamId },
      update: {},
    })
  ).id;
  await resetSimulatorFleet();
});
afterEach(async () => {
  vi.restoreAllMocks();
  await appliesSettled();
  // a failed test must not leave the next one an environment with a rollout in progress
  await prisma.rollout.updateMany({
    where: { status: { in: ["pending", "progressing", "analyzing", "paused", "degraded"] } },
    data: { status: "aborted", platformSynced: true, blockedSince: null, blockedReason: null },
  });
});
afterAll(async () => {
  await resetSimulatorFleet();
  await prisma.$disconnect();
});

describe("a refused platform write", () => {
  it("blocks the rollout with the reason, retries with backoff, and goes on when the platform accepts", async () => {
    const refuse = vi
      .spyOn(fleetPlatform(), "setVersion")
      .mockRejectedValue(
        new PlatformError("set version", 'admission webhook "images.policy" denied the request'),
      );
    const before = await blocks("platform");
    const id = await start(EAST, "weight 20\nweight 100");
    await appliesSettled();
    await driveRollout(id);

    let r = await row(id);
    expect(r.blockedKind).toBe("platform");
    expect(r.blockedReason).toMatch(/set version: admission webhook "images.policy" denied/);
    expect(r.blockedSince?.getTime()).toBeLessThanOrEqual(clock.ms());
    const firstAttempts = r.blockedAttempts;
    // (the test clock ticks a millisecond per reading, so allow a few)
    const delay = r.nextAttemptAt!.getTime() - clock.ms();
    expect(Math.abs(delay - 10_000 * 2 ** (firstAttempts - 1))).toBeLessThan(50);
    expect(await blocks("platform")).toBe(before + 1);
    // Not due until its next attempt: the engine's list skips it meanwhile.
    expect(await dueRollouts()).not.toContain(id);
    time.advance(r.nextAttemptAt!.getTime() - clock.ms());
    expect(await dueRollouts()).toContain(id);
    await driveRollout(id);
    r = await row(id);
    expect(r.blockedAttempts).toBe(firstAttempts + 1);
    // one timeline event per reason, not per attempt; the metric counts blocks, not attempts
    expect(await events(id, "blocked")).toHaveLength(1);
    expect(await blocks("platform")).toBe(before + 1);

    // The page says so.
    const page = await getRollout(release(), id);
    expect(page.blocked).toMatchObject({ kind: "platform", attempts: firstAttempts + 1 });
    expect(page.blocked?.reason).toMatch(/denied the request/);

    refuse.mockRestore();
    time.advance(5 * 60_000);
    await driveTo(id, (s) => s === "completed");
    r = await row(id);
    expect([r.blockedReason, r.blockedSince, r.nextAttemptAt, r.blockedAttempts]).toEqual([
      null,
      null,
      null,
      0,
    ]);
    expect((await events(id, "unblocked")).map((e) => e.message)).toEqual([
      "No longer blocked: the engine got through again.",
    ]);
    expect((await getRollout(release(), id)).blocked).toBeNull();
  });

  it("never keeps a blocked rollout from newer ones in the engine's list", async () => {
    const refuse = vi
      .spyOn(fleetPlatform(), "setVersion")
      .mockRejectedValue(new PlatformError("set version", "the API server is read-only"));
    const stuck = await start(EAST, "weight 20\nweight 100");
    await appliesSettled();
    await driveRollout(stuck);
    expect((await row(stuck)).blockedKind).toBe("platform");
    refuse.mockRestore();
    const newer = await start(WEST, "weight 20\npause\nweight 100");
    // A list of one has room only for the rollout that can move.
    time.advance(60 * 60_000);
    expect(await dueRollouts(1)).toEqual([newer]);
    expect(await dueRollouts(2)).toEqual([newer, stuck]);
    await driveTo(stuck, (s) => s === "completed");
    await commandRollout(release(), meta, {
      command: "abort",
      rolloutId: newer,
      version: (await row(newer)).version,
    });
    await driveTo(newer, (s) => s === "aborted");
  });

  it("is tried at once after a person's command, and an abort gets through", async () => {
    const refuse = vi
      .spyOn(fleetPlatform(), "setCanaryWeight")
      .mockRejectedValue(new PlatformError("set canary weight", "quota exceeded"));
    const id = await start(EAST, "weight 20\nweight 100");
    await appliesSettled();
    await driveRollout(id);
    const r = await row(id);
    expect(r.blockedKind).toBe("platform");
    expect(r.nextAttemptAt?.getTime()).toBeGreaterThan(clock.ms());
    await commandRollout(release(), meta, { command: "abort", rolloutId: id, version: r.version });
    // applied in the background at once, not after the backoff
    await appliesSettled();
    const after = await row(id);
    expect(after.status).toBe("aborted");
    expect(after.blockedReason).toBeNull();
    expect(after.platformSynced).toBe(true);
    const object = await fleetPlatform().rollout(
      after.target as { cluster: string; namespace: string; name: string },
    );
    expect(object.canaryWeight).toBe(0);
    expect(refuse).toHaveBeenCalled();
  });
});

describe("a metrics outage during analysis", () => {
  const ANALYSIS = "weight 20\nanalysis 60s every 30s\nweight 100";

  async function analyzing(extra: Partial<StartRolloutData> = {}) {
    const id = await start(EAST, ANALYSIS, extra);
    await driveTo(id, (s) => s === "analyzing");
    return id;
  }
  const outage = () =>
    vi.spyOn(metricsSource(), "instant").mockRejectedValue(new TimeoutError("request_rate", 5_000));

  it("holds the canary at its weight by default: no interval passes or fails without samples", async () => {
    const id = await analyzing();
    const down = outage();
    const runs = await prisma.analysisRun.count({ where: { rolloutId: id } });
    for (let minute = 0; minute < 30; minute++) {
      time.advance(60_000);
      await driveRollout(id);
    }
    const r = await row(id);
    expect(r.status).toBe("analyzing");
    expect(r.currentWeight).toBe(20);
    expect(r.blockedKind).toBe("metrics");
    expect(r.blockedReason).toMatch(
      /Metrics are unavailable for analysis .*request_rate did not answer within 5000 ms.*holds at 20%/,
    );
    expect(await prisma.analysisRun.count({ where: { rolloutId: id } })).toBe(runs);
    expect((await getRollout(release(), id)).metricsOutage).toEqual({ action: "hold" });
    // Metrics back: the window resumes and a healthy version passes (no false fail).
    down.mockRestore();
    await driveTo(id, (s) => s === "completed", 600);
    expect((await row(id)).blockedReason).toBeNull();
  });

  it("returns traffic to stable after the plan's minutes under return_to_stable", async () => {
    const id = await analyzing({ metricsOutage: "return_to_stable", metricsOutageMinutes: 5 });
    expect((await getRollout(release(), id)).metricsOutage).toEqual({
      action: "return_to_stable",
      afterMinutes: 5,
    });
    outage();
    // the next interval's samples are due within its 30 s
    for (let s = 0; s < 30 && !(await row(id)).blockedSince; s++) {
      time.advance(1_000);
      await driveRollout(id);
    }
    const since = (await row(id)).blockedSince!.getTime();
    while (clock.ms() < since + 5 * 60_000 - 1_000) {
      time.advance(20_000);
      await driveRollout(id);
      if (clock.ms() < since + 5 * 60_000) expect((await row(id)).status).toBe("analyzing");
    }
    await driveTo(id, (s) => s === "aborted", 60);
    const r = await row(id);
    // tried no later than the plan's moment, whatever the backoff
    expect(r.finishedAt!.getTime() - since).toBeLessThanOrEqual(5 * 60_000 + 1_000);
    expect(r.reason).toMatch(
      /Metrics were unavailable for 5 min during analysis: all traffic returned to the stable version/,
    );
    await driveTo(id, () => true, 5);
    const object = await fleetPlatform().rollout(
      r.target as { cluster: string; namespace: string; name: string },
    );
    expect(object.canaryWeight).toBe(0);
    expect(object.aborted).toBe(true);
  });
});

describe("a missing platform object during a rollback", () => {
  it("blocks the rollback with the reason until the object is back", async () => {
    const id = await start(EAST, "weight 20\nweight 100");
    await driveTo(id, (s) => s === "completed");
    const previous = (await row(id)).fromVersionId;
    const from = await prisma.modelVersion.findUniqueOrThrow({ where: { id: previous! } });
    const gone = vi.spyOn(fleetPlatform(), "rollouts").mockResolvedValue({ data: [], errors: [] });
    const back = await rollBackDeployment(release(), meta, {
      model: "ranker-xl",
      environment: EAST,
      toVersion: from.version,
      reason: "bad release",
    });
    const rollbackId = back.rolloutId;
    await appliesSettled();
    await driveRollout(rollbackId);
    const r = await row(rollbackId);
    expect(r.status).toBe("progressing");
    expect(r.blockedKind).toBe("target");
    expect(r.blockedReason).toMatch(/No platform object serves ranker-xl in production\/us-east-1/);
    expect(r.platformSynced).toBe(false);

    // Blocked past the alert time: one ticket alert, raised once.
    time.advance(15 * 60_000);
    expect(await alertBlockedRollouts()).toBe(1);
    expect(await alertBlockedRollouts()).toBe(0);
    const [alert] = await events(rollbackId, "blocked_alert");
    expect(alert?.message).toMatch(
      /^Ticket alert: blocked for more than 15 min\. No platform object/,
    );
    expect(await alerting()).toBe(1);
    expect((await getRollout(release(), rollbackId)).blocked?.alertedAt).not.toBeNull();

    gone.mockRestore();
    time.advance(5 * 60_000);
    await driveTo(rollbackId, (s) => s === "completed");
    expect((await row(rollbackId)).blockedReason).toBeNull();
    await alertBlockedRollouts();
    expect(await alerting()).toBe(0);
  });
});
