import { describe, expect, it } from "vitest";
import {
  CAUSE_LABELS,
  checkpointAdvice,
  checkpointCostSeconds,
  checkpointIntervalHours,
  classifyCause,
  downtime,
  downtimeGpuHours,
  expectedWaste,
  formatHours,
  goodput,
  INTERRUPTION_CAUSES,
  interruptionCost,
  interruptionRates,
  intervalFromMedianGap,
  isInterruptionCause,
  jobReliability,
  meanTimeBetweenInterruptions,
  ranSinceEach,
  recordedBasis,
  stepsPerHourFromCheckpoints,
  TOO_OFTEN_RATIO,
  TOO_RARELY_RATIO,
  verdictFor,
  youngDalyOptimumHours,
  type CheckpointSample,
} from "@/lib/domain/training/reliability";

const t0 = new Date("2026-12-01T00:00:00Z");
const at = (hours: number) => new Date(t0.getTime() + hours * 3_600_000);
/** checkpoints every `every` hours at `rate` steps an hour, each written in `write` seconds */
const series = (n: number, every: number, rate: number, write: number | null): CheckpointSample[] =>
  Array.from({ length: n }, (_, i) => ({
    step: Math.round((i + 1) * every * rate),
    at: at((i + 1) * every),
    writeSeconds: write,
  }));

describe("classifyCause", () => {
  it.each([
    ["OOMKilled", null, "oom"],
    [null, "CUDA out of memory on rank 0", "oom"],
    ["Error", "RuntimeError: CUDA error: OOM when allocating tensor", "oom"],
    [null, "Xid 79: GPU fell off the bus, node drained", "gpu_xid"],
    // the Xid set the NCCL timeout off: the GPU is the cause
    [null, "NCCL timeout: rank 17 lost contact (Xid 79, GPU fell off the bus)", "gpu_xid"],
    [null, "NCCL timeout: a rank stopped answering all-reduce", "nccl_timeout"],
    ["Error", "[Rank 3] Watchdog caught collective operation timeout", "nccl_timeout"],
    // node-pressure eviction: neither a lost node nor a preemption; the kubelet's words are kept
    ["Evicted", "The node was low on resource: memory", "other"],
    ["Evicted", "The node was low on resource: ephemeral-storage.", "other"],
    ["DisruptionTarget", "PreemptionByScheduler", "preemption"],
    ["PreemptionByScheduler", "Kubernetes Scheduler: preempting", "preemption"],
    // a drain (kubectl drain, an upgrade, the autoscaler): the platform took the GPUs back
    ["EvictionByEvictionAPI", "Eviction API: evicting", "preemption"],
    ["DeletionByTaintManager", "Taint manager: deleting due to NoExecute taint", "node_lost"],
    ["DeletionByPodGC", "PodGC: node no longer exists", "node_lost"],
    [
      "TerminationByKubelet",
      "Pod was terminated in response to imminent node shutdown.",
      "node_lost",
    ],
    [null, "Pod was terminated in response to imminent node shutdown.", "node_lost"],
    [null, "Preempted by higher-priority job; resuming from the last checkpoint", "preemption"],
    ["NodeLost", "Node gpu-7 which was running pod worker-3 is unresponsive", "node_lost"],
    [null, "Worker on n1 lost: NodeNotReady: kubelet stopped posting status", "node_lost"],
    [null, "Worker on n1 lost: node no longer schedulable", "node_lost"],
    [null, "Loss became NaN: stopped by the divergence guard", "other"],
    ["Error", "exit code 1", "other"],
    [null, null, "other"],
  ] as const)("%s / %s is %s", (reason, message, cause) => {
    expect(classifyCause(reason, message)).toBe(cause);
  });

  it("has a label in words for every cause", () => {
    for (const c of INTERRUPTION_CAUSES) expect(CAUSE_LABELS[c]).toMatch(/\w{3}/);
    expect(isInterruptionCause("oom")).toBe(true);
    expect(isInterruptionCause("gremlins")).toBe(false);
  });
});

describe("checkpoint measurements", () => {
  it("measures pace, cost and interval from the checkpoints", () => {
    const cps = series(5, 2, 1_000, 90);
    expect(stepsPerHourFromCheckpoints(cps)).toBe(1_000);
    expect(checkpointCostSeconds(cps)).toBe(90);
    // 2 h between ends of writes, of which 90 s is the write
    expect(checkpointIntervalHours(cps, 90)).toBeCloseTo(2 - 90 / 3600, 10);
  });

  it("is unknown with fewer than two checkpoints or no write durations", () => {
    expect(stepsPerHourFromCheckpoints([])).toBeNull();
    expect(stepsPerHourFromCheckpoints(series(1, 1, 10, 5))).toBeNull();
    expect(checkpointIntervalHours(series(1, 1, 10, 5), 5)).toBeNull();
    expect(checkpointCostSeconds(series(3, 1, 10, null))).toBeNull();
    expect(checkpointCostSeconds([])).toBeNull();
  });

  it("takes the median, so a gap spanning an interruption does not skew it", () => {
    const cps = [...series(4, 1, 100, 60), { step: 500, at: at(10), writeSeconds: 120 }];
    expect(stepsPerHourFromCheckpoints(cps)).toBe(100);
    expect(checkpointIntervalHours(cps, null)).toBe(1);
    expect(checkpointCostSeconds(cps)).toBe((60 * 4 + 120) / 5);
  });

  it("leaves out gaps with an interruption in them, even when most gaps have one", () => {
    // every 6 h at 1,000 steps an hour; failures at 10 h and 16 h: the gaps 6–12.5 and 12.5–18.8
    // hold 4 h recomputed and a restart each (by the median of all three, 1,000 steps an hour
    // would measure as about 960 and the interval as 6.3 h)
    const cps: CheckpointSample[] = [
      { step: 6_000, at: at(6), writeSeconds: 60 },
      { step: 12_000, at: at(12.5), writeSeconds: 60 },
      { step: 18_000, at: at(18.8), writeSeconds: 60 },
      { step: 24_000, at: at(24.8), writeSeconds: 60 },
    ];
    const failures = [{ at: at(10) }, { at: at(16) }];
    expect(stepsPerHourFromCheckpoints(cps, failures)).toBe(1_000);
    expect(checkpointIntervalHours(cps, 60, failures)).toBeCloseTo(6 - 60 / 3600, 10);
    expect(stepsPerHourFromCheckpoints(cps)).toBeCloseTo(6_000 / 6.3, 6);
    // none left: not measured
    expect(stepsPerHourFromCheckpoints(cps.slice(0, 2), failures)).toBeNull();
    const r = jobReliability(
      {
        status: "running",
        gpus: 8,
        gpuHoursUsed: 8 * 24,
        checkpoints: cps,
        interruptions: failures.map((f) => ({ ...f, restartSeconds: 600, workLostGpuHours: 32 })),
      },
      at(25),
    );
    expect(r.stepsPerHour).toBe(1_000);
    expect(r.intervalHours).toBeCloseTo(6 - 60 / 3600, 10);
  });

  it("ignores pairs out of order, at the same time or the same step", () => {
    const cps: CheckpointSample[] = [
      { step: 200, at: at(2), writeSeconds: 10 },
      { step: 100, at: at(1), writeSeconds: 10 },
      { step: 200, at: at(3), writeSeconds: 10 },
      { step: 300, at: at(3), writeSeconds: 10 },
    ];
    expect(stepsPerHourFromCheckpoints(cps)).toBe(100);
  });

  it("never reports a negative interval when the write is longer than the gap", () => {
    expect(checkpointIntervalHours(series(3, 0.01, 100, 60), 3600)).toBe(0);
  });

  it("measures an interval of 0 for back-to-back checkpoints (the write takes the whole gap)", () => {
    const cps = series(4, 0.05, 1_000, 180); // every 3 minutes, each written in 3 minutes
    expect(checkpointIntervalHours(cps, checkpointCostSeconds(cps))).toBeCloseTo(0, 10);
  });
});

describe("interruptionCost", () => {
  const base = {
    at: at(10),
    stepAtFailure: 12_500,
    lastCheckpointStep: 10_000,
    lastCheckpointAt: at(8),
    restartSeconds: 600,
  };

  it("is the work since the last checkpoint plus the restart, on every GPU", () => {
    const c = interruptionCost(base, { gpus: 16, stepsPerHour: 1_250 });
    expect(c.basis).toBe("steps");
    expect(c.stepsLost).toBe(2_500);
    expect(c.workLostHours).toBe(2);
    expect(c.restartHours).toBeCloseTo(1 / 6, 10);
    expect(c.hoursLost).toBeCloseTo(2 + 1 / 6, 10);
    expect(c.gpuHoursLost).toBeCloseTo(16 * (2 + 1 / 6), 10);
  });

  it("measures from time when the step reached is unknown", () => {
    const c = interruptionCost({ ...base, stepAtFailure: null }, { gpus: 8, stepsPerHour: 100 });
    expect(c.basis).toBe("time");
    expect(c.workLostHours).toBe(2);
    expect(c.stepsLost).toBe(200);
  });

  it("measures from time when the pace is unknown, without inventing steps", () => {
    const c = interruptionCost(base, { gpus: 8, stepsPerHour: null });
    expect(c.basis).toBe("time");
    expect(c.stepsLost).toBeNull();
    expect(c.workLostHours).toBe(2);
  });

  it("counts from step 0 for a job with no checkpoint yet", () => {
    const c = interruptionCost(
      { ...base, lastCheckpointStep: null, lastCheckpointAt: null },
      { gpus: 1, stepsPerHour: 2_500 },
    );
    expect(c.stepsLost).toBe(12_500);
    expect(c.workLostHours).toBe(5);
  });

  it("measures from when the job ran again, when that is after the last checkpoint", () => {
    // failed at 10 h, 2 h after the checkpoint at 8 h; it had run again at 9.5 h after an
    // earlier failure: only the half hour since is lost, not the first failure's loss again
    const c = interruptionCost(
      { ...base, stepAtFailure: null, ranSince: at(9.5) },
      { gpus: 8, stepsPerHour: 100 },
    );
    expect(c).toMatchObject({ basis: "time", workLostHours: 0.5, stepsLost: 50 });
    // a checkpoint after it ran again is where the loss starts
    const later = interruptionCost(
      { ...base, stepAtFailure: null, ranSince: at(7) },
      { gpus: 8, stepsPerHour: 100 },
    );
    expect(later.workLostHours).toBe(2);
  });

  it("counts all the work since the job started when it has no checkpoint", () => {
    const c = interruptionCost(
      {
        ...base,
        stepAtFailure: null,
        lastCheckpointStep: null,
        lastCheckpointAt: null,
        ranSince: at(7),
      },
      { gpus: 4, stepsPerHour: null },
    );
    expect(c).toMatchObject({ basis: "time", workLostHours: 3, stepsLost: null });
    expect(c.gpuHoursLost).toBeCloseTo((3 + 1 / 6) * 4, 10);
  });

  it("counts only the restart when neither steps nor a checkpoint time are known", () => {
    const c = interruptionCost(
      { ...base, stepAtFailure: null, lastCheckpointAt: null },
      { gpus: 4, stepsPerHour: 0 },
    );
    expect(c.basis).toBe("unknown");
    expect(c.workLostHours).toBe(0);
    expect(c.gpuHoursLost).toBeCloseTo(4 / 6, 10);
  });

  it("never counts negative losses", () => {
    const c = interruptionCost(
      { ...base, stepAtFailure: 9_000, restartSeconds: -5 },
      { gpus: -3, stepsPerHour: 100 },
    );
    expect(c.stepsLost).toBe(0);
    expect(c.restartHours).toBe(0);
    expect(c.gpuHoursLost).toBe(0);
    const early = interruptionCost(
      { ...base, stepAtFailure: null, lastCheckpointAt: at(11) },
      { gpus: 1, stepsPerHour: null },
    );
    expect(early.workLostHours).toBe(0);
  });
});

describe("ranSinceEach", () => {
  it("is the job's start, then when it ran again after each interruption, in the order given", () => {
    const r = ranSinceEach(
      [
        { at: at(20), restartSeconds: null },
        { at: at(5), restartSeconds: 1_800 },
        { at: at(10), restartSeconds: 3_600 },
      ],
      at(0),
    );
    expect(r).toEqual([at(11), at(0), at(5.5)]);
  });

  it("takes when it ran again from the platform where it says: a resume by hand days later", () => {
    // failed at 10 h, resumed by hand at 82 h, ran at 82 h 5 min (restart: 5 min from the resume)
    const r = ranSinceEach(
      [
        { at: at(10), restartSeconds: 300, ranAgainAt: at(82 + 5 / 60) },
        { at: at(84), restartSeconds: null },
      ],
      at(0),
    );
    // the second failure lost the work since 82 h 5 min, not since 10 h 5 min
    expect(r).toEqual([at(0), at(82 + 5 / 60)]);
  });

  it("is null for the first without a start, and the time of one whose restart is unknown", () => {
    expect(
      ranSinceEach(
        [
          { at: at(1), restartSeconds: null },
          { at: at(2), restartSeconds: 60 },
        ],
        null,
      ),
    ).toEqual([null, at(1)]);
    expect(ranSinceEach([], at(0))).toEqual([]);
  });
});

describe("recordedBasis", () => {
  const stored = {
    stepAtFailure: null,
    stepsLost: null,
    lastCheckpointAt: null,
    workLostHours: 0,
  };
  it("is steps when the step reached gave the loss, time when a time did", () => {
    expect(
      recordedBasis({ ...stored, stepAtFailure: 1_200, stepsLost: 200, workLostHours: 1 }),
    ).toBe("steps");
    expect(recordedBasis({ ...stored, stepAtFailure: 1_000, stepsLost: 0 })).toBe("steps");
    expect(recordedBasis({ ...stored, workLostHours: 2, stepsLost: 200 })).toBe("time");
    expect(recordedBasis({ ...stored, lastCheckpointAt: at(1) })).toBe("time");
  });

  it("is unknown when nothing measured it (its 0 is not a loss of nothing)", () => {
    expect(recordedBasis(stored)).toBe("unknown");
    // steps known but not the pace nor a time: the hours are not known
    expect(recordedBasis({ ...stored, stepAtFailure: 1_200, stepsLost: 1_200 })).toBe("unknown");
  });
});

describe("downtime", () => {
  const now = at(100);
  const i = { at: at(40), restartSeconds: null };
  it("is the measured restart once the job ran again", () => {
    expect(
      downtime({ ...i, restartSeconds: 600 }, { status: "failed", newest: true }, now),
    ).toEqual({ kind: "restarted", seconds: 600 });
  });

  it("is a restart until now while the job restarts on its own", () => {
    for (const status of ["restarting", "running", "checkpointing"])
      expect(downtime(i, { status, newest: true }, now)).toEqual({
        kind: "restarting",
        seconds: 60 * 3600,
      });
  });

  it("is a stop holding no GPUs for a failed job: wall-clock time down, not GPU-hours", () => {
    const d = downtime(i, { status: "failed", newest: true }, now);
    expect(d).toEqual({ kind: "stopped", seconds: 60 * 3600 });
    expect(downtimeGpuHours(d, 64)).toBe(0);
    expect(downtimeGpuHours({ kind: "restarting", seconds: 1_800 }, 64)).toBe(32);
  });

  it("is a stop of unknown length for an older one, or one of a job resumed by hand", () => {
    expect(downtime(i, { status: "running", newest: false }, now)).toEqual({
      kind: "stopped",
      seconds: null,
    });
    expect(downtime(i, { status: "queued", newest: true }, now)).toEqual({
      kind: "stopped",
      seconds: null,
    });
    expect(downtime(i, { status: "succeeded", newest: true }, now).kind).toBe("stopped");
  });
});

describe("goodput", () => {
  it("is useful over allocated GPU-hours", () => {
    const g = goodput({ allocatedGpuHours: 1_000, lostGpuHours: 150, checkpointGpuHours: 50 });
    expect(g.usefulGpuHours).toBe(800);
    expect(g.ratio).toBe(0.8);
  });

  it("is unknown with nothing allocated, and never below zero or above one", () => {
    expect(
      goodput({ allocatedGpuHours: 0, lostGpuHours: 0, checkpointGpuHours: 0 }).ratio,
    ).toBeNull();
    expect(goodput({ allocatedGpuHours: 10, lostGpuHours: 50, checkpointGpuHours: 0 }).ratio).toBe(
      0,
    );
    expect(goodput({ allocatedGpuHours: 10, lostGpuHours: -5, checkpointGpuHours: -1 }).ratio).toBe(
      1,
    );
    expect(
      goodput({ allocatedGpuHours: -10, lostGpuHours: 0, checkpointGpuHours: 0 }).ratio,
    ).toBeNull();
  });
});

describe("meanTimeBetweenInterruptions", () => {
  it("is running time over interruptions", () => {
    expect(meanTimeBetweenInterruptions(100, 4)).toEqual({
      kind: "measured",
      hours: 25,
      interruptions: 4,
      runningHours: 100,
    });
  });

  it("is only a lower bound without an interruption, and unknown before any running", () => {
    expect(meanTimeBetweenInterruptions(30, 0)).toMatchObject({ kind: "lower_bound", hours: 30 });
    expect(meanTimeBetweenInterruptions(0, 3)).toBeNull();
    expect(meanTimeBetweenInterruptions(Number.NaN, 1)).toBeNull();
  });
});

describe("Young/Daly optimum", () => {
  it("is √(2·C·M)", () => {
    // a 2-minute write and an interruption every 15 hours: a checkpoint every hour
    expect(youngDalyOptimumHours(2 / 60, 15)).toBeCloseTo(1, 10);
    expect(youngDalyOptimumHours(0.5, 4)).toBe(2);
  });

  it("is zero for a free checkpoint or no interruptions measured", () => {
    expect(youngDalyOptimumHours(0, 10)).toBe(0);
    expect(youngDalyOptimumHours(1, 0)).toBe(0);
  });

  it("is where the first-order waste is least", () => {
    const c = 0.05;
    const m = 20;
    const opt = youngDalyOptimumHours(c, m);
    const w = (tau: number) => expectedWaste(tau, c, m) ?? Infinity;
    expect(w(opt)).toBeLessThan(w(opt * 0.9));
    expect(w(opt)).toBeLessThan(w(opt * 1.1));
    expect(expectedWaste(0, c, m)).toBeNull();
    expect(expectedWaste(1, c, 0)).toBeNull();
  });
});

describe("verdictFor", () => {
  it("is about right at both boundaries and between them", () => {
    expect(verdictFor(TOO_RARELY_RATIO, 1)).toBe("about_right");
    expect(verdictFor(TOO_OFTEN_RATIO, 1)).toBe("about_right");
    expect(verdictFor(1, 1)).toBe("about_right");
  });

  it("is too rarely just above twice the optimum, too often just below half", () => {
    expect(verdictFor(TOO_RARELY_RATIO + 1e-9, 1)).toBe("too_rarely");
    expect(verdictFor(TOO_OFTEN_RATIO - 1e-9, 1)).toBe("too_often");
    expect(verdictFor(0, 1)).toBe("too_often");
  });

  it("has no opinion without an optimum", () => {
    expect(verdictFor(5, 0)).toBe("about_right");
  });
});

describe("checkpointAdvice", () => {
  const mtbi = meanTimeBetweenInterruptions(30, 2); // 15 h
  it("fills in the formula with the job's numbers", () => {
    const a = checkpointAdvice({ costSeconds: 120, intervalHours: 4, mtbi });
    expect(a.kind).toBe("advice");
    if (a.kind !== "advice") return;
    expect(a.optimumHours).toBeCloseTo(1, 10);
    expect(a.ratio).toBeCloseTo(4, 10);
    expect(a.verdict).toBe("too_rarely");
    expect(a.wasteNow).toBeGreaterThan(a.wasteAtOptimum ?? 1);
  });

  it("flags far too often", () => {
    const a = checkpointAdvice({ costSeconds: 120, intervalHours: 0.25, mtbi });
    expect(a).toMatchObject({ kind: "advice", verdict: "too_often" });
  });

  it("flags back-to-back checkpoints (an interval of 0) as far too often, not as too few", () => {
    const cps = series(4, 0.05, 1_000, 180); // the write takes the whole 3-minute gap
    const cost = checkpointCostSeconds(cps);
    const a = checkpointAdvice({
      costSeconds: cost,
      intervalHours: checkpointIntervalHours(cps, cost),
      mtbi,
    });
    expect(a).toMatchObject({ kind: "advice", verdict: "too_often" });
    if (a.kind === "advice") expect(a.ratio).toBeCloseTo(0, 10);
    // so does the fleet's path, from the database's median gap
    expect(
      checkpointAdvice({ costSeconds: 180, intervalHours: intervalFromMedianGap(0.05, 180), mtbi }),
    ).toMatchObject({ kind: "advice", verdict: "too_often" });
    // and without an interruption yet too
    expect(
      checkpointAdvice({
        costSeconds: 180,
        intervalHours: 0,
        mtbi: meanTimeBetweenInterruptions(50, 0),
      }),
    ).toMatchObject({ kind: "advice", verdict: "too_often" });
  });

  it("needs a cost, an interval and some running", () => {
    expect(checkpointAdvice({ costSeconds: null, intervalHours: 1, mtbi }).kind).toBe(
      "not_enough_data",
    );
    expect(checkpointAdvice({ costSeconds: 0, intervalHours: 1, mtbi }).kind).toBe(
      "not_enough_data",
    );
    expect(checkpointAdvice({ costSeconds: 60, intervalHours: null, mtbi }).kind).toBe(
      "not_enough_data",
    );
    expect(checkpointAdvice({ costSeconds: 60, intervalHours: Number.NaN, mtbi }).kind).toBe(
      "not_enough_data",
    );
    expect(checkpointAdvice({ costSeconds: 60, intervalHours: 1, mtbi: null })).toMatchObject({
      kind: "not_enough_data",
      reason: "the job has not run yet",
    });
  });

  it("without an interruption yet, flags only a job that checkpoints far too often", () => {
    const bound = meanTimeBetweenInterruptions(50, 0); // optimum ≥ √(2·(1/60)·50) ≈ 1.29 h
    expect(checkpointAdvice({ costSeconds: 60, intervalHours: 0.1, mtbi: bound })).toMatchObject({
      kind: "advice",
      verdict: "too_often",
    });
    const unsure = checkpointAdvice({ costSeconds: 60, intervalHours: 10, mtbi: bound });
    expect(unsure.kind).toBe("not_enough_data");
    if (unsure.kind === "not_enough_data")
      expect(unsure.reason).toMatch(/no interruption in 2\.1 d/);
  });
});

describe("formatHours", () => {
  it("reads in minutes, hours or days", () => {
    expect(formatHours(0.5)).toBe("30 min");
    expect(formatHours(-1)).toBe("0 min");
    expect(formatHours(1)).toBe("1.0 h");
    expect(formatHours(47.94)).toBe("47.9 h");
    expect(formatHours(48)).toBe("2.0 d");
    expect(formatHours(Infinity)).toBe("—");
  });
});

describe("interruptionRates", () => {
  it("is interruptions per 1,000 GPU-hours by GPU type and by cluster, highest first", () => {
    const r = interruptionRates([
      { gpuType: "H100", cluster: "a", gpuHours: 2_000, interruptions: 4 },
      { gpuType: "H100", cluster: "b", gpuHours: 2_000, interruptions: 0 },
      { gpuType: "A100", cluster: "a", gpuHours: 500, interruptions: 3 },
      { gpuType: "L4", cluster: "c", gpuHours: 0, interruptions: 0 },
    ]);
    expect(r.byGpuType.map((x) => [x.key, x.per1000GpuHours])).toEqual([
      ["A100", 6],
      ["H100", 1],
      ["L4", null],
    ]);
    expect(r.byCluster.map((x) => [x.key, x.jobs, x.interruptions, x.per1000GpuHours])).toEqual([
      ["a", 2, 7, 2.8],
      ["b", 1, 0, 0],
      ["c", 1, 0, null],
    ]);
  });

  it("is empty for no jobs", () => {
    expect(interruptionRates([])).toEqual({ byGpuType: [], byCluster: [] });
  });
});

describe("jobReliability", () => {
  const now = at(100);
  it("puts goodput, MTBI and the advice together", () => {
    const r = jobReliability(
      {
        status: "running",
        gpus: 10,
        gpuHoursUsed: 300, // 30 h running
        checkpoints: series(6, 4, 100, 120),
        interruptions: [
          { at: at(10), restartSeconds: 3_600, workLostGpuHours: 20 },
          { at: at(20), restartSeconds: 1_800, workLostGpuHours: 10 },
        ],
      },
      now,
    );
    expect(r.runningHours).toBe(30);
    expect(r.stepsPerHour).toBe(100);
    expect(r.restartGpuHours).toBe(15);
    expect(r.checkpointGpuHours).toBeCloseTo((6 * 120 * 10) / 3600, 10);
    expect(r.goodput.allocatedGpuHours).toBe(315);
    expect(r.goodput.usefulGpuHours).toBeCloseTo(315 - 30 - 15 - 2, 10);
    expect(r.mtbi).toMatchObject({ kind: "measured", hours: 15 });
    expect(r.advice).toMatchObject({ kind: "advice", verdict: "too_rarely" });
  });

  it("counts a restart still pending until now while the job restarts on its own", () => {
    const r = jobReliability(
      {
        status: "restarting",
        gpus: 2,
        gpuHoursUsed: 10,
        checkpoints: [],
        interruptions: [{ at: at(99), restartSeconds: null, workLostGpuHours: 0 }],
      },
      now,
    );
    expect(r.restartGpuHours).toBe(2);
    expect(r.advice.kind).toBe("not_enough_data");
  });

  it("does not count a failed job's time down: its goodput holds while it sits failed", () => {
    const failed = (days: number) =>
      jobReliability(
        {
          status: "failed",
          gpus: 64,
          gpuHoursUsed: 64 * 30,
          checkpoints: series(6, 4, 100, 120),
          interruptions: [
            { at: at(10), restartSeconds: 600, workLostGpuHours: 64 },
            // the failure that stopped it: not restarted, and it will not restart on its own
            { at: at(31), restartSeconds: null, workLostGpuHours: 128 },
          ],
        },
        at(31 + days * 24),
      );
    const soon = failed(0.5);
    const later = failed(5);
    expect(soon.restartGpuHours).toBeCloseTo((600 / 3600) * 64, 10);
    expect(later.restartGpuHours).toBe(soon.restartGpuHours);
    expect(later.goodput).toEqual(soon.goodput);
    expect(soon.goodput.allocatedGpuHours).toBeCloseTo(64 * 30 + (600 / 3600) * 64, 10);
  });

  it("is all unknowns for a job with no GPUs and nothing recorded", () => {
    const r = jobReliability(
      { status: "queued", gpus: 0, gpuHoursUsed: 0, checkpoints: [], interruptions: [] },
      now,
    );
    expect(r.runningHours).toBe(0);
    expect(r.goodput.ratio).toBeNull();
    expect(r.mtbi).toBeNull();
    expect(r.advice.kind).toBe("not_enough_data");
  });
});

describe("intervalFromMedianGap", () => {
  it("is the gap less one write, never negative, unknown without a gap", () => {
    expect(intervalFromMedianGap(2, 360)).toBeCloseTo(1.9, 10);
    expect(intervalFromMedianGap(2, null)).toBe(2);
    expect(intervalFromMedianGap(0.01, 3600)).toBe(0);
    expect(intervalFromMedianGap(null, 60)).toBeNull();
    expect(intervalFromMedianGap(Number.NaN, 60)).toBeNull();
  });
});
