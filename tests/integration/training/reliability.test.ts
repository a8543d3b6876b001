import { afterAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { actor } from "../../support/actors";
import { syncFleet } from "@/server/fleet/sync";
import { fleetReliability, getTrainingJob } from "@/server/training/reliability";
import type {
  ClusterInventory,
  TrainingJobState,
  TrainingPlatform,
  Workloads,
} from "@/lib/platform/types";

const prisma = connectTestDatabase();
afterAll(() => prisma.$disconnect());

const viewer = actor("viewer");

describe("a training job's page", () => {
  it("shows what each failure of the demo job that failed twice cost, and its advice", async () => {
    const j = await getTrainingJob(viewer, "assistant-llm-70b-train-002");
    expect(j.interruptionCount).toBe(2);
    // newest first: the NCCL timeout, then the GPU Xid error
    expect(j.interruptions.map((i) => i.cause)).toEqual(["nccl_timeout", "gpu_xid"]);
    for (const i of j.interruptions) {
      expect(i.stepsLost).toBeGreaterThan(0);
      expect(i.workLostHours).toBeGreaterThan(0);
      expect(i.restartSeconds).toBeGreaterThan(0);
      // work lost plus restart, on all 48 GPUs
      expect(i.gpuHoursLost).toBeCloseTo(
        (i.workLostHours + (i.restartSeconds ?? 0) / 3600) * 48,
        6,
      );
    }
    expect(j.checkpoints.every((c) => c.writeSeconds !== null && c.writeSeconds > 0)).toBe(true);
    expect(j.reliability.mtbi).toMatchObject({ kind: "measured", interruptions: 2 });
    expect(j.reliability.advice).toMatchObject({ kind: "advice", verdict: "too_rarely" });
    expect(j.reliability.goodput.ratio).toBeGreaterThan(0);
    expect(j.reliability.goodput.ratio).toBeLessThan(1);
  });

  it("shows the demo's interruptions on one timeline: the checkpoint after each comes as the pace allows", async () => {
    for (const name of ["assistant-llm-70b-train-002", "speech-asr-train-004"]) {
      const j = await getTrainingJob(viewer, name);
      const rate = j.reliability.stepsPerHour ?? 0;
      expect(rate).toBeGreaterThan(0);
      const checkpoints = [...j.checkpoints].reverse();
      for (const i of j.interruptions) {
        // it resumed from its checkpoint after the restart: the next one is a full interval
        // of computing after that, not sooner
        const next = checkpoints.find((c) => c.at > i.at);
        if (!next || i.restartSeconds === null) continue;
        const hours = (next.at.getTime() - i.at.getTime()) / 3_600_000;
        const due = i.restartSeconds / 3600 + (next.step - (i.lastCheckpointStep ?? 0)) / rate;
        expect(hours).toBeGreaterThanOrEqual(due * 0.98);
      }
      // a failed job wrote nothing after the failure that stopped it
      if (j.status === "failed")
        expect(j.checkpoints.every((c) => c.at <= (j.interruptions[0]?.at ?? c.at))).toBe(true);
    }
  });

  // A failed job that is not restarting on its own holds no GPUs: the time since its last
  // failure is shown as wall-clock time down ("down for …"), not as allocated or lost GPU-hours,
  // so its goodput and losses stay put while it waits (they once grew with every hour it sat
  // failed, and disagreed with the list's GPU-hours lost and the fleet's rates).
  it("shows a failed job's last interruption as time down, holding no GPUs", async () => {
    const j = await getTrainingJob(viewer, "speech-asr-train-004");
    const [last, ...earlier] = j.interruptions;
    expect(last?.restartSeconds).toBeNull();
    expect(last?.downtime.kind).toBe("stopped");
    if (last?.downtime.kind === "stopped") expect(last.downtime.seconds).toBeGreaterThan(0);
    expect(j.interruptions.map((i) => i.cause)).toEqual(["gpu_xid", "node_lost", "oom"]);
    // its cost is the work it lost, on the page as on the list
    expect(last?.gpuHoursLost).toBeCloseTo((last?.workLostHours ?? 0) * j.gpuCount, 6);
    expect(j.interruptions.reduce((s, i) => s + i.gpuHoursLost, 0)).toBeCloseTo(j.gpuHoursLost, 0);
    // restart GPU-hours are the measured restarts only
    expect(j.reliability.restartGpuHours).toBeCloseTo(
      earlier.reduce((s, i) => s + (i.restartSeconds ?? 0) / 3600, 0) * j.gpuCount,
      6,
    );
    expect(j.reliability.goodput.allocatedGpuHours).toBeCloseTo(
      j.gpuHoursUsed + j.reliability.restartGpuHours,
      6,
    );
  });

  it("is not found for an unknown job, and refused to nobody", async () => {
    await expect(getTrainingJob(viewer, "no-such-job")).rejects.toMatchObject({
      code: "NOT_FOUND",
    });
    await expect(getTrainingJob(null, "assistant-llm-70b-train-002")).rejects.toBeDefined();
  });
});

describe("fleet-wide training reliability", () => {
  it("rates interruptions per 1,000 GPU-hours and flags jobs far off the optimum", async () => {
    const f = await fleetReliability(viewer, {});
    expect(f.jobs).toBe(await prisma.trainingJob.count());
    const interruptions = await prisma.trainingInterruption.count();
    expect(f.interruptions).toBe(interruptions);
    expect(f.byGpuType.reduce((s, r) => s + r.interruptions, 0)).toBe(interruptions);
    expect(f.byCluster.reduce((s, r) => s + r.interruptions, 0)).toBe(interruptions);
    const h100 = f.byGpuType.find((r) => r.key === "H100");
    expect(h100?.per1000GpuHours).toBeCloseTo((2 / (h100?.gpuHours ?? 1)) * 1000, 6);
    const verdicts = Object.fromEntries(f.flagged.map((x) => [x.name, x.advice.verdict]));
    expect(verdicts["assistant-llm-70b-train-002"]).toBe("too_rarely");
    expect(verdicts["ranker-xl-train-001"]).toBe("too_often");
    expect(verdicts["query-embedder-train-005"]).toBeUndefined(); // about right
  });

  it("agrees with the job page's advice (the database's medians match the rule's)", async () => {
    const f = await fleetReliability(viewer, {});
    for (const flagged of f.flagged) {
      const page = await getTrainingJob(viewer, flagged.name);
      expect(page.reliability.advice).toMatchObject({
        kind: "advice",
        verdict: flagged.advice.verdict,
      });
      if (page.reliability.advice.kind === "advice")
        expect(page.reliability.advice.ratio).toBeCloseTo(flagged.advice.ratio, 6);
    }
  });

  it("is computed once for everyone, and again as soon as an interruption is recorded or ends", async () => {
    const first = await fleetReliability(viewer, {});
    expect(await fleetReliability(actor("engineer"), {})).toBe(first);
    const job = await prisma.trainingJob.findUniqueOrThrow({
      where: { name: "query-embedder-train-005" },
    });
    const interruption = await prisma.trainingInterruption.create({
      data: {
        trainingJobId: job.id,
        at: new Date("2026-01-02T03:04:05Z"),
        cause: "node_lost",
        message: "node lost (test)",
        workLostHours: 0.5,
        restartSeconds: null,
        gpuHoursLost: 4,
      },
    });
    try {
      const after = await fleetReliability(viewer, {});
      expect(after).not.toBe(first);
      expect(after.interruptions).toBe(first.interruptions + 1);
      expect(await fleetReliability(viewer, {})).toBe(after);
      // The job runs again: its restart, an hour on all its GPUs, counts at once too.
      await prisma.trainingInterruption.update({
        where: { id: interruption.id },
        data: { restartSeconds: 3600 },
      });
      const restarted = await fleetReliability(viewer, {});
      expect(restarted).not.toBe(after);
      expect(restarted.gpuHours).toBeCloseTo(after.gpuHours + job.gpuCount, 6);
    } finally {
      await prisma.trainingInterruption.delete({ where: { id: interruption.id } });
    }
    expect((await fleetReliability(viewer, {})).interruptions).toBe(first.interruptions);
  });

  it("flags only jobs still to run: a finished or failed job's interval is history", async () => {
    const template = await prisma.trainingJob.findFirstOrThrow({
      select: { modelId: true, teamId: true, clusterId: true },
    });
    const suffix = Date.now().toString(36);
    const t0 = Date.UTC(2026, 9, 1);
    // A checkpoint every 6 minutes, each written in 60 s, and one interruption in 50 hours:
    // far too often (the optimum is about 2.6 h).
    const jobOf = (status: "running" | "succeeded" | "failed" | "queued") =>
      prisma.trainingJob.create({
        data: {
          name: `flagged-${status}-${suffix}`,
          ...template,
          status,
          gpuType: "A100",
          gpuCount: 8,
          stepsTotal: 100_000,
          stepsDone: 50_000,
          gpuHoursUsed: 8 * 50,
          startedAt: new Date(t0),
          checkpoints: {
            create: Array.from({ length: 10 }, (_, k) => ({
              step: (k + 1) * 100,
              uri: `s3://test/${status}/${k}`,
              createdAt: new Date(t0 + (k + 1) * 6 * 60_000),
              writeSeconds: 60,
            })),
          },
          interruptions: {
            create: {
              at: new Date(t0 + 3_600_000),
              cause: "oom",
              message: "OOMKilled (test)",
              workLostHours: 0.05,
              restartSeconds: 60,
              gpuHoursLost: 0.5,
            },
          },
        },
      });
    const jobs = await Promise.all(
      (["running", "queued", "succeeded", "failed"] as const).map(jobOf),
    );
    try {
      const f = await fleetReliability(viewer, {});
      const flagged = new Map(f.flagged.map((x) => [x.name, x.advice.verdict]));
      expect(flagged.get(`flagged-running-${suffix}`)).toBe("too_often");
      expect(flagged.get(`flagged-queued-${suffix}`)).toBe("too_often");
      expect(flagged.has(`flagged-succeeded-${suffix}`)).toBe(false);
      expect(flagged.has(`flagged-failed-${suffix}`)).toBe(false);
      const statuses = await prisma.trainingJob.findMany({
        where: { name: { in: f.flagged.map((x) => x.name) } },
        select: { status: true },
      });
      for (const { status } of statuses)
        expect(["queued", "running", "checkpointing", "restarting"]).toContain(status);
    } finally {
      await prisma.trainingJob.deleteMany({ where: { id: { in: jobs.map((j) => j.id) } } });
    }
  });

  it("follows the region filter", async () => {
    const f = await fleetReliability(viewer, { region: "nowhere-1" });
    expect(f).toMatchObject({ jobs: 0, interruptions: 0, flagged: [], byCluster: [] });
  });
});

/** A platform that reports only training jobs: what the sync does with them. */
function jobsOnly(jobs: () => TrainingJobState[]): ClusterInventory & Workloads & TrainingPlatform {
  const none = async () => ({ data: [], errors: [] });
  const health = async () => ({
    adapter: "test",
    status: "ok" as const,
    detail: "",
    checkedAt: new Date(),
  });
  return {
    clusters: none,
    namespaces: none,
    autoscalers: none,
    deployments: none,
    jobs: async () => ({ data: jobs(), errors: [] }),
    resumeFromCheckpoint: () => Promise.reject(new Error("not here")),
    health,
  };
}

describe("the fleet sync's training data", () => {
  it("records checkpoints and interruptions once, and a restart's duration when it is known", async () => {
    const template = await prisma.trainingJob.findFirstOrThrow({
      select: { modelId: true, teamId: true, clusterId: true },
    });
    const name = `sync-reliability-${Date.now().toString(36)}`;
    const row = await prisma.trainingJob.create({
      data: {
        name,
        ...template,
        status: "running",
        gpuType: "A100",
        gpuCount: 8,
        stepsTotal: 10_000,
        stepsDone: 3_000,
        startedAt: new Date("2026-11-01T00:00:00Z"),
      },
    });
    const at = (h: number) => new Date(Date.UTC(2026, 10, 1, h));
    let restart: number | null = null;
    const state = (): TrainingJobState => ({
      name,
      cluster: "ignored",
      namespace: "ignored",
      status: restart === null ? "failed" : "running",
      gpus: 8,
      stepsDone: 3_000,
      stepsTotal: 10_000,
      restarts: 2,
      lastCheckpointStep: 3_000,
      checkpoints: [
        { step: 1_000, at: at(1), writeSeconds: 40 },
        { step: 2_000, at: at(2), writeSeconds: 50 },
        { step: 3_000, at: at(3), writeSeconds: null },
      ],
      failureReason: null,
      gpuHoursUsed: 30,
      gpuHoursLost: 10,
      interruptions: [
        {
          at: new Date(at(1).getTime() + 30 * 60_000),
          cause: "oom",
          message: "OOMKilled",
          stepAtFailure: 1_500,
          lastCheckpointStep: 1_000,
          lastCheckpointAt: at(1),
          restartSeconds: 120,
        },
        {
          at: new Date(at(3).getTime() + 15 * 60_000),
          cause: "node_lost",
          message: "NodeLost",
          stepAtFailure: 3_250,
          lastCheckpointStep: 3_000,
          lastCheckpointAt: at(3),
          restartSeconds: restart,
        },
      ],
    });
    const platform = jobsOnly(() => [state()]);

    const first = await syncFleet(platform, { discover: false });
    expect(first).toMatchObject({ checkpoints: 3, interruptions: 2 });
    const rows = await prisma.trainingInterruption.findMany({
      where: { trainingJobId: row.id },
      orderBy: { at: "asc" },
    });
    // 1,000 steps an hour: 500 steps are half an hour of work, plus 2 min of restart, on 8 GPUs
    expect(rows[0]).toMatchObject({ cause: "oom", stepsLost: 500, restartSeconds: 120 });
    expect(rows[0]?.workLostHours).toBeCloseTo(0.5, 10);
    expect(rows[0]?.gpuHoursLost).toBeCloseTo((0.5 + 120 / 3600) * 8, 10);
    expect(rows[1]).toMatchObject({ cause: "node_lost", stepsLost: 250, restartSeconds: null });
    expect(rows[1]?.gpuHoursLost).toBeCloseTo(0.25 * 8, 10);

    // Again: nothing new.
    const again = await syncFleet(platform, { discover: false });
    expect(again).toMatchObject({ checkpoints: 0, interruptions: 0, jobs: 0 });

    // It ran again after 10 minutes: that restart is filled in, and its cost with it.
    restart = 600;
    const later = await syncFleet(platform, { discover: false });
    expect(later).toMatchObject({ interruptions: 1 });
    const updated = await prisma.trainingInterruption.findFirstOrThrow({
      where: { trainingJobId: row.id, cause: "node_lost" },
    });
    expect(updated.restartSeconds).toBe(600);
    expect(updated.gpuHoursLost).toBeCloseTo((0.25 + 600 / 3600) * 8, 10);
    expect(await prisma.trainingInterruption.count({ where: { trainingJobId: row.id } })).toBe(2);
    const checkpoints = await prisma.checkpoint.findMany({
      where: { trainingJobId: row.id },
      orderBy: { step: "asc" },
      select: { writeSeconds: true },
    });
    expect(checkpoints.map((c) => c.writeSeconds)).toEqual([40, 50, null]);
    expect((await syncFleet(platform, { discover: false }))?.interruptions).toBe(0);
  });

  it("measures work lost in time from when the job last ran, and says when nothing measured it", async () => {
    // As a Kubernetes cluster reports them: no step at failure, and here no checkpoint.
    const template = await prisma.trainingJob.findFirstOrThrow({
      select: { modelId: true, teamId: true, clusterId: true },
    });
    const at = (h: number) => new Date(Date.UTC(2026, 10, 2) + h * 3_600_000);
    const suffix = Date.now().toString(36);
    const state = (name: string, startedAt: Date | null): TrainingJobState => ({
      name,
      cluster: "ignored",
      namespace: "ignored",
      status: "running",
      gpus: 8,
      stepsDone: 0,
      stepsTotal: 10_000,
      restarts: 2,
      lastCheckpointStep: null,
      checkpoints: [],
      failureReason: null,
      gpuHoursUsed: 40,
      gpuHoursLost: 0,
      startedAt,
      interruptions: [
        {
          at: at(3),
          cause: "oom",
          message: "OOMKilled",
          stepAtFailure: null,
          lastCheckpointStep: null,
          lastCheckpointAt: null,
          restartSeconds: 600,
        },
        {
          at: at(5),
          cause: "node_lost",
          message: "NodeLost",
          stepAtFailure: null,
          lastCheckpointStep: null,
          lastCheckpointAt: null,
          restartSeconds: 300,
        },
      ],
    });
    const names = [`time-basis-${suffix}`, `no-basis-${suffix}`];
    for (const name of names)
      await prisma.trainingJob.create({
        data: {
          name,
          ...template,
          status: "running",
          gpuType: "A100",
          gpuCount: 8,
          stepsTotal: 10_000,
          stepsDone: 0,
          startedAt: at(0),
        },
      });
    await syncFleet(
      jobsOnly(() => [state(names[0] as string, at(0)), state(names[1] as string, null)]),
      { discover: false },
    );

    const known = await getTrainingJob(viewer, names[0] as string);
    // newest first: since it ran again 10 minutes after the OOM; the OOM: all 3 h since it started
    expect(known.interruptions.map((i) => [i.basis, Math.round(i.workLostHours * 60)])).toEqual([
      ["time", 110],
      ["time", 180],
    ]);
    expect(known.interruptions[1]?.gpuHoursLost).toBeCloseTo((3 + 10 / 60) * 8, 6);

    // Without the job's start, the first loss is not known: the page says so, not "0 min".
    const unknown = await getTrainingJob(viewer, names[1] as string);
    expect(unknown.interruptions.map((i) => i.basis)).toEqual(["time", "unknown"]);
    expect(unknown.interruptions[1]?.workLostHours).toBe(0);
  });
});
