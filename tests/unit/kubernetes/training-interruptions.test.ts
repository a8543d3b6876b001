// What the Kubernetes adapter makes of a PyTorchJob's failures, read whole (job, pods and time):
// one GPU fault and the NCCL timeouts it causes are one interruption; work lost is measured from
// when the job last ran, not only from the last checkpoint; a job resumed by hand after it
// failed does not book the days it sat failed as its restart.
import { describe, expect, it } from "vitest";
import type { KubeObject } from "@/lib/platform/kubernetes/client";
import { pytorchJobStates } from "@/lib/platform/kubernetes/training";
import type { KubeObject as StoredObject } from "../../support/kube/types";
import {
  pytorchJob,
  trainingPod,
  type PyTorchJobOptions,
  type TrainingPodOptions,
} from "../../support/kube/training-objects";

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const now = Date.parse("2026-12-01T12:00:00Z");
const read = (o: StoredObject) => o as KubeObject;
const ns = "research";
const name = "gang";

/** A master and two workers with 8 GPUs each (24), started at `start`. */
function states(
  start: number,
  job: Partial<PyTorchJobOptions>,
  pods: (Partial<TrainingPodOptions> & { replicaType: "Master" | "Worker"; index: number })[],
) {
  const j = pytorchJob({
    name,
    namespace: ns,
    workers: 2,
    gpusPerPod: 8,
    startTime: start,
    conditions: [
      { type: "Created", at: start },
      { type: "Running", at: start },
    ],
    ...job,
  });
  const ps = pods.map((p) =>
    trainingPod({
      job: name,
      namespace: ns,
      node: `node-${p.replicaType}-${p.index}`,
      gpus: 8,
      startedAt: start,
      ...p,
    }),
  );
  const [s] = pytorchJobStates("c", [read(j)], ps.map(read), [], new Date(now)).jobs;
  if (!s) throw new Error("no job read");
  return s;
}

describe("a GPU fault that takes the gang down", () => {
  const start = now - 10 * HOUR;
  const xid = start + 8.5 * HOUR; // half an hour after the checkpoint at 8 h
  const watchdog = (rank: number) =>
    `[Rank ${rank}] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=88213, OpType=ALLREDUCE) ran for 1800000 milliseconds before timing out`;
  const job = {
    conditions: [
      { type: "Created", at: start },
      { type: "Running", at: start },
      { type: "Restarting", at: xid + 20 * MIN },
      { type: "Running", at: xid + 21 * MIN },
    ],
    checkpoints: [2, 4, 6, 8].map((h) => ({
      step: h * 1_000,
      at: start + h * HOUR,
      writeSeconds: 60,
    })),
  };
  /** the other ranks hang in the all-reduce until the watchdog ends them 20 minutes later */
  const others = [
    { replicaType: "Master" as const, index: 0, rank: 0 },
    { replicaType: "Worker" as const, index: 1, rank: 2 },
  ].map((o) => ({
    replicaType: o.replicaType,
    index: o.index,
    restartCount: 1,
    runningSince: xid + 21 * MIN,
    lastTerminated: {
      at: xid + 20 * MIN + o.rank * 1_000,
      reason: "Error",
      message: watchdog(o.rank),
    },
  }));

  it.each([
    ["its pod restarts at once and waits for the others", xid + 2 * MIN],
    ["its pod comes back with the others", xid + 21 * MIN],
  ])("is one interruption, a GPU Xid, when %s", (_, xidPodBack) => {
    const s = states(start, job, [
      ...others,
      {
        replicaType: "Worker",
        index: 0,
        restartCount: 1,
        runningSince: xidPodBack,
        lastTerminated: {
          at: xid,
          reason: "Error",
          message:
            "RuntimeError: CUDA error: unspecified launch failure (Xid 79: GPU has fallen off the bus)",
        },
      },
    ]);
    expect(s.interruptions).toHaveLength(1);
    const [i] = s.interruptions;
    expect(i).toMatchObject({
      at: new Date(xid),
      cause: "gpu_xid",
      lastCheckpointStep: 8_000,
      // until the gang ran again after its last rank went down
      restartSeconds: 21 * 60,
    });
    expect(i?.message).toMatch(/gang-worker-0 on node-Worker-0: .*Xid 79/);
    expect(s.restarts).toBe(1);
    // half an hour of work since the checkpoint at 8 h, plus 21 minutes, on 24 GPUs
    expect(s.gpuHoursLost).toBeCloseTo((0.5 + 21 / 60) * 24, 1);
  });
});

describe("work lost, measured in time", () => {
  const start = now - 10 * HOUR;
  const first = start + 5 * HOUR;
  const second = start + 6 * HOUR;

  it("counts from when the job ran again after the failure before, not the checkpoint before both", () => {
    const s = states(
      start,
      {
        checkpoints: [2, 4].map((h) => ({
          step: h * 1_000,
          at: start + h * HOUR,
          writeSeconds: 60,
        })),
      },
      [
        { replicaType: "Master", index: 0, runningSince: start },
        {
          replicaType: "Worker",
          index: 0,
          restartCount: 1,
          runningSince: first + 10 * MIN,
          lastTerminated: { at: first, reason: "OOMKilled", exitCode: 137 },
        },
        {
          replicaType: "Worker",
          index: 1,
          restartCount: 1,
          runningSince: second + 5 * MIN,
          lastTerminated: { at: second, reason: "Error", message: "ValueError: bad shard" },
        },
      ],
    );
    expect(s.interruptions.map((i) => [i.cause, i.lastCheckpointStep, i.restartSeconds])).toEqual([
      ["oom", 4_000, 600],
      ["other", 4_000, 300],
    ]);
    // the first: 1 h since the checkpoint at 4 h and 10 minutes; the second: the 50 minutes
    // since it ran again and 5 minutes (not 2 h since the checkpoint, which would count the
    // first's loss and restart twice)
    expect(s.gpuHoursLost).toBeCloseTo((1 + 10 / 60 + 50 / 60 + 5 / 60) * 24, 1);
  });

  it("counts all the work since the start for a job with no checkpoint", () => {
    const s = states(start, {}, [
      { replicaType: "Master", index: 0, runningSince: start },
      {
        replicaType: "Worker",
        index: 0,
        restartCount: 1,
        runningSince: first + 10 * MIN,
        lastTerminated: { at: first, reason: "OOMKilled", exitCode: 137 },
      },
    ]);
    expect(s.interruptions).toMatchObject([{ lastCheckpointStep: null, restartSeconds: 600 }]);
    // 5 h from step 0, not 0 beside "no checkpoint: from step 0"
    expect(s.gpuHoursLost).toBeCloseTo((5 + 10 / 60) * 24, 1);
  });
});

describe("a job resumed by hand after it failed", () => {
  const failedAt = now - 3 * DAY - 2 * HOUR;
  const resumedAt = failedAt + 3 * DAY;
  const start = failedAt - 4 * HOUR;

  it("restarts in the time from the resume until it ran again, not the days it sat failed", () => {
    const s = states(
      start,
      {
        // the Failed condition is no longer true: it turned false when the job was resumed
        conditions: [
          { type: "Created", at: start },
          { type: "Failed", at: resumedAt },
          { type: "Running", at: resumedAt + 5 * MIN },
        ],
      },
      [
        { replicaType: "Master", index: 0, runningSince: resumedAt + 5 * MIN },
        {
          replicaType: "Worker",
          index: 0,
          restartCount: 1,
          runningSince: resumedAt + 5 * MIN,
          lastTerminated: { at: failedAt, reason: "OOMKilled", exitCode: 137 },
        },
      ],
    );
    expect(s.status).toBe("running");
    expect(s.interruptions).toMatchObject([
      { cause: "oom", restartSeconds: 5 * 60, ranAgainAt: new Date(resumedAt + 5 * MIN) },
    ]);
    // ran 4 h before the failure and the 2 h less 5 minutes since it ran again: the three days
    // down are neither running nor restart time
    expect(s.gpuHoursUsed).toBeCloseTo((4 + 2 - 5 / 60) * 24, 1);
    expect(s.gpuHoursLost).toBeLessThan(24 * 5);
  });

  it("stays open while the job is failed, whatever pod starts after", () => {
    const s = states(
      start,
      {
        conditions: [
          { type: "Created", at: start },
          { type: "Running", at: start },
          { type: "Failed", at: failedAt + MIN },
        ],
      },
      [
        // a replica the operator had started again before it gave up
        { replicaType: "Master", index: 0, runningSince: failedAt + 30_000 },
        {
          replicaType: "Worker",
          index: 0,
          phase: "Failed",
          terminated: { at: failedAt, reason: "OOMKilled", exitCode: 137 },
        },
      ],
    );
    expect(s.status).toBe("failed");
    expect(s.interruptions).toMatchObject([{ cause: "oom", restartSeconds: null }]);
  });
});
