/**
 * The fleet read from real Kubernetes clusters: each cluster's nodes, pods, namespaces, quotas,
 * autoscalers and serving workloads are cached by watches (reflector.ts) and mapped to the
 * platform contract (inventory.ts). Reads answer from the caches; a cluster whose caches are not
 * current is reported unreachable with the reason and the age of its last good data, and the
 * others keep working.
 *
 * Rollouts are driven on Argo Rollouts (argo.ts: Flightdeck owns the steps, every write is
 * conditional on the resourceVersion read), and KServe InferenceServices through their canary
 * traffic. Training jobs are read from Kubeflow PyTorchJobs and their pods (training.ts); resuming
 * one is refused (the training operator restarts within its backoffLimit, and a failed
 * PyTorchJob is submitted again by whoever owns it).
 */
import { clock } from "@/lib/clock";
import { VERSION_NAME, VERSION_NAME_RULE } from "@/lib/domain/models/registry";
import {
  assertSelector,
  ConflictError,
  OutcomeUnknownError,
  type RolloutRef,
  PlatformError,
  type AdapterHealth,
  type ClusterFreshness,
  type ClusterInventory,
  type ClusterState,
  type HpaState,
  type NamespaceState,
  type PartialResult,
  type RolloutDriver,
  type RolloutKey,
  type RolloutObject,
  type Environment,
  type Selector,
  type ServingDeployment,
  type TrainingJobState,
  type TrainingPlatform,
  type Workloads,
  type AutoscalerControl,
  type AutoscalerKey,
} from "../types";
import {
  describeKubeError,
  KubeApiError,
  KubeConnection,
  KubeUnreachableError,
  type KubeObject,
} from "./client";
import {
  ABORTED,
  inferenceServiceObject,
  PAUSED,
  setVersionPatch as kserveSetVersion,
  undoPatch as kserveUndo,
} from "./kserve";
import { ownedReplicaSets, rec } from "./fields";
import {
  argoRolloutObject,
  conditional,
  REVISION,
  setVersionPatch,
  stepsAt,
  undoPatch,
} from "./argo";
import type { ClusterConnectionConfig } from "./config";
import {
  autoscalerStates,
  clusterIdentity,
  clusterStatus,
  LABELS,
  namespaceStates,
  nodePools,
  servingDeployments,
  GPU_RESOURCE,
  type WorkloadProblem,
  SERVING_POD_LABELS,
  TRAINING_POD_LABELS,
} from "./inventory";
import { DEFAULT_TIMING, Reflector, type ReflectorTiming, type ResourceKind } from "./reflector";
import { pytorchJobStates, TRAINING_LABELS } from "./training";

const pick = (o: Record<string, unknown> | undefined, keys: string[]) => {
  const out: Record<string, unknown> = {};
  if (!o) return out;
  for (const k of keys) if (o[k] !== undefined) out[k] = o[k];
  return out;
};

/** Keeps only what the inventory reads of a pod, which is most of a large cluster's objects. */
function slimPod(pod: KubeObject): KubeObject {
  const spec = pod.spec ?? {};
  const resources = (containers: unknown) =>
    Array.isArray(containers)
      ? containers.map(
          (c: {
            resources?: { requests?: Record<string, unknown>; limits?: Record<string, unknown> };
          }) => ({
            resources: {
              requests: pick(c.resources?.requests, [GPU_RESOURCE]),
              limits: pick(c.resources?.limits, [GPU_RESOURCE]),
            },
          }),
        )
      : undefined;
  return {
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      resourceVersion: pod.metadata.resourceVersion,
      // What says whose pod it is: serving or training (the Capacity split), and which
      // workload's version (GPUs per replica and their type).
      labels: pick(pod.metadata.labels, [
        "serving.knative.dev/revision",
        "pod-template-hash",
        ...SERVING_POD_LABELS,
        ...TRAINING_POD_LABELS,
      ]) as Record<string, string>,
      ownerReferences: (pod.metadata.ownerReferences ?? []).map((o) => ({
        apiVersion: o.apiVersion,
        kind: o.kind,
        name: o.name,
        uid: o.uid,
      })),
    },
    spec: {
      nodeName: spec.nodeName,
      containers: resources(spec.containers),
      initContainers: resources(spec.initContainers),
    },
    status: {
      phase: pod.status?.phase,
      // Only Ready is read; the other conditions and their timestamps are most of a pod's size.
      conditions: (Array.isArray(pod.status?.conditions) ? pod.status.conditions : [])
        .filter((c: { type?: string }) => c.type === "Ready")
        .map((c: { type?: string; status?: string }) => ({ type: c.type, status: c.status })),
    },
  };
}

/** Keeps what the inventory reads of a node: labels, schedulability, GPUs and Ready. */
function slimNode(node: KubeObject): KubeObject {
  const status = node.status ?? {};
  const conditions = Array.isArray(status.conditions) ? status.conditions : [];
  return {
    metadata: {
      name: node.metadata.name,
      resourceVersion: node.metadata.resourceVersion,
      creationTimestamp: node.metadata.creationTimestamp,
      labels: node.metadata.labels,
    },
    spec: pick(node.spec, ["unschedulable", "taints"]),
    status: {
      capacity: pick(status.capacity as Record<string, unknown> | undefined, [GPU_RESOURCE]),
      allocatable: pick(status.allocatable as Record<string, unknown> | undefined, [GPU_RESOURCE]),
      conditions: conditions.filter((c: { type?: string }) => c.type === "Ready"),
    },
  };
}

/** Keeps what the training mapping reads of a PyTorchJob: annotations, replicas and GPUs, status. */
function slimPyTorchJob(job: KubeObject): KubeObject {
  const specs = (job.spec?.pytorchReplicaSpecs ?? {}) as Record<
    string,
    { replicas?: number; template?: { spec?: { containers?: unknown } } }
  >;
  return {
    metadata: {
      name: job.metadata.name,
      namespace: job.metadata.namespace,
      resourceVersion: job.metadata.resourceVersion,
      creationTimestamp: job.metadata.creationTimestamp,
      labels: job.metadata.labels,
      annotations: job.metadata.annotations,
    },
    spec: {
      pytorchReplicaSpecs: Object.fromEntries(
        Object.entries(specs).map(([type, spec]) => [
          type,
          {
            replicas: spec.replicas,
            template: {
              spec: {
                containers: Array.isArray(spec.template?.spec?.containers)
                  ? spec.template.spec.containers.map((c: { resources?: unknown }) => ({
                      resources: c.resources,
                    }))
                  : [],
              },
            },
          },
        ]),
      ),
    },
    status: job.status,
  };
}

/** Keeps what the training mapping reads of a training pod: its job, node and terminations. */
function slimTrainingPod(pod: KubeObject): KubeObject {
  const status = pod.status ?? {};
  return {
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      resourceVersion: pod.metadata.resourceVersion,
      labels: pick(pod.metadata.labels, [
        TRAINING_LABELS.jobName,
        TRAINING_LABELS.replicaType,
      ]) as Record<string, string>,
    },
    spec: { nodeName: pod.spec?.nodeName },
    status: {
      ...pick(status, ["phase", "reason", "message", "startTime"]),
      conditions: (Array.isArray(status.conditions) ? status.conditions : []).filter(
        (c: { type?: string }) => c.type === "DisruptionTarget" || c.type === "Ready",
      ),
      containerStatuses: (Array.isArray(status.containerStatuses)
        ? status.containerStatuses
        : []
      ).map((c: Record<string, unknown>) =>
        pick(c, ["name", "restartCount", "state", "lastState"]),
      ),
    },
  };
}

export const RESOURCES = {
  namespaces: { name: "namespaces", path: "/api/v1/namespaces" },
  nodes: { name: "nodes", path: "/api/v1/nodes", transform: slimNode },
  pods: {
    name: "pods",
    path: "/api/v1/pods",
    // Finished pods hold no GPUs: the server leaves them out of the cache.
    fieldSelector: "status.phase!=Succeeded,status.phase!=Failed",
    transform: slimPod,
  },
  resourceQuotas: { name: "resourcequotas", path: "/api/v1/resourcequotas" },
  deployments: { name: "deployments.apps", path: "/apis/apps/v1/deployments" },
  replicaSets: {
    name: "replicasets.apps",
    path: "/apis/apps/v1/replicasets",
    // Only the ReplicaSets of Argo Rollouts matter here.
    labelSelector: "rollouts-pod-template-hash",
  },
  autoscalers: {
    name: "horizontalpodautoscalers.autoscaling",
    path: "/apis/autoscaling/v2/horizontalpodautoscalers",
  },
  rollouts: {
    name: "rollouts.argoproj.io",
    path: "/apis/argoproj.io/v1alpha1/rollouts",
    optional: true,
  },
  inferenceServices: {
    name: "inferenceservices.serving.kserve.io",
    path: "/apis/serving.kserve.io/v1beta1/inferenceservices",
    optional: true,
  },
  pytorchJobs: {
    name: "pytorchjobs.kubeflow.org",
    path: "/apis/kubeflow.org/v1/pytorchjobs",
    optional: true,
    transform: slimPyTorchJob,
  },
  trainingPods: {
    // Training pods of every phase: a failed pod says why the job stopped.
    name: "pods (training)",
    path: "/api/v1/pods",
    labelSelector: TRAINING_LABELS.jobName,
    transform: slimTrainingPod,
  },
} satisfies Record<string, ResourceKind>;

type ResourceName = keyof typeof RESOURCES;

export interface KubernetesPlatformOptions {
  clusters: ClusterConnectionConfig[];
  timing?: Partial<ReflectorTiming>;
  /** deadline of one API read, ms */
  requestTimeoutMs?: number;
  /**
   * GPU utilization per node name (0..1), e.g. from DCGM exporter metrics in Prometheus; read
   * in the background, never on a page view. Without it utilization is unknown.
   */
  gpuUtilization?: () => Promise<Map<string, number>>;
  /** how often to refresh GPU utilization, ms */
  utilizationEveryMs?: number;
  /**
   * A model version's artifacts from the registry: its image digest (an Argo Rollout runs a new
   * version by digest, never by a tag that could move) and its model artifact (what a KServe
   * predictor loads). Without it, or for a version not registered, setting a version is refused.
   */
  artifact?: (
    model: string,
    version: string,
  ) => Promise<{ imageDigest: string; artifactUri: string } | null>;
}

/** The object behind a rollout key, read for a write. */
type Target =
  | {
      kind: "argo";
      cache: ClusterCache;
      path: string;
      object: KubeObject;
      read: RolloutObject;
      replicaSets: KubeObject[];
    }
  | { kind: "kserve"; cache: ClusterCache; path: string; object: KubeObject; read: RolloutObject };

class ClusterCache {
  readonly connection: KubeConnection;
  readonly reflectors: Record<ResourceName, Reflector>;
  version: string | null = null;

  constructor(
    readonly name: string,
    config: ClusterConnectionConfig,
    timing: ReflectorTiming,
    requestTimeoutMs: number,
  ) {
    this.connection = new KubeConnection(name, config.kubeConfig, { timeoutMs: requestTimeoutMs });
    this.reflectors = Object.fromEntries(
      Object.entries(RESOURCES).map(([key, kind]) => [
        key,
        new Reflector(this.connection, kind, timing),
      ]),
    ) as Record<ResourceName, Reflector>;
  }

  start(): void {
    for (const r of Object.values(this.reflectors)) r.start();
    void this.readVersion();
  }

  async readVersion(): Promise<void> {
    try {
      const v = await this.connection.get<{ gitVersion?: string }>("/version");
      this.version = v.gitVersion ?? null;
    } catch {
      // shown as unknown; the reflectors report why the cluster does not answer
    }
  }

  items(resource: ResourceName): KubeObject[] {
    return this.reflectors[resource].items();
  }

  private memo = new Map<string, { at: string; value: unknown }>();

  /**
   * A figure derived from some of the caches, computed again only after one of them changed
   * (and when `extra` differs): page views read it in constant time.
   */
  derive<T>(key: string, from: ResourceName[], compute: () => T, extra = ""): T {
    const at = from.map((r) => this.reflectors[r].changes).join(",") + `|${extra}`;
    const hit = this.memo.get(key);
    if (hit && hit.at === at) return hit.value as T;
    const value = compute();
    this.memo.set(key, { at, value });
    return value;
  }

  freshness(): ClusterFreshness {
    const states = Object.values(this.reflectors).map((r) => r.freshness());
    const resources = states.map((f) => ({
      resource: f.resource,
      asOf: f.asOf,
      live: f.live,
      error: f.error,
    }));
    const failing = resources.filter((r) => !r.live);
    // A custom resource the cluster does not have is not read, so it cannot fail with the rest.
    const read = states.filter((f) => !f.absent || !f.live).length;
    const asOfs = resources.map((r) => r.asOf);
    const asOf = asOfs.some((a) => a === null)
      ? null
      : new Date(Math.min(...asOfs.map((a) => (a as Date).getTime())));
    return {
      live: failing.length === 0,
      asOf,
      reason:
        failing.length === 0
          ? null
          : `${
              failing.some((f) => f.error)
                ? [...new Set(failing.map((f) => f.error).filter(Boolean))].join("; ")
                : "first read in progress"
            } (${
              failing.length === read ? "every resource" : failing.map((f) => f.resource).join(", ")
            })`,
      resources,
    };
  }
}

export class KubernetesPlatform
  implements ClusterInventory, Workloads, RolloutDriver, TrainingPlatform, AutoscalerControl
{
  private readonly caches: ClusterCache[];
  private utilization = new Map<string, number>();
  private utilizationRead = 0;
  private utilizationTimer: ReturnType<typeof setInterval> | null = null;
  private started = false;

  constructor(private readonly options: KubernetesPlatformOptions) {
    const timing = { ...DEFAULT_TIMING, ...options.timing };
    this.caches = options.clusters.map(
      (c) => new ClusterCache(c.name, c, timing, options.requestTimeoutMs ?? 10_000),
    );
  }

  /** Starts every cluster's watches (idempotent); reads before the first list find no data. */
  start(): this {
    if (this.started) return this;
    this.started = true;
    for (const c of this.caches) c.start();
    if (this.options.gpuUtilization) {
      const refresh = () =>
        this.options.gpuUtilization?.().then(
          (m) => {
            this.utilization = m;
            this.utilizationRead += 1;
          },
          () => undefined, // utilization stays as last read; a metrics outage shows on its own source
        );
      void refresh();
      this.utilizationTimer = setInterval(refresh, this.options.utilizationEveryMs ?? 30_000);
      this.utilizationTimer.unref?.();
    }
    return this;
  }

  async stop(): Promise<void> {
    if (this.utilizationTimer) clearInterval(this.utilizationTimer);
    await Promise.all(this.caches.flatMap((c) => Object.values(c.reflectors).map((r) => r.stop())));
    this.started = false;
  }

  /** Resolves when every cluster's first list has succeeded or failed. */
  async ready(): Promise<void> {
    await Promise.all(
      this.caches.flatMap((c) => Object.values(c.reflectors).map((r) => r.firstSync)),
    );
  }

  clusterNames(): string[] {
    return this.caches.map((c) => c.name);
  }

  /** The cache of one cluster, for tests that wait for a change instead of sleeping. */
  reflector(cluster: string, resource: ResourceName): Reflector | undefined {
    return this.caches.find((c) => c.name === cluster)?.reflectors[resource];
  }

  private identity(c: ClusterCache) {
    return c.derive("identity", ["namespaces", "nodes"], () =>
      clusterIdentity(c.items("namespaces"), c.items("nodes")),
    );
  }

  private staleError(c: ClusterCache, f: ClusterFreshness) {
    const age = f.asOf
      ? `; last good data ${Math.round((clock.ms() - f.asOf.getTime()) / 1000)} s old`
      : "; no data read yet";
    return { source: c.name, message: `${f.reason ?? "not current"}${age}` };
  }

  async clusters(): Promise<PartialResult<ClusterState[]>> {
    const errors: PartialResult<unknown>["errors"] = [];
    const data: ClusterState[] = [];
    const now = clock.now();
    for (const c of this.caches) {
      const freshness = c.freshness();
      if (!freshness.live) errors.push(this.staleError(c, freshness));
      const id = this.identity(c);
      if (!id.region) {
        if (freshness.live)
          errors.push({
            source: c.name,
            message: `no region: label the kube-system namespace with ${LABELS.region}, or the nodes with topology.kubernetes.io/region`,
          });
        continue;
      }
      // Recomputed when nodes or pods change, utilization is read again, or a minute passes
      // (a joining node stops counting as the pool scaling up after 10 minutes).
      const pools = c.derive(
        "pools",
        ["nodes", "pods"],
        () => nodePools(c.items("nodes"), c.items("pods"), now, this.utilization),
        `${this.utilizationRead}|${Math.floor(now.getTime() / 60_000)}`,
      );
      data.push({
        name: c.name,
        region: id.region,
        status: clusterStatus(pools, !freshness.live),
        pools,
        provider: id.provider,
        kubernetesVersion: c.version,
        role: id.role,
        freshness,
      });
    }
    return { data, errors };
  }

  async namespaces(): Promise<PartialResult<NamespaceState[]>> {
    return this.perCluster((c) =>
      c.derive("namespaces", ["namespaces", "resourceQuotas", "pods"], () =>
        namespaceStates(c.name, c.items("namespaces"), c.items("resourceQuotas"), c.items("pods")),
      ),
    );
  }

  async autoscalers(): Promise<PartialResult<HpaState[]>> {
    return this.perCluster((c) =>
      c.derive("autoscalers", ["autoscalers"], () =>
        autoscalerStates(c.name, c.items("autoscalers")),
      ),
    );
  }

  /**
   * Sets an autoscaler's minimum and maximum (autoscaling/v2 HPA `spec.minReplicas` and
   * `spec.maxReplicas`), with a merge patch conditional on the resource version of the cached
   * copy whose bounds the caller expected: a bound changed since fails with ConflictError.
   */
  async setAutoscalerBounds(
    key: AutoscalerKey,
    expected: { min: number; max: number },
    bounds: { min: number; max: number },
  ): Promise<void> {
    const what = "set autoscaler";
    if (!Number.isInteger(bounds.min) || !Number.isInteger(bounds.max) || bounds.min < 1) {
      throw new PlatformError(what, "bounds must be whole numbers, minimum at least 1");
    }
    if (bounds.min > bounds.max) {
      throw new PlatformError(what, `minimum ${bounds.min} is above maximum ${bounds.max}`);
    }
    const cache = this.cacheOf(key.cluster, what);
    const hpa = cache
      .items("autoscalers")
      .find(
        (h) =>
          h.metadata.namespace === key.namespace &&
          (rec(rec(h.spec).scaleTargetRef).name ?? h.metadata.name) === key.target,
      );
    if (!hpa) {
      throw new PlatformError(
        what,
        `no autoscaler for ${key.namespace}/${key.target} in ${key.cluster}`,
      );
    }
    const state = autoscalerStates(key.cluster, [hpa])[0];
    if (!state || state.min !== expected.min || state.max !== expected.max) {
      throw new ConflictError(
        `autoscaler ${key.namespace}/${key.target}`,
        `${expected.min}-${expected.max}`,
        `${state?.min}-${state?.max}`,
      );
    }
    const path = `/apis/autoscaling/v2/namespaces/${encodeURIComponent(key.namespace)}/horizontalpodautoscalers/${encodeURIComponent(hpa.metadata.name)}`;
    await this.write(
      { cluster: key.cluster, namespace: key.namespace, name: hpa.metadata.name },
      what,
      path,
      conditional(hpa.metadata.resourceVersion ?? "", {
        spec: { minReplicas: bounds.min, maxReplicas: bounds.max },
      }),
    );
  }

  /** Reads a cluster's cached objects; a cluster that is not current adds an error, and its last data. */
  private perCluster<T>(read: (c: ClusterCache) => T[]): PartialResult<T[]> {
    const errors: PartialResult<unknown>["errors"] = [];
    const data: T[] = [];
    for (const c of this.caches) {
      const f = c.freshness();
      if (!f.live) errors.push(this.staleError(c, f));
      if (f.asOf || f.resources.some((r) => r.asOf)) data.push(...read(c));
    }
    return { data, errors };
  }

  /** Workloads that carry a model label but cannot be read (missing labels), per cluster. */
  workloadProblems(): { cluster: string; problems: WorkloadProblem[] }[] {
    return this.caches.map((c) => ({ cluster: c.name, problems: this.workloadsOf(c).problems }));
  }

  private workloadsOf(c: ClusterCache) {
    const region = this.identity(c).region;
    if (!region) return { deployments: [], problems: [] };
    return c.derive(
      "workloads",
      [
        "deployments",
        "replicaSets",
        "rollouts",
        "inferenceServices",
        "pods",
        "namespaces",
        "nodes",
      ],
      () =>
        servingDeployments(
          { name: c.name, region },
          {
            deployments: c.items("deployments"),
            replicaSets: c.items("replicaSets"),
            rollouts: c.items("rollouts"),
            inferenceServices: c.items("inferenceServices"),
            pods: c.items("pods"),
            nodes: c.items("nodes"),
          },
        ),
    );
  }

  /**
   * Serving deployments of current clusters only: traffic weights drive soaks and promotions,
   * so a cluster that is not current contributes an error, never its old weights.
   */
  async deployments(selector: Selector): Promise<PartialResult<ServingDeployment[]>> {
    assertSelector(selector);
    const errors: PartialResult<unknown>["errors"] = [];
    const data: ServingDeployment[] = [];
    for (const c of this.caches) {
      if (selector.cluster && selector.cluster !== c.name) continue;
      const f = c.freshness();
      if (!f.live) {
        errors.push(this.staleError(c, f));
        continue;
      }
      const { deployments, problems } = this.workloadsOf(c);
      for (const p of problems)
        errors.push({ source: c.name, message: `${p.workload}: ${p.message}` });
      data.push(
        ...deployments.filter(
          (d) =>
            (!selector.model || d.model === selector.model) &&
            (!selector.version || d.version === selector.version) &&
            (!selector.region || d.region === selector.region) &&
            (!selector.cluster || d.cluster === selector.cluster) &&
            (!selector.environment || d.environment === selector.environment),
        ),
      );
    }
    return { data, errors };
  }

  async health(): Promise<AdapterHealth> {
    const states = this.caches.map((c) => ({ name: c.name, f: c.freshness() }));
    const stale = states.filter((s) => !s.f.live);
    const status = stale.length === 0 ? "ok" : stale.length === states.length ? "down" : "degraded";
    return {
      adapter: "kubernetes",
      status,
      detail:
        stale.length === 0
          ? `${states.length} cluster${states.length === 1 ? "" : "s"} live`
          : stale.map((s) => `${s.name}: ${s.f.reason ?? "not current"}`).join("; "),
      checkedAt: clock.now(),
    };
  }

  // -------------------------------------------------------------------------------------------
  // Driving Argo Rollouts (argo.ts says who owns the steps).

  private cacheOf(cluster: string, what: string): ClusterCache {
    const cache = this.caches.find((c) => c.name === cluster);
    if (!cache) throw new PlatformError(what, `no cluster named ${cluster}`);
    return cache;
  }

  async rollouts(
    selector: Selector & { environment?: Environment },
  ): Promise<PartialResult<RolloutObject[]>> {
    assertSelector(selector);
    const errors: PartialResult<unknown>["errors"] = [];
    const data: RolloutObject[] = [];
    for (const c of this.caches) {
      const f = c.freshness();
      if (!f.live) {
        errors.push(this.staleError(c, f));
        continue;
      }
      const region = this.identity(c).region;
      if (!region || (selector.cluster && selector.cluster !== c.name)) continue;
      const objects = [
        ...c.items("rollouts").map((r) => ({
          kind: "Rollout",
          r,
          read: () => argoRolloutObject({ name: c.name, region }, r, c.items("replicaSets")),
        })),
        ...c.items("inferenceServices").map((r) => ({
          kind: "InferenceService",
          r,
          read: () => inferenceServiceObject({ name: c.name, region }, r, c.items("pods")),
        })),
      ];
      for (const { kind, r, read } of objects) {
        if (!r.metadata.labels?.[LABELS.model]) continue;
        const o = read();
        if (typeof o === "string") {
          errors.push({
            source: c.name,
            message: `${kind} ${r.metadata.namespace}/${r.metadata.name}: ${o}`,
          });
          continue;
        }
        if (
          (!selector.model || o.model === selector.model) &&
          (!selector.region || o.region === selector.region) &&
          (!selector.environment || o.environment === selector.environment) &&
          (!selector.version ||
            o.stableVersion === selector.version ||
            o.canaryVersion === selector.version)
        )
          data.push(o);
      }
    }
    return { data, errors };
  }

  /**
   * Reads the object behind a rollout key from the API server itself (not the cache), for a
   * write: an Argo Rollout with its ReplicaSets, or a KServe InferenceService.
   */
  private async readTarget(key: RolloutKey, what: string): Promise<Target> {
    const cache = this.cacheOf(key.cluster, what);
    const f = cache.freshness();
    // A cluster whose data is not current is not driven: the page could not show the truth.
    if (!f.live)
      throw new PlatformError(
        what,
        `cluster ${cache.name} is not reachable: ${f.reason ?? "not current"}`,
      );
    const ns = encodeURIComponent(key.namespace);
    const name = encodeURIComponent(key.name);
    const region = this.identity(cache).region ?? "";
    const isKServe =
      !cache.reflectors.rollouts
        .items()
        .some((r) => r.metadata.namespace === key.namespace && r.metadata.name === key.name) &&
      cache.reflectors.inferenceServices
        .items()
        .some((r) => r.metadata.namespace === key.namespace && r.metadata.name === key.name);
    try {
      if (isKServe) {
        const path = `/apis/serving.kserve.io/v1beta1/namespaces/${ns}/inferenceservices/${name}`;
        const object = await cache.connection.get<KubeObject>(path);
        const read = inferenceServiceObject(
          { name: cache.name, region },
          object,
          cache.items("pods"),
        );
        if (typeof read === "string")
          throw new PlatformError(what, `${key.namespace}/${key.name}: ${read}`);
        return { kind: "kserve", cache, path, object, read };
      }
      const path = `/apis/argoproj.io/v1alpha1/namespaces/${ns}/rollouts/${name}`;
      const [object, sets] = await Promise.all([
        cache.connection.get<KubeObject>(path),
        cache.connection.listAll(`/apis/apps/v1/namespaces/${ns}/replicasets`, {
          labelSelector: "rollouts-pod-template-hash",
        }),
      ]);
      const read = argoRolloutObject({ name: cache.name, region }, object, sets.items);
      if (typeof read === "string")
        throw new PlatformError(what, `${key.namespace}/${key.name}: ${read}`);
      return {
        kind: "argo",
        cache,
        path,
        object,
        read,
        replicaSets: ownedReplicaSets(object, sets.items),
      };
    } catch (error) {
      throw this.platformError(error, what, key, "get");
    }
  }

  /** A cluster's refusal as the contract's errors, in words an engineer can act on. */
  private platformError(error: unknown, what: string, key: RolloutKey, verb: string): Error {
    if (error instanceof PlatformError || error instanceof ConflictError) return error;
    const where = `${key.namespace}/${key.name} on ${key.cluster}`;
    if (error instanceof KubeApiError) {
      if (error.status === 409)
        return new ConflictError(`rollout ${where}`, "the version read", "a newer one");
      if (error.status === 403)
        return new PlatformError(
          what,
          `Flightdeck's service account may not ${verb} rollouts in namespace ${key.namespace} of ${key.cluster} (${error.message})`,
        );
      if (error.status === 404) return new PlatformError(what, `rollout ${where} does not exist`);
      if (error.status === 401) return new PlatformError(what, describeKubeError(error));
      if (error.status >= 500 && verb !== "get")
        return new OutcomeUnknownError(`${what} on ${where}`, error);
      return new PlatformError(what, `${where}: ${describeKubeError(error)}`);
    }
    if (error instanceof KubeUnreachableError) {
      // Refused before anything was sent changed nothing; a reset or timeout may have.
      const unsent = ["ECONNREFUSED", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH"];
      if (
        verb === "get" ||
        (error.code && unsent.includes(error.code)) ||
        /TLS|certificate/i.test(error.message)
      )
        return new PlatformError(what, `${key.cluster}: ${error.message}`);
      return new OutcomeUnknownError(`${what} on ${where}`, error);
    }
    return error instanceof Error ? error : new Error(String(error));
  }

  private async write(
    key: RolloutKey,
    what: string,
    path: string,
    body: unknown,
    type:
      | "application/merge-patch+json"
      | "application/json-patch+json" = "application/merge-patch+json",
  ): Promise<{ resourceVersion: string }> {
    const cache = this.cacheOf(key.cluster, what);
    try {
      const written = await cache.connection.patch<KubeObject>(path, body, type);
      return { resourceVersion: written.metadata.resourceVersion ?? "" };
    } catch (error) {
      throw this.platformError(error, what, key, "patch");
    }
  }

  /** Reads the object and checks the caller read the version it is now at. */
  private async current(ref: RolloutRef, what: string): Promise<Target> {
    const target = await this.readTarget(ref, what);
    if (target.read.resourceVersion !== ref.resourceVersion)
      throw new ConflictError(
        `rollout ${ref.namespace}/${ref.name}`,
        ref.resourceVersion,
        target.read.resourceVersion,
      );
    return target;
  }

  private async artifactOf(model: string, version: string, what: string) {
    const artifact = await this.options.artifact?.(model, version);
    if (!artifact) throw new PlatformError(what, `${model} ${version} is not in the registry`);
    return artifact;
  }

  async rollout(key: RolloutKey): Promise<RolloutObject> {
    return (await this.readTarget(key, "read rollout")).read;
  }

  async setVersion(ref: RolloutRef, version: string): Promise<{ resourceVersion: string }> {
    const what = "set version";
    // the version becomes a label value: refuse before any call rather than half-apply it
    if (!VERSION_NAME.test(version)) throw new PlatformError(what, VERSION_NAME_RULE);
    const t = await this.current(ref, what);
    const { imageDigest, artifactUri } = await this.artifactOf(t.read.model, version, what);
    if (t.kind === "kserve") {
      const patch = kserveSetVersion(t.object, t.read, version, artifactUri);
      if (typeof patch === "string") throw new PlatformError(what, patch);
      return this.write(ref, what, t.path, patch);
    }
    const patch = setVersionPatch(t.object, version, imageDigest);
    if (typeof patch === "string") throw new PlatformError(what, patch);
    return this.write(ref, what, t.path, patch, "application/json-patch+json");
  }

  async setCanaryWeight(ref: RolloutRef, weight: number): Promise<{ resourceVersion: string }> {
    const what = "set canary weight";
    if (!Number.isInteger(weight) || weight < 0 || weight > 100)
      throw new PlatformError(what, `weight must be a whole percent from 0 to 100, not ${weight}`);
    const t = await this.current(ref, what);
    if (t.read.canaryVersion === null) throw new PlatformError(what, "no rollout in progress");
    if (t.read.aborted) throw new PlatformError(what, "the rollout is aborted: retry it first");
    const spec =
      t.kind === "kserve"
        ? { predictor: { canaryTrafficPercent: weight } }
        : { strategy: { canary: { steps: stepsAt(weight) } } };
    return this.write(ref, what, t.path, conditional(ref.resourceVersion, { spec }));
  }

  async pause(ref: RolloutRef): Promise<{ resourceVersion: string }> {
    const t = await this.current(ref, "pause");
    const patch =
      t.kind === "kserve"
        ? { metadata: { annotations: { [PAUSED]: "true" } } }
        : { spec: { paused: true } };
    return this.write(ref, "pause", t.path, conditional(ref.resourceVersion, patch));
  }

  async resume(ref: RolloutRef): Promise<{ resourceVersion: string }> {
    const t = await this.current(ref, "resume");
    const patch =
      t.kind === "kserve"
        ? { metadata: { annotations: { [PAUSED]: null } } }
        : { spec: { paused: false } };
    return this.write(ref, "resume", t.path, conditional(ref.resourceVersion, patch));
  }

  async promote(ref: RolloutRef, opts: { full: boolean }): Promise<{ resourceVersion: string }> {
    const what = opts.full ? "promote full" : "promote";
    const t = await this.current(ref, what);
    if (t.read.canaryVersion === null) throw new PlatformError(what, "no rollout in progress");
    if (t.read.aborted) throw new PlatformError(what, "the rollout is aborted: retry it first");
    if (t.kind === "kserve") {
      // Promotion removes canaryTrafficPercent: the new revision takes all the traffic.
      const patch = opts.full
        ? {
            metadata: { annotations: { [PAUSED]: null } },
            spec: { predictor: { canaryTrafficPercent: null } },
          }
        : { metadata: { annotations: { [PAUSED]: null } } };
      return this.write(ref, what, t.path, conditional(ref.resourceVersion, patch));
    }
    if (opts.full) {
      return this.write(
        ref,
        what,
        `${t.path}/status`,
        conditional(ref.resourceVersion, { status: { promoteFull: true } }),
      );
    }
    // As the kubectl plugin promotes: unpause, then clear the pause conditions (status).
    const { resourceVersion } = await this.write(
      ref,
      what,
      t.path,
      conditional(ref.resourceVersion, { spec: { paused: false } }),
    );
    return this.write(
      ref,
      what,
      `${t.path}/status`,
      conditional(resourceVersion, { status: { pauseConditions: null } }),
    );
  }

  async abort(ref: RolloutRef): Promise<{ resourceVersion: string }> {
    const t = await this.current(ref, "abort");
    if (t.read.canaryVersion === null) throw new PlatformError("abort", "no rollout in progress");
    if (t.kind === "kserve") {
      // All traffic back to the previous rolled-out revision, and the abort recorded.
      return this.write(
        ref,
        "abort",
        t.path,
        conditional(ref.resourceVersion, {
          metadata: { annotations: { [ABORTED]: "true" } },
          spec: { predictor: { canaryTrafficPercent: 0 } },
        }),
      );
    }
    return this.write(
      ref,
      "abort",
      `${t.path}/status`,
      conditional(ref.resourceVersion, { status: { abort: true } }),
    );
  }

  async retry(ref: RolloutRef): Promise<{ resourceVersion: string }> {
    const t = await this.current(ref, "retry");
    if (!t.read.aborted) throw new PlatformError("retry", "the rollout is not aborted");
    if (t.kind === "kserve") {
      return this.write(
        ref,
        "retry",
        t.path,
        conditional(ref.resourceVersion, { metadata: { annotations: { [ABORTED]: null } } }),
      );
    }
    return this.write(
      ref,
      "retry",
      `${t.path}/status`,
      conditional(ref.resourceVersion, { status: { abort: false } }),
    );
  }

  async undo(ref: RolloutRef, toRevision: number): Promise<{ resourceVersion: string }> {
    const t = await this.current(ref, "undo");
    if (t.kind === "kserve") {
      const version = t.read.revisions.find((r) => r.revision === toRevision)?.version;
      if (!version) throw new PlatformError("undo", `revision ${toRevision} does not exist`);
      const { artifactUri } = await this.artifactOf(t.read.model, version, "undo");
      const patch = kserveUndo(t.object, t.read, version, artifactUri);
      if (typeof patch === "string") throw new PlatformError("undo", patch);
      return this.write(ref, "undo", t.path, patch);
    }
    const target = t.replicaSets.find(
      (rs) => Number(rs.metadata.annotations?.[REVISION]) === toRevision,
    );
    if (!target) throw new PlatformError("undo", `revision ${toRevision} does not exist`);
    // `kubectl argo rollouts undo` restores the template; Argo then runs the steps again for an
    // older one. A rollback should not wait for canary steps: Flightdeck promotes it at once.
    const { resourceVersion } = await this.write(
      ref,
      "undo",
      t.path,
      undoPatch(t.object, target),
      "application/json-patch+json",
    );
    const version = t.read.revisions.find((r) => r.revision === toRevision)?.version;
    let rv = resourceVersion;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.write(
          ref,
          "undo",
          `${t.path}/status`,
          conditional(rv, { status: { promoteFull: true } }),
        );
      } catch (error) {
        // Argo moved the object between the two writes (a new ReplicaSet, say): read it again.
        if (!(error instanceof ConflictError) || attempt >= 3) throw error;
        const after = await this.readTarget(ref, "undo");
        if (after.read.canaryVersion === null && after.read.stableVersion === version)
          return { resourceVersion: after.read.resourceVersion };
        rv = after.read.resourceVersion;
      }
    }
  }

  /** Every cluster's PyTorchJobs (training.ts); a checkpoints annotation it cannot read is an error. */
  async jobs(): Promise<PartialResult<TrainingJobState[]>> {
    const errors: PartialResult<unknown>["errors"] = [];
    const data: TrainingJobState[] = [];
    const now = clock.now();
    for (const c of this.caches) {
      const f = c.freshness();
      if (!f.live) errors.push(this.staleError(c, f));
      if (!(f.asOf || f.resources.some((r) => r.asOf))) continue;
      // Recomputed when the jobs, their pods or the nodes change, or a minute passes (the
      // running time of a job moves on).
      const read = c.derive(
        "training",
        ["pytorchJobs", "trainingPods", "nodes"],
        () =>
          pytorchJobStates(
            c.name,
            c.items("pytorchJobs"),
            c.items("trainingPods"),
            c.items("nodes"),
            now,
          ),
        String(Math.floor(now.getTime() / 60_000)),
      );
      data.push(...read.jobs);
      for (const p of read.problems)
        errors.push({ source: c.name, message: `PyTorchJob ${p.job}: ${p.message}` });
    }
    return { data, errors };
  }

  async resumeFromCheckpoint(job: string): Promise<TrainingJobState> {
    throw new PlatformError(
      "resume training job",
      `${job}: a PyTorchJob is restarted by the training operator within its runPolicy.backoffLimit; once it has failed, submit it again (it resumes from its last checkpoint if the training script loads one)`,
    );
  }
}
