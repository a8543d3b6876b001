/**
 * The platform boundary (docs/architecture.md, "The platform boundary"): small interfaces that
 * Flightdeck's services call, implemented by the built-in simulator, by Prometheus (metrics)
 * and by Kubernetes/Argo Rollouts. Adapters map vendor shapes to these types.
 */
import { GPU_TYPE_NAMES, type GpuTypeName } from "@/lib/domain/config/names";
import type { ObjectSpec } from "@/lib/domain/rollouts/outside-change";
import type { InterruptionCause } from "@/lib/domain/training/reliability";
import type { NodeGpus } from "@/lib/domain/capacity/split";

export type HealthStatus = "ok" | "degraded" | "down";

export interface AdapterHealth {
  adapter: string;
  status: HealthStatus;
  detail: string;
  checkedAt: Date;
}

export interface HealthCheck {
  health(): Promise<AdapterHealth>;
}

/** A read across clusters: what answered, and what did not, so one broken cluster blanks nothing. */
export interface PartialResult<T> {
  data: T;
  errors: { source: string; message: string }[];
}

/** A write carried a resource version that is no longer current (the Kubernetes convention). */
export class ConflictError extends Error {
  constructor(
    readonly resource: string,
    readonly expectedVersion: string,
    readonly actualVersion: string,
  ) {
    super(`${resource} changed (version ${actualVersion}, expected ${expectedVersion})`);
    this.name = "ConflictError";
  }
}

/**
 * The platform did not say whether a call took effect (timeout, 5xx, dropped connection).
 * Never report this as success: record "verifying" and reconcile by reading back.
 */
export class OutcomeUnknownError extends Error {
  constructor(
    readonly operation: string,
    readonly cause?: unknown,
  ) {
    super(`${operation}: outcome unknown`);
    this.name = "OutcomeUnknownError";
  }
}

/** The platform refused the call (bad query, not found, forbidden): nothing happened. */
export class PlatformError extends Error {
  constructor(
    readonly operation: string,
    message: string,
  ) {
    super(`${operation}: ${message}`);
    this.name = "PlatformError";
  }
}

/** Every platform call has a deadline; an elapsed one is an unknown outcome, never success. */
export class TimeoutError extends OutcomeUnknownError {
  constructor(
    operation: string,
    readonly ms: number,
  ) {
    super(operation);
    this.message = `${operation} did not answer within ${ms} ms`;
    this.name = "TimeoutError";
  }
}

export async function withTimeout<T>(operation: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TimeoutError(operation, ms)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

// ---------------------------------------------------------------------------------------------
// Metrics

/** Which series: any subset of the four labels every model-serving metric carries. */
export interface Selector {
  model?: string;
  version?: string;
  region?: string;
  cluster?: string;
  /** staging or production: both may run on one cluster */
  environment?: string;
}

const LABEL_VALUE = /^[A-Za-z0-9_.:@/-]*$/;

/** Label values are names and versions; anything else is refused rather than queried. */
export function assertSelector(selector: Selector): void {
  for (const [key, value] of Object.entries(selector)) {
    if (value !== undefined && (typeof value !== "string" || !LABEL_VALUE.test(value))) {
      throw new PlatformError("metrics query", `invalid ${key} "${String(value)}"`);
    }
  }
}

export const METRICS = [
  "request_rate",
  "error_rate",
  "latency_p50",
  "latency_p90",
  "latency_p99",
  "prediction_drift_psi",
  "online_accuracy",
  "data_age_seconds",
] as const;
/**
 * request_rate in requests/s; error_rate as a share of requests (0..1); latencies in ms;
 * prediction drift as PSI; online accuracy (0..1) from delayed labels; data age: seconds since
 * the features the model serves from were last refreshed.
 */
export type MetricName = (typeof METRICS)[number];

export type SeriesLabels = Required<Selector>;

export interface InstantSample {
  labels: SeriesLabels;
  value: number;
}

export interface Series {
  labels: SeriesLabels;
  points: { t: Date; value: number }[];
}

export interface RangeWindow {
  start: Date;
  end: Date;
  stepSeconds: number;
}

export interface SliCounts {
  good: number;
  total: number;
  /**
   * Set when a query the SLI needs matched no series (say, a latency threshold that is no bucket
   * boundary): the counts are then 0 and mean nothing, and this says why.
   */
  noData?: string;
}

/** A latency histogram: its metric, and the bucket boundaries (seconds) it can count at. */
export interface LatencyBuckets {
  metric: string;
  boundariesSeconds: number[];
}

export interface MetricsSource extends HealthCheck {
  /** One value per series matching the selector, at `at` (default now). */
  instant(metric: MetricName, selector: Selector, at?: Date): Promise<InstantSample[]>;
  range(metric: MetricName, selector: Selector, window: RangeWindow): Promise<Series[]>;
  /**
   * Good and total requests over [start, end): availability counts non-5xx answers as good;
   * latency counts answers faster than `thresholdMs` as good.
   */
  sliCounts(
    sli: { kind: "availability" } | { kind: "latency"; thresholdMs: number },
    selector: Selector,
    start: Date,
    end: Date,
  ): Promise<SliCounts>;
  /**
   * Sources that count latency from a histogram can judge a threshold only at a bucket boundary:
   * these are the boundaries of the series matching `selector`. Absent when any threshold works.
   */
  latencyBuckets?(selector: Selector): Promise<LatencyBuckets>;
}

// ---------------------------------------------------------------------------------------------
// Cluster inventory, workloads, rollout driver, training: the rest of the contract.

/** GPU families; `other` for a product Flightdeck does not know (the pool shows its product name). */
export const GPU_TYPES = GPU_TYPE_NAMES;
export type GpuType = GpuTypeName;

export interface NodePoolState {
  name: string;
  gpuType: GpuType;
  /** the product name the nodes report (e.g. NVIDIA-H100-80GB-HBM3), where known */
  gpuProduct?: string | null;
  /** GPUs per node (the largest node's, in a mixed pool) */
  gpusPerNode?: number;
  /** MIG slices the pool's nodes offer, by profile (e.g. { "1g.10gb": 14 }), where partitioned */
  migSlices?: Record<string, number>;
  nodes: number;
  readyNodes: number;
  /** nodes that are NotReady or have failed GPUs, with the reason the platform gives */
  unhealthyNodes: { name: string; ready: boolean; reason: string }[];
  /** a node is being added by the cluster autoscaler */
  scalingUp: boolean;
  minNodes: number;
  maxNodes: number;
  /** false when the platform does not report the autoscaler's bounds (min and max are the size) */
  boundsKnown?: boolean;
  gpus: number;
  /** GPUs on ready, schedulable nodes that work */
  allocatable: number;
  allocated: number;
  /** mean GPU utilization of allocated GPUs, 0..1; null when no metrics source reports it */
  utilization: number | null;
  /**
   * Capacity planning, where the platform knows them: the GPUs of `allocated` held by serving
   * replicas and by training workers, and each node's GPUs (what a gang of whole nodes can use).
   */
  allocatedTo?: { serving: number; training: number };
  gpuNodes?: NodeGpus[];
}

/** How current one resource's cached copy is (platforms that cache a cluster's API). */
export interface ResourceFreshness {
  resource: string;
  /** when the copy last matched the cluster; null before the first successful read */
  asOf: Date | null;
  live: boolean;
  /** why it is not live */
  error: string | null;
}

export interface ClusterFreshness {
  /** every resource is current */
  live: boolean;
  /** the oldest resource's asOf: what every figure of this cluster is at least as new as */
  asOf: Date | null;
  /** why not live, naming the resources that failed */
  reason: string | null;
  resources: ResourceFreshness[];
}

export interface ClusterState {
  name: string;
  region: string;
  /** unreachable: the platform has no current data for it (see `freshness`) */
  status: "healthy" | "degraded" | "unreachable";
  pools: NodePoolState[];
  provider?: string;
  kubernetesVersion?: string | null;
  role?: "serving" | "training" | "mixed";
  /** absent for platforms that answer live (the simulator) */
  freshness?: ClusterFreshness;
}

export interface NamespaceState {
  cluster: string;
  name: string;
  gpuQuota: number;
  gpuUsed: number;
  /** the team the namespace is labelled with, where the platform knows it */
  team?: string | null;
}

export interface HpaState {
  cluster: string;
  namespace: string;
  /** the workload it scales (a rollout name) */
  target: string;
  min: number;
  max: number;
  current: number;
  desired: number;
  /** the kind of workload scaled (Deployment, Rollout…), where known */
  targetKind?: string | null;
  /** conditions that hold scaling back (at its limit, unable to scale) */
  conditions?: { type: string; reason: string; message: string }[];
}

export interface ClusterInventory extends HealthCheck {
  clusters(): Promise<PartialResult<ClusterState[]>>;
  namespaces(): Promise<PartialResult<NamespaceState[]>>;
  autoscalers(): Promise<PartialResult<HpaState[]>>;
}

export type Environment = "staging" | "production";

export interface ServingDeployment {
  model: string;
  version: string;
  region: string;
  cluster: string;
  environment: Environment;
  replicasReady: number;
  replicasDesired: number;
  /**
   * replicas placed on a node (holding their GPUs, ready or starting), where the platform knows;
   * the rest of the desired ones wait for GPUs
   */
  replicasScheduled?: number;
  /** percent of this model's traffic in the environment and region */
  trafficWeight: number;
  /** the platform object serving it, where the platform has one */
  workload?: { kind: string; namespace: string; name: string };
  /** GPUs one replica requests, and their type, where the platform knows them */
  gpusPerReplica?: number;
  gpuType?: GpuType;
}

export interface Workloads extends HealthCheck {
  deployments(selector: Selector): Promise<PartialResult<ServingDeployment[]>>;
}

/** Names a rollout object on the platform (an Argo Rollout). */
export interface RolloutKey {
  cluster: string;
  namespace: string;
  name: string;
}

/** A rollout object and the resource version the caller read; a stale one fails with ConflictError. */
export interface RolloutRef extends RolloutKey {
  resourceVersion: string;
}

export type RolloutPhase = "Healthy" | "Progressing" | "Paused" | "Degraded";

export interface RolloutObject extends RolloutRef {
  model: string;
  region: string;
  environment: Environment;
  stableVersion: string;
  /** the version being rolled out, null when none */
  canaryVersion: string | null;
  /** percent of traffic the canary receives */
  canaryWeight: number;
  paused: boolean;
  aborted: boolean;
  phase: RolloutPhase;
  message: string;
  /** the current spec's revision */
  revision: number;
  revisions: { revision: number; version: string }[];
  replicas: {
    stable: { desired: number; ready: number };
    canary: { desired: number; ready: number } | null;
  };
  /**
   * What the object's spec asks for, where the platform versions specs (Kubernetes'
   * `metadata.generation` moves on every spec change and never on status): how Flightdeck tells
   * a change made outside it. Absent on the simulator, which nobody else changes.
   */
  spec?: ObjectSpec;
  /** The GitOps tool that manages the object (it may revert Flightdeck's changes), if any. */
  managedBy?: string | null;
}

export interface RolloutDriver extends HealthCheck {
  rollouts(
    selector: Selector & { environment?: Environment },
  ): Promise<PartialResult<RolloutObject[]>>;
  /** Reads one rollout; PlatformError when it does not exist. */
  rollout(key: RolloutKey): Promise<RolloutObject>;
  /** Changes the version the rollout runs, starting a new revision (`set image`). */
  setVersion(ref: RolloutRef, version: string): Promise<{ resourceVersion: string }>;
  setCanaryWeight(ref: RolloutRef, weight: number): Promise<{ resourceVersion: string }>;
  pause(ref: RolloutRef): Promise<{ resourceVersion: string }>;
  resume(ref: RolloutRef): Promise<{ resourceVersion: string }>;
  /** Promote: leave a pause (not full), or make the canary stable at once (full). */
  promote(ref: RolloutRef, opts: { full: boolean }): Promise<{ resourceVersion: string }>;
  /** Sends all traffic back to the stable version and scales the canary down. */
  abort(ref: RolloutRef): Promise<{ resourceVersion: string }>;
  /** Continues an aborted rollout from zero canary traffic. */
  retry(ref: RolloutRef): Promise<{ resourceVersion: string }>;
  /** Rolls the spec back to an earlier revision's version, as a new revision. */
  undo(ref: RolloutRef, toRevision: number): Promise<{ resourceVersion: string }>;
}

export type TrainingStatus =
  "queued" | "running" | "checkpointing" | "failed" | "restarting" | "succeeded";

export interface TrainingJobState {
  name: string;
  cluster: string;
  namespace: string;
  status: TrainingStatus;
  gpus: number;
  stepsDone: number;
  stepsTotal: number;
  restarts: number;
  lastCheckpointStep: number | null;
  /**
   * the most recent checkpoints, oldest first; `at` is when the write finished, `writeSeconds`
   * how long it took (null when the platform does not say)
   */
  checkpoints: { step: number; at: Date; writeSeconds: number | null }[];
  failureReason: string | null;
  /** GPU-hours the job ran (computing or writing checkpoints), work later lost included */
  gpuHoursUsed: number;
  gpuHoursLost: number;
  /** the most recent interruptions, oldest first (see TrainingInterruptionState) */
  interruptions: TrainingInterruptionState[];
  /**
   * What a real cluster says of a job Flightdeck has not recorded yet, so a sync that discovers
   * adds it: the model it trains (registry name), its GPU family and when it started. The
   * simulator's jobs are all in the inventory already.
   */
  model?: string | null;
  gpuType?: GpuType;
  startedAt?: Date | null;
}

/**
 * One time a training job stopped before it finished: what stopped it and where it stood.
 * Platforms keep a bounded number; Flightdeck's own record keeps them all (an interruption is
 * identified by its job and `at`).
 */
export interface TrainingInterruptionState {
  /** when the job stopped */
  at: Date;
  /** node_lost | gpu_xid | nccl_timeout | preemption | oom | other */
  cause: InterruptionCause;
  /** the platform's words (termination reason and message) */
  message: string;
  /** the step reached when it stopped; null when the platform does not know */
  stepAtFailure: number | null;
  /** the checkpoint it resumes from, and when that was written; null when it had none */
  lastCheckpointStep: number | null;
  lastCheckpointAt: Date | null;
  /** from the stop until it ran again; null while it has not */
  restartSeconds: number | null;
  /**
   * when it ran again, where that is not `at` + `restartSeconds`: a job resumed by hand days
   * after it failed restarts from the resume, and ran again long after its stop
   */
  ranAgainAt?: Date | null;
}

export interface TrainingPlatform extends HealthCheck {
  jobs(): Promise<PartialResult<TrainingJobState[]>>;
  /** Restarts a failed job from its last checkpoint; PlatformError when it is not failed. */
  resumeFromCheckpoint(job: string): Promise<TrainingJobState>;
}

// ---------------------------------------------------------------------------------------------
// Global traffic between regions (docs/architecture.md, "Regions and traffic").

/**
 * A model's production traffic dials at the global load balancer: per region, the percent of
 * that region's own users' traffic it keeps (100: it serves them; 0: drained, they go to the
 * other regions), as AWS Global Accelerator's traffic dial or a GCP backend's capacity scaler.
 * What a region does not keep spills to the regions that still take traffic, in proportion to
 * what each keeps (lib/domain/traffic/routing).
 */
export interface RegionDials {
  model: string;
  /** region → 0..100; a region absent keeps all of its traffic */
  dials: Record<string, number>;
  /** the balancer's version of these dials: a write carrying an older one fails (ConflictError) */
  resourceVersion: string;
  /**
   * Requests per second arriving from each region's users, where the balancer reports it;
   * absent, a plan takes what each region serves at full dial as its demand.
   */
  demandRps?: Record<string, number>;
}

export interface RegionDialsRef {
  model: string;
  resourceVersion: string;
}

/**
 * The global load balancer in front of the regions. Real ones live outside Kubernetes, so
 * Flightdeck talks to them through a small documented HTTP hook (lib/platform/traffic); the
 * simulator has its own.
 */
export interface TrafficManager extends HealthCheck {
  /** Every model's dials the balancer knows. */
  dials(): Promise<PartialResult<RegionDials[]>>;
  /** Sets a model's dials (all regions given), conditionally on the version read. */
  setDials(
    ref: RegionDialsRef,
    dials: Record<string, number>,
  ): Promise<{ resourceVersion: string }>;
}

/** Names an autoscaler: the workload it scales (as HpaState). */
export interface AutoscalerKey {
  cluster: string;
  namespace: string;
  target: string;
}

/**
 * Changes an autoscaler's bounds, conditionally on the bounds the caller read (`expected`): a
 * bound changed since fails with ConflictError rather than being overwritten.
 */
export interface AutoscalerControl {
  setAutoscalerBounds(
    key: AutoscalerKey,
    expected: { min: number; max: number },
    bounds: { min: number; max: number },
  ): Promise<void>;
}

/** Everything a fleet platform answers: the simulator, or real clusters. */
export type FleetPlatform = ClusterInventory & Workloads & RolloutDriver & TrainingPlatform;
