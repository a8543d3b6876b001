/**
 * Training jobs read from Kubeflow's training operator: `PyTorchJob` (`kubeflow.org/v1`) objects
 * and their pods (labelled `training.kubeflow.org/job-name`), mapped to the contract's
 * TrainingJobState. Pure: objects and the time in, states out.
 *
 * - status: the job's newest true condition (Created, Running, Restarting, Succeeded, Failed).
 * - GPUs: each replica type's `replicas` × its pod template's `nvidia.com/gpu` limit.
 * - interruptions: the pods' container terminations (`lastState.terminated`, or a terminated
 *   state with a non-zero exit code) and failed pods (`Evicted`, `NodeLost`, a `DisruptionTarget`
 *   condition). A gang's terminations are one interruption until the job runs again
 *   (`groupTerminations`): a rank that dies takes the others down, often only when they reach
 *   the NCCL watchdog's timeout 10 to 30 minutes later. Its cause is the first telling one (a
 *   lost node, a GPU Xid, a preemption or an OOM kill before a crash, and a crash before an
 *   NCCL timeout, which is what the others die of). Restart time: until a pod of the job started
 *   running after the last of them; for a job resumed by hand after it failed, from the resume
 *   (the time it sat failed held no GPUs); none while it stays failed.
 * - work lost: Kubernetes does not know the step a job failed at, so it is measured in time,
 *   from the latest of the last checkpoint, the job's start and when it ran again after the
 *   interruption before (`interruptionCost`'s `ranSince`).
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
  ranSinceEach,
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

/** Terminations this close together are one interruption of the whole gang, whatever else. */
export const INTERRUPTION_GROUP_MS = 5 * 60_000;
/**
 * A rank that was up when the gang failed and dies within this long after is taken down by the
 * failure, even if another pod already started again: it was stuck in a collective until the
 * NCCL watchdog gave up (PyTorch's default timeout is 30 minutes; 10 is common).
 */
export const COLLECTIVE_TIMEOUT_MS = 35 * 60_000;
/** Checkpoints and interruptions kept per job, as the simulator keeps them. */
const KEEP = 20;

/**
 * How telling a cause is about what went wrong first: what breaks a node, a GPU or a pod, then a
 * crash of the program, then an NCCL timeout (what the other ranks of a gang die of).
 */
const CAUSE_TIER: Record<InterruptionCause, number> = {
  node_lost: 2,
  gpu_xid: 2,
  preemption: 2,
  oom: 2,
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

export interface Termination {
  at: number;
  cause: InterruptionCause;
  message: string;
  /** the pod it ended */
  pod: string;
  /** when the run it ended began; null when not known */
  ranFrom: number | null;
}

/** Every termination a pod shows: its containers' last and current ones, and the pod's own. */
export function podTerminations(pod: KubeObject): Termination[] {
  const out: Termination[] = [];
  const status = rec(pod.status);
  const node = str(rec(pod.spec).nodeName);
  const add = (
    at: number | null,
    ranFrom: number | null,
    reason: string | undefined,
    message: string | undefined,
  ) => {
    if (at === null) return;
    const words = [reason, message].filter(Boolean).join(": ") || "terminated";
    out.push({
      at,
      cause: classifyCause(reason ?? null, message ?? null),
      message: node
        ? `${pod.metadata.name} on ${node}: ${words}`
        : `${pod.metadata.name}: ${words}`,
      pod: pod.metadata.name,
      ranFrom,
    });
  };
  for (const cs of arr(status.containerStatuses).map(rec)) {
    const last = rec(rec(cs.lastState).terminated);
    if (Object.keys(last).length > 0)
      add(
        time(last.finishedAt),
        time(last.startedAt),
        str(last.reason),
        str(last.message) ?? exitWords(last),
      );
    const now = rec(rec(cs.state).terminated);
    if (Object.keys(now).length > 0 && (num(now.exitCode) ?? 0) !== 0)
      add(
        time(now.finishedAt),
        time(now.startedAt),
        str(now.reason),
        str(now.message) ?? exitWords(now),
      );
  }
  // The pod itself: evicted, preempted, or its node lost.
  const disruption = arr(status.conditions)
    .map(rec)
    .find((c) => str(c.type) === "DisruptionTarget" && str(c.status) === "True");
  const reason = str(status.reason);
  if (disruption) {
    add(
      time(disruption.lastTransitionTime),
      time(status.startTime),
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
      time(status.startTime),
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

/** Every time a pod shows a run of its containers (or the pod itself) starting. */
function podStarts(pod: KubeObject): number[] {
  const status = rec(pod.status);
  const starts = [time(status.startTime)];
  for (const cs of arr(status.containerStatuses).map(rec)) {
    starts.push(time(rec(rec(cs.state).running).startedAt));
    starts.push(time(rec(rec(cs.state).terminated).startedAt));
    starts.push(time(rec(rec(cs.lastState).terminated).startedAt));
  }
  return starts.filter((t): t is number => t !== null);
}

/** When one of `pods` first started running after `at`; null if none has. */
function firstStartAfter(pods: KubeObject[], at: number): number | null {
  let first: number | null = null;
  for (const pod of pods)
    for (const s of podStarts(pod)) if (s > at && (first === null || s < first)) first = s;
  return first;
}

/** One interruption of a gang: its first termination, its root cause, and its last one. */
export interface GangInterruption {
  at: number;
  cause: InterruptionCause;
  message: string;
  /** the last termination it took in */
  lastAt: number;
}

/**
 * Terminations grouped into the gang's interruptions, oldest first. A termination belongs to the
 * interruption before it while the job has not run again: some pod that interruption took down
 * has not started since (`restartOf`: when a pod first started after a time, null if it has
 * not). A rank that was up through the failure (its run began before it, or is not known to
 * have begun after) and died within COLLECTIVE_TIMEOUT_MS of it belongs to it too, even if a pod
 * already started again (it was stuck in a collective the failed rank never joined), and so does
 * any termination within INTERRUPTION_GROUP_MS. The cause is the first of the most telling ones
 * (CAUSE_TIER), so a rank's NCCL timeout does not hide the Xid of another.
 */
export function groupTerminations(
  terminations: readonly Termination[],
  restartOf: (pod: string, after: number) => number | null,
): GangInterruption[] {
  const sorted = [...terminations].sort((a, b) => a.at - b.at);
  const groups: { members: Termination[]; back: number | null }[] = [];
  for (const t of sorted) {
    const current = groups.at(-1);
    const first = current?.members[0];
    const joins =
      current !== undefined &&
      first !== undefined &&
      (t.at - first.at <= INTERRUPTION_GROUP_MS ||
        current.back === null ||
        t.at < current.back ||
        ((t.ranFrom === null || t.ranFrom <= first.at) &&
          t.at - first.at <= COLLECTIVE_TIMEOUT_MS));
    const back = restartOf(t.pod, t.at);
    if (current && joins) {
      current.members.push(t);
      // the job runs again when every pod it took down has started again
      current.back = current.back === null || back === null ? null : Math.max(current.back, back);
    } else groups.push({ members: [t], back });
  }
  return groups.map(({ members }) => {
    const first = members[0] as Termination;
    const root = members.reduce(
      (best, t) => (CAUSE_TIER[t.cause] > CAUSE_TIER[best.cause] ? t : best),
      first,
    );
    return {
      at: first.at,
      cause: root.cause,
      message: root.message,
      lastAt: (members.at(-1) as Termination).at,
    };
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

    const startedAt = time(rec(job.status).startTime) ?? time(job.metadata.creationTimestamp);
    const endedAt = time(rec(job.status).completionTime) ?? now.getTime();
    const conditions = arr(rec(job.status).conditions).map(rec);
    // A Failed condition that is no longer true: the job was resumed by hand, at the condition's
    // last transition (the operator restarts nothing once a job has failed).
    const failedBefore = conditions.find(
      (c) => str(c.type) === "Failed" && str(c.status) !== "True",
    );
    const resumedAt = failedBefore ? time(failedBefore.lastTransitionTime) : null;
    const podsByName = new Map(jobPods.map((p) => [p.metadata.name, p]));
    const groups = groupTerminations(jobPods.flatMap(podTerminations), (name, after) => {
      const pod = podsByName.get(name);
      return pod ? firstStartAfter([pod], after) : null;
    }).slice(-KEEP);
    // Wall-clock time down, whatever held the GPUs meanwhile: not running time.
    let downMs = 0;
    const interruptions = groups.map((t, index) => {
      const last = [...checkpoints].reverse().find((c) => c.at.getTime() <= t.at) ?? null;
      // A failed job's last interruption is not over: whatever starts now is not its restart.
      const again =
        status === "failed" && index === groups.length - 1
          ? null
          : firstStartAfter(jobPods, t.lastAt);
      downMs += Math.max(0, (again ?? endedAt) - t.at);
      // Resumed by hand after it failed: the restart is from the resume to running again.
      const restartFrom =
        again !== null && resumedAt !== null && t.at < resumedAt && resumedAt <= again
          ? resumedAt
          : t.at;
      return {
        at: new Date(t.at),
        cause: t.cause,
        message: t.message,
        // Kubernetes does not know the step reached: work lost is measured in time
        stepAtFailure: null,
        lastCheckpointStep: last?.step ?? null,
        lastCheckpointAt: last?.at ?? null,
        restartSeconds: again === null ? null : (again - restartFrom) / 1000,
        ranAgainAt: again === null ? null : new Date(again),
      };
    });

    const stepsPerHour = stepsPerHourFromCheckpoints(checkpoints, interruptions);
    const runningHours =
      startedAt === null || status === "queued"
        ? 0
        : Math.max(0, endedAt - startedAt - downMs) / 3_600_000;
    // As the fleet sync costs each interruption it records (the same domain rules and inputs).
    const ranSince = ranSinceEach(interruptions, startedAt === null ? null : new Date(startedAt));
    const gpuHoursLost = interruptions.reduce(
      (s, i, index) =>
        s +
        interruptionCost(
          { ...i, restartSeconds: i.restartSeconds ?? 0, ranSince: ranSince[index] ?? null },
          { gpus, stepsPerHour },
        ).gpuHoursLost,
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
    const failed = conditions.find((c) => str(c.type) === "Failed" && str(c.status) === "True");
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
