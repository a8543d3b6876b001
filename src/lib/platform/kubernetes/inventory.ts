/**
 * From Kubernetes objects to the platform contract: node pools and GPUs from nodes and pods,
 * namespaces and GPU quotas, autoscalers, and the serving workloads of each model version with
 * the traffic split they report. Pure functions of the cached objects (no I/O), so each rule is
 * tested on its own. The labels read here are the convention documented in the README
 * ("Connect your clusters").
 */
import type {
  ClusterState,
  Environment,
  GpuType,
  HpaState,
  NamespaceState,
  NodePoolState,
  ServingDeployment,
} from "../types";
import type { KubeObject } from "./client";
import { arr, num, ownedReplicaSets, rec, str, templateVersion, VERSION_LABEL } from "./fields";

export const LABELS = {
  region: "flightdeck.dev/region",
  provider: "flightdeck.dev/provider",
  role: "flightdeck.dev/role",
  team: "flightdeck.dev/team",
  model: "flightdeck.dev/model",
  version: VERSION_LABEL,
  environment: "flightdeck.dev/environment",
  previousVersion: "flightdeck.dev/previous-version",
  trafficWeight: "flightdeck.dev/traffic-weight",
  nodePool: "flightdeck.dev/node-pool",
} as const;

/** The node-pool label each provider sets, in the order they are tried. */
export const NODE_POOL_LABELS: { label: string; provider: string }[] = [
  { label: "cloud.google.com/gke-nodepool", provider: "gke" },
  { label: "eks.amazonaws.com/nodegroup", provider: "eks" },
  { label: "karpenter.sh/nodepool", provider: "eks" },
  { label: "kubernetes.azure.com/agentpool", provider: "aks" },
  { label: LABELS.nodePool, provider: "other" },
];

export const GPU_RESOURCE = "nvidia.com/gpu";
/** MIG slices in the "mixed" strategy: `nvidia.com/mig-1g.10gb` and the like */
const MIG_PREFIX = "nvidia.com/mig-";
const GPU_PRODUCT = "nvidia.com/gpu.product";
const REGION_LABEL = "topology.kubernetes.io/region";

/** GPU families by the product name GPU feature discovery reports, most specific first. */
const GPU_FAMILIES: [RegExp, GpuType][] = [
  [/H200/i, "H200"],
  [/H100/i, "H100"],
  [/B200/i, "B200"],
  [/A100/i, "A100"],
  [/L40S/i, "L40S"],
  [/\bL4\b|-L4(\b|-)/i, "L4"],
  [/A10G/i, "A10G"],
  [/\bT4\b|-T4(\b|-)/i, "T4"],
];

export function gpuTypeOf(product: string | undefined): GpuType {
  if (!product) return "other";
  for (const [pattern, type] of GPU_FAMILIES) if (pattern.test(product)) return type;
  return "other";
}

type Quantity = string | number | undefined;

/** An integer resource quantity ("8", 8, "2k"); GPUs are whole numbers. */
export function quantity(value: Quantity): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === "number") return Math.max(0, Math.floor(value));
  const match = /^(\d+(?:\.\d+)?)(k|M|G)?$/.exec(value.trim());
  if (!match) return 0;
  const scale = { k: 1e3, M: 1e6, G: 1e9 }[match[2] as "k" | "M" | "G"] ?? 1;
  return Math.floor(Number(match[1]) * scale);
}

const labels = (o: KubeObject) => o.metadata.labels ?? {};

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
const conditions = (o: { status?: Record<string, unknown> }): Condition[] =>
  arr(o.status?.conditions).map((c) => {
    const r = rec(c);
    return {
      type: str(r.type) ?? "",
      status: str(r.status) ?? "Unknown",
      reason: str(r.reason),
      message: str(r.message),
    };
  });

// ---------------------------------------------------------------------------------------------
// Cluster identity

export interface ClusterIdentity {
  region: string | null;
  provider: string;
  role: "serving" | "training" | "mixed";
}

/**
 * Region, provider and role from the labels on `kube-system`, falling back to the nodes'
 * topology region label and the provider their node-pool label implies.
 */
export function clusterIdentity(namespaces: KubeObject[], nodes: KubeObject[]): ClusterIdentity {
  const system = namespaces.find((n) => n.metadata.name === "kube-system");
  const own = system ? labels(system) : {};
  const count = (values: (string | undefined)[]) => {
    const counts = new Map<string, number>();
    for (const v of values) if (v) counts.set(v, (counts.get(v) ?? 0) + 1);
    return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
  };
  const region = own[LABELS.region] ?? count(nodes.map((n) => labels(n)[REGION_LABEL])) ?? null;
  const provider =
    own[LABELS.provider] ??
    count(
      nodes.map((n) => NODE_POOL_LABELS.find((p) => labels(n)[p.label] !== undefined)?.provider),
    ) ??
    "other";
  const role = own[LABELS.role];
  return {
    region,
    provider,
    role: role === "serving" || role === "training" ? role : "mixed",
  };
}

// ---------------------------------------------------------------------------------------------
// Nodes, pools and GPUs

const TERMINAL = new Set(["Succeeded", "Failed"]);

/** GPUs a pod spec (a pod's or a pod template's) requests: as `podGpus` counts them. */
function specGpus(spec: Record<string, unknown>): number {
  const of = (c: unknown) => {
    const resources = rec(rec(c).resources);
    const requests = rec(resources.requests);
    const limits = rec(resources.limits);
    return quantity((requests[GPU_RESOURCE] ?? limits[GPU_RESOURCE]) as Quantity);
  };
  const main = arr(spec.containers).reduce<number>((s, c) => s + of(c), 0);
  const init = arr(spec.initContainers).reduce<number>((m, c) => Math.max(m, of(c)), 0);
  return Math.max(main, init);
}

/** GPUs a pod holds: its containers' requests (limits where no request), init containers' peak. */
export function podGpus(pod: KubeObject): number {
  return specGpus(rec(pod.spec));
}

const podActive = (pod: KubeObject) => !TERMINAL.has(str(pod.status?.phase) ?? "");

function poolOf(node: KubeObject): string {
  const l = labels(node);
  for (const p of NODE_POOL_LABELS) {
    const pool = l[p.label];
    if (pool) return pool;
  }
  return "default";
}

export interface NodeFacts {
  name: string;
  pool: string;
  product: string | undefined;
  ready: boolean;
  notReadyReason: string;
  schedulable: boolean;
  capacity: number;
  allocatable: number;
  allocated: number;
  /** joined in the last 10 minutes and not ready yet: the autoscaler is adding it */
  joining: boolean;
  /** MIG slices by profile (`nvidia.com/mig-<profile>` resources, the "mixed" strategy) */
  mig: Record<string, number>;
}

export function nodeFacts(
  node: KubeObject,
  allocatedByNode: Map<string, number>,
  now: Date,
): NodeFacts {
  const status = rec(node.status);
  const ready = conditions(node).find((c) => c.type === "Ready");
  const isReady = ready?.status === "True";
  const created = Date.parse(node.metadata.creationTimestamp ?? "");
  return {
    name: node.metadata.name,
    pool: poolOf(node),
    product: labels(node)[GPU_PRODUCT],
    ready: isReady,
    notReadyReason: ready
      ? [ready.reason, ready.message].filter(Boolean).join(": ") || `Ready is ${ready.status}`
      : "no Ready condition reported",
    schedulable: rec(node.spec).unschedulable !== true,
    capacity: quantity(rec(status.capacity)[GPU_RESOURCE] as Quantity),
    allocatable: quantity(rec(status.allocatable)[GPU_RESOURCE] as Quantity),
    mig: Object.fromEntries(
      Object.entries(rec(status.capacity))
        .filter(([k]) => k.startsWith(MIG_PREFIX))
        .map(([k, v]) => [k.slice(MIG_PREFIX.length), quantity(v as Quantity)]),
    ),
    allocated: allocatedByNode.get(node.metadata.name) ?? 0,
    joining: !isReady && Number.isFinite(created) && now.getTime() - created < 10 * 60_000,
  };
}

/** GPUs requested by the running pods bound to each node. */
export function gpusAllocatedByNode(pods: KubeObject[]): Map<string, number> {
  const byNode = new Map<string, number>();
  for (const pod of pods) {
    const node = str(rec(pod.spec).nodeName);
    if (!node || !podActive(pod)) continue;
    const gpus = podGpus(pod);
    if (gpus > 0) byNode.set(node, (byNode.get(node) ?? 0) + gpus);
  }
  return byNode;
}

/** Labels that mark a pod as a training worker: Kubeflow's training operator, JobSet, Volcano. */
export const TRAINING_POD_LABELS = [
  "training.kubeflow.org/job-name",
  "training.kubeflow.org/replica-type",
  "jobset.sigs.k8s.io/jobset-name",
  "volcano.sh/job-name",
];
/** Labels that mark a pod as a serving replica: Argo Rollouts, KServe, Flightdeck's model label. */
export const SERVING_POD_LABELS = [
  "rollouts-pod-template-hash",
  "serving.kserve.io/inferenceservice",
  LABELS.model,
];

/**
 * What a GPU pod is, for capacity planning: training when it carries a training label, serving
 * when it carries a serving label (training wins when both do), otherwise other (notebooks,
 * batch jobs, anything unlabelled).
 */
export function podWorkKind(pod: KubeObject): "serving" | "training" | "other" {
  const l = labels(pod);
  if (TRAINING_POD_LABELS.some((k) => l[k] !== undefined)) return "training";
  if (SERVING_POD_LABELS.some((k) => l[k] !== undefined)) return "serving";
  return "other";
}

/** GPUs requested by the running serving and training pods bound to each node. */
export function gpusHeldByNode(
  pods: KubeObject[],
): Map<string, { serving: number; training: number }> {
  const byNode = new Map<string, { serving: number; training: number }>();
  for (const pod of pods) {
    const node = str(rec(pod.spec).nodeName);
    if (!node || !podActive(pod)) continue;
    const kind = podWorkKind(pod);
    const gpus = podGpus(pod);
    if (gpus <= 0 || kind === "other") continue;
    const h = byNode.get(node) ?? { serving: 0, training: 0 };
    h[kind] += gpus;
    byNode.set(node, h);
  }
  return byNode;
}

/**
 * Node pools with GPUs, from the nodes and the pods on them. `utilization` maps a node name to
 * its GPUs' mean utilization (0..1) where a metrics source has it; without any, a pool's
 * utilization is unknown (null), never invented.
 */
export function nodePools(
  nodes: KubeObject[],
  pods: KubeObject[],
  now: Date,
  utilization: Map<string, number> = new Map(),
): NodePoolState[] {
  const allocated = gpusAllocatedByNode(pods);
  const held = gpusHeldByNode(pods);
  const pools = new Map<string, NodeFacts[]>();
  for (const node of nodes) {
    const facts = nodeFacts(node, allocated, now);
    if (facts.capacity === 0 && !facts.product && Object.keys(facts.mig).length === 0) continue; // not a GPU node
    const members = pools.get(facts.pool);
    if (members) members.push(facts);
    else pools.set(facts.pool, [facts]);
  }
  return [...pools.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, members]) => {
      const usable = members.filter((n) => n.ready && n.schedulable);
      const readings = members
        .map((n) => utilization.get(n.name))
        .filter((u): u is number => u !== undefined);
      const unhealthyNodes = members
        .filter((n) => !n.ready || !n.schedulable || n.allocatable < n.capacity)
        .map((n) => ({
          name: n.name,
          ready: n.ready,
          reason: !n.ready
            ? n.notReadyReason
            : !n.schedulable
              ? `cordoned (unschedulable)${n.allocated > 0 ? `, ${n.allocated} GPUs still in use` : ""}`
              : `${n.capacity - n.allocatable} of ${n.capacity} GPUs not allocatable`,
        }));
      const products = members.map((n) => n.product).filter((p): p is string => Boolean(p));
      // Capacity planning counts GPUs on usable nodes only, as `allocated` does: a cordoned
      // node's GPUs are unavailable whatever still runs on them.
      const gpuNodes = members.map((n) => {
        const usable = n.ready && n.schedulable;
        const allocatable = usable ? Math.min(n.allocatable, n.capacity) : 0;
        const inUse = Math.min(n.allocated, allocatable);
        const h = held.get(n.name) ?? { serving: 0, training: 0 };
        const serving = Math.min(h.serving, inUse);
        return {
          name: n.name,
          gpus: n.capacity,
          allocatable,
          allocated: inUse,
          serving,
          training: Math.min(h.training, inUse - serving),
        };
      });
      const mig: Record<string, number> = {};
      for (const n of members)
        for (const [profile, count] of Object.entries(n.mig))
          mig[profile] = (mig[profile] ?? 0) + count;
      return {
        name,
        gpuType: gpuTypeOf(products[0]),
        gpuProduct: products[0] ?? null,
        ...(Object.keys(mig).length > 0 ? { migSlices: mig } : {}),
        gpusPerNode: Math.max(0, ...members.map((n) => n.capacity)),
        nodes: members.length,
        readyNodes: members.filter((n) => n.ready).length,
        unhealthyNodes,
        scalingUp: members.some((n) => n.joining),
        // The cluster autoscaler's bounds are not on the nodes: the pool's size is what is known.
        minNodes: members.length,
        maxNodes: members.length,
        boundsKnown: false,
        gpus: members.reduce((s, n) => s + n.capacity, 0),
        allocatable: usable.reduce((s, n) => s + n.allocatable, 0),
        allocated: usable.reduce((s, n) => s + Math.min(n.allocated, n.allocatable), 0),
        utilization:
          readings.length > 0
            ? Math.min(1, Math.max(0, readings.reduce((s, u) => s + u, 0) / readings.length))
            : null,
        allocatedTo: {
          serving: gpuNodes.reduce((s, n) => s + n.serving, 0),
          training: gpuNodes.reduce((s, n) => s + n.training, 0),
        },
        gpuNodes,
      } satisfies NodePoolState;
    });
}

export function clusterStatus(pools: NodePoolState[], stale: boolean): ClusterState["status"] {
  if (stale) return "unreachable";
  return pools.some((p) => p.readyNodes < p.nodes) ? "degraded" : "healthy";
}

// ---------------------------------------------------------------------------------------------
// Namespaces, quotas, autoscalers

const SYSTEM_NAMESPACE = /^(kube-|default$|local-path-storage$)/;

/**
 * Namespaces that own GPUs or belong to a team: the GPU quota (the tightest
 * `requests.nvidia.com/gpu` of its ResourceQuotas, 0 when none) and GPUs in use (the quota's
 * `used`, or the sum of its running pods' requests where no quota counts them).
 */
export function namespaceStates(
  cluster: string,
  namespaces: KubeObject[],
  quotas: KubeObject[],
  pods: KubeObject[],
): NamespaceState[] {
  const quota = new Map<string, { hard: number; used: number | null }>();
  for (const q of quotas) {
    const ns = q.metadata.namespace ?? "";
    const hardRaw =
      rec(rec(q.status).hard)[`requests.${GPU_RESOURCE}`] ??
      rec(rec(q.spec).hard)[`requests.${GPU_RESOURCE}`];
    if (hardRaw === undefined) continue;
    const usedRaw = rec(rec(q.status).used)[`requests.${GPU_RESOURCE}`];
    const hard = quantity(hardRaw as Quantity);
    const prev = quota.get(ns);
    quota.set(ns, {
      hard: prev ? Math.min(prev.hard, hard) : hard,
      used: usedRaw === undefined ? (prev?.used ?? null) : quantity(usedRaw as Quantity),
    });
  }
  const podGpusByNs = new Map<string, number>();
  for (const pod of pods) {
    if (!podActive(pod)) continue;
    const ns = pod.metadata.namespace ?? "";
    podGpusByNs.set(ns, (podGpusByNs.get(ns) ?? 0) + podGpus(pod));
  }
  return namespaces
    .filter((n) => {
      const name = n.metadata.name;
      return (
        labels(n)[LABELS.team] !== undefined ||
        quota.has(name) ||
        (!SYSTEM_NAMESPACE.test(name) && (podGpusByNs.get(name) ?? 0) > 0)
      );
    })
    .map((n) => {
      const name = n.metadata.name;
      const q = quota.get(name);
      return {
        cluster,
        name,
        team: labels(n)[LABELS.team] ?? null,
        gpuQuota: q?.hard ?? 0,
        gpuUsed: q?.used ?? podGpusByNs.get(name) ?? 0,
      };
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

export function autoscalerStates(cluster: string, hpas: KubeObject[]): HpaState[] {
  return hpas
    .map((h) => {
      const spec = rec(h.spec);
      const status = rec(h.status);
      const target = rec(spec.scaleTargetRef);
      return {
        cluster,
        namespace: h.metadata.namespace ?? "",
        target: str(target.name) ?? h.metadata.name,
        targetKind: str(target.kind) ?? null,
        min: num(spec.minReplicas) ?? 1,
        max: num(spec.maxReplicas) ?? 1,
        current: num(status.currentReplicas) ?? 0,
        desired: num(status.desiredReplicas) ?? 0,
        conditions: conditions(h)
          .filter(
            (c) =>
              (c.type === "ScalingLimited" && c.status === "True") ||
              ((c.type === "AbleToScale" || c.type === "ScalingActive") && c.status === "False"),
          )
          .map((c) => ({ type: c.type, reason: c.reason ?? "", message: c.message ?? "" })),
      };
    })
    .sort((a, b) => `${a.namespace}/${a.target}`.localeCompare(`${b.namespace}/${b.target}`));
}

// ---------------------------------------------------------------------------------------------
// Serving workloads

export interface WorkloadProblem {
  workload: string;
  message: string;
}

interface Part {
  version: string;
  ready: number;
  desired: number;
  weight: number | null;
  /** the pod spec a replica of this version runs (its pod template's), where known */
  podSpec?: Record<string, unknown>;
  /** keys of this version's own pods in the pod index (its ReplicaSets, its KServe revisions) */
  podKeys?: string[];
}

interface Workload {
  kind: "Deployment" | "Rollout" | "InferenceService";
  namespace: string;
  name: string;
  model: string;
  environment: Environment;
  parts: Part[];
}

const ISVC_LABEL = "serving.kserve.io/inferenceservice";
const REVISION_LABEL = "serving.knative.dev/revision";
const ROLLOUT_HASH = "rollouts-pod-template-hash";
const DEPLOYMENT_HASH = "pod-template-hash";

/** An object's pod template spec, where it has one that names containers. */
function templateSpec(
  o: { spec?: Record<string, unknown> } | undefined,
): Record<string, unknown> | undefined {
  const spec = rec(rec(rec(o?.spec).template).spec);
  return arr(spec.containers).length > 0 ? spec : undefined;
}

/**
 * An InferenceService's predictor as a pod spec: the predictor is one, its model server the
 * `model` field or a framework's (`pytorch`, `triton`, …), each a container, and a custom
 * predictor lists `containers`. Undefined when no container states its resources (the serving
 * runtime then sets them, and only the running pods say what they hold).
 */
function predictorSpec(isvc: KubeObject): Record<string, unknown> | undefined {
  const predictor = rec(rec(isvc.spec).predictor);
  const servers = Object.entries(predictor)
    .filter(([k, v]) => k !== "workerSpec" && rec(v).resources !== undefined)
    .map(([, v]) => v);
  const containers = [...arr(predictor.containers), ...servers];
  return containers.length > 0 ? { ...predictor, containers } : undefined;
}

/**
 * The GPU family a pod spec pins its pods to, by the GPU product label the nodes carry: its
 * nodeSelector, else a required node affinity every term of which allows products of one family
 * only. Undefined when neither pins one.
 */
function podSpecGpuType(spec: Record<string, unknown>): GpuType | undefined {
  const selected = str(rec(spec.nodeSelector)[GPU_PRODUCT]);
  if (selected) return gpuTypeOf(selected);
  const required = rec(
    rec(rec(spec.affinity).nodeAffinity).requiredDuringSchedulingIgnoredDuringExecution,
  );
  const terms = arr(required.nodeSelectorTerms).map(rec);
  if (terms.length === 0) return undefined;
  const families = new Set<GpuType>();
  for (const term of terms) {
    const sets = arr(term.matchExpressions)
      .map(rec)
      .filter((e) => e.key === GPU_PRODUCT && e.operator === "In")
      .map((e) => arr(e.values).filter((v): v is string => typeof v === "string"));
    // Terms are alternatives: one that names no product lets the pods onto any node.
    if (sets.length === 0) return undefined;
    // Expressions within a term all hold: the products every one of them allows.
    const allowed = sets.reduce((a, b) => a.filter((v) => b.includes(v)));
    for (const product of allowed) families.add(gpuTypeOf(product));
  }
  return families.size === 1 ? [...families][0] : undefined;
}

/** What the running pods of a workload, a ReplicaSet or a KServe revision say about one replica. */
interface PodFacts {
  pods: number;
  /** of them, placed on a node (holding their GPUs, ready or starting) */
  scheduled: number;
  /** the most GPUs one of them holds */
  gpus: number;
  /** GPU pods by the GPU family of the node they run on */
  types: Map<GpuType, number>;
}

/**
 * The keys under which a pod's facts are filed: its InferenceService and KServe revision, its
 * ReplicaSet (by owner reference, or by its name and template hash label) and that ReplicaSet's
 * Deployment or Rollout (by the ReplicaSet's owner where it is known, else by the ReplicaSet's
 * name, which is the workload's name and the hash).
 */
function podIndexKeys(pod: KubeObject, rsOwner: Map<string, string>): string[] {
  const ns = pod.metadata.namespace ?? "";
  const l = labels(pod);
  const keys: string[] = [];
  if (l[ISVC_LABEL]) keys.push(`InferenceService:${ns}/${l[ISVC_LABEL]}`);
  if (l[REVISION_LABEL]) keys.push(`revision:${ns}/${l[REVISION_LABEL]}`);
  const hash = l[ROLLOUT_HASH] ?? l[DEPLOYMENT_HASH];
  const name = pod.metadata.name;
  const at = hash ? name.lastIndexOf(`-${hash}-`) : -1;
  const rs =
    pod.metadata.ownerReferences?.find((o) => o.kind === "ReplicaSet")?.name ??
    (hash && at > 0 ? name.slice(0, at + hash.length + 1) : undefined);
  if (!rs) return keys;
  keys.push(`ReplicaSet:${ns}/${rs}`);
  const owner =
    rsOwner.get(`${ns}/${rs}`) ??
    (hash && rs.endsWith(`-${hash}`)
      ? `${l[ROLLOUT_HASH] ? "Rollout" : "Deployment"}:${ns}/${rs.slice(0, -hash.length - 1)}`
      : undefined);
  if (owner) keys.push(owner);
  return keys;
}

/** The weight Argo Rollouts has set at the current step: the last setWeight at or before it. */
export function argoStepWeight(rollout: KubeObject): number {
  const canary = rec(rec(rollout.spec).strategy).canary;
  const steps = arr(rec(canary).steps);
  const index = num(rollout.status?.currentStepIndex) ?? 0;
  if (index >= steps.length) return 100;
  for (let i = index; i >= 0; i--) {
    const weight = num(rec(steps[i]).setWeight);
    if (weight !== undefined) return weight;
  }
  return 0;
}

function rolloutParts(rollout: KubeObject, replicaSets: KubeObject[]): Part[] | string {
  const status = rec(rollout.status);
  const owned = ownedReplicaSets(rollout, replicaSets);
  const byHash = (hash: string | undefined) =>
    hash ? owned.find((rs) => labels(rs)["rollouts-pod-template-hash"] === hash) : undefined;
  const currentHash = str(status.currentPodHash);
  const stableHash = str(status.stableRS) ?? currentHash;
  const desiredVersion = templateVersion(rollout);
  const stableRs = byHash(stableHash);
  const currentRs = byHash(currentHash);
  const stableVersion =
    (stableRs && templateVersion(stableRs)) ??
    (stableHash === currentHash ? desiredVersion : undefined);
  if (!stableVersion) return `no ${LABELS.version} label on the stable ReplicaSet's pods`;
  const replicas = (rs: KubeObject | undefined) => ({
    ready: num(rs?.status?.readyReplicas) ?? 0,
    desired: num(rec(rs?.spec).replicas) ?? 0,
  });
  // A version's pods: its ReplicaSet's template, else the Rollout's own.
  const pods = (...sets: (KubeObject | undefined)[]) => {
    const own = sets.filter((rs): rs is KubeObject => rs !== undefined);
    const podSpec = own.map(templateSpec).find(Boolean) ?? templateSpec(rollout);
    return {
      ...(podSpec ? { podSpec } : {}),
      podKeys: own.map((rs) => `ReplicaSet:${rs.metadata.namespace ?? ""}/${rs.metadata.name}`),
    };
  };
  if (!currentHash || currentHash === stableHash) {
    const r = stableRs
      ? replicas(stableRs)
      : { ready: num(status.readyReplicas) ?? 0, desired: num(rec(rollout.spec).replicas) ?? 1 };
    return [{ version: stableVersion, ...r, weight: 100, ...pods(stableRs) }];
  }
  const canaryVersion = (currentRs && templateVersion(currentRs)) ?? desiredVersion;
  if (!canaryVersion) return `no ${LABELS.version} label on the canary's pods`;
  const aborted = status.abort === true;
  const isCanary = rec(rec(rollout.spec).strategy).canary !== undefined;
  const reported = num(rec(rec(rec(status.canary).weights).canary).weight);
  const weight = aborted || !isCanary ? 0 : (reported ?? argoStepWeight(rollout));
  if (canaryVersion === stableVersion) {
    const s = replicas(stableRs);
    const c = replicas(currentRs);
    return [
      {
        version: stableVersion,
        ready: s.ready + c.ready,
        desired: s.desired + c.desired,
        weight: 100,
        ...pods(currentRs, stableRs),
      },
    ];
  }
  return [
    { version: stableVersion, ...replicas(stableRs), weight: 100 - weight, ...pods(stableRs) },
    // An aborted canary serves nothing: it is no deployment any more.
    ...(aborted
      ? []
      : [{ version: canaryVersion, ...replicas(currentRs), weight, ...pods(currentRs) }]),
  ];
}

function inferenceServiceParts(isvc: KubeObject, pods: KubeObject[]): Part[] | string {
  const latest = labels(isvc)[LABELS.version];
  if (!latest) return `no ${LABELS.version} label`;
  const previous = isvc.metadata.annotations?.[LABELS.previousVersion];
  const podSpec = predictorSpec(isvc);
  const spec = podSpec ? { podSpec } : {};
  const predictor = rec(rec(rec(isvc.status).components).predictor);
  const traffic = arr(predictor.traffic).map(rec);
  const mine = pods.filter(
    (p) =>
      p.metadata.namespace === isvc.metadata.namespace &&
      labels(p)["serving.kserve.io/inferenceservice"] === isvc.metadata.name,
  );
  const podsOf = (revision: string | undefined) => {
    const of = mine.filter(
      (p) => !revision || labels(p)["serving.knative.dev/revision"] === revision,
    );
    return {
      desired: of.filter(podActive).length,
      ready: of.filter((p) => conditions(p).some((c) => c.type === "Ready" && c.status === "True"))
        .length,
    };
  };
  if (traffic.length === 0)
    return [{ version: latest, ...podsOf(undefined), weight: 100, ...spec, podKeys: [] }];
  const parts: Part[] = [];
  for (const t of traffic) {
    const percent = num(t.percent) ?? 0;
    const revision = str(t.revisionName);
    const version = t.latestRevision === true ? latest : previous;
    if (!version)
      return `traffic goes to revision ${revision ?? "?"}, but no ${LABELS.previousVersion} annotation names its version`;
    const existing = parts.find((p) => p.version === version);
    const counts = podsOf(revision);
    const key = revision ? [`revision:${isvc.metadata.namespace ?? ""}/${revision}`] : [];
    if (existing) {
      existing.weight = (existing.weight ?? 0) + percent;
      existing.ready += counts.ready;
      existing.desired += counts.desired;
      existing.podKeys = [...(existing.podKeys ?? []), ...key];
    } else parts.push({ version, ...counts, weight: percent, ...spec, podKeys: key });
  }
  // A canary Flightdeck aborted (all traffic back on the previous revision) serves nothing.
  if (isvc.metadata.annotations?.["flightdeck.dev/aborted"] === "true")
    return parts.filter((p) => p.version !== latest || (p.weight ?? 0) > 0);
  return parts;
}

function deploymentParts(deployment: KubeObject): Part[] | string {
  const version = templateVersion(deployment);
  if (!version) return `no ${LABELS.version} label on the pod template`;
  const annotated = deployment.metadata.annotations?.[LABELS.trafficWeight];
  const podSpec = templateSpec(deployment);
  return [
    {
      version,
      ...(podSpec ? { podSpec } : {}),
      ready: num(deployment.status?.readyReplicas) ?? 0,
      desired: num(rec(deployment.spec).replicas) ?? 1,
      weight:
        annotated !== undefined && /^\d+$/.test(annotated)
          ? Math.min(100, Number(annotated))
          : null,
    },
  ];
}

/** Splits 100 in proportion to `shares` (largest remainder), so the parts sum to exactly 100. */
export function proportion(shares: number[]): number[] {
  const total = shares.reduce((s, x) => s + x, 0);
  if (shares.length === 0) return [];
  if (total <= 0) return shares.map((_, i) => (i === 0 ? 100 : 0));
  const raw = shares.map((s) => (s * 100) / total);
  const floors = raw.map(Math.floor);
  let rest = 100 - floors.reduce((s, x) => s + x, 0);
  const order = raw.map((r, i) => ({ i, frac: r - Math.floor(r) })).sort((a, b) => b.frac - a.frac);
  for (const { i } of order) {
    if (rest <= 0) break;
    floors[i] = (floors[i] ?? 0) + 1;
    rest -= 1;
  }
  return floors;
}

/**
 * Each model version serving in the cluster, from the Deployments, Argo Rollouts and KServe
 * InferenceServices labelled with a model and an environment, with the traffic share of the
 * model's traffic in that environment on this cluster. Workloads whose labels do not say enough
 * are returned as problems, not guessed.
 *
 * Each version's GPUs per replica are what its pod template requests (a KServe predictor's
 * containers, else its running pods'), and their family the one the template pins by the GPU
 * product label, else that of the nodes its GPU pods run on (given `nodes`); a version that
 * requests no GPU has no family.
 */
export function servingDeployments(
  cluster: { name: string; region: string },
  objects: {
    deployments: KubeObject[];
    replicaSets: KubeObject[];
    rollouts: KubeObject[];
    inferenceServices: KubeObject[];
    pods: KubeObject[];
    /** the cluster's nodes, for the GPU family of workloads whose template does not pin one */
    nodes?: KubeObject[];
  },
): { deployments: ServingDeployment[]; problems: WorkloadProblem[] } {
  const problems: WorkloadProblem[] = [];
  const workloads: Workload[] = [];
  const consider = (
    kind: Workload["kind"],
    o: KubeObject,
    parts: (o: KubeObject) => Part[] | string,
  ) => {
    const model = labels(o)[LABELS.model];
    if (!model) return;
    const id = `${kind} ${o.metadata.namespace}/${o.metadata.name}`;
    const environment = labels(o)[LABELS.environment];
    if (environment !== "staging" && environment !== "production") {
      problems.push({
        workload: id,
        message: `${LABELS.environment} must be staging or production, not ${environment ?? "missing"}`,
      });
      return;
    }
    const result = parts(o);
    if (typeof result === "string") {
      problems.push({ workload: id, message: result });
      return;
    }
    workloads.push({
      kind,
      namespace: o.metadata.namespace ?? "",
      name: o.metadata.name,
      model,
      environment,
      parts: result,
    });
  };
  // One pass over the nodes and one over the pods: the GPU family of each node, each
  // InferenceService's predictor pods, and what the running pods say per workload, ReplicaSet
  // and KServe revision.
  const nodeType = new Map<string, GpuType>();
  for (const n of objects.nodes ?? []) {
    const product = labels(n)[GPU_PRODUCT];
    if (product) nodeType.set(n.metadata.name, gpuTypeOf(product));
  }
  const rsOwner = new Map<string, string>();
  for (const rs of objects.replicaSets) {
    const owner = rs.metadata.ownerReferences?.find(
      (o) => o.kind === "Rollout" || o.kind === "Deployment",
    );
    const ns = rs.metadata.namespace ?? "";
    if (owner) rsOwner.set(`${ns}/${rs.metadata.name}`, `${owner.kind}:${ns}/${owner.name}`);
  }
  const podsOf = new Map<string, KubeObject[]>();
  const facts = new Map<string, PodFacts>();
  for (const p of objects.pods) {
    const isvc = labels(p)[ISVC_LABEL];
    if (isvc) {
      const k = `${p.metadata.namespace}/${isvc}`;
      const list = podsOf.get(k);
      if (list) list.push(p);
      else podsOf.set(k, [p]);
    }
    if (!podActive(p)) continue;
    const keys = podIndexKeys(p, rsOwner);
    if (keys.length === 0) continue;
    const gpus = podGpus(p);
    const type = gpus > 0 ? nodeType.get(str(rec(p.spec).nodeName) ?? "") : undefined;
    for (const k of keys) {
      const f = facts.get(k) ?? {
        pods: 0,
        scheduled: 0,
        gpus: 0,
        types: new Map<GpuType, number>(),
      };
      f.pods += 1;
      if (str(rec(p.spec).nodeName)) f.scheduled += 1;
      f.gpus = Math.max(f.gpus, gpus);
      if (type) f.types.set(type, (f.types.get(type) ?? 0) + 1);
      facts.set(k, f);
    }
  }

  for (const d of objects.deployments) consider("Deployment", d, deploymentParts);
  for (const r of objects.rollouts)
    consider("Rollout", r, (o) => rolloutParts(o, objects.replicaSets));
  for (const i of objects.inferenceServices)
    consider("InferenceService", i, (o) =>
      inferenceServiceParts(o, podsOf.get(`${o.metadata.namespace}/${o.metadata.name}`) ?? []),
    );

  /** GPUs per replica and their family for one version of a workload, where they are known. */
  const gpusOf = (w: Workload, p: Part): Pick<ServingDeployment, "gpusPerReplica" | "gpuType"> => {
    // The version's own pods first, then the workload's.
    const known = [...(p.podKeys ?? []), `${w.kind}:${w.namespace}/${w.name}`]
      .map((k) => facts.get(k))
      .filter((f): f is PodFacts => f !== undefined && f.pods > 0);
    let gpus = p.podSpec ? specGpus(p.podSpec) : undefined;
    // KServe fills in what its serving runtime requests: the running pods say what they hold.
    if (w.kind === "InferenceService" && !gpus && known[0]) gpus = known[0].gpus;
    if (gpus === undefined) return {};
    if (gpus === 0) return { gpusPerReplica: 0 };
    const pinned = p.podSpec ? podSpecGpuType(p.podSpec) : undefined;
    const seen = known.find((f) => f.types.size > 0)?.types;
    // The family most of the pods run on (on a tie, the first by name).
    const ran = seen
      ? [...seen.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0]
      : undefined;
    const type = pinned ?? ran;
    return { gpusPerReplica: gpus, ...(type ? { gpuType: type } : {}) };
  };

  /**
   * The version's pods placed on a node: its own pods' facts, else its workload's when that has
   * one version; never fewer than its ready replicas (those surely are). Unknown without pods.
   */
  const scheduledOf = (w: Workload, p: Part): number | undefined => {
    const own = (p.podKeys ?? []).map((k) => facts.get(k)).find((f) => f !== undefined);
    const whole =
      w.parts.length === 1 ? facts.get(`${w.kind}:${w.namespace}/${w.name}`) : undefined;
    const f = own ?? whole;
    return f ? Math.max(f.scheduled, p.ready) : undefined;
  };

  // Weights are shares of the model's traffic in one environment on this cluster.
  const groups = new Map<string, Workload[]>();
  for (const w of workloads) {
    const k = `${w.model}|${w.environment}`;
    groups.set(k, [...(groups.get(k) ?? []), w]);
  }
  const deployments: ServingDeployment[] = [];
  for (const group of groups.values()) {
    const parts = group.flatMap((w) => w.parts.map((p) => ({ w, p })));
    const reported = parts.map(({ p }) => p.weight);
    // The split the workloads report when it accounts for all the traffic; otherwise (plain
    // Deployments side by side, say) each version's share of the ready replicas.
    const weights =
      reported.every((w) => w !== null) && reported.reduce((s, w) => s + (w ?? 0), 0) === 100
        ? reported.map((w) => w ?? 0)
        : proportion(parts.map(({ p }) => p.ready));
    parts.forEach(({ w, p }, i) => {
      const weight = weights[i] ?? 0;
      const existing = deployments.find(
        (d) => d.model === w.model && d.environment === w.environment && d.version === p.version,
      );
      const gpus = gpusOf(w, p);
      const scheduled = scheduledOf(w, p);
      if (existing) {
        existing.replicasScheduled =
          existing.replicasScheduled === undefined || scheduled === undefined
            ? undefined
            : existing.replicasScheduled + scheduled;
        existing.replicasReady += p.ready;
        existing.replicasDesired += p.desired;
        existing.trafficWeight += weight;
        // The first part that knows them says what one replica takes.
        if (existing.gpusPerReplica === undefined && gpus.gpusPerReplica !== undefined)
          existing.gpusPerReplica = gpus.gpusPerReplica;
        if (existing.gpuType === undefined && gpus.gpuType && existing.gpusPerReplica !== 0)
          existing.gpuType = gpus.gpuType;
        return;
      }
      deployments.push({
        model: w.model,
        version: p.version,
        region: cluster.region,
        cluster: cluster.name,
        environment: w.environment,
        replicasReady: p.ready,
        replicasDesired: p.desired,
        trafficWeight: weight,
        workload: { kind: w.kind, namespace: w.namespace, name: w.name },
        ...(scheduled === undefined ? {} : { replicasScheduled: scheduled }),
        ...gpus,
      });
    });
  }
  deployments.sort(
    (a, b) =>
      a.model.localeCompare(b.model) ||
      a.environment.localeCompare(b.environment) ||
      b.trafficWeight - a.trafficWeight,
  );
  return { deployments, problems };
}
