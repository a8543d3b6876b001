/**
 * Realistic Kubernetes objects of a Flightdeck fleet, for the test API server
 * (tests/support/kube/server.ts), shaped like what GKE, EKS, Argo Rollouts and KServe return.
 *
 * The convention the Kubernetes adapter reads (and these builders follow):
 *
 * - Cluster: its name is the kubeconfig context name. The `kube-system` Namespace carries
 *   `flightdeck.dev/region` (Flightdeck's region code, e.g. `us-east-1`; nodes keep the
 *   provider's own region names, e.g. GKE's `us-east1`), `flightdeck.dev/provider`
 *   (gke|eks|aks|other) and `flightdeck.dev/role` (serving|training|mixed).
 * - Teams: a Namespace labelled `flightdeck.dev/team: <team slug>`; its GPU quota is a
 *   ResourceQuota with `spec.hard["requests.nvidia.com/gpu"]`, and `status.hard`/`status.used`.
 * - GPU nodes: `status.capacity`/`status.allocatable["nvidia.com/gpu"]`; labels
 *   `nvidia.com/gpu.product` (e.g. NVIDIA-H100-80GB-HBM3), `nvidia.com/gpu.count`,
 *   `topology.kubernetes.io/region`/`zone`, `node.kubernetes.io/instance-type`, and the node pool
 *   in the provider's label: GKE `cloud.google.com/gke-nodepool`, EKS managed node groups
 *   `eks.amazonaws.com/nodegroup`, Karpenter `karpenter.sh/nodepool`, AKS
 *   `kubernetes.azure.com/agentpool`. Health: the `Ready` condition (True, or False with its
 *   reason and message), `spec.unschedulable` (cordoned) and taints.
 * - Pods: `spec.nodeName`, GPUs in `spec.containers[].resources.requests["nvidia.com/gpu"]`,
 *   `status.phase` and the `Ready` condition. Allocated GPUs are those of non-terminal pods bound
 *   to a node.
 * - Serving workloads: labelled `flightdeck.dev/model` and `flightdeck.dev/environment`
 *   (staging|production) on their metadata; the version is `flightdeck.dev/version` on the pod
 *   template (`spec.template.metadata.labels`):
 *   - apps/v1 Deployment, with `status.replicas`/`readyReplicas`;
 *   - Argo Rollout (canary steps of setWeight and pause): `status.stableRS`, `currentPodHash`,
 *     `currentStepIndex`, `canary.weights` (with trafficRouting), `phase`, `readyReplicas`; its
 *     ReplicaSets are owned by the Rollout, labelled `rollouts-pod-template-hash`, their template
 *     carries the version label, and `status.readyReplicas` counts each side;
 *   - KServe InferenceService: `flightdeck.dev/version` on its metadata is the latest spec's
 *     version, the annotation `flightdeck.dev/previous-version` the version of the revision
 *     the `prev` traffic goes to (the last rolled-out one), `spec.predictor.canaryTrafficPercent`,
 *     and `status.components.predictor` (`latestRolledoutRevision`, `previousRolledoutRevision`,
 *     `latestReadyRevision`, `traffic[]`); its pods are labelled
 *     `serving.kserve.io/inferenceservice` and `serving.knative.dev/revision`.
 * - HorizontalPodAutoscalers (autoscaling/v2) name their workload in `spec.scaleTargetRef`
 *   (kind, name), with `minReplicas`/`maxReplicas` and `status.currentReplicas`/
 *   `desiredReplicas`/`conditions`.
 *
 * `twoClusterFleet()` builds two clusters with that convention and returns, beside the objects,
 * the figures a reader of them must find, written down by hand from the layout below (not
 * computed from the objects), so a test can compare the adapter's answer with them.
 */
import { createHash } from "node:crypto";
import type { KubeObject } from "./types";

export const FLIGHTDECK = {
  region: "flightdeck.dev/region",
  provider: "flightdeck.dev/provider",
  role: "flightdeck.dev/role",
  team: "flightdeck.dev/team",
  model: "flightdeck.dev/model",
  environment: "flightdeck.dev/environment",
  version: "flightdeck.dev/version",
  previousVersion: "flightdeck.dev/previous-version",
} as const;

export const GPU = "nvidia.com/gpu";

export type Provider = "gke" | "eks" | "aks" | "other";
export type ClusterRole = "serving" | "training" | "mixed";
export type Environment = "staging" | "production";

// ---------------------------------------------------------------------------------------------
// Deterministic names and ids

function digest(seed: string): Buffer {
  return createHash("sha256").update(seed).digest();
}

/** A UUID derived from a seed: the same fleet has the same uids every run. */
export function uidFor(seed: string): string {
  const h = digest(seed).toString("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const SAFE = "bcdfghjklmnpqrstvwxz2456789";

/** A pod-template-hash style string (Kubernetes' SafeEncodeString alphabet). */
export function templateHash(seed: string, length = 10): string {
  const d = digest(seed);
  let s = "";
  for (let i = 0; i < length; i++) s += SAFE[(d[i] ?? 0) % SAFE.length];
  return s;
}

function at(now: Date, minutesAgo: number): string {
  return new Date(now.getTime() - minutesAgo * 60_000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const DAY = 24 * 60;

// ---------------------------------------------------------------------------------------------
// Namespaces and quotas

export function kubeSystemNamespace(o: {
  region: string;
  provider: Provider;
  role: ClusterRole;
  createdAt?: string;
}): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name: "kube-system",
      labels: {
        "kubernetes.io/metadata.name": "kube-system",
        [FLIGHTDECK.region]: o.region,
        [FLIGHTDECK.provider]: o.provider,
        [FLIGHTDECK.role]: o.role,
      },
      ...(o.createdAt ? { creationTimestamp: o.createdAt } : {}),
    },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

export function namespace(
  name: string,
  o: { team?: string; labels?: Record<string, string>; createdAt?: string } = {},
): KubeObject {
  return {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: {
      name,
      labels: {
        "kubernetes.io/metadata.name": name,
        ...(o.team ? { [FLIGHTDECK.team]: o.team } : {}),
        ...o.labels,
      },
      ...(o.createdAt ? { creationTimestamp: o.createdAt } : {}),
    },
    spec: { finalizers: ["kubernetes"] },
    status: { phase: "Active" },
  };
}

/** A team's namespace: `flightdeck.dev/team: <team>`. */
export function teamNamespace(name: string, team: string, createdAt?: string): KubeObject {
  return namespace(name, { team, ...(createdAt ? { createdAt } : {}) });
}

/** A ResourceQuota capping the namespace's GPU requests, with what is used of it. */
export function gpuQuota(o: {
  namespace: string;
  hard: number;
  used: number;
  name?: string;
  createdAt?: string;
}): KubeObject {
  const key = `requests.${GPU}`;
  return {
    apiVersion: "v1",
    kind: "ResourceQuota",
    metadata: {
      name: o.name ?? "gpu-quota",
      namespace: o.namespace,
      ...(o.createdAt ? { creationTimestamp: o.createdAt } : {}),
    },
    spec: { hard: { [key]: String(o.hard) } },
    status: { hard: { [key]: String(o.hard) }, used: { [key]: String(o.used) } },
  };
}

// ---------------------------------------------------------------------------------------------
// Nodes

export interface Taint {
  key: string;
  value?: string;
  effect: "NoSchedule" | "PreferNoSchedule" | "NoExecute";
  timeAdded?: string;
}

export interface GpuSpec {
  /** GPU feature discovery's product name, e.g. NVIDIA-H100-80GB-HBM3 */
  product: string;
  count: number;
  /** allocatable GPUs when fewer than `count` work (default: count) */
  allocatable?: number;
  memoryMiB?: number;
  family?: string;
}

export interface NodeOptions {
  name: string;
  /** whose node-pool label the node carries; karpenter is EKS with Karpenter */
  provider: Provider | "karpenter";
  pool: string;
  /** the provider's region and zone names (topology labels) */
  region: string;
  zone: string;
  instanceType: string;
  gpu?: GpuSpec;
  /** true (default), or NotReady with the kubelet's reason and message */
  ready?: true | { reason: string; message: string; status?: "False" | "Unknown" };
  unschedulable?: boolean;
  /** taints beyond the ones the node's state implies */
  taints?: Taint[];
  createdAt: string;
  /** when the node last changed state (cordoned, went NotReady) */
  changedAt?: string;
  internalIP?: string;
  kubeletVersion?: string;
  cpu?: string;
  memory?: string;
}

const POOL_LABEL: Record<NodeOptions["provider"], string> = {
  gke: "cloud.google.com/gke-nodepool",
  eks: "eks.amazonaws.com/nodegroup",
  karpenter: "karpenter.sh/nodepool",
  aks: "kubernetes.azure.com/agentpool",
  other: "flightdeck.dev/node-pool",
};

export function node(o: NodeOptions): KubeObject {
  const ready = o.ready ?? true;
  const changedAt = o.changedAt ?? o.createdAt;
  const provider = o.provider;
  const labels: Record<string, string> = {
    "kubernetes.io/arch": "amd64",
    "kubernetes.io/os": "linux",
    "kubernetes.io/hostname": o.name,
    "node.kubernetes.io/instance-type": o.instanceType,
    "topology.kubernetes.io/region": o.region,
    "topology.kubernetes.io/zone": o.zone,
    [POOL_LABEL[provider]]: o.pool,
  };
  if (provider === "gke") {
    labels["cloud.google.com/machine-family"] = o.instanceType.split("-")[0] ?? "";
    labels["cloud.google.com/gke-os-distribution"] = "cos";
    if (o.gpu) labels["cloud.google.com/gke-accelerator"] = gkeAccelerator(o.gpu.product);
  } else if (provider === "eks") {
    labels["eks.amazonaws.com/capacityType"] = "ON_DEMAND";
    labels["eks.amazonaws.com/nodegroup-image"] = "ami-0b3c2f1e9d8a7c6b5";
  } else if (provider === "karpenter") {
    labels["karpenter.sh/capacity-type"] = "spot";
    labels["karpenter.sh/initialized"] = "true";
    labels["karpenter.sh/registered"] = "true";
    labels["karpenter.k8s.aws/instance-family"] = o.instanceType.split(".")[0] ?? "";
  } else if (provider === "aks") {
    labels.agentpool = o.pool;
    labels["kubernetes.azure.com/mode"] = "user";
  }
  if (o.gpu) {
    labels["nvidia.com/gpu.present"] = "true";
    labels["nvidia.com/gpu.product"] = o.gpu.product;
    labels["nvidia.com/gpu.count"] = String(o.gpu.count);
    if (o.gpu.memoryMiB) labels["nvidia.com/gpu.memory"] = String(o.gpu.memoryMiB);
    if (o.gpu.family) labels["nvidia.com/gpu.family"] = o.gpu.family;
  }
  const taints: Taint[] = [];
  if (o.gpu) taints.push({ key: GPU, value: "present", effect: "NoSchedule" });
  if (o.unschedulable)
    taints.push({
      key: "node.kubernetes.io/unschedulable",
      effect: "NoSchedule",
      timeAdded: changedAt,
    });
  if (ready !== true) {
    const key =
      ready.status === "Unknown"
        ? "node.kubernetes.io/unreachable"
        : "node.kubernetes.io/not-ready";
    taints.push({ key, effect: "NoSchedule", timeAdded: changedAt });
    taints.push({ key, effect: "NoExecute", timeAdded: changedAt });
  }
  taints.push(...(o.taints ?? []));
  const gpus = o.gpu ? { [GPU]: String(o.gpu.count) } : {};
  const allocatableGpus = o.gpu ? { [GPU]: String(o.gpu.allocatable ?? o.gpu.count) } : {};
  const cpu = o.cpu ?? "8";
  const memory = o.memory ?? "32Gi";
  const condition = (type: string, status: string, reason: string, message: string) => ({
    type,
    status,
    lastHeartbeatTime: changedAt,
    lastTransitionTime: changedAt,
    reason,
    message,
  });
  const ip =
    o.internalIP ??
    `10.${digest(o.name)[0] ?? 0}.${digest(o.name)[1] ?? 0}.${(digest(o.name)[2] ?? 0) % 250}`;
  const kubelet =
    o.kubeletVersion ??
    (provider === "gke"
      ? "v1.30.4-gke.1348000"
      : provider === "aks"
        ? "v1.30.4"
        : "v1.30.4-eks-a737599");
  return {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: o.name,
      labels,
      annotations: {
        "node.alpha.kubernetes.io/ttl": "0",
        "volumes.kubernetes.io/controller-managed-attach-detach": "true",
      },
      creationTimestamp: o.createdAt,
    },
    spec: {
      providerID: providerId(o),
      podCIDR: `10.${100 + ((digest(o.name)[3] ?? 0) % 100)}.${digest(o.name)[4] ?? 0}.0/24`,
      ...(o.unschedulable ? { unschedulable: true } : {}),
      ...(taints.length ? { taints } : {}),
    },
    status: {
      capacity: { cpu, memory, pods: "110", "ephemeral-storage": "98831908Ki", ...gpus },
      allocatable: {
        cpu: cpu === "8" ? "7910m" : cpu,
        memory,
        pods: "110",
        "ephemeral-storage": "47060071478",
        ...allocatableGpus,
      },
      conditions: [
        condition(
          "MemoryPressure",
          "False",
          "KubeletHasSufficientMemory",
          "kubelet has sufficient memory available",
        ),
        condition(
          "DiskPressure",
          "False",
          "KubeletHasNoDiskPressure",
          "kubelet has no disk pressure",
        ),
        condition(
          "PIDPressure",
          "False",
          "KubeletHasSufficientPID",
          "kubelet has sufficient PID available",
        ),
        ready === true
          ? condition("Ready", "True", "KubeletReady", "kubelet is posting ready status")
          : condition("Ready", ready.status ?? "False", ready.reason, ready.message),
      ],
      addresses: [
        { type: "InternalIP", address: ip },
        { type: "Hostname", address: o.name },
      ],
      nodeInfo: {
        architecture: "amd64",
        operatingSystem: "linux",
        kubeletVersion: kubelet,
        kubeProxyVersion: kubelet,
        containerRuntimeVersion: "containerd://1.7.22",
        osImage:
          provider === "gke"
            ? "Container-Optimized OS from Google"
            : "Amazon Linux 2023.5.20240916",
        kernelVersion: provider === "gke" ? "6.1.100+" : "6.1.109-118.189.amzn2023.x86_64",
        machineID: digest(`${o.name}/machine`).toString("hex").slice(0, 32),
        systemUUID: uidFor(`${o.name}/system`),
        bootID: uidFor(`${o.name}/boot`),
      },
    },
  };
}

function gkeAccelerator(product: string): string {
  if (/H100/.test(product)) return "nvidia-h100-80gb";
  if (/A100/.test(product)) return /80GB/.test(product) ? "nvidia-a100-80gb" : "nvidia-tesla-a100";
  if (/L4/.test(product)) return "nvidia-l4";
  if (/T4/.test(product)) return "nvidia-tesla-t4";
  return product.toLowerCase();
}

function providerId(o: NodeOptions): string {
  const id = digest(o.name).toString("hex");
  switch (o.provider) {
    case "gke":
      return `gce://flightdeck-prod/${o.zone}/${o.name}`;
    case "eks":
    case "karpenter":
      return `aws:///${o.zone}/i-0${id.slice(0, 16)}`;
    case "aks":
      return `azure:///subscriptions/${uidFor("sub")}/resourceGroups/mc_serving/providers/Microsoft.Compute/virtualMachineScaleSets/aks-${o.pool}/virtualMachines/0`;
    default:
      return `other://${o.name}`;
  }
}

export const gpuNode = node;

// ---------------------------------------------------------------------------------------------
// Pods

export type PodPhase = "Pending" | "Running" | "Succeeded" | "Failed" | "Unknown";

export interface PodOptions {
  name: string;
  namespace: string;
  /** the node it is bound to; a Pending pod may have none */
  node?: string;
  gpus?: number;
  phase?: PodPhase;
  /** the Ready condition (default: true when Running) */
  ready?: boolean;
  labels?: Record<string, string>;
  ownerReferences?: KubeObject["metadata"]["ownerReferences"];
  image?: string;
  createdAt: string;
  restarts?: number;
  container?: string;
}

export function pod(o: PodOptions): KubeObject {
  const phase = o.phase ?? "Running";
  const ready = o.ready ?? phase === "Running";
  const container = o.container ?? "server";
  const gpus = o.gpus ?? 0;
  const scheduled = Boolean(o.node);
  const ip = `10.${64 + ((digest(o.name)[0] ?? 0) % 64)}.${digest(o.name)[1] ?? 0}.${(digest(o.name)[2] ?? 0) % 250}`;
  const requests: Record<string, string> = {
    cpu: "2",
    memory: "8Gi",
    ...(gpus ? { [GPU]: String(gpus) } : {}),
  };
  const limits: Record<string, string> = {
    memory: "8Gi",
    ...(gpus ? { [GPU]: String(gpus) } : {}),
  };
  const state =
    phase === "Succeeded"
      ? {
          terminated: {
            exitCode: 0,
            reason: "Completed",
            startedAt: o.createdAt,
            finishedAt: o.createdAt,
          },
        }
      : phase === "Failed"
        ? {
            terminated: {
              exitCode: 1,
              reason: "Error",
              startedAt: o.createdAt,
              finishedAt: o.createdAt,
            },
          }
        : phase === "Running"
          ? { running: { startedAt: o.createdAt } }
          : { waiting: { reason: "ContainerCreating" } };
  const cond = (type: string, status: boolean, reason?: string, message?: string) => ({
    type,
    status: status ? "True" : "False",
    lastProbeTime: null,
    lastTransitionTime: o.createdAt,
    ...(reason ? { reason } : {}),
    ...(message ? { message } : {}),
  });
  const conditions = !scheduled
    ? [
        cond(
          "PodScheduled",
          false,
          "Unschedulable",
          `0/9 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/unschedulable: }, 8 Insufficient ${GPU}. preemption: 0/9 nodes are available: 9 No preemption victims found for incoming pod.`,
        ),
      ]
    : [
        cond("PodReadyToStartContainers", phase === "Running"),
        cond("Initialized", true),
        cond(
          "Ready",
          ready,
          ready ? undefined : phase === "Succeeded" ? "PodCompleted" : "ContainersNotReady",
        ),
        cond(
          "ContainersReady",
          ready,
          ready ? undefined : phase === "Succeeded" ? "PodCompleted" : "ContainersNotReady",
        ),
        cond("PodScheduled", true),
      ];
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: o.name,
      namespace: o.namespace,
      uid: uidFor(`pod/${o.namespace}/${o.name}`),
      labels: o.labels ?? {},
      ...(o.ownerReferences ? { ownerReferences: o.ownerReferences } : {}),
      creationTimestamp: o.createdAt,
    },
    spec: {
      ...(o.node ? { nodeName: o.node } : {}),
      containers: [
        {
          name: container,
          image: o.image ?? "registry.example.com/flightdeck/worker:1.0.0",
          ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }],
          resources: { requests, limits },
          terminationMessagePath: "/dev/termination-log",
          terminationMessagePolicy: "File",
          imagePullPolicy: "IfNotPresent",
        },
      ],
      tolerations: [
        ...(gpus ? [{ key: GPU, operator: "Exists", effect: "NoSchedule" }] : []),
        {
          key: "node.kubernetes.io/not-ready",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
        {
          key: "node.kubernetes.io/unreachable",
          operator: "Exists",
          effect: "NoExecute",
          tolerationSeconds: 300,
        },
      ],
      restartPolicy: o.ownerReferences?.some((r) => r.kind === "ReplicaSet") ? "Always" : "Never",
      schedulerName: "default-scheduler",
      serviceAccountName: "default",
      terminationGracePeriodSeconds: 30,
      dnsPolicy: "ClusterFirst",
      priority: 0,
    },
    status: {
      phase,
      conditions,
      qosClass: "Burstable",
      ...(scheduled
        ? {
            hostIP: `10.0.${digest(o.node ?? "")[0] ?? 0}.${(digest(o.node ?? "")[1] ?? 0) % 250}`,
            podIP: ip,
            podIPs: [{ ip }],
            startTime: o.createdAt,
            containerStatuses: [
              {
                name: container,
                ready,
                started: phase === "Running",
                restartCount: o.restarts ?? 0,
                image: o.image ?? "registry.example.com/flightdeck/worker:1.0.0",
                imageID: `registry.example.com/flightdeck/worker@sha256:${digest(o.image ?? "worker").toString("hex")}`,
                containerID: `containerd://${digest(o.name).toString("hex")}`,
                state,
              },
            ],
          }
        : {}),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Serving workloads

export interface Serving {
  model: string;
  environment: Environment;
}

function servingLabels(s: Serving, name: string): Record<string, string> {
  return {
    "app.kubernetes.io/name": name,
    [FLIGHTDECK.model]: s.model,
    [FLIGHTDECK.environment]: s.environment,
  };
}

function modelContainer(model: string, version: string, gpus: number) {
  return {
    name: "server",
    image: `registry.example.com/models/${model}:${version}`,
    ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }],
    resources: {
      requests: { cpu: "4", memory: "16Gi", ...(gpus ? { [GPU]: String(gpus) } : {}) },
      limits: { memory: "16Gi", ...(gpus ? { [GPU]: String(gpus) } : {}) },
    },
  };
}

function ownerRef(owner: KubeObject) {
  return {
    apiVersion: owner.apiVersion ?? "",
    kind: owner.kind ?? "",
    name: owner.metadata.name ?? "",
    uid: owner.metadata.uid ?? "",
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** The pods of a ReplicaSet, one per node in `nodes` (a node may appear several times). */
export function replicaSetPods(
  rs: KubeObject,
  nodes: string[],
  o: { gpus: number; createdAt: string; ready?: boolean },
): KubeObject[] {
  const spec = rs.spec as {
    template: {
      metadata: { labels: Record<string, string> };
      spec: { containers: { image: string }[] };
    };
  };
  const rsName = rs.metadata.name ?? "";
  return nodes.map((nodeName, i) =>
    pod({
      name: `${rsName}-${templateHash(`${rsName}/${i}`, 5)}`,
      namespace: rs.metadata.namespace ?? "default",
      node: nodeName,
      gpus: o.gpus,
      labels: { ...spec.template.metadata.labels },
      ownerReferences: [ownerRef(rs)],
      image: spec.template.spec.containers[0]?.image ?? "",
      createdAt: o.createdAt,
      ...(o.ready === false ? { ready: false } : {}),
    }),
  );
}

/** A plain Deployment serving one version, its current ReplicaSet and its status. */
export function deployment(
  o: Serving & {
    name: string;
    namespace: string;
    version: string;
    replicas: number;
    readyReplicas?: number;
    gpusPerReplica?: number;
    createdAt: string;
    generation?: number;
  },
): { deployment: KubeObject; replicaSet: KubeObject; hash: string } {
  const ready = o.readyReplicas ?? o.replicas;
  const labels = servingLabels(o, o.name);
  const hash = templateHash(`${o.namespace}/${o.name}/${o.version}`);
  const template = {
    metadata: { labels: { ...labels, [FLIGHTDECK.version]: o.version } },
    spec: { containers: [modelContainer(o.model, o.version, o.gpusPerReplica ?? 1)] },
  };
  const generation = o.generation ?? 3;
  const d: KubeObject = {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: o.name,
      namespace: o.namespace,
      uid: uidFor(`deployment/${o.namespace}/${o.name}`),
      generation,
      labels,
      annotations: { "deployment.kubernetes.io/revision": String(generation) },
      creationTimestamp: o.createdAt,
    },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { "app.kubernetes.io/name": o.name } },
      strategy: {
        type: "RollingUpdate",
        rollingUpdate: { maxSurge: "25%", maxUnavailable: "25%" },
      },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
      template,
    },
    status: {
      observedGeneration: generation,
      replicas: o.replicas,
      updatedReplicas: o.replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      ...(ready < o.replicas ? { unavailableReplicas: o.replicas - ready } : {}),
      conditions: [
        {
          type: "Available",
          status: ready >= o.replicas ? "True" : "False",
          reason: ready >= o.replicas ? "MinimumReplicasAvailable" : "MinimumReplicasUnavailable",
          message:
            ready >= o.replicas
              ? "Deployment has minimum availability."
              : "Deployment does not have minimum availability.",
          lastUpdateTime: o.createdAt,
          lastTransitionTime: o.createdAt,
        },
        {
          type: "Progressing",
          status: "True",
          reason: "NewReplicaSetAvailable",
          message: `ReplicaSet "${o.name}-${hash}" has successfully progressed.`,
          lastUpdateTime: o.createdAt,
          lastTransitionTime: o.createdAt,
        },
      ],
    },
  };
  const rs: KubeObject = {
    apiVersion: "apps/v1",
    kind: "ReplicaSet",
    metadata: {
      name: `${o.name}-${hash}`,
      namespace: o.namespace,
      uid: uidFor(`replicaset/${o.namespace}/${o.name}-${hash}`),
      generation: 1,
      labels: { ...template.metadata.labels, "pod-template-hash": hash },
      annotations: {
        "deployment.kubernetes.io/desired-replicas": String(o.replicas),
        "deployment.kubernetes.io/max-replicas": String(o.replicas + 1),
        "deployment.kubernetes.io/revision": String(generation),
      },
      ownerReferences: [ownerRef(d)],
      creationTimestamp: o.createdAt,
    },
    spec: {
      replicas: o.replicas,
      selector: { matchLabels: { "app.kubernetes.io/name": o.name, "pod-template-hash": hash } },
      template: {
        ...template,
        metadata: { labels: { ...template.metadata.labels, "pod-template-hash": hash } },
      },
    },
    status: {
      replicas: o.replicas,
      fullyLabeledReplicas: o.replicas,
      readyReplicas: ready,
      availableReplicas: ready,
      observedGeneration: 1,
    },
  };
  return { deployment: d, replicaSet: rs, hash };
}

export type RolloutStep = { setWeight: number } | { pause: { duration?: string | number } };

export interface RolloutOptions extends Serving {
  name: string;
  namespace: string;
  stableVersion: string;
  /** the version being rolled out; null or omitted when the rollout is settled */
  canaryVersion?: string | null;
  replicas: number;
  /** canary weight now (with a canary) */
  canaryWeight?: number;
  /** index of the current step (default: all steps done when settled) */
  stepIndex?: number;
  steps?: RolloutStep[];
  /** route traffic with the NGINX ingress (canary.weights in status); else replica-based */
  trafficRouting?: boolean;
  stableReady?: number;
  canaryReady?: number;
  gpusPerReplica?: number;
  /** a version the rollout replaced before the stable one, kept as a ReplicaSet scaled to 0 */
  previousVersion?: string;
  revision?: number;
  createdAt: string;
  /** when the current step started */
  stepStartedAt: string;
}

export interface BuiltRollout {
  rollout: KubeObject;
  /** [stable, canary?, previous?] */
  replicaSets: KubeObject[];
  stable: KubeObject;
  canary: KubeObject | null;
  stableHash: string;
  canaryHash: string | null;
}

/**
 * An Argo Rollout with its ReplicaSets: settled (only the stable version, phase Healthy) or
 * mid-canary (paused at a pause step after a setWeight, phase Paused).
 */
export function rollout(o: RolloutOptions): BuiltRollout {
  const steps: RolloutStep[] = o.steps ?? [
    { setWeight: 20 },
    { pause: {} },
    { setWeight: 50 },
    { pause: { duration: "10m" } },
    { setWeight: 100 },
  ];
  const canaryVersion = o.canaryVersion ?? null;
  const labels = servingLabels(o, o.name);
  const revision = o.revision ?? 4;
  const uid = uidFor(`rollout/${o.namespace}/${o.name}`);
  const templateFor = (version: string) => ({
    metadata: { labels: { ...labels, [FLIGHTDECK.version]: version } },
    spec: { containers: [modelContainer(o.model, version, o.gpusPerReplica ?? 1)] },
  });
  const stableHash = templateHash(`${o.namespace}/${o.name}/${o.stableVersion}`);
  const canaryHash = canaryVersion
    ? templateHash(`${o.namespace}/${o.name}/${canaryVersion}`)
    : null;
  const weight = canaryVersion ? (o.canaryWeight ?? 20) : 0;
  const stepIndex = o.stepIndex ?? (canaryVersion ? 1 : steps.length);
  const canaryReplicas = canaryVersion ? Math.max(1, Math.ceil((o.replicas * weight) / 100)) : 0;
  // With traffic routing the stable side stays at full size; without, replicas split by weight.
  const stableReplicas =
    canaryVersion && !o.trafficRouting ? o.replicas - canaryReplicas : o.replicas;
  const stableReady = o.stableReady ?? stableReplicas;
  const canaryReady = o.canaryReady ?? canaryReplicas;
  const services = { canaryService: `${o.name}-canary`, stableService: `${o.name}-stable` };
  const generation = revision + 2;
  const paused = canaryVersion !== null && "pause" in (steps[stepIndex] ?? { setWeight: 0 });
  const r: KubeObject = {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: {
      name: o.name,
      namespace: o.namespace,
      uid,
      generation,
      labels,
      annotations: { "rollout.argoproj.io/revision": String(revision) },
      creationTimestamp: o.createdAt,
    },
    spec: {
      replicas: o.replicas,
      revisionHistoryLimit: 3,
      selector: { matchLabels: { "app.kubernetes.io/name": o.name } },
      template: templateFor(canaryVersion ?? o.stableVersion),
      strategy: {
        canary: {
          ...services,
          ...(o.trafficRouting ? { trafficRouting: { nginx: { stableIngress: o.name } } } : {}),
          steps,
        },
      },
    },
    status: {
      phase: paused ? "Paused" : canaryVersion ? "Progressing" : "Healthy",
      ...(paused
        ? {
            message: "CanaryPauseStep",
            controllerPause: true,
            pauseConditions: [{ reason: "CanaryPauseStep", startTime: o.stepStartedAt }],
          }
        : {}),
      observedGeneration: String(generation),
      currentPodHash: canaryHash ?? stableHash,
      stableRS: stableHash,
      currentStepHash: templateHash(JSON.stringify(steps)),
      currentStepIndex: stepIndex,
      canary:
        o.trafficRouting && canaryHash
          ? {
              weights: {
                canary: {
                  podTemplateHash: canaryHash,
                  serviceName: services.canaryService,
                  weight,
                },
                stable: {
                  podTemplateHash: stableHash,
                  serviceName: services.stableService,
                  weight: 100 - weight,
                },
              },
            }
          : {},
      replicas: stableReplicas + canaryReplicas,
      updatedReplicas: canaryVersion ? canaryReplicas : stableReplicas,
      readyReplicas: stableReady + canaryReady,
      availableReplicas: stableReady + canaryReady,
      HPAReplicas: o.replicas,
      selector: `app.kubernetes.io/name=${o.name}`,
      conditions: [
        {
          type: "Available",
          status: "True",
          reason: "AvailableReason",
          message: "Rollout has minimum availability",
          lastTransitionTime: o.createdAt,
          lastUpdateTime: o.createdAt,
        },
        {
          type: "Progressing",
          status: paused ? "Unknown" : "True",
          reason: paused ? "RolloutPaused" : "NewReplicaSetAvailable",
          message: paused ? "Rollout is paused" : "Rollout has completed rolling update",
          lastTransitionTime: o.stepStartedAt,
          lastUpdateTime: o.stepStartedAt,
        },
        {
          type: "Paused",
          status: paused ? "True" : "False",
          reason: paused ? "RolloutPaused" : "RolloutResumed",
          message: paused ? "Rollout is paused" : "Rollout is resumed",
          lastTransitionTime: o.stepStartedAt,
          lastUpdateTime: o.stepStartedAt,
        },
        {
          type: "Healthy",
          status: canaryVersion ? "False" : "True",
          reason: canaryVersion ? "RolloutHealthy" : "RolloutHealthy",
          message: canaryVersion ? "Rollout does not have healthy replicas" : "Rollout is healthy",
          lastTransitionTime: o.stepStartedAt,
          lastUpdateTime: o.stepStartedAt,
        },
      ],
    },
  };
  const rsFor = (
    version: string,
    hash: string,
    replicas: number,
    ready: number,
    rev: number,
  ): KubeObject => {
    const template = templateFor(version);
    const name = `${o.name}-${hash}`;
    return {
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: {
        name,
        namespace: o.namespace,
        uid: uidFor(`replicaset/${o.namespace}/${name}`),
        generation: 1,
        labels: { ...template.metadata.labels, "rollouts-pod-template-hash": hash },
        annotations: {
          "rollout.argoproj.io/desired-replicas": String(o.replicas),
          "rollout.argoproj.io/revision": String(rev),
        },
        ownerReferences: [ownerRef(r)],
        creationTimestamp: o.createdAt,
      },
      spec: {
        replicas,
        selector: {
          matchLabels: { "app.kubernetes.io/name": o.name, "rollouts-pod-template-hash": hash },
        },
        template: {
          ...template,
          metadata: { labels: { ...template.metadata.labels, "rollouts-pod-template-hash": hash } },
        },
      },
      status: {
        replicas,
        fullyLabeledReplicas: replicas,
        readyReplicas: ready,
        availableReplicas: ready,
        observedGeneration: 1,
      },
    };
  };
  const stable = rsFor(
    o.stableVersion,
    stableHash,
    stableReplicas,
    stableReady,
    canaryVersion ? revision - 1 : revision,
  );
  const canary =
    canaryVersion && canaryHash
      ? rsFor(canaryVersion, canaryHash, canaryReplicas, canaryReady, revision)
      : null;
  const previous = o.previousVersion
    ? rsFor(
        o.previousVersion,
        templateHash(`${o.namespace}/${o.name}/${o.previousVersion}`),
        0,
        0,
        revision - (canaryVersion ? 2 : 1),
      )
    : null;
  if (previous) {
    const status = previous.status as Record<string, unknown>;
    delete status.readyReplicas;
    delete status.availableReplicas;
  }
  return {
    rollout: r,
    replicaSets: [stable, ...(canary ? [canary] : []), ...(previous ? [previous] : [])],
    stable,
    canary,
    stableHash,
    canaryHash,
  };
}

export interface InferenceServiceOptions extends Serving {
  name: string;
  namespace: string;
  /** the latest spec's version (label flightdeck.dev/version) */
  version: string;
  /** the version of the last rolled-out revision, which the `prev` traffic goes to */
  previousVersion?: string;
  /** percent of traffic to the latest revision; omitted when it is rolled out */
  canaryTrafficPercent?: number;
  /** the latest revision's number: fraud-scorer-predictor-0000N */
  latestRevision: number;
  minReplicas?: number;
  maxReplicas?: number;
  gpus?: number;
  modelFormat?: string;
  createdAt: string;
  readyAt: string;
}

export interface BuiltInferenceService {
  inferenceService: KubeObject;
  latestRevision: string;
  /** the revision the `prev` traffic goes to (null when the latest has all traffic) */
  previousRevision: string | null;
}

/** A KServe InferenceService (serverless mode), mid-canary when canaryTrafficPercent is set. */
export function inferenceService(o: InferenceServiceOptions): BuiltInferenceService {
  const revisionName = (n: number) => `${o.name}-predictor-${String(n).padStart(5, "0")}`;
  const latest = revisionName(o.latestRevision);
  const canary = o.canaryTrafficPercent !== undefined && o.previousVersion !== undefined;
  const previous = canary ? revisionName(o.latestRevision - 1) : null;
  const domain = `${o.name}-${o.namespace}.serving.example.com`;
  const traffic = canary
    ? [
        {
          tag: "latest",
          revisionName: latest,
          percent: o.canaryTrafficPercent ?? 0,
          latestRevision: true,
          url: `http://latest-${o.name}-predictor-${o.namespace}.serving.example.com`,
        },
        {
          tag: "prev",
          revisionName: previous ?? "",
          percent: 100 - (o.canaryTrafficPercent ?? 0),
          latestRevision: false,
          url: `http://prev-${o.name}-predictor-${o.namespace}.serving.example.com`,
        },
      ]
    : [{ revisionName: latest, percent: 100, latestRevision: true }];
  const condition = (type: string, status = "True") => ({
    type,
    status,
    lastTransitionTime: o.readyAt,
  });
  const isvc: KubeObject = {
    apiVersion: "serving.kserve.io/v1beta1",
    kind: "InferenceService",
    metadata: {
      name: o.name,
      namespace: o.namespace,
      uid: uidFor(`inferenceservice/${o.namespace}/${o.name}`),
      generation: o.latestRevision,
      labels: {
        [FLIGHTDECK.model]: o.model,
        [FLIGHTDECK.environment]: o.environment,
        [FLIGHTDECK.version]: o.version,
      },
      annotations: {
        ...(o.previousVersion ? { [FLIGHTDECK.previousVersion]: o.previousVersion } : {}),
        "serving.kserve.io/deploymentMode": "Serverless",
      },
      finalizers: ["inferenceservice.finalizers"],
      creationTimestamp: o.createdAt,
    },
    spec: {
      predictor: {
        minReplicas: o.minReplicas ?? 1,
        maxReplicas: o.maxReplicas ?? 4,
        ...(o.canaryTrafficPercent !== undefined
          ? { canaryTrafficPercent: o.canaryTrafficPercent }
          : {}),
        model: {
          modelFormat: { name: o.modelFormat ?? "xgboost" },
          storageUri: `s3://flightdeck-models/${o.model}/${o.version}`,
          resources: {
            requests: { cpu: "2", memory: "8Gi", [GPU]: String(o.gpus ?? 1) },
            limits: { memory: "8Gi", [GPU]: String(o.gpus ?? 1) },
          },
        },
      },
    },
    status: {
      url: `http://${domain}`,
      address: { url: `http://${o.name}.${o.namespace}.svc.cluster.local` },
      observedGeneration: o.latestRevision,
      deploymentMode: "Serverless",
      conditions: [
        condition("IngressReady"),
        condition("LatestDeploymentReady"),
        condition("PredictorConfigurationReady"),
        condition("PredictorReady"),
        condition("PredictorRouteReady"),
        condition("Ready"),
        condition("RoutesReady"),
      ],
      modelStatus: {
        states: { activeModelState: "Loaded", targetModelState: "Loaded" },
        transitionStatus: "UpToDate",
        copies: { failedCopies: 0, totalCopies: 1 },
      },
      components: {
        predictor: {
          url: `http://${o.name}-predictor-${o.namespace}.serving.example.com`,
          address: { url: `http://${o.name}-predictor.${o.namespace}.svc.cluster.local` },
          latestCreatedRevision: latest,
          latestReadyRevision: latest,
          latestRolledoutRevision: previous ?? latest,
          ...(o.latestRevision > 2 || (!canary && o.latestRevision > 1)
            ? {
                previousRolledoutRevision: revisionName(
                  canary ? o.latestRevision - 2 : o.latestRevision - 1,
                ),
              }
            : {}),
          traffic,
        },
      },
    },
  };
  return { inferenceService: isvc, latestRevision: latest, previousRevision: previous };
}

/** Predictor pods of one revision of an InferenceService, one per node in `nodes`. */
export function inferenceServicePods(
  isvc: KubeObject,
  revision: string,
  version: string,
  nodes: string[],
  o: { gpus?: number; createdAt: string },
): KubeObject[] {
  const name = isvc.metadata.name ?? "";
  const labels = isvc.metadata.labels ?? {};
  const rsHash = templateHash(`${revision}/deployment`);
  return nodes.map((nodeName, i) =>
    pod({
      name: `${revision}-deployment-${rsHash}-${templateHash(`${revision}/${i}`, 5)}`,
      namespace: isvc.metadata.namespace ?? "default",
      node: nodeName,
      gpus: o.gpus ?? 1,
      container: "kserve-container",
      image: `registry.example.com/models/${labels[FLIGHTDECK.model] ?? name}:${version}`,
      labels: {
        [FLIGHTDECK.model]: labels[FLIGHTDECK.model] ?? name,
        [FLIGHTDECK.environment]: labels[FLIGHTDECK.environment] ?? "",
        [FLIGHTDECK.version]: version,
        app: revision,
        component: "predictor",
        "serving.kserve.io/inferenceservice": name,
        "serving.knative.dev/configuration": `${name}-predictor`,
        "serving.knative.dev/service": `${name}-predictor`,
        "serving.knative.dev/revision": revision,
        "pod-template-hash": rsHash,
      },
      ownerReferences: [
        {
          apiVersion: "apps/v1",
          kind: "ReplicaSet",
          name: `${revision}-deployment-${rsHash}`,
          uid: uidFor(`replicaset/${revision}`),
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      createdAt: o.createdAt,
    }),
  );
}

/** An autoscaling/v2 HPA on CPU utilization, scaling `target`. */
export function hpa(o: {
  name: string;
  namespace: string;
  target: { apiVersion: string; kind: string; name: string };
  min: number;
  max: number;
  current: number;
  desired: number;
  cpuTarget?: number;
  cpuCurrent?: number;
  createdAt: string;
  lastScaleTime?: string;
}): KubeObject {
  const limited = o.desired >= o.max || o.desired <= o.min;
  const atMax = o.desired >= o.max;
  return {
    apiVersion: "autoscaling/v2",
    kind: "HorizontalPodAutoscaler",
    metadata: { name: o.name, namespace: o.namespace, creationTimestamp: o.createdAt },
    spec: {
      scaleTargetRef: o.target,
      minReplicas: o.min,
      maxReplicas: o.max,
      metrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            target: { type: "Utilization", averageUtilization: o.cpuTarget ?? 70 },
          },
        },
      ],
    },
    status: {
      currentReplicas: o.current,
      desiredReplicas: o.desired,
      ...(o.lastScaleTime ? { lastScaleTime: o.lastScaleTime } : {}),
      currentMetrics: [
        {
          type: "Resource",
          resource: {
            name: "cpu",
            current: { averageUtilization: o.cpuCurrent ?? 55, averageValue: "2200m" },
          },
        },
      ],
      conditions: [
        {
          type: "AbleToScale",
          status: "True",
          reason: "ReadyForNewScale",
          message: "recommended size matches current size",
          lastTransitionTime: o.createdAt,
        },
        {
          type: "ScalingActive",
          status: "True",
          reason: "ValidMetricFound",
          message:
            "the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)",
          lastTransitionTime: o.createdAt,
        },
        limited
          ? {
              type: "ScalingLimited",
              status: "True",
              reason: atMax ? "TooManyReplicas" : "TooFewReplicas",
              message: atMax
                ? "the desired replica count is more than the maximum replica count"
                : "the desired replica count is less than the minimum replica count",
              lastTransitionTime: o.lastScaleTime ?? o.createdAt,
            }
          : {
              type: "ScalingLimited",
              status: "False",
              reason: "DesiredWithinRange",
              message: "the desired count is within the acceptable range",
              lastTransitionTime: o.createdAt,
            },
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The two-cluster fleet

export interface FleetCluster {
  /** the kubeconfig context name */
  name: string;
  /** Flightdeck's region code (the kube-system label) */
  region: string;
  provider: Provider;
  role: ClusterRole;
  objects: KubeObject[];
}

export interface ExpectedPool {
  cluster: string;
  name: string;
  gpuType: "H100" | "A100" | "L4";
  product: string;
  gpusPerNode: number;
  nodes: number;
  readyNodes: number;
  /** GPUs in the pool's nodes' capacity */
  gpus: number;
  /** GPUs allocatable on ready, schedulable nodes */
  allocatable: number;
  /** GPUs requested by non-terminal pods on ready, schedulable nodes */
  allocated: number;
  /** nodes that are NotReady, cordoned, or have fewer allocatable GPUs than they hold */
  unhealthy: {
    name: string;
    ready: boolean;
    schedulable: boolean;
    allocatable: number;
    capacity: number;
    gpusInUse: number;
  }[];
}

export interface ExpectedNamespace {
  cluster: string;
  name: string;
  team: string;
  gpuQuota: number;
  /** the quota's status.used (non-terminal pods' GPU requests, Pending ones included) */
  gpuUsed: number;
}

export interface ExpectedHpa {
  cluster: string;
  namespace: string;
  name: string;
  targetKind: string;
  target: string;
  min: number;
  max: number;
  current: number;
  desired: number;
  /** ScalingLimited is True */
  limited: boolean;
}

export interface ExpectedWorkload {
  cluster: string;
  region: string;
  namespace: string;
  kind: "Deployment" | "Rollout" | "InferenceService";
  name: string;
  model: string;
  environment: Environment;
  /** each version served, with its traffic percent and pods */
  versions: { version: string; weight: number; ready: number; desired: number }[];
}

export interface TwoClusterFleet {
  clusters: FleetCluster[];
  expected: {
    clusters: { name: string; region: string; provider: Provider; role: ClusterRole }[];
    pools: ExpectedPool[];
    namespaces: ExpectedNamespace[];
    hpas: ExpectedHpa[];
    workloads: ExpectedWorkload[];
  };
}

const H100 = { product: "NVIDIA-H100-80GB-HBM3", count: 8, memoryMiB: 81559, family: "hopper" };
const A100 = { product: "NVIDIA-A100-SXM4-80GB", count: 8, memoryMiB: 81920, family: "ampere" };
const L4 = { product: "NVIDIA-L4", count: 4, memoryMiB: 23034, family: "ada-lovelace" };

/**
 * Two clusters in two regions:
 *
 * gke-us-east1-serving (us-east-1, GKE, serving)
 * - default-pool: 2 CPU nodes (no GPUs).
 * - h100-pool: 3 × a3-highgpu-8g (8 H100); h100-3 is NotReady. ranker-xl's stable pods (3 on
 *   h100-1, 2 on h100-2) and its canary pod (h100-2), 2 GPUs each: 12 GPUs allocated.
 * - l4-pool: 4 × g2-standard-48 (4 L4); l4-4 is cordoned with embedder-backfill (2 GPUs) still
 *   running on it. query-embedder (2 × 1 GPU on l4-1), fraud-scorer revision 00002 (l4-1, l4-2)
 *   and 00003 (l4-2), 1 GPU each: 5 allocated on usable nodes; a Succeeded batch pod (4 GPUs, on
 *   l4-3) and a Pending pod (1 GPU, no node) allocate nothing.
 * - Namespaces: search-serving (team search, quota 32, used 12), search-staging (team search,
 *   quota 8, used 5: query-embedder 2, backfill 2, the Pending pod 1), risk-serving (team risk,
 *   quota 8, used 3).
 * - ranker-xl (production): Argo Rollout with NGINX traffic routing, paused at 20% (2.1.0 stable,
 *   2.2.0 canary). query-embedder (staging): Deployment 0.9.0. fraud-scorer (production): an
 *   InferenceService with 1.5.0 at 10% (revision 00003) and 1.4.0 at 90% (revision 00002).
 * - HPAs: ranker-xl (Rollout, 4–10, 5/5), query-embedder (Deployment, 1–4, 2/2).
 *
 * eks-eu-west-1 (eu-west-1, EKS, mixed)
 * - system: 2 CPU nodes. a100-ng (managed node group): 4 × p4de.24xlarge (8 A100 80GB); a100-3
 *   has 7 of its 8 GPUs allocatable. ranker-xl 4 pods × 2 GPUs (a100-1, a100-2), eval-runner
 *   4 GPUs (a100-3), llm-pretrain-worker-0 8 GPUs (a100-4): 20 allocated.
 * - l4-spot (Karpenter node pool): 2 × g6.12xlarge (4 L4), idle.
 * - Namespaces: search-serving (team search, quota 16, used 8), ml-training (team research,
 *   quota 32, used 12).
 * - ranker-xl (production): Argo Rollout settled on 2.1.0 (an old 2.0.3 ReplicaSet at 0).
 * - HPA: ranker-xl (Rollout, 2–4, 4/4, limited at its maximum).
 */
export function twoClusterFleet(options: { now?: Date } = {}): TwoClusterFleet {
  const now = options.now ?? new Date();
  const old = at(now, 40 * DAY);
  const weeksAgo = at(now, 14 * DAY);
  const daysAgo = at(now, 3 * DAY);
  const hoursAgo = at(now, 5 * 60);
  const minutesAgo = at(now, 25);

  // --- gke-us-east1-serving -----------------------------------------------------------------
  const a = "gke-us-east1-serving";
  const gkeNode = (pool: string, poolHash: string, suffix: string) =>
    `gke-${a}-${pool}-${poolHash}-${suffix}`;
  const cpuA = ["q2lm", "x9vt"].map((s) => gkeNode("default-pool", "b81c5e0f", s));
  const h100 = ["7kzq", "m3p9", "w4rd"].map((s) => gkeNode("h100-pool", "5f2c8a1d", s));
  const l4 = ["c8nf", "j2hx", "p6tb", "v5ks"].map((s) => gkeNode("l4-pool", "9e4b7d3a", s));
  const [h1, h2, h3] = h100 as [string, string, string];
  const [l41, l42, l43, l44] = l4 as [string, string, string, string];

  const aObjects: KubeObject[] = [
    kubeSystemNamespace({ region: "us-east-1", provider: "gke", role: "serving", createdAt: old }),
    namespace("default", { createdAt: old }),
    teamNamespace("search-serving", "search", old),
    teamNamespace("search-staging", "search", old),
    teamNamespace("risk-serving", "risk", old),
    gpuQuota({ namespace: "search-serving", hard: 32, used: 12, createdAt: old }),
    gpuQuota({ namespace: "search-staging", hard: 8, used: 5, createdAt: old }),
    gpuQuota({ namespace: "risk-serving", hard: 8, used: 3, createdAt: old }),
    ...cpuA.map((name, i) =>
      node({
        name,
        provider: "gke",
        pool: "default-pool",
        region: "us-east1",
        zone: i ? "us-east1-c" : "us-east1-b",
        instanceType: "e2-standard-8",
        createdAt: old,
      }),
    ),
    node({
      name: h1,
      provider: "gke",
      pool: "h100-pool",
      region: "us-east1",
      zone: "us-east1-b",
      instanceType: "a3-highgpu-8g",
      gpu: H100,
      cpu: "208",
      memory: "1872Gi",
      createdAt: old,
    }),
    node({
      name: h2,
      provider: "gke",
      pool: "h100-pool",
      region: "us-east1",
      zone: "us-east1-c",
      instanceType: "a3-highgpu-8g",
      gpu: H100,
      cpu: "208",
      memory: "1872Gi",
      createdAt: old,
    }),
    node({
      name: h3,
      provider: "gke",
      pool: "h100-pool",
      region: "us-east1",
      zone: "us-east1-b",
      instanceType: "a3-highgpu-8g",
      gpu: H100,
      cpu: "208",
      memory: "1872Gi",
      createdAt: old,
      changedAt: minutesAgo,
      ready: {
        reason: "KubeletNotReady",
        message:
          "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
      },
    }),
    ...[l41, l42, l43].map((name, i) =>
      node({
        name,
        provider: "gke",
        pool: "l4-pool",
        region: "us-east1",
        zone: ["us-east1-b", "us-east1-c", "us-east1-d"][i] ?? "us-east1-b",
        instanceType: "g2-standard-48",
        gpu: L4,
        cpu: "48",
        memory: "192Gi",
        createdAt: weeksAgo,
      }),
    ),
    node({
      name: l44,
      provider: "gke",
      pool: "l4-pool",
      region: "us-east1",
      zone: "us-east1-d",
      instanceType: "g2-standard-48",
      gpu: L4,
      cpu: "48",
      memory: "192Gi",
      createdAt: weeksAgo,
      unschedulable: true,
      changedAt: hoursAgo,
    }),
  ];

  const rankerA = rollout({
    name: "ranker-xl",
    namespace: "search-serving",
    model: "ranker-xl",
    environment: "production",
    stableVersion: "2.1.0",
    canaryVersion: "2.2.0",
    replicas: 5,
    canaryWeight: 20,
    stepIndex: 1,
    trafficRouting: true,
    gpusPerReplica: 2,
    revision: 4,
    createdAt: old,
    stepStartedAt: minutesAgo,
  });
  aObjects.push(rankerA.rollout, ...rankerA.replicaSets);
  aObjects.push(
    ...replicaSetPods(rankerA.stable, [h1, h1, h1, h2, h2], { gpus: 2, createdAt: daysAgo }),
  );
  if (rankerA.canary)
    aObjects.push(...replicaSetPods(rankerA.canary, [h2], { gpus: 2, createdAt: minutesAgo }));

  const embedder = deployment({
    name: "query-embedder",
    namespace: "search-staging",
    model: "query-embedder",
    environment: "staging",
    version: "0.9.0",
    replicas: 2,
    gpusPerReplica: 1,
    createdAt: weeksAgo,
  });
  aObjects.push(embedder.deployment, embedder.replicaSet);
  aObjects.push(
    ...replicaSetPods(embedder.replicaSet, [l41, l41], { gpus: 1, createdAt: daysAgo }),
  );
  aObjects.push(
    pod({
      name: "embedder-backfill",
      namespace: "search-staging",
      node: l44,
      gpus: 2,
      createdAt: hoursAgo,
      image: "registry.example.com/models/query-embedder:0.9.0",
      labels: { "job-name": "embedder-backfill" },
    }),
    pod({
      name: "embedding-export-28913442-kq7zv",
      namespace: "search-staging",
      node: l43,
      gpus: 4,
      phase: "Succeeded",
      createdAt: daysAgo,
      labels: { "job-name": "embedding-export-28913442" },
    }),
    pod({
      name: "embedder-eval",
      namespace: "search-staging",
      gpus: 1,
      phase: "Pending",
      createdAt: minutesAgo,
      labels: { "job-name": "embedder-eval" },
    }),
  );

  const fraud = inferenceService({
    name: "fraud-scorer",
    namespace: "risk-serving",
    model: "fraud-scorer",
    environment: "production",
    version: "1.5.0",
    previousVersion: "1.4.0",
    canaryTrafficPercent: 10,
    latestRevision: 3,
    gpus: 1,
    createdAt: old,
    readyAt: minutesAgo,
  });
  aObjects.push(fraud.inferenceService);
  aObjects.push(
    ...inferenceServicePods(
      fraud.inferenceService,
      fraud.previousRevision ?? "",
      "1.4.0",
      [l41, l42],
      { createdAt: daysAgo },
    ),
  );
  aObjects.push(
    ...inferenceServicePods(fraud.inferenceService, fraud.latestRevision, "1.5.0", [l42], {
      createdAt: minutesAgo,
    }),
  );

  aObjects.push(
    hpa({
      name: "ranker-xl",
      namespace: "search-serving",
      target: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "ranker-xl" },
      min: 4,
      max: 10,
      current: 5,
      desired: 5,
      createdAt: old,
    }),
    hpa({
      name: "query-embedder",
      namespace: "search-staging",
      target: { apiVersion: "apps/v1", kind: "Deployment", name: "query-embedder" },
      min: 1,
      max: 4,
      current: 2,
      desired: 2,
      cpuCurrent: 40,
      createdAt: weeksAgo,
    }),
  );

  // --- eks-eu-west-1 -------------------------------------------------------------------------
  const b = "eks-eu-west-1";
  const ipName = (ip: string) => `ip-${ip.replace(/\./g, "-")}.eu-west-1.compute.internal`;
  const cpuIps = ["10.20.1.17", "10.20.2.33"];
  const a100Ips = ["10.20.8.11", "10.20.8.42", "10.20.9.7", "10.20.9.58"];
  const l4Ips = ["10.20.12.90", "10.20.13.4"];
  const a100 = a100Ips.map(ipName);
  const [a1, a2, a3, a4] = a100 as [string, string, string, string];
  const bObjects: KubeObject[] = [
    kubeSystemNamespace({ region: "eu-west-1", provider: "eks", role: "mixed", createdAt: old }),
    namespace("default", { createdAt: old }),
    teamNamespace("search-serving", "search", old),
    teamNamespace("ml-training", "research", old),
    gpuQuota({ namespace: "search-serving", hard: 16, used: 8, createdAt: old }),
    gpuQuota({ namespace: "ml-training", hard: 32, used: 12, createdAt: old }),
    ...cpuIps.map((ip, i) =>
      node({
        name: ipName(ip),
        internalIP: ip,
        provider: "eks",
        pool: "system",
        region: "eu-west-1",
        zone: i ? "eu-west-1b" : "eu-west-1a",
        instanceType: "m6i.2xlarge",
        createdAt: old,
      }),
    ),
    ...a100Ips.map((ip, i) =>
      node({
        name: ipName(ip),
        internalIP: ip,
        provider: "eks",
        pool: "a100-ng",
        region: "eu-west-1",
        zone: i < 2 ? "eu-west-1a" : "eu-west-1b",
        instanceType: "p4de.24xlarge",
        gpu: ipName(ip) === a3 ? { ...A100, allocatable: 7 } : A100,
        cpu: "96",
        memory: "1152Gi",
        createdAt: old,
      }),
    ),
    ...l4Ips.map((ip, i) =>
      node({
        name: ipName(ip),
        internalIP: ip,
        provider: "karpenter",
        pool: "l4-spot",
        region: "eu-west-1",
        zone: i ? "eu-west-1c" : "eu-west-1a",
        instanceType: "g6.12xlarge",
        gpu: L4,
        cpu: "48",
        memory: "192Gi",
        createdAt: daysAgo,
      }),
    ),
  ];
  const rankerB = rollout({
    name: "ranker-xl",
    namespace: "search-serving",
    model: "ranker-xl",
    environment: "production",
    stableVersion: "2.1.0",
    previousVersion: "2.0.3",
    replicas: 4,
    gpusPerReplica: 2,
    revision: 3,
    createdAt: old,
    stepStartedAt: daysAgo,
  });
  bObjects.push(rankerB.rollout, ...rankerB.replicaSets);
  bObjects.push(
    ...replicaSetPods(rankerB.stable, [a1, a1, a2, a2], { gpus: 2, createdAt: daysAgo }),
  );
  bObjects.push(
    pod({
      name: "eval-runner-7xk2p",
      namespace: "ml-training",
      node: a3,
      gpus: 4,
      createdAt: hoursAgo,
      labels: { "job-name": "eval-runner" },
    }),
    pod({
      name: "llm-pretrain-worker-0",
      namespace: "ml-training",
      node: a4,
      gpus: 8,
      createdAt: daysAgo,
      labels: {
        "training.kubeflow.org/job-name": "llm-pretrain",
        "training.kubeflow.org/replica-type": "worker",
      },
    }),
    hpa({
      name: "ranker-xl",
      namespace: "search-serving",
      target: { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "ranker-xl" },
      min: 2,
      max: 4,
      current: 4,
      desired: 4,
      cpuCurrent: 91,
      createdAt: old,
      lastScaleTime: hoursAgo,
    }),
  );

  return {
    clusters: [
      { name: a, region: "us-east-1", provider: "gke", role: "serving", objects: aObjects },
      { name: b, region: "eu-west-1", provider: "eks", role: "mixed", objects: bObjects },
    ],
    expected: {
      clusters: [
        { name: a, region: "us-east-1", provider: "gke", role: "serving" },
        { name: b, region: "eu-west-1", provider: "eks", role: "mixed" },
      ],
      pools: [
        {
          cluster: a,
          name: "h100-pool",
          gpuType: "H100",
          product: H100.product,
          gpusPerNode: 8,
          nodes: 3,
          readyNodes: 2,
          gpus: 24,
          allocatable: 16,
          allocated: 12,
          unhealthy: [
            {
              name: h3,
              ready: false,
              schedulable: true,
              allocatable: 8,
              capacity: 8,
              gpusInUse: 0,
            },
          ],
        },
        {
          cluster: a,
          name: "l4-pool",
          gpuType: "L4",
          product: L4.product,
          gpusPerNode: 4,
          nodes: 4,
          readyNodes: 4,
          gpus: 16,
          allocatable: 12,
          allocated: 5,
          unhealthy: [
            {
              name: l44,
              ready: true,
              schedulable: false,
              allocatable: 4,
              capacity: 4,
              gpusInUse: 2,
            },
          ],
        },
        {
          cluster: b,
          name: "a100-ng",
          gpuType: "A100",
          product: A100.product,
          gpusPerNode: 8,
          nodes: 4,
          readyNodes: 4,
          gpus: 32,
          allocatable: 31,
          allocated: 20,
          unhealthy: [
            { name: a3, ready: true, schedulable: true, allocatable: 7, capacity: 8, gpusInUse: 4 },
          ],
        },
        {
          cluster: b,
          name: "l4-spot",
          gpuType: "L4",
          product: L4.product,
          gpusPerNode: 4,
          nodes: 2,
          readyNodes: 2,
          gpus: 8,
          allocatable: 8,
          allocated: 0,
          unhealthy: [],
        },
      ],
      namespaces: [
        { cluster: a, name: "risk-serving", team: "risk", gpuQuota: 8, gpuUsed: 3 },
        { cluster: a, name: "search-serving", team: "search", gpuQuota: 32, gpuUsed: 12 },
        { cluster: a, name: "search-staging", team: "search", gpuQuota: 8, gpuUsed: 5 },
        { cluster: b, name: "ml-training", team: "research", gpuQuota: 32, gpuUsed: 12 },
        { cluster: b, name: "search-serving", team: "search", gpuQuota: 16, gpuUsed: 8 },
      ],
      hpas: [
        {
          cluster: a,
          namespace: "search-serving",
          name: "ranker-xl",
          targetKind: "Rollout",
          target: "ranker-xl",
          min: 4,
          max: 10,
          current: 5,
          desired: 5,
          limited: false,
        },
        {
          cluster: a,
          namespace: "search-staging",
          name: "query-embedder",
          targetKind: "Deployment",
          target: "query-embedder",
          min: 1,
          max: 4,
          current: 2,
          desired: 2,
          limited: false,
        },
        {
          cluster: b,
          namespace: "search-serving",
          name: "ranker-xl",
          targetKind: "Rollout",
          target: "ranker-xl",
          min: 2,
          max: 4,
          current: 4,
          desired: 4,
          limited: true,
        },
      ],
      workloads: [
        {
          cluster: a,
          region: "us-east-1",
          namespace: "search-serving",
          kind: "Rollout",
          name: "ranker-xl",
          model: "ranker-xl",
          environment: "production",
          versions: [
            { version: "2.1.0", weight: 80, ready: 5, desired: 5 },
            { version: "2.2.0", weight: 20, ready: 1, desired: 1 },
          ],
        },
        {
          cluster: a,
          region: "us-east-1",
          namespace: "search-staging",
          kind: "Deployment",
          name: "query-embedder",
          model: "query-embedder",
          environment: "staging",
          versions: [{ version: "0.9.0", weight: 100, ready: 2, desired: 2 }],
        },
        {
          cluster: a,
          region: "us-east-1",
          namespace: "risk-serving",
          kind: "InferenceService",
          name: "fraud-scorer",
          model: "fraud-scorer",
          environment: "production",
          versions: [
            { version: "1.4.0", weight: 90, ready: 2, desired: 2 },
            { version: "1.5.0", weight: 10, ready: 1, desired: 1 },
          ],
        },
        {
          cluster: b,
          region: "eu-west-1",
          namespace: "search-serving",
          kind: "Rollout",
          name: "ranker-xl",
          model: "ranker-xl",
          environment: "production",
          versions: [{ version: "2.1.0", weight: 100, ready: 4, desired: 4 }],
        },
      ],
    },
  };
}

/**
 * A large GPU cluster for scale tests: `nodes` GPU nodes (8 GPUs each, in pools of 50) and
 * `pods` running pods of 1 GPU spread over them, in `namespaces` team namespaces with quotas.
 * Objects are built lazily, so 20 clusters × 500 nodes × 5,000 pods load without holding the
 * builders' intermediate arrays.
 */
export function* scaleCluster(o: {
  name: string;
  region: string;
  provider?: Provider;
  nodes: number;
  pods: number;
  namespaces?: number;
  now?: Date;
}): Generator<KubeObject> {
  const now = o.now ?? new Date();
  const createdAt = at(now, 30 * DAY);
  const provider = o.provider ?? "eks";
  const namespaces = Math.max(1, o.namespaces ?? 10);
  yield kubeSystemNamespace({ region: o.region, provider, role: "serving", createdAt });
  const perNamespace = Math.ceil(o.pods / namespaces);
  for (let n = 0; n < namespaces; n++) {
    yield teamNamespace(`team-${n}`, `team-${n}`, createdAt);
    const used = Math.max(0, Math.min(perNamespace, o.pods - n * perNamespace));
    yield gpuQuota({ namespace: `team-${n}`, hard: perNamespace * 2, used, createdAt });
  }
  const nodeName = (i: number) => `${o.name}-gpu-${String(i).padStart(4, "0")}`;
  for (let i = 0; i < o.nodes; i++) {
    yield node({
      name: nodeName(i),
      provider: provider === "gke" ? "gke" : provider === "aks" ? "aks" : "eks",
      pool: `h100-pool-${Math.floor(i / 50)}`,
      region: o.region,
      zone: `${o.region}${"abc"[i % 3] ?? "a"}`,
      instanceType: "p5.48xlarge",
      gpu: H100,
      cpu: "192",
      memory: "2048Gi",
      createdAt,
    });
  }
  for (let p = 0; p < o.pods; p++) {
    yield pod({
      name: `worker-${String(p).padStart(5, "0")}`,
      namespace: `team-${Math.floor(p / perNamespace)}`,
      node: nodeName(p % Math.max(1, o.nodes)),
      gpus: 1,
      labels: { app: "worker" },
      createdAt,
    });
  }
}
