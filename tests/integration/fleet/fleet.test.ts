import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { fleetContract } from "../../support/platform/fleet-contract";
import {
  PgFleetStore,
  createSimulatorPlatform,
  resetSimulatorFleet,
  simulatorSpeed,
} from "@/server/fleet/simulator";
import { chaosEffects, forgetChaosEffects } from "@/server/fleet/chaos";
import { syncFleet } from "@/server/fleet/sync";
import {
  SimulatorPlatform as SimulatorPlatformClass,
  type SimulatorPlatform,
} from "@/lib/platform/simulator/platform";
import { listTrainingJobs } from "@/server/training/jobs";
import { resumeTrainingJob } from "@/server/training/resume";
import { fleetPlatform } from "@/server/fleet/platform";
import { TimeoutError } from "@/lib/platform/types";
import { actor } from "../../support/actors";

const requestMeta = { requestId: "fleet-test", clientIp: "198.51.100.7" };

const prisma = connectTestDatabase();
const platform = () => createSimulatorPlatform({ chaos: chaosEffects });

beforeAll(async () => {
  await resetSimulatorFleet();
});
afterAll(async () => {
  await prisma.chaosExperiment.deleteMany({ where: { reason: { startsWith: "fleet test" } } });
  await resetSimulatorFleet();
  await prisma.$disconnect();
});

describe("the simulated fleet in PostgreSQL", () => {
  it("boots once from the seeded inventory, even when replicas start together", async () => {
    const states = await Promise.all([
      new PgFleetStore().load(),
      new PgFleetStore().load(),
      new PgFleetStore().load(),
    ]);
    expect(await prisma.simulatorFleet.count()).toBe(1);
    expect(states[1]).toEqual(states[0]);
    const deployments = await prisma.deployment.count();
    const rollouts = states[0]?.rollouts ?? [];
    expect(rollouts.length).toBe(deployments);
    expect(states[0]?.jobs.length).toBe(await prisma.trainingJob.count());
  });

  it("continues the same fleet after a restart", async () => {
    const first = platform();
    const { data } = await first.rollouts({ environment: "production" });
    const target = data[0];
    if (!target) throw new Error("no rollout");
    await first.pause(target).catch(() => undefined); // no canary: refused, changes nothing
    const { resourceVersion } = await first.setVersion(target, "9.9.9-restart");
    const tick = await first.tick();

    // A new process: new store, new platform, same database.
    const second = platform();
    const after = await second.rollout(target);
    expect(after.canaryVersion).toBe("9.9.9-restart");
    expect(after.resourceVersion).toBe(resourceVersion);
    const again = await second.tick();
    expect(again.simTime.getTime()).toBeGreaterThanOrEqual(tick.simTime.getTime());
    await second.undo(after, target.revision);
  });

  it("parses the stored fleet again only when a replica changed it, and never shares a change's copy", async () => {
    const mine = new PgFleetStore();
    const other = new PgFleetStore(); // another replica on the same database
    const first = await mine.load();
    // Unchanged row: the same parsed state, without reading megabytes again.
    expect(await mine.load()).toBe(first);

    // A change the other replica commits is seen by the next read here.
    const name = first.rollouts[0]?.name;
    if (!name) throw new Error("no rollout");
    await other.transact((state) => {
      const r = state.rollouts.find((x) => x.name === name);
      if (r) r.message = "changed by the other replica";
      return { state, result: null };
    });
    const seen = await mine.load();
    expect(seen).not.toBe(first);
    expect(seen.rollouts.find((x) => x.name === name)?.message).toBe(
      "changed by the other replica",
    );
    expect(first.rollouts.find((x) => x.name === name)?.message).not.toBe(
      "changed by the other replica",
    );

    // A change works on its own copy: one that fails leaves the shared state and the row as they were.
    await expect(
      mine.transact((state) => {
        const r = state.rollouts.find((x) => x.name === name);
        if (r) r.message = "half-made change";
        throw new Error("refused midway");
      }),
    ).rejects.toThrow("refused midway");
    expect(seen.rollouts.find((x) => x.name === name)?.message).toBe(
      "changed by the other replica",
    );
    const fresh = await new PgFleetStore().load();
    expect(fresh.rollouts.find((x) => x.name === name)?.message).toBe(
      "changed by the other replica",
    );

    // What this replica writes it reads back without parsing, and the other replica sees it.
    await mine.transact((state) => {
      const r = state.rollouts.find((x) => x.name === name);
      if (r) r.message = "";
      return { state, result: null };
    });
    const mineAfter = await mine.load();
    expect(await mine.load()).toBe(mineAfter);
    expect(mineAfter.rollouts.find((x) => x.name === name)?.message).toBe("");
    expect((await other.load()).rollouts.find((x) => x.name === name)?.message).toBe("");
  });

  it("writes the fleet's times in UTC whatever the process's time zone, one change at a time", async () => {
    const store = new PgFleetStore();
    await store.load();
    const zone = process.env.TZ;
    process.env.TZ = "America/Los_Angeles";
    try {
      const simTime = Date.UTC(2026, 10, 29, 12, 0, 0);
      await store.transact((state) => ({ state: { ...state, simTime }, result: null }));
      const [row] = await prisma.$queryRaw<{ simTime: Date }[]>`
        SELECT "simTime" FROM "SimulatorFleet"`;
      expect(row?.simTime.toISOString()).toBe(new Date(simTime).toISOString());
    } finally {
      if (zone === undefined) delete process.env.TZ;
      else process.env.TZ = zone;
    }
    // Changes from two replicas at once are applied one after the other under the row's lock:
    // neither is lost.
    const name = (await store.load()).rollouts[0]?.name;
    if (!name) throw new Error("no rollout");
    const append = (s: PgFleetStore, text: string) =>
      s.transact((state) => {
        const r = state.rollouts.find((x) => x.name === name);
        if (r) r.message = `${r.message}${text}`;
        return { state, result: null };
      });
    await store.transact((state) => {
      const r = state.rollouts.find((x) => x.name === name);
      if (r) r.message = "";
      return { state, result: null };
    });
    await Promise.all([append(store, "a"), append(new PgFleetStore(), "b")]);
    const message = (await new PgFleetStore().load()).rollouts.find(
      (x) => x.name === name,
    )?.message;
    expect(["ab", "ba"]).toContain(message);
  });

  it("commits changes that arrive together in one write, in order, and fails only the change that throws", async () => {
    const store = new PgFleetStore();
    const name = (await store.load()).rollouts[0]?.name;
    if (!name) throw new Error("no rollout");
    const set = (text: string) =>
      store.transact((state) => {
        const r = state.rollouts.find((x) => x.name === name);
        if (!r) throw new Error("no rollout");
        r.message = text;
        return { state, result: text };
      });
    const append = (text: string, fail = false) =>
      store.transact((state) => {
        const r = state.rollouts.find((x) => x.name === name);
        if (!r) throw new Error("no rollout");
        r.message = `${r.message}${text}`;
        // a change that throws halfway, after changing its copy
        if (fail) throw new Error(`change ${text} refused`);
        return { state, result: r.message };
      });
    await set("");
    const versionOf = async () =>
      (
        await prisma.$queryRaw<{ v: string }[]>`
          SELECT xmin::text AS v FROM "SimulatorFleet"`
      )[0]?.v;
    // a trigger counts the fleet row's writes
    await prisma.$executeRawUnsafe(`CREATE TABLE "FleetWrites" (at timestamptz DEFAULT now())`);
    await prisma.$executeRawUnsafe(
      `CREATE FUNCTION count_fleet_write() RETURNS trigger LANGUAGE plpgsql AS
         $$ BEGIN INSERT INTO "FleetWrites" DEFAULT VALUES; RETURN NEW; END $$`,
    );
    await prisma.$executeRawUnsafe(
      `CREATE TRIGGER count_fleet_writes AFTER UPDATE ON "SimulatorFleet"
         FOR EACH ROW EXECUTE FUNCTION count_fleet_write()`,
    );
    const writes = async () =>
      Number(
        (await prisma.$queryRaw<{ n: bigint }[]>`SELECT count(*) AS n FROM "FleetWrites"`)[0]?.n,
      );
    // Five changes at once: the first commits alone, the four that wait go in one write.
    const results = await Promise.allSettled([
      append("a"),
      append("b"),
      append("x", true),
      append("c"),
      append("d"),
    ]);
    expect(results.map((r) => (r.status === "fulfilled" ? r.value : String(r.reason)))).toEqual([
      "a",
      "ab",
      "Error: change x refused",
      "abc",
      "abcd",
    ]);
    const stored = await new PgFleetStore().load();
    expect(stored.rollouts.find((x) => x.name === name)?.message).toBe("abcd");
    // two writes, not five
    expect(await writes()).toBe(2);
    // A group whose every change fails writes nothing.
    const unchanged = await versionOf();
    await expect(Promise.all([append("y", true), append("z", true)])).rejects.toThrow(/refused/);
    expect(await versionOf()).toBe(unchanged);
  });

  it("shares one advance of the fleet between reads in the same quantum", async () => {
    let now = Date.now();
    const p = new SimulatorPlatformClass({ store: new PgFleetStore(), now: () => now });
    await p.tick();
    const a = await p.snapshot();
    now += 1_000; // within the quantum
    const b = await p.snapshot();
    expect(b.state).toBe(a.state);
    expect(b.at.wallTime).toBeGreaterThan(a.at.wallTime);
    now += 31_000; // a whole quantum later: the fleet moves on
    const c = await p.snapshot();
    expect(c.state).not.toBe(a.state);
    expect(c.state.simTime).toBeGreaterThan(a.state.simTime);

    // The cluster view is made once per 5 seconds for one stored fleet, and the namespaces' and
    // autoscalers' once per stored fleet; a write makes new ones.
    now = Math.ceil(now / 5_000) * 5_000 + 100;
    const first = await p.clusters();
    const namespaces = await p.namespaces();
    const autoscalers = await p.autoscalers();
    now += 4_000;
    expect(await p.clusters()).toBe(first);
    expect(await p.namespaces()).toBe(namespaces);
    expect(await p.autoscalers()).toBe(autoscalers);
    now += 1_000;
    const nextSecond = await p.clusters();
    expect(nextSecond).not.toBe(first);
    expect(nextSecond.data).toEqual(first.data);
    const { data } = await p.rollouts({ environment: "production" });
    const target = data[0];
    if (!target) throw new Error("no rollout");
    const written = await p.setVersion(target, "9.9.8-view");
    const afterWrite = await p.clusters();
    expect(afterWrite).not.toBe(nextSecond);
    expect(await p.namespaces()).not.toBe(namespaces);
    const autoscalersAfter = await p.autoscalers();
    expect(autoscalersAfter).not.toBe(autoscalers);
    expect(autoscalersAfter.data).toEqual(autoscalers.data);
    await p.undo({ ...target, resourceVersion: written.resourceVersion }, target.revision);
  });

  it("refuses a nonsense FLIGHTDECK_SIM_SPEED", () => {
    const saved = process.env.FLIGHTDECK_SIM_SPEED;
    try {
      process.env.FLIGHTDECK_SIM_SPEED = "fast";
      expect(() => simulatorSpeed()).toThrow(/FLIGHTDECK_SIM_SPEED/);
      process.env.FLIGHTDECK_SIM_SPEED = "0";
      expect(() => simulatorSpeed()).toThrow(/above 0/);
      process.env.FLIGHTDECK_SIM_SPEED = "60";
      expect(simulatorSpeed()).toBe(60);
    } finally {
      if (saved === undefined) delete process.env.FLIGHTDECK_SIM_SPEED;
      else process.env.FLIGHTDECK_SIM_SPEED = saved;
    }
  });
});

fleetContract("simulator (PostgreSQL)", { platform });

describe("mirroring the platform into the inventory tables", () => {
  let p: SimulatorPlatform;
  beforeAll(() => {
    p = platform();
  });

  it("records a canary as a second deployment and removes it when aborted", async () => {
    const { data } = await p.rollouts({ environment: "production" });
    const target = data.find((r) => r.canaryVersion === null);
    if (!target) throw new Error("no idle rollout");
    const older = await prisma.modelVersion.findFirstOrThrow({
      where: { model: { name: target.model }, version: { not: target.stableVersion } },
      orderBy: { createdAt: "desc" },
      select: { version: true },
    });
    const { resourceVersion } = await p.setVersion(target, older.version);
    await p.setCanaryWeight({ ...target, resourceVersion }, 20);
    await syncFleet(p);

    const rows = await prisma.deployment.findMany({
      where: {
        model: { name: target.model },
        cluster: { name: target.cluster },
        environment: { tier: "production" },
      },
      select: { trafficWeight: true, modelVersion: { select: { version: true } } },
    });
    expect(
      rows.map((r) => [r.modelVersion.version, r.trafficWeight]).sort((a, b) => +b[1]! - +a[1]!),
    ).toEqual([
      [target.stableVersion, 80],
      [older.version, 20],
    ]);

    const current = await p.rollout(target);
    await p.abort(current);
    await syncFleet(p);
    const after = await prisma.deployment.findMany({
      where: {
        model: { name: target.model },
        cluster: { name: target.cluster },
        environment: { tier: "production" },
      },
      select: { trafficWeight: true, modelVersion: { select: { version: true } } },
    });
    expect(after.map((r) => [r.modelVersion.version, r.trafficWeight])).toEqual([
      [target.stableVersion, 100],
    ]);
    const aborted = await p.rollout(target);
    await p.undo(aborted, target.revision);
  });

  it("shows a node failure on the cluster and heals when it is stopped", async () => {
    const admin = await prisma.user.findFirstOrThrow({ where: { role: "admin" } });
    const cluster = await prisma.cluster.findFirstOrThrow({
      where: { name: { contains: "serve" } },
      select: { name: true, region: { select: { code: true } } },
    });
    const experiment = await prisma.chaosExperiment.create({
      data: {
        kind: "node_failure",
        region: cluster.region.code,
        magnitude: 1,
        startedAt: new Date(Date.now() - 1_000),
        endsAt: new Date(Date.now() + 3_600_000),
        createdById: admin.id,
        reason: "fleet test: node failure",
      },
    });
    // as another replica's start would be, once this process's reuse of the last read ends
    forgetChaosEffects();
    const during = (await p.clusters()).data.find((c) => c.name === cluster.name);
    expect(during?.status).toBe("degraded");
    expect(during?.pools.every((x) => x.readyNodes === 0 && x.allocatable === 0)).toBe(true);
    await syncFleet(p);
    const row = await prisma.cluster.findUniqueOrThrow({
      where: { name: cluster.name },
      select: { status: true, nodePools: { select: { gpuAllocatable: true } } },
    });
    expect(row.status).toBe("degraded");
    expect(row.nodePools.every((x) => x.gpuAllocatable === 0)).toBe(true);

    await prisma.chaosExperiment.update({
      where: { id: experiment.id },
      data: { stoppedAt: new Date() },
    });
    forgetChaosEffects();
    const healed = (await p.clusters()).data.find((c) => c.name === cluster.name);
    expect(healed?.pools.every((x) => x.readyNodes > 0)).toBe(true);
    await syncFleet(p);
    expect(
      (await prisma.cluster.findUniqueOrThrow({ where: { name: cluster.name } })).status,
    ).not.toBe("unreachable");
  });

  it("resumes a failed training job and records it", async () => {
    const failed = await prisma.trainingJob.findFirst({
      where: { status: "failed" },
      select: { name: true, restarts: true },
    });
    if (!failed) throw new Error("the seed has a failed job");
    const resumed = await p.resumeFromCheckpoint(failed.name);
    expect(resumed.status).toBe("queued");
    await syncFleet(p);
    const row = await prisma.trainingJob.findUniqueOrThrow({ where: { name: failed.name } });
    expect(["queued", "running"]).toContain(row.status);
    expect(row.restarts).toBe(failed.restarts + 1);
    expect(row.failureReason).toBeNull();
  });

  it("writes nothing when nothing changed", async () => {
    await syncFleet(p);
    const report = await syncFleet(p);
    expect(report?.deployments).toBe(0);
    expect(report?.namespaces).toBe(0);
  });
});

/** A failed job with a checkpoint at step 4,000, known to a freshly booted simulated fleet. */
async function failedJob(prefix: string) {
  const template = await prisma.trainingJob.findFirstOrThrow({
    select: { modelId: true, clusterId: true, teamId: true },
  });
  const job = await prisma.trainingJob.create({
    data: {
      name: `${prefix}-${Date.now().toString(36)}`,
      modelId: template.modelId,
      teamId: template.teamId,
      clusterId: template.clusterId,
      status: "failed",
      gpuType: "A100",
      gpuCount: 8,
      stepsTotal: 10_000,
      stepsDone: 4_200,
      restarts: 3,
      failureReason: "CUDA out of memory on rank 0",
      startedAt: new Date(Date.now() - 3_600_000),
      checkpoints: {
        create: [{ step: 4_000, uri: "s3://test/step-4000", createdAt: new Date() }],
      },
    },
  });
  await resetSimulatorFleet();
  return { job, engineer: { ...actor("engineer"), teamId: template.teamId } };
}

const platformRestarts = async (name: string) =>
  (await fleetPlatform().jobs()).data.find((j) => j.name === name)?.restarts;

const auditOf = (jobId: string) =>
  prisma.auditEvent.findMany({
    where: { targetType: "training_job", targetId: jobId },
    orderBy: { at: "asc" },
    select: { action: true, outcome: true, reason: true },
  });

describe("resuming a training job from its last checkpoint", () => {
  afterEach(() => vi.restoreAllMocks());

  it("restarts it once, even when clicked twice at once, and audits it", async () => {
    const { job, engineer } = await failedJob("resume-test");
    const input = { jobId: job.id, version: job.version };
    const results = await Promise.all([
      resumeTrainingJob(engineer, requestMeta, input),
      resumeTrainingJob(engineer, requestMeta, input),
    ]);
    expect(results.filter((r) => !r.alreadyResumed)).toHaveLength(1);
    expect(results.find((r) => !r.alreadyResumed)?.resumedFromStep).toBe(4_000);
    const row = await prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row.restarts).toBe(4);
    expect(row.stepsDone).toBe(4_000);
    expect(row.failureReason).toBeNull();
    expect(
      await prisma.auditEvent.count({ where: { action: "training.resume", targetId: job.id } }),
    ).toBe(1);

    // Another team's engineer may not; a running job is refused with the reason.
    await expect(
      resumeTrainingJob({ ...engineer, teamId: "another-team" }, requestMeta, input),
    ).rejects.toThrow(/another team/);
    await expect(
      resumeTrainingJob(engineer, requestMeta, { jobId: job.id, version: row.version }),
    ).rejects.toThrow(/only a failed job can resume/);
  });
});

describe("a resume whose platform call ends without an answer", () => {
  afterEach(() => vi.restoreAllMocks());

  it("is audited and shows as unknown; a double-clicked retry records the restart without a second one", async () => {
    const { job, engineer } = await failedJob("resume-timeout");
    const platform = fleetPlatform();
    const real = platform.resumeFromCheckpoint.bind(platform);
    // The restart happens, then the answer is lost.
    const call = vi.spyOn(platform, "resumeFromCheckpoint").mockImplementationOnce(async (name) => {
      await real(name);
      throw new TimeoutError("resume training job", 10_000);
    });
    await expect(
      resumeTrainingJob(engineer, requestMeta, { jobId: job.id, version: job.version }),
    ).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(await platformRestarts(job.name)).toBe(4);
    expect((await auditOf(job.id)).map((e) => e.action)).toEqual([
      "training.resume_requested",
      "training.resume_unknown",
    ]);
    const row = await prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(row).toMatchObject({ status: "failed", restarts: 3, resumeOutcomeUnknown: true });
    const listed = (await listTrainingJobs(engineer, { page: 1 })).rows.find(
      (r) => r.id === job.id,
    );
    // Seeded jobs are newer than this one only when the page is full; find it on its page.
    const shown =
      listed ??
      (
        await listTrainingJobs(engineer, {
          page: Math.ceil((await prisma.trainingJob.count()) / 20),
        })
      ).rows.find((r) => r.id === job.id);
    expect(shown).toMatchObject({ resume: "unknown", canResume: true });

    const results = await Promise.all([
      resumeTrainingJob(engineer, requestMeta, { jobId: job.id, version: row.version }),
      resumeTrainingJob(engineer, requestMeta, { jobId: job.id, version: row.version }),
    ]);
    expect(results.filter((r) => !r.alreadyResumed)).toHaveLength(1);
    expect(call).toHaveBeenCalledTimes(1);
    expect(await platformRestarts(job.name)).toBe(4);
    const after = await prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    expect(after).toMatchObject({
      restarts: 4,
      stepsDone: 4_000,
      resumeIntentId: null,
      resumeOutcomeUnknown: false,
    });
    expect(["queued", "running"]).toContain(after.status);
    const trail = await auditOf(job.id);
    expect(trail.map((e) => e.action)).toEqual([
      "training.resume_requested",
      "training.resume_unknown",
      "training.resume_requested",
      "training.resume",
    ]);
    expect(trail.at(-1)).toMatchObject({
      outcome: "allowed",
      reason: expect.stringMatching(/retry/),
    });
  });

  it("asks again on retry when the lost call never reached the platform", async () => {
    const { job, engineer } = await failedJob("resume-lost");
    const platform = fleetPlatform();
    vi.spyOn(platform, "resumeFromCheckpoint").mockRejectedValueOnce(
      new TimeoutError("resume training job", 10_000),
    );
    await expect(
      resumeTrainingJob(engineer, requestMeta, { jobId: job.id, version: job.version }),
    ).rejects.toMatchObject({ code: "UNAVAILABLE" });
    expect(await platformRestarts(job.name)).toBe(3);
    const row = await prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    const retried = await resumeTrainingJob(engineer, requestMeta, {
      jobId: job.id,
      version: row.version,
    });
    expect(retried).toMatchObject({ alreadyResumed: false, resumedFromStep: 4_000 });
    expect(await platformRestarts(job.name)).toBe(4);
    // Once finished, another click finds nothing to do.
    const again = await prisma.trainingJob.findUniqueOrThrow({ where: { id: job.id } });
    await expect(
      resumeTrainingJob(engineer, requestMeta, { jobId: job.id, version: again.version }),
    ).rejects.toThrow(/only a failed job can resume/);
    expect(await platformRestarts(job.name)).toBe(4);
  });
});
