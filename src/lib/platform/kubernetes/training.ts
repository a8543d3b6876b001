/**
 * Training jobs read from Kubeflow's training operator: `PyTorchJob` (`kubeflow.org/v1`) objects
 * and their pods (labelled `training.kubeflow.org/job-name`), mapped to the contract's
 * TrainingJobState. Pure: objects and the time in, states out.
 *
 * - status: the job's newest true condition (Created, Running, Restarting, Succeeded, Failed).
 * - GPUs: each replica type's `replicas` × its pod template's `nvidia.com/gpu` limit.
 * - interruptions: the pods' container terminations (`lastState.terminated`, or a terminated
 *   state with a non-zero exit code) and failed pods (`Evicted`, `NodeLost`, a `DisruptionTarget`
 *   condition). Terminations within INTERRUPTION_GROUP_MS of each other are one interruption of
 *   the gang: a rank that dies takes the others down with NCCL errors, so the cause is the most
 *   telling one among them (a lost node, a GPU Xid, a preemption or an OOM kill before an NCCL
 *   timeout). Restart time: until a pod of the job started running again.
 * - checkpoints and progress: annotations the training script (or a sidecar) writes on the
 *   PyTorchJob, since Kubernetes knows nothing of steps:
 *   `flightdeck.dev/checkpoints`: JSON `[{"step": 12000, "at": "2026-12-01T10:00:00Z",
 *   "writeSeconds": 95.2}]` (the most recent, any order), `flightdeck.dev/step` (the step
 *   reached) and `flightdeck.dev/steps-total`.
 *
 * Kubernetes keeps only a container's last termination: restarts older than that are counted
 * (restartCount) but their causes are gone; Flightdeck's own record keeps every one it saw.
 */
import type { GpuType, TrainingJobState, TrainingStatus } from "../types";
import {
  classifyCause,
  interruptionCost,
  stepsPerHourFromCheckpoints,
  type InterruptionCause,
} from "@/lib/domain/training/reliability";
import type { KubeObject } from "./client";
import { arr, num, rec, str } from "./fields";
import { GPU_RESOURCE, gpuTypeOf, LABELS } from "./inventory";

export const TRAINING_LABELS = {
  jobName: "training.kubeflow.org/job-name",
  replicaType: "training.kubeflow.org/replica-type",
} as const;

export const TRAINING_ANNOTATIONS = {
  checkpoints: "flightdeck.dev/checkpoints",
  step: "flightdeck.dev/step",
  stepsTotal: "flightdeck.dev/steps-total",
} as const;

/** Terminations this close together are one interruption of the whole gang. */
export const INTERRUPTION_GROUP_MS = 5 * 60_000;
/** Checkpoints and interruptions kept per job, as the simulator keeps them. */
const KEEP = 20;

/** How telling a cause is about what went wrong first (a consequence ranks lowest). */
const CAUSE_RANK: Record<InterruptionCause, number> = {
  node_lost: 5,
  gpu_xid: 5,
  preemption: 4,
  oom: 3,
  other: 1,
  nccl_timeout: 0,
};

const time = (v: unknown): number | null => {
  const s = str(v);
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isFinite(t) ? t : null;
};

/** The job's status from its newest true condition. */
export function pytorchJobStatus(job: KubeObject): TrainingStatus {
  const conditions = arr(rec(job.status).conditions)
    .map(rec)
    .filter((c) => str(c.status) === "True");
  const byType = (type: string) => conditions.some((c) => str(c.type) === type);
  if (byType("Succeeded")) return "succeeded";
  if (byType("Failed")) return "failed";
  if (byType("Restarting")) return "restarting";
  if (byType("Running")) return "running";
  return "queued";
}

function replicaSpecs(job: KubeObject): Record<string, unknown>[] {
  return Object.values(rec(rec(job.spec).pytorchReplicaSpecs)).map(rec);
}

/** GPUs of the whole gang: replicas × GPUs per pod, over every replica type. */
export function pytorchJobGpus(job: KubeObject): number {
  let gpus = 0;
  for (const spec of replicaSpecs(job)) {
    const replicas = num(spec.replicas) ?? 1;
    const containers = arr(rec(rec(spec.template).spec).containers).map(rec);
    const perPod = containers.reduce((s, c) => {
      const resources = rec(c.resources);
      const n = Number(
        rec(resources.limits)[GPU_RESOURCE] ?? rec(resources.requests)[GPU_RESOURCE],
      );
      return s + (Number.isFinite(n) ? n : 0);
    }, 0);
    gpus += replicas * perPod;
  }
  return gpus;
}

export interface AnnotatedCheckpoint {
  step: number;
  at: Date;
  writeSeconds: number | null;
}

/**
 * The checkpoints the job's annotation lists, oldest first (the last KEEP). An annotation that is
 * not such a list is a problem to report, not a job to refuse: it maps to none.
 */
export function annotatedCheckpoints(job: KubeObject): AnnotatedCheckpoint[] | string {
  const raw = job.metadata.annotations?.[TRAINING_ANNOTATIONS.checkpoints];
  if (raw === undefined) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return `annotation ${TRAINING_ANNOTATIONS.checkpoints} is not JSON`;
  }
  if (!Array.isArray(parsed))
    return `annotation ${TRAINING_ANNOTATIONS.checkpoints} is not a list of {step, at, writeSeconds}`;
  const out: AnnotatedCheckpoint[] = [];
  for (const item of parsed) {
    const c = rec(item);
    const step = num(c.step);
    const at = time(c.at);
    if (step === undefined || at === null) continue;
    const w = num(c.writeSeconds);
    out.push({ step, at: new Date(at), writeSeconds: w !== undefined && w >= 0 ? w : null });
  }
  return out.sort((a, b) => a.step - b.step).slice(-KEEP);
}

interface Termination {
  at: number;
  cause: InterruptionCause;
  message: string;
}

/** Every termination a pod shows: its containers' last and current ones, and the pod's own. */
export function podTerminations(pod: KubeObject): Termination[] {
  const out: Termination[] = [];
  const status = rec(pod.status);
  const node = str(rec(pod.spec).nodeName);
  const add = (at: number | null, reason: string | undefined, message: string | undefined) => {
    if (at === null) return;
    const words = [reason, message].filter(Boolean).join(": ") || "terminated";
    out.push({
      at,
      cause: classifyCause(reason ?? null, message ?? null),
      message: node
        ? `${pod.metadata.name} on ${node}: ${words}`
        : `${pod.metadata.name}: ${words}`,
    });
  };
  for (const cs of arr(status.containerStatuses).map(rec)) {
    const last = rec(rec(cs.lastState).terminated);
    if (Object.keys(last).length > 0)
      add(time(last.finishedAt), str(last.reason), str(last.message) ?? exitWords(last));
    const now = rec(rec(cs.state).terminated);
    if (Object.keys(now).length > 0 && (num(now.exitCode) ?? 0) !== 0)
      add(time(now.finishedAt), str(now.reason), str(now.message) ?? exitWords(now));
  }
  // The pod itself: evicted, preempted, or its node lost.
  const disruption = arr(status.conditions)
    .map(rec)
    .find((c) => str(c.type) === "DisruptionTarget" && str(c.status) === "True");
  const reason = str(status.reason);
  if (disruption) {
    add(
      time(disruption.lastTransitionTime),
      str(disruption.reason) ?? "DisruptionTarget",
      str(disruption.message) ?? "preempted",
    );
  } else if (str(status.phase) === "Failed" && reason && !out.length) {
    add(
      time(
        rec(
          arr(status.conditions)
            .map(rec)
            .find((c) => str(c.type) === "Ready"),
        ).lastTransitionTime,
      ) ?? time(status.startTime),
      reason,
      str(status.message),
    );
  }
  return out;
}

function exitWords(t: Record<string, unknown>): string | undefined {
  const code = num(t.exitCode);
  return code === undefined ? undefined : `exit code ${code}`;
}

/** When a pod of the job started running after `at`, if one has. */
function runningAgainAfter(pods: KubeObject[], at: number): number | null {
  let first: number | null = null;
  for (const pod of pods) {
    const status = rec(pod.status);
    const starts = [
      time(status.startTime),
      ...arr(status.containerStatuses).map((cs) => time(rec(rec(rec(cs).state).running).startedAt)),
    ];
    for (const s of starts) if (s !== null && s > at && (first === null || s < first)) first = s;
  }
  return first;
}

/** Terminations grouped into the gang's interruptions, oldest first. */
export function groupTerminations(terminations: Termination[]): Termination[] {
  const sorted = [...terminations].sort((a, b) => a.at - b.at);
  const groups: Termination[][] = [];
  for (const t of sorted) {
    const current = groups.at(-1);
    const first = current?.[0];
    if (current && first && t.at - first.at <= INTERRUPTION_GROUP_MS) current.push(t);
    else groups.push([t]);
  }
  return groups.map((g) => {
    const first = g[0] as Termination;
    const root = g.reduce(
      (best, t) => (CAUSE_RANK[t.cause] > CAUSE_RANK[best.cause] ? t : best),
      first,
    );
    return { at: first.at, cause: root.cause, message: root.message };
  });
}

/** A GPU family from the nodes the job's pods run on. */
function gpuTypeOfPods(pods: KubeObject[], nodes: KubeObject[]): GpuType {
  const byName = new Map(nodes.map((n) => [n.metadata.name, n]));
  for (const pod of pods) {
    const node = byName.get(str(rec(pod.spec).nodeName) ?? "");
    const product = node?.metadata.labels?.["nvidia.com/gpu.product"];
    if (product) return gpuTypeOf(product);
  }
  return "other";
}

const int = (v: string | undefined): number | null => {
  if (v === undefined) return null;
  const n = Number(v);
  return Number.isInteger(n) && n >= 0 ? n : null;
};

export interface TrainingProblem {
  job: string;
  message: string;
}

/** A cluster's PyTorchJobs as training jobs, with the problems found reading them. */
export function pytorchJobStates(
  cluster: string,
  jobs: KubeObject[],
  pods: KubeObject[],
  nodes: KubeObject[],
  now: Date,
): { jobs: TrainingJobState[]; problems: TrainingProblem[] } {
  const podsOf = new Map<string, KubeObject[]>();
  for (const p of pods) {
    const name = p.metadata.labels?.[TRAINING_LABELS.jobName];
    if (!name) continue;
    const key = `${p.metadata.namespace}/${name}`;
    podsOf.set(key, [...(podsOf.get(key) ?? []), p]);
  }
  const problems: TrainingProblem[] = [];
  const out: TrainingJobState[] = [];
  for (const job of jobs) {
    const name = job.metadata.name;
    const namespace = job.metadata.namespace ?? "default";
    const jobPods = podsOf.get(`${namespace}/${name}`) ?? [];
    const status = pytorchJobStatus(job);
    const gpus = pytorchJobGpus(job);
    const checkpointsRead = annotatedCheckpoints(job);
    if (typeof checkpointsRead === "string")
      problems.push({ job: `${namespace}/${name}`, message: checkpointsRead });
    const checkpoints = typeof checkpointsRead === "string" ? [] : checkpointsRead;
    const stepsPerHour = stepsPerHourFromCheckpoints(checkpoints);

    const interruptions = groupTerminations(jobPods.flatMap(podTerminations))
      .slice(-KEEP)
      .map((t) => {
        const last = [...checkpoints].reverse().find((c) => c.at.getTime() <= t.at) ?? null;
        const again = runningAgainAfter(jobPods, t.at);
        return {
          at: new Date(t.at),
          cause: t.cause,
          message: t.message,
          stepAtFailure: null,
          lastCheckpointStep: last?.step ?? null,
          lastCheckpointAt: last?.at ?? null,
          restartSeconds: again === null ? null : (again - t.at) / 1000,
        };
      });

    const startedAt = time(rec(job.status).startTime) ?? time(job.metadata.creationTimestamp);
    const endedAt = time(rec(job.status).completionTime) ?? now.getTime();
    const downMs = interruptions.reduce(
      (s, i) => s + (i.restartSeconds ?? Math.max(0, (endedAt - i.at.getTime()) / 1000)) * 1000,
      0,
    );
    const runningHours =
      startedAt === null || status === "queued"
        ? 0
        : Math.max(0, endedAt - startedAt - downMs) / 3_600_000;
    const gpuHoursLost = interruptions.reduce(
      (s, i) =>
        s +
        interruptionCost({ ...i, restartSeconds: i.restartSeconds ?? 0 }, { gpus, stepsPerHour })
          .gpuHoursLost,
      0,
    );
    // A gang restarts together: the most restarts of any one pod is the job's.
    const restartCount = Math.max(
      0,
      ...jobPods.map((p) =>
        arr(rec(p.status).containerStatuses).reduce<number>(
          (n, cs) => n + (num(rec(cs).restartCount) ?? 0),
          0,
        ),
      ),
    );
    const lastCheckpoint = checkpoints.at(-1) ?? null;
    const annotations = job.metadata.annotations ?? {};
    const stepsDone = int(annotations[TRAINING_ANNOTATIONS.step]) ?? lastCheckpoint?.step ?? 0;
    const failed = arr(rec(job.status).conditions)
      .map(rec)
      .find((c) => str(c.type) === "Failed" && str(c.status) === "True");
    out.push({
      name,
      cluster,
      namespace,
      status,
      gpus,
      stepsDone,
      stepsTotal: Math.max(stepsDone, int(annotations[TRAINING_ANNOTATIONS.stepsTotal]) ?? 0),
      restarts: Math.max(restartCount, interruptions.length),
      lastCheckpointStep: lastCheckpoint?.step ?? null,
      checkpoints,
      failureReason:
        status === "failed"
          ? (str(failed?.message) ?? interruptions.at(-1)?.message ?? "failed")
          : status === "restarting"
            ? (interruptions.at(-1)?.message ?? null)
            : null,
      gpuHoursUsed: Math.round(runningHours * gpus * 10) / 10,
      gpuHoursLost: Math.round(gpuHoursLost * 10) / 10,
      interruptions,
      model: job.metadata.labels?.[LABELS.model] ?? null,
      gpuType: gpuTypeOfPods(jobPods, nodes),
      startedAt: startedAt === null ? null : new Date(startedAt),
    });
  }
  return { jobs: out, problems };
}
