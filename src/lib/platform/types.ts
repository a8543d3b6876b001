/**
 * The platform boundary (ARCHITECTURE.md, "The platform boundary"): small interfaces that
 * Flightdeck's services call, implemented by the built-in simulator, by Prometheus (metrics)
 * and by Kubernetes/Argo Rollouts. Adapters map vendor shapes to these types.
 */
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
] as const;
/**
 * request_rate in requests/s; error_rate as a share of requests (0..1); latencies in ms;
 * prediction drift as PSI; online accuracy (0..1) from delayed labels.
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
}

// ---------------------------------------------------------------------------------------------
// Cluster inventory, workloads, rollout driver, training: the rest of the contract.

export type GpuType = "H100" | "A100" | "L4";

export interface NodePoolState {
  name: string;
  gpuType: GpuType;
  nodes: number;
  readyNodes: number;
  gpus: number;
  allocatable: number;
  allocated: number;
  /** mean GPU utilization of allocated GPUs, 0..1 */
  utilization: number;
}

export interface ClusterState {
  name: string;
  region: string;
  status: "healthy" | "degraded" | "unreachable";
  pools: NodePoolState[];
}

export interface NamespaceState {
  cluster: string;
  name: string;
  gpuQuota: number;
  gpuUsed: number;
}

export interface HpaState {
  cluster: string;
  namespace: string;
  deployment: string;
  min: number;
  max: number;
  current: number;
  desired: number;
}

export interface ClusterInventory extends HealthCheck {
  clusters(): Promise<PartialResult<ClusterState[]>>;
  namespaces(): Promise<PartialResult<NamespaceState[]>>;
  autoscalers(): Promise<PartialResult<HpaState[]>>;
}

export interface ServingDeployment {
  model: string;
  version: string;
  region: string;
  cluster: string;
  environment: "staging" | "production";
  replicasReady: number;
  replicasDesired: number;
  /** percent of this model's traffic in the environment and region */
  trafficWeight: number;
}

export interface Workloads extends HealthCheck {
  deployments(selector: Selector): Promise<PartialResult<ServingDeployment[]>>;
}

/** A rollout object on the platform (an Argo Rollout), identified by name and cluster. */
export interface RolloutRef {
  cluster: string;
  namespace: string;
  name: string;
  /** the resource version the caller read; a stale one fails with ConflictError */
  resourceVersion: string;
}

export interface RolloutDriver extends HealthCheck {
  setCanaryWeight(ref: RolloutRef, weight: number): Promise<{ resourceVersion: string }>;
  pause(ref: RolloutRef): Promise<{ resourceVersion: string }>;
  resume(ref: RolloutRef): Promise<{ resourceVersion: string }>;
  promote(ref: RolloutRef, opts: { full: boolean }): Promise<{ resourceVersion: string }>;
  abort(ref: RolloutRef): Promise<{ resourceVersion: string }>;
  retry(ref: RolloutRef): Promise<{ resourceVersion: string }>;
  undo(ref: RolloutRef, toRevision: number): Promise<{ resourceVersion: string }>;
}

export interface TrainingJobState {
  name: string;
  cluster: string;
  status: "queued" | "running" | "checkpointing" | "failed" | "restarting" | "succeeded";
  stepsDone: number;
  stepsTotal: number;
  restarts: number;
  lastCheckpointStep: number | null;
  failureReason: string | null;
}

export interface TrainingPlatform extends HealthCheck {
  jobs(): Promise<PartialResult<TrainingJobState[]>>;
  resumeFromCheckpoint(job: string): Promise<void>;
}
