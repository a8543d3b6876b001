/**
 * Kubeflow training objects for the Kubernetes API test server: the PyTorchJob CRD (crds/, a
 * hand-written subset of the upstream one), PyTorchJobs and their pods as the training operator
 * and the kubelet leave them, and one job that failed twice (`failedTwice`), whose expected
 * reading is written down by hand.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { parse } from "yaml";
import type { CustomResourceDefinition } from "./crd";
import { FLIGHTDECK, GPU } from "./fleet-objects";
import type { KubeObject } from "./types";

/** The PyTorchJob CRD (kubeflow.org/v1), to pass as the server's `crds`. */
export function pytorchJobCrd(): CustomResourceDefinition {
  const file = fileURLToPath(new URL("./crds/kubeflow.org_pytorchjobs.yaml", import.meta.url));
  return parse(readFileSync(file, "utf8")) as CustomResourceDefinition;
}

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, "Z");

export interface PyTorchJobOptions {
  name: string;
  namespace: string;
  model?: string;
  workers: number;
  gpusPerPod: number;
  /** condition types in the order they happened, each with its time; the last is current */
  conditions: { type: string; at: number; reason?: string; message?: string }[];
  startTime: number;
  completionTime?: number;
  checkpoints?: { step: number; at: number; writeSeconds?: number }[];
  /** a raw checkpoints annotation instead (to test a malformed one) */
  checkpointsAnnotation?: string;
  step?: number;
  stepsTotal?: number;
  backoffLimit?: number;
}

export function pytorchJob(o: PyTorchJobOptions): KubeObject {
  const template = {
    spec: {
      containers: [
        {
          name: "pytorch",
          image: "registry.example.com/llm-train@sha256:" + "a".repeat(64),
          resources: { limits: { [GPU]: String(o.gpusPerPod) }, requests: { cpu: "16" } },
        },
      ],
    },
  };
  const annotations: Record<string, string> = {};
  if (o.checkpointsAnnotation !== undefined)
    annotations["flightdeck.dev/checkpoints"] = o.checkpointsAnnotation;
  else if (o.checkpoints)
    annotations["flightdeck.dev/checkpoints"] = JSON.stringify(
      o.checkpoints.map((c) => ({ step: c.step, at: iso(c.at), writeSeconds: c.writeSeconds })),
    );
  if (o.step !== undefined) annotations["flightdeck.dev/step"] = String(o.step);
  if (o.stepsTotal !== undefined) annotations["flightdeck.dev/steps-total"] = String(o.stepsTotal);
  const last = o.conditions.at(-1)?.type;
  return {
    apiVersion: "kubeflow.org/v1",
    kind: "PyTorchJob",
    metadata: {
      name: o.name,
      namespace: o.namespace,
      labels: o.model ? { [FLIGHTDECK.model]: o.model } : {},
      annotations,
      creationTimestamp: iso(o.startTime - 60_000),
    },
    spec: {
      runPolicy: { backoffLimit: o.backoffLimit ?? 3, cleanPodPolicy: "None" },
      pytorchReplicaSpecs: {
        Master: { replicas: 1, restartPolicy: "OnFailure", template },
        Worker: { replicas: o.workers, restartPolicy: "OnFailure", template },
      },
    },
    status: {
      conditions: o.conditions.map((c) => ({
        type: c.type,
        // Running and Restarting replace each other; Created stays true
        status: c.type === last || c.type === "Created" ? "True" : "False",
        reason: c.reason ?? `PyTorchJob${c.type}`,
        message: c.message ?? `PyTorchJob ${o.name} is ${c.type.toLowerCase()}.`,
        lastUpdateTime: iso(c.at),
        lastTransitionTime: iso(c.at),
      })),
      replicaStatuses: {
        Master: { active: last === "Running" ? 1 : 0 },
        Worker: { active: last === "Running" ? o.workers : 0 },
      },
      startTime: iso(o.startTime),
      ...(o.completionTime ? { completionTime: iso(o.completionTime) } : {}),
    },
  };
}

export interface Terminated {
  at: number;
  reason: string;
  message?: string;
  exitCode?: number;
}

export interface TrainingPodOptions {
  job: string;
  namespace: string;
  replicaType: "Master" | "Worker";
  index: number;
  node: string;
  gpus: number;
  startedAt: number;
  /** the container's current run, if it runs */
  runningSince?: number;
  restartCount?: number;
  lastTerminated?: Terminated;
  /** the container ended and stays so */
  terminated?: Terminated;
  phase?: "Running" | "Failed" | "Pending" | "Succeeded";
  /** the pod's own failure (Evicted, NodeLost) */
  podFailure?: { reason: string; message: string; at: number };
  /** a DisruptionTarget condition (preemption, eviction by the API) */
  disruption?: { reason: string; message: string; at: number };
}

export function trainingPod(o: TrainingPodOptions): KubeObject {
  const name = `${o.job}-${o.replicaType.toLowerCase()}-${o.index}`;
  const term = (t: Terminated) => ({
    terminated: {
      exitCode: t.exitCode ?? 1,
      reason: t.reason,
      ...(t.message ? { message: t.message } : {}),
      startedAt: iso(o.startedAt),
      finishedAt: iso(t.at),
    },
  });
  const phase = o.phase ?? (o.podFailure ? "Failed" : o.terminated ? "Failed" : "Running");
  const conditions = [
    {
      type: "Ready",
      status: phase === "Running" ? "True" : "False",
      lastProbeTime: null,
      lastTransitionTime: iso(o.podFailure?.at ?? o.runningSince ?? o.startedAt),
    },
    ...(o.disruption
      ? [
          {
            type: "DisruptionTarget",
            status: "True",
            reason: o.disruption.reason,
            message: o.disruption.message,
            lastProbeTime: null,
            lastTransitionTime: iso(o.disruption.at),
          },
        ]
      : []),
  ];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: o.namespace,
      labels: {
        "training.kubeflow.org/job-name": o.job,
        "training.kubeflow.org/operator-name": "pytorchjob-controller",
        "training.kubeflow.org/replica-type": o.replicaType.toLowerCase(),
        "training.kubeflow.org/replica-index": String(o.index),
        ...(o.replicaType === "Master" ? { "training.kubeflow.org/job-role": "master" } : {}),
      },
      ownerReferences: [
        {
          apiVersion: "kubeflow.org/v1",
          kind: "PyTorchJob",
          name: o.job,
          uid: `uid-${o.job}`,
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      creationTimestamp: iso(o.startedAt - 30_000),
    },
    spec: {
      nodeName: o.node,
      restartPolicy: "OnFailure",
      containers: [
        {
          name: "pytorch",
          image: "registry.example.com/llm-train@sha256:" + "a".repeat(64),
          resources: { limits: { [GPU]: String(o.gpus) }, requests: { [GPU]: String(o.gpus) } },
        },
      ],
    },
    status: {
      phase,
      ...(o.podFailure ? { reason: o.podFailure.reason, message: o.podFailure.message } : {}),
      startTime: iso(o.startedAt),
      conditions,
      containerStatuses: [
        {
          name: "pytorch",
          image: "registry.example.com/llm-train@sha256:" + "a".repeat(64),
          ready: phase === "Running",
          started: phase === "Running",
          restartCount: o.restartCount ?? 0,
          state: o.terminated
            ? term(o.terminated)
            : o.runningSince !== undefined
              ? { running: { startedAt: iso(o.runningSince) } }
              : { waiting: { reason: "ContainerCreating" } },
          ...(o.lastTerminated ? { lastState: term(o.lastTerminated) } : { lastState: {} }),
        },
      ],
    },
  };
}

const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * `llm-pretrain` in `assistant-training`: a master and three workers with 8 GPUs each (32), that
 * failed twice and runs again. First the master was OOM-killed (a worker's NCCL timeout a few
 * seconds later is the same interruption); it ran again 4 minutes later. Then worker 1's GPU
 * fell off the bus (Xid 79) and worker 2 timed out on the collective; it ran again 9 minutes
 * later. Checkpoints every 4 hours, written in 120 s each.
 */
export function failedTwice(now: number) {
  const ns = "assistant-training";
  const job = "llm-pretrain";
  const start = now - 30 * HOUR;
  const oom = start + 9 * HOUR; // 1 h after the checkpoint at 8 h
  const xid = start + 22 * HOUR; // 2 h after the checkpoint at 20 h
  const checkpoints = [4, 8, 12, 16, 20, 24, 28].map((h) => ({
    step: h * 1_000,
    at: start + h * HOUR,
    writeSeconds: 120,
  }));
  const base = { job, namespace: ns, gpus: 8, startedAt: start };
  const objects: KubeObject[] = [
    pytorchJob({
      name: job,
      namespace: ns,
      model: "assistant-llm-70b",
      workers: 3,
      gpusPerPod: 8,
      startTime: start,
      conditions: [
        { type: "Created", at: start - MIN },
        { type: "Running", at: start },
        { type: "Restarting", at: oom },
        { type: "Running", at: oom + 4 * MIN },
        { type: "Restarting", at: xid },
        { type: "Running", at: xid + 9 * MIN },
      ],
      checkpoints,
      step: 29_500,
      stepsTotal: 100_000,
    }),
    trainingPod({
      ...base,
      replicaType: "Master",
      index: 0,
      node: "gpu-node-0",
      restartCount: 1,
      runningSince: oom + 4 * MIN,
      lastTerminated: { at: oom, reason: "OOMKilled", exitCode: 137 },
    }),
    trainingPod({
      ...base,
      replicaType: "Worker",
      index: 0,
      node: "gpu-node-1",
      restartCount: 1,
      runningSince: oom + 4 * MIN + 5_000,
      lastTerminated: {
        at: oom + 40_000,
        reason: "Error",
        message: "[Rank 1] Watchdog caught collective operation timeout: NCCL",
      },
    }),
    trainingPod({
      ...base,
      replicaType: "Worker",
      index: 1,
      node: "gpu-node-2",
      restartCount: 1,
      runningSince: xid + 9 * MIN,
      lastTerminated: {
        at: xid,
        reason: "Error",
        message:
          "RuntimeError: CUDA error: unspecified launch failure (Xid 79: GPU has fallen off the bus)",
      },
    }),
    trainingPod({
      ...base,
      replicaType: "Worker",
      index: 2,
      node: "gpu-node-3",
      restartCount: 1,
      runningSince: xid + 9 * MIN + 10_000,
      lastTerminated: {
        at: xid + 90_000,
        reason: "Error",
        message: "NCCL timeout: rank 3 stopped answering all-reduce",
      },
    }),
  ];
  return {
    namespace: ns,
    job,
    objects,
    start,
    expected: {
      gpus: 32,
      restarts: 2,
      interruptions: [
        { at: oom, cause: "oom" as const, restartSeconds: 4 * 60, lastCheckpointStep: 8_000 },
        { at: xid, cause: "gpu_xid" as const, restartSeconds: 9 * 60, lastCheckpointStep: 20_000 },
      ],
      checkpoints: checkpoints.length,
      stepsPerHour: 1_000,
    },
  };
}
