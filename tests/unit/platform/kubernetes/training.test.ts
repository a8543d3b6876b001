import { describe, expect, it } from "vitest";
import type { KubeObject } from "@/lib/platform/kubernetes/client";
import type { KubeObject as StoredObject } from "../../../support/kube/types";
import {
  annotatedCheckpoints,
  groupTerminations,
  podTerminations,
  pytorchJobGpus,
  pytorchJobStates,
  pytorchJobStatus,
} from "@/lib/platform/kubernetes/training";
import { failedTwice, pytorchJob, trainingPod } from "../../../support/kube/training-objects";
import { node } from "../../../support/kube/fleet-objects";

const now = Date.parse("2026-12-01T12:00:00Z");
/** The test server's objects as the adapter reads them (every fixture object has a name). */
const read = (o: StoredObject) => o as KubeObject;
const tpod = (o: Parameters<typeof trainingPod>[0]) => read(trainingPod(o));
const HOUR = 3_600_000;
const h100 = (name: string) =>
  node({
    name,
    provider: "gke",
    pool: "h100",
    region: "us-east1",
    zone: "us-east1-b",
    instanceType: "a3-highgpu-8g",
    gpu: { product: "NVIDIA-H100-80GB-HBM3", count: 8 },
    createdAt: "2026-11-01T00:00:00Z",
  });

describe("a PyTorchJob that failed twice", () => {
  const f = failedTwice(now);
  const nodes = ["gpu-node-0", "gpu-node-1", "gpu-node-2", "gpu-node-3"].map((n) => read(h100(n)));
  const jobs = f.objects.filter((o) => o.kind === "PyTorchJob").map(read);
  const pods = f.objects.filter((o) => o.kind === "Pod").map(read);
  const { jobs: states, problems } = pytorchJobStates("us-east", jobs, pods, nodes, new Date(now));
  const j = states[0]!;

  it("reads status, GPUs, progress and the model", () => {
    expect(problems).toEqual([]);
    expect(states).toHaveLength(1);
    expect(j).toMatchObject({
      name: "llm-pretrain",
      cluster: "us-east",
      namespace: "assistant-training",
      status: "running",
      gpus: f.expected.gpus,
      restarts: f.expected.restarts,
      stepsDone: 29_500,
      stepsTotal: 100_000,
      lastCheckpointStep: 28_000,
      model: "assistant-llm-70b",
      gpuType: "H100",
      failureReason: null,
    });
    expect(j.startedAt?.getTime()).toBe(f.start);
  });

  it("reads the checkpoints from the annotation", () => {
    expect(j.checkpoints).toHaveLength(f.expected.checkpoints);
    expect(j.checkpoints[0]).toEqual({
      step: 4_000,
      at: new Date(f.start + 4 * HOUR),
      writeSeconds: 120,
    });
  });

  it("makes each gang failure one interruption with its root cause and restart time", () => {
    expect(
      j.interruptions.map((i) => ({
        at: i.at.getTime(),
        cause: i.cause,
        restartSeconds: i.restartSeconds,
        lastCheckpointStep: i.lastCheckpointStep,
      })),
    ).toEqual(f.expected.interruptions);
    expect(j.interruptions[0]?.message).toMatch(/llm-pretrain-master-0 on gpu-node-0: OOMKilled/);
    expect(j.interruptions[1]?.message).toMatch(/Xid 79/);
    // 1 h and 2 h of work since the checkpoints, plus 4 and 9 minutes, on 32 GPUs
    expect(j.gpuHoursLost).toBeCloseTo((1 + 4 / 60 + (2 + 9 / 60)) * 32, 0);
    // 30 h since the start less 13 minutes down
    expect(j.gpuHoursUsed).toBeCloseTo((30 - 13 / 60) * 32, 0);
  });
});

describe("pytorchJobStatus", () => {
  const job = (types: string[]) =>
    read(
      pytorchJob({
        name: "j",
        namespace: "n",
        workers: 1,
        gpusPerPod: 1,
        startTime: now,
        conditions: types.map((type, i) => ({ type, at: now + i })),
      }),
    );
  it.each([
    [[], "queued"],
    [["Created"], "queued"],
    [["Created", "Running"], "running"],
    [["Created", "Running", "Restarting"], "restarting"],
    [["Created", "Running", "Succeeded"], "succeeded"],
    [["Created", "Running", "Failed"], "failed"],
  ])("%j is %s", (types, status) => {
    expect(pytorchJobStatus(job(types))).toBe(status);
  });

  it("counts the GPUs of every replica type", () => {
    expect(pytorchJobGpus(job([]))).toBe(2); // a master and a worker, 1 GPU each
    expect(pytorchJobGpus({ metadata: { name: "x" }, spec: {} })).toBe(0);
  });
});

describe("terminations", () => {
  const base = {
    job: "j",
    namespace: "n",
    replicaType: "Worker" as const,
    index: 0,
    node: "n0",
    gpus: 8,
    startedAt: now - HOUR,
  };
  it("classifies an eviction, a preemption and a lost node", () => {
    // node pressure: not a preemption, nor a lost node; the kubelet's words say what it was
    const evicted = tpod({
      ...base,
      podFailure: {
        reason: "Evicted",
        message: "The node was low on resource: ephemeral-storage.",
        at: now,
      },
    });
    expect(podTerminations(evicted)).toMatchObject([
      { cause: "other", message: expect.stringMatching(/Evicted: The node was low on resource/) },
    ]);
    const unreachable = tpod({
      ...base,
      disruption: {
        reason: "DeletionByTaintManager",
        message: "Taint manager: deleting due to NoExecute taint",
        at: now,
      },
    });
    expect(podTerminations(unreachable).map((t) => t.cause)).toEqual(["node_lost"]);
    const gone = tpod({
      ...base,
      disruption: { reason: "DeletionByPodGC", message: "PodGC: node no longer exists", at: now },
    });
    expect(podTerminations(gone).map((t) => t.cause)).toEqual(["node_lost"]);
    const drained = tpod({
      ...base,
      disruption: { reason: "EvictionByEvictionAPI", message: "Eviction API: evicting", at: now },
    });
    expect(podTerminations(drained).map((t) => t.cause)).toEqual(["preemption"]);
    const preempted = tpod({
      ...base,
      disruption: {
        reason: "PreemptionByScheduler",
        message: "Kubernetes Scheduler: preempting to accommodate a higher priority pod",
        at: now,
      },
    });
    expect(podTerminations(preempted).map((t) => t.cause)).toEqual(["preemption"]);
    const lost = tpod({
      ...base,
      podFailure: {
        reason: "NodeLost",
        message: "Node n0 which was running pod j-worker-0 is unresponsive",
        at: now,
      },
    });
    expect(podTerminations(lost)).toMatchObject([{ cause: "node_lost", at: now }]);
  });

  it("ignores a clean exit and reads a failed current run", () => {
    const clean = tpod({
      ...base,
      phase: "Succeeded",
      terminated: { at: now, reason: "Completed", exitCode: 0 },
    });
    expect(podTerminations(clean)).toEqual([]);
    const failed = tpod({
      ...base,
      terminated: { at: now, reason: "Error", message: "ValueError: bad shard", exitCode: 1 },
    });
    expect(podTerminations(failed)).toMatchObject([{ cause: "other" }]);
  });

  type Cause = "oom" | "nccl_timeout" | "node_lost" | "gpu_xid" | "other";
  const t = (
    at: number,
    cause: Cause,
    pod: string = cause,
    ranFrom: number | null = now - HOUR,
  ) => ({
    at,
    cause,
    message: cause,
    pod,
    ranFrom,
  });
  /** every pod started again `after` ms after each of its terminations */
  const backAfter = (after: number) => (_pod: string, at: number) => at + after;

  it("groups terminations close together and names the most telling cause", () => {
    expect(
      groupTerminations(
        [
          t(now + 60_000, "nccl_timeout", "a"),
          t(now, "nccl_timeout", "b"),
          t(now + 30_000, "node_lost", "c"),
          t(now + HOUR, "oom", "d"),
        ],
        backAfter(2 * 60_000),
      ),
    ).toEqual([
      { at: now, cause: "node_lost", message: "node_lost", lastAt: now + 60_000 },
      { at: now + HOUR, cause: "oom", message: "oom", lastAt: now + HOUR },
    ]);
    expect(groupTerminations([], backAfter(0))).toEqual([]);
  });

  it("names the first of the most telling causes, not a later one", () => {
    const [g] = groupTerminations(
      [t(now, "oom", "a"), t(now + 60_000, "node_lost", "b"), t(now + 90_000, "other", "c")],
      backAfter(10 * 60_000),
    );
    expect(g?.cause).toBe("oom");
  });

  it("keeps a gang's terminations one interruption until the pods it took down run again", () => {
    // a pod that has not started since: every later termination is the same interruption
    const down = groupTerminations(
      [t(now, "gpu_xid", "a"), t(now + 3 * HOUR, "other", "b", now + HOUR)],
      (pod, at) => (pod === "a" ? null : at + 60_000),
    );
    expect(down).toHaveLength(1);
    // the pods ran again, and a rank that had restarted since failed later: a new one
    expect(
      groupTerminations(
        [t(now, "gpu_xid", "a"), t(now + 40 * 60_000, "other", "b", now + 10 * 60_000)],
        backAfter(5 * 60_000),
      ),
    ).toHaveLength(2);
  });

  it("takes in a rank that was up through the failure and timed out within the collective timeout", () => {
    // the Xid's pod started again 2 minutes later; the others were stuck in the collective
    const groups = groupTerminations(
      [
        t(now, "gpu_xid", "a"),
        t(now + 20 * 60_000, "nccl_timeout", "b", now - HOUR),
        t(now + 20 * 60_000 + 5_000, "nccl_timeout", "c", null),
      ],
      backAfter(2 * 60_000),
    );
    expect(groups).toEqual([
      { at: now, cause: "gpu_xid", message: "gpu_xid", lastAt: now + 20 * 60_000 + 5_000 },
    ]);
    // beyond the collective timeout it is a failure of its own
    expect(
      groupTerminations(
        [t(now, "gpu_xid", "a"), t(now + HOUR, "nccl_timeout", "b", now - HOUR)],
        backAfter(2 * 60_000),
      ).map((g) => g.cause),
    ).toEqual(["gpu_xid", "nccl_timeout"]);
  });
});

describe("the checkpoints annotation", () => {
  const job = (annotation?: string) =>
    read(
      pytorchJob({
        name: "j",
        namespace: "n",
        workers: 1,
        gpusPerPod: 1,
        startTime: now,
        conditions: [{ type: "Running", at: now }],
        ...(annotation !== undefined ? { checkpointsAnnotation: annotation } : {}),
      }),
    );
  it("is none when absent, and a problem when unreadable", () => {
    expect(annotatedCheckpoints(job())).toEqual([]);
    expect(annotatedCheckpoints(job("{not json"))).toMatch(/not JSON/);
    expect(annotatedCheckpoints(job('{"step": 1}'))).toMatch(/not a list/);
  });

  it("skips entries without a step or time, sorts by step and keeps the newest 20", () => {
    const entries = [
      { step: 300, at: "2026-12-01T03:00:00Z", writeSeconds: 30 },
      { step: 100, at: "2026-12-01T01:00:00Z" },
      { step: "x", at: "2026-12-01T02:00:00Z" },
      { step: 200, at: "yesterday" },
      { step: 250, at: "2026-12-01T02:30:00Z", writeSeconds: -4 },
    ];
    expect(annotatedCheckpoints(job(JSON.stringify(entries)))).toEqual([
      { step: 100, at: new Date("2026-12-01T01:00:00Z"), writeSeconds: null },
      { step: 250, at: new Date("2026-12-01T02:30:00Z"), writeSeconds: null },
      { step: 300, at: new Date("2026-12-01T03:00:00Z"), writeSeconds: 30 },
    ]);
    const many = Array.from({ length: 30 }, (_, i) => ({
      step: i,
      at: new Date(now + i * 1000).toISOString(),
    }));
    const kept = annotatedCheckpoints(job(JSON.stringify(many)));
    expect(Array.isArray(kept) && kept.map((c) => c.step)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 10),
    );
  });

  it("is reported as the job's problem by the cluster mapping", () => {
    const r = pytorchJobStates("c", [job("nope")], [], [], new Date(now));
    expect(r.problems).toEqual([{ job: "n/j", message: expect.stringMatching(/not JSON/) }]);
    expect(r.jobs[0]?.checkpoints).toEqual([]);
  });
});

describe("a failed PyTorchJob", () => {
  it("says why, and counts its last interruption as still down", () => {
    const job = pytorchJob({
      name: "j",
      namespace: "n",
      workers: 1,
      gpusPerPod: 8,
      startTime: now - 10 * HOUR,
      completionTime: now - HOUR,
      conditions: [
        { type: "Created", at: now - 10 * HOUR },
        { type: "Running", at: now - 10 * HOUR },
        {
          type: "Failed",
          at: now - HOUR,
          message: "PyTorchJob j has failed because 1 Worker replica(s) failed.",
        },
      ],
    });
    const pod = tpod({
      job: "j",
      namespace: "n",
      replicaType: "Worker",
      index: 0,
      node: "n0",
      gpus: 8,
      startedAt: now - 10 * HOUR,
      terminated: { at: now - HOUR, reason: "OOMKilled", exitCode: 137 },
    });
    const [s] = pytorchJobStates("c", [read(job)], [pod], [], new Date(now)).jobs;
    expect(s).toMatchObject({
      status: "failed",
      failureReason: "PyTorchJob j has failed because 1 Worker replica(s) failed.",
      gpuType: "other",
      model: null,
    });
    expect(s?.interruptions).toMatchObject([{ cause: "oom", restartSeconds: null }]);
    // ran 9 h before it failed, on 16 GPUs (a master and a worker)
    expect(s?.gpuHoursUsed).toBeCloseTo(9 * 16, 1);
  });
});
