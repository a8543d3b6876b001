import { describe, expect, it } from "vitest";
import type { KubeObject } from "@/lib/platform/kubernetes/client";
import {
  argoStepWeight,
  autoscalerStates,
  clusterIdentity,
  clusterStatus,
  gpuTypeOf,
  namespaceStates,
  nodePools,
  podGpus,
  podWorkKind,
  proportion,
  quantity,
  servingDeployments,
} from "@/lib/platform/kubernetes/inventory";

const NOW = new Date("2026-12-03T12:00:00Z");
const HOUR_AGO = new Date(NOW.getTime() - 3_600_000).toISOString();

function node(
  name: string,
  opts: {
    pool?: string;
    product?: string;
    gpus?: number;
    allocatable?: number;
    ready?: boolean;
    reason?: string;
    unschedulable?: boolean;
    created?: string;
    region?: string;
  } = {},
): KubeObject {
  return {
    metadata: {
      name,
      creationTimestamp: opts.created ?? HOUR_AGO,
      labels: {
        "cloud.google.com/gke-nodepool": opts.pool ?? "h100-pool",
        ...(opts.product !== ""
          ? { "nvidia.com/gpu.product": opts.product ?? "NVIDIA-H100-80GB-HBM3" }
          : {}),
        ...(opts.region ? { "topology.kubernetes.io/region": opts.region } : {}),
      },
    },
    spec: opts.unschedulable ? { unschedulable: true } : {},
    status: {
      capacity: { "nvidia.com/gpu": String(opts.gpus ?? 8) },
      allocatable: { "nvidia.com/gpu": String(opts.allocatable ?? opts.gpus ?? 8) },
      conditions: [
        {
          type: "Ready",
          status: opts.ready === false ? "False" : "True",
          reason: opts.reason ?? "KubeletReady",
          message:
            opts.ready === false
              ? "Kubelet stopped posting node status."
              : "kubelet is posting ready status",
        },
      ],
    },
  };
}

function pod(
  name: string,
  nodeName: string | undefined,
  gpus: number,
  opts: {
    phase?: string;
    namespace?: string;
    labels?: Record<string, string>;
    ready?: boolean;
  } = {},
): KubeObject {
  return {
    metadata: { name, namespace: opts.namespace ?? "ranking", labels: opts.labels },
    spec: {
      ...(nodeName ? { nodeName } : {}),
      containers: [{ resources: { requests: gpus ? { "nvidia.com/gpu": String(gpus) } : {} } }],
    },
    status: {
      phase: opts.phase ?? "Running",
      conditions: [{ type: "Ready", status: opts.ready === false ? "False" : "True" }],
    },
  };
}

describe("quantities and GPU families", () => {
  it("reads whole GPU quantities, and nothing from what is not one", () => {
    expect(quantity("8")).toBe(8);
    expect(quantity(4)).toBe(4);
    expect(quantity("2k")).toBe(2000);
    expect(quantity(undefined)).toBe(0);
    expect(quantity("lots")).toBe(0);
    expect(quantity("-1")).toBe(0);
  });

  it("names the family from the product GPU feature discovery reports", () => {
    expect(gpuTypeOf("NVIDIA-H100-80GB-HBM3")).toBe("H100");
    expect(gpuTypeOf("NVIDIA-H200")).toBe("H200");
    expect(gpuTypeOf("NVIDIA-A100-SXM4-80GB")).toBe("A100");
    expect(gpuTypeOf("NVIDIA-L4")).toBe("L4");
    expect(gpuTypeOf("NVIDIA-L40S")).toBe("L40S");
    expect(gpuTypeOf("NVIDIA-A10G")).toBe("A10G");
    expect(gpuTypeOf("Tesla-T4")).toBe("T4");
    expect(gpuTypeOf("NVIDIA-GeForce-RTX-4090")).toBe("other");
    expect(gpuTypeOf(undefined)).toBe("other");
  });

  it("counts a pod's GPUs from requests, limits where no request, and the largest init container", () => {
    expect(podGpus(pod("p", "n", 2))).toBe(2);
    expect(
      podGpus({
        metadata: { name: "p" },
        spec: {
          containers: [
            { resources: { limits: { "nvidia.com/gpu": "1" } } },
            { resources: { requests: { "nvidia.com/gpu": "2" } } },
          ],
          initContainers: [{ resources: { requests: { "nvidia.com/gpu": "4" } } }],
        },
      }),
    ).toBe(4);
    expect(podGpus({ metadata: { name: "p" } })).toBe(0);
  });
});

describe("node pools", () => {
  it("groups GPU nodes by the provider's pool label and sums GPUs of running pods", () => {
    const pools = nodePools(
      [
        node("a1", { pool: "a100", product: "NVIDIA-A100-SXM4-80GB" }),
        node("h1"),
        node("h2"),
        node("cpu", { product: "", gpus: 0 }),
      ],
      [
        pod("x", "h1", 4),
        pod("y", "h2", 8),
        pod("done", "h1", 4, { phase: "Succeeded" }),
        pod("pending", undefined, 2),
      ],
      NOW,
    );
    expect(pools.map((p) => p.name)).toEqual(["a100", "h100-pool"]);
    const h = pools[1]!;
    expect(h).toMatchObject({
      gpuType: "H100",
      gpuProduct: "NVIDIA-H100-80GB-HBM3",
      gpusPerNode: 8,
      nodes: 2,
      readyNodes: 2,
      gpus: 16,
      allocatable: 16,
      allocated: 12,
      unhealthyNodes: [],
      scalingUp: false,
      utilization: null,
    });
  });

  it("takes NotReady, cordoned and GPU-failed nodes out of what can be allocated, with the reason", () => {
    const [pool] = nodePools(
      [
        node("ok"),
        node("down", { ready: false, reason: "NodeStatusUnknown" }),
        node("cordoned", { unschedulable: true }),
        node("bad-gpu", { allocatable: 6 }),
      ],
      [pod("a", "cordoned", 2), pod("b", "bad-gpu", 8)],
      NOW,
    );
    expect(pool).toMatchObject({ nodes: 4, readyNodes: 3, gpus: 32, allocatable: 14 });
    // 8 GPUs requested on a node with 6 allocatable count as 6; the cordoned node's are out.
    expect(pool!.allocated).toBe(6);
    expect(pool!.unhealthyNodes).toEqual([
      {
        name: "down",
        ready: false,
        reason: "NodeStatusUnknown: Kubelet stopped posting node status.",
      },
      { name: "cordoned", ready: true, reason: "cordoned (unschedulable), 2 GPUs still in use" },
      { name: "bad-gpu", ready: true, reason: "2 of 8 GPUs not allocatable" },
    ]);
    expect(clusterStatus([pool!], false)).toBe("degraded");
    expect(clusterStatus([pool!], true)).toBe("unreachable");
  });

  it("splits allocated GPUs into serving and training per node, on usable nodes only", () => {
    const train = { "training.kubeflow.org/job-name": "llm" };
    const serve = { "rollouts-pod-template-hash": "abc" };
    const [pool] = nodePools(
      [node("h1"), node("h2"), node("cordoned", { unschedulable: true })],
      [
        pod("w0", "h1", 8, { labels: train }),
        pod("r0", "h2", 2, { labels: serve }),
        pod("k0", "h2", 1, { labels: { "serving.kserve.io/inferenceservice": "m" } }),
        pod("nb", "h2", 1),
        pod("w1", "cordoned", 8, { labels: train }),
      ],
      NOW,
    );
    expect(pool).toMatchObject({ allocated: 12, allocatedTo: { serving: 3, training: 8 } });
    expect(pool!.gpuNodes).toEqual([
      { name: "h1", gpus: 8, allocatable: 8, allocated: 8, serving: 0, training: 8 },
      { name: "h2", gpus: 8, allocatable: 8, allocated: 4, serving: 3, training: 0 },
      { name: "cordoned", gpus: 8, allocatable: 0, allocated: 0, serving: 0, training: 0 },
    ]);
  });

  it("classifies GPU pods by their labels: training wins over serving, the rest is other", () => {
    const kind = (labels: Record<string, string>) => podWorkKind(pod("p", "h1", 1, { labels }));
    expect(kind({ "volcano.sh/job-name": "j" })).toBe("training");
    expect(kind({ "jobset.sigs.k8s.io/jobset-name": "j" })).toBe("training");
    expect(kind({ "flightdeck.dev/model": "ranker" })).toBe("serving");
    expect(kind({ "training.kubeflow.org/job-name": "j", "flightdeck.dev/model": "m" })).toBe(
      "training",
    );
    expect(kind({ app: "jupyter" })).toBe("other");
    expect(podWorkKind(pod("p", "h1", 1))).toBe("other");
  });

  it("counts MIG slices by profile on partitioned nodes (the mixed strategy)", () => {
    const mig = (name: string): KubeObject => {
      const n = node(name, { product: "NVIDIA-A100-SXM4-80GB", gpus: 0, pool: "a100-mig" });
      n.metadata.labels!["nvidia.com/mig.strategy"] = "mixed";
      (n.status!.capacity as Record<string, string>)["nvidia.com/mig-1g.10gb"] = "7";
      (n.status!.capacity as Record<string, string>)["nvidia.com/mig-3g.40gb"] = "1";
      return n;
    };
    const [pool] = nodePools([mig("m1"), mig("m2")], [], NOW);
    expect(pool).toMatchObject({
      name: "a100-mig",
      gpuType: "A100",
      nodes: 2,
      gpus: 0,
      migSlices: { "1g.10gb": 14, "3g.40gb": 2 },
    });
  });

  it("sees a node that joined minutes ago and is not ready yet as the pool scaling up", () => {
    const [pool] = nodePools(
      [
        node("old"),
        node("new", {
          ready: false,
          reason: "KubeletNotReady",
          created: new Date(NOW.getTime() - 60_000).toISOString(),
        }),
      ],
      [],
      NOW,
    );
    expect(pool!.scalingUp).toBe(true);
  });

  it("gives utilization only from readings, as their mean, and unknown without any", () => {
    const util = new Map([
      ["h1", 0.5],
      ["h2", 0.9],
    ]);
    const [pool] = nodePools([node("h1"), node("h2"), node("h3")], [], NOW, util);
    expect(pool!.utilization).toBeCloseTo(0.7);
    expect(nodePools([node("h1")], [], NOW)[0]!.utilization).toBeNull();
  });
});

describe("cluster identity", () => {
  const ns = (name: string, labels: Record<string, string> = {}): KubeObject => ({
    metadata: { name, labels },
  });

  it("reads region, provider and role from kube-system's labels", () => {
    expect(
      clusterIdentity(
        [
          ns("kube-system", {
            "flightdeck.dev/region": "us-east-1",
            "flightdeck.dev/provider": "eks",
            "flightdeck.dev/role": "serving",
          }),
        ],
        [],
      ),
    ).toEqual({ region: "us-east-1", provider: "eks", role: "serving" });
  });

  it("falls back to the nodes' region label and the provider their pool label implies", () => {
    expect(
      clusterIdentity(
        [ns("kube-system")],
        [node("a", { region: "europe-west4" }), node("b", { region: "europe-west4" })],
      ),
    ).toEqual({ region: "europe-west4", provider: "gke", role: "mixed" });
    expect(clusterIdentity([], [])).toEqual({ region: null, provider: "other", role: "mixed" });
  });
});

describe("namespaces and autoscalers", () => {
  const ns = (name: string, team?: string): KubeObject => ({
    metadata: { name, labels: team ? { "flightdeck.dev/team": team } : {} },
  });
  const quota = (namespace: string, hard: string, used?: string): KubeObject => ({
    metadata: { name: `gpu-${hard}`, namespace },
    spec: { hard: { "requests.nvidia.com/gpu": hard } },
    status: {
      hard: { "requests.nvidia.com/gpu": hard },
      ...(used !== undefined ? { used: { "requests.nvidia.com/gpu": used } } : {}),
    },
  });

  it("lists team and GPU namespaces with the tightest quota and its use", () => {
    const states = namespaceStates(
      "c1",
      [ns("ranking", "ranking"), ns("fraud"), ns("kube-system"), ns("scratch"), ns("empty")],
      [quota("ranking", "32", "12"), quota("ranking", "16", "12"), quota("fraud", "8")],
      [
        pod("f", "n1", 2, { namespace: "fraud" }),
        pod("s", "n1", 1, { namespace: "scratch" }),
        pod("k", "n1", 1, { namespace: "kube-system" }),
      ],
    );
    expect(states).toEqual([
      { cluster: "c1", name: "fraud", team: null, gpuQuota: 8, gpuUsed: 2 },
      { cluster: "c1", name: "ranking", team: "ranking", gpuQuota: 16, gpuUsed: 12 },
      { cluster: "c1", name: "scratch", team: null, gpuQuota: 0, gpuUsed: 1 },
    ]);
  });

  it("reads autoscaling/v2 bounds, replicas and the conditions that hold scaling back", () => {
    const [h] = autoscalerStates("c1", [
      {
        metadata: { name: "ranker-hpa", namespace: "ranking" },
        spec: {
          scaleTargetRef: { kind: "Rollout", name: "ranker-xl" },
          minReplicas: 2,
          maxReplicas: 6,
        },
        status: {
          currentReplicas: 6,
          desiredReplicas: 8,
          conditions: [
            { type: "AbleToScale", status: "True", reason: "ReadyForNewScale" },
            {
              type: "ScalingLimited",
              status: "True",
              reason: "TooManyReplicas",
              message: "the desired replica count is more than the maximum replica count",
            },
          ],
        },
      },
    ]);
    expect(h).toEqual({
      cluster: "c1",
      namespace: "ranking",
      target: "ranker-xl",
      targetKind: "Rollout",
      min: 2,
      max: 6,
      current: 6,
      desired: 8,
      conditions: [
        {
          type: "ScalingLimited",
          reason: "TooManyReplicas",
          message: "the desired replica count is more than the maximum replica count",
        },
      ],
    });
  });
});

describe("serving workloads", () => {
  const cluster = { name: "c1", region: "us-east-1" };
  const labels = (model: string, environment = "production") => ({
    "flightdeck.dev/model": model,
    "flightdeck.dev/environment": environment,
  });
  const template = (version: string) => ({
    metadata: { labels: { "flightdeck.dev/version": version } },
  });
  const empty = { deployments: [], replicaSets: [], rollouts: [], inferenceServices: [], pods: [] };

  const rollout = (
    status: Record<string, unknown>,
    steps: unknown[] = [
      { setWeight: 20 },
      { pause: {} },
      { setWeight: 50 },
      { pause: { duration: "5m" } },
    ],
  ): KubeObject => ({
    metadata: { name: "ranker-xl", namespace: "ranking", uid: "r-1", labels: labels("ranker-xl") },
    spec: { replicas: 5, template: template("2.1.0"), strategy: { canary: { steps } } },
    status,
  });
  const rs = (hash: string, version: string, replicas: number, ready: number): KubeObject => ({
    metadata: {
      name: `ranker-xl-${hash}`,
      namespace: "ranking",
      labels: { "rollouts-pod-template-hash": hash },
      ownerReferences: [
        { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "ranker-xl", uid: "r-1" },
      ],
    },
    spec: { replicas, template: template(version) },
    status: { readyReplicas: ready },
  });

  it("splits 100 in proportion, exactly", () => {
    expect(proportion([1, 1, 1])).toEqual([34, 33, 33]);
    expect(proportion([0, 0])).toEqual([100, 0]);
    expect(proportion([3])).toEqual([100]);
    expect(proportion([])).toEqual([]);
  });

  it("reads the weight Argo Rollouts set at the current step", () => {
    expect(argoStepWeight(rollout({ currentStepIndex: 0 }))).toBe(20);
    expect(argoStepWeight(rollout({ currentStepIndex: 1 }))).toBe(20);
    expect(argoStepWeight(rollout({ currentStepIndex: 3 }))).toBe(50);
    expect(argoStepWeight(rollout({ currentStepIndex: 4 }))).toBe(100);
    expect(argoStepWeight(rollout({ currentStepIndex: 0 }, [{ pause: {} }]))).toBe(0);
  });

  it("gives a Deployment all its model's traffic, and several side by side their share of ready replicas", () => {
    const dep = (name: string, version: string, ready: number): KubeObject => ({
      metadata: { name, namespace: "emb", labels: labels("query-embedder", "staging") },
      spec: { replicas: 4, template: template(version) },
      status: { readyReplicas: ready },
    });
    const one = servingDeployments(cluster, { ...empty, deployments: [dep("qe", "1.0.0", 3)] });
    expect(one.deployments).toEqual([
      {
        model: "query-embedder",
        version: "1.0.0",
        region: "us-east-1",
        cluster: "c1",
        environment: "staging",
        replicasReady: 3,
        replicasDesired: 4,
        trafficWeight: 100,
        workload: { kind: "Deployment", namespace: "emb", name: "qe" },
      },
    ]);
    const two = servingDeployments(cluster, {
      ...empty,
      deployments: [dep("qe-blue", "1.0.0", 3), dep("qe-green", "1.1.0", 1)],
    });
    expect(two.deployments.map((d) => [d.version, d.trafficWeight])).toEqual([
      ["1.0.0", 75],
      ["1.1.0", 25],
    ]);
  });

  it("reads an Argo Rollout mid-canary: stable and canary versions from their ReplicaSets, the weight from status", () => {
    const { deployments, problems } = servingDeployments(cluster, {
      ...empty,
      rollouts: [
        rollout({
          stableRS: "aaa",
          currentPodHash: "bbb",
          currentStepIndex: 1,
          canary: { weights: { canary: { weight: 20 }, stable: { weight: 80 } } },
        }),
      ],
      replicaSets: [rs("aaa", "2.0.0", 5, 5), rs("bbb", "2.1.0", 1, 1)],
    });
    expect(problems).toEqual([]);
    expect(
      deployments.map((d) => [d.version, d.trafficWeight, d.replicasReady, d.replicasDesired]),
    ).toEqual([
      ["2.0.0", 80, 5, 5],
      ["2.1.0", 20, 1, 1],
    ]);
  });

  it("takes the step's weight without traffic routing, none for an aborted canary, all once stable", () => {
    const sets = [rs("aaa", "2.0.0", 5, 5), rs("bbb", "2.1.0", 2, 2)];
    const weights = (status: Record<string, unknown>) =>
      servingDeployments(cluster, {
        ...empty,
        rollouts: [rollout(status)],
        replicaSets: sets,
      }).deployments.map((d) => [d.version, d.trafficWeight]);
    expect(weights({ stableRS: "aaa", currentPodHash: "bbb", currentStepIndex: 2 })).toEqual([
      ["2.0.0", 50],
      ["2.1.0", 50],
    ]);
    expect(
      weights({ stableRS: "aaa", currentPodHash: "bbb", currentStepIndex: 2, abort: true }),
    ).toEqual([["2.0.0", 100]]);
    expect(weights({ stableRS: "bbb", currentPodHash: "bbb", currentStepIndex: 4 })).toEqual([
      ["2.1.0", 100],
    ]);
  });

  it("reads a KServe canary's split from its traffic status, naming the previous version by annotation", () => {
    const isvc: KubeObject = {
      metadata: {
        name: "fraud-scorer",
        namespace: "fraud",
        labels: { ...labels("fraud-scorer"), "flightdeck.dev/version": "3.2.0" },
        annotations: { "flightdeck.dev/previous-version": "3.1.0" },
      },
      spec: { predictor: { canaryTrafficPercent: 10 } },
      status: {
        components: {
          predictor: {
            latestRolledoutRevision: "fraud-scorer-predictor-00001",
            latestReadyRevision: "fraud-scorer-predictor-00002",
            traffic: [
              {
                revisionName: "fraud-scorer-predictor-00002",
                percent: 10,
                latestRevision: true,
                tag: "latest",
              },
              {
                revisionName: "fraud-scorer-predictor-00001",
                percent: 90,
                latestRevision: false,
                tag: "prev",
              },
            ],
          },
        },
      },
    };
    const podOf = (name: string, revision: string, ready = true) =>
      pod(name, "n1", 1, {
        namespace: "fraud",
        ready,
        labels: {
          "serving.kserve.io/inferenceservice": "fraud-scorer",
          "serving.knative.dev/revision": revision,
        },
      });
    const { deployments } = servingDeployments(cluster, {
      ...empty,
      inferenceServices: [isvc],
      pods: [
        podOf("a", "fraud-scorer-predictor-00001"),
        podOf("b", "fraud-scorer-predictor-00001", false),
        podOf("c", "fraud-scorer-predictor-00002"),
      ],
    });
    expect(
      deployments.map((d) => [d.version, d.trafficWeight, d.replicasReady, d.replicasDesired]),
    ).toEqual([
      ["3.1.0", 90, 1, 2],
      ["3.2.0", 10, 1, 1],
    ]);
    const unnamed = servingDeployments(cluster, {
      ...empty,
      inferenceServices: [{ ...isvc, metadata: { ...isvc.metadata, annotations: {} } }],
    });
    expect(unnamed.deployments).toEqual([]);
    expect(unnamed.problems[0]?.message).toMatch(/previous-version annotation/);
  });

  it("reports workloads whose labels do not say enough, instead of guessing", () => {
    const { deployments, problems } = servingDeployments(cluster, {
      ...empty,
      deployments: [
        {
          metadata: { name: "a", namespace: "x", labels: { "flightdeck.dev/model": "m" } },
          spec: { template: template("1") },
        },
        { metadata: { name: "b", namespace: "x", labels: labels("m") }, spec: {} },
        { metadata: { name: "c", namespace: "x", labels: {} }, spec: {} },
      ],
    });
    expect(deployments).toEqual([]);
    expect(problems).toEqual([
      {
        workload: "Deployment x/a",
        message: "flightdeck.dev/environment must be staging or production, not missing",
      },
      {
        workload: "Deployment x/b",
        message: "no flightdeck.dev/version label on the pod template",
      },
    ]);
  });
});

describe("GPUs a serving replica takes", () => {
  const cluster = { name: "c1", region: "us-east-1" };
  const empty = { deployments: [], replicaSets: [], rollouts: [], inferenceServices: [], pods: [] };
  const servingLabels = (model: string) => ({
    "flightdeck.dev/model": model,
    "flightdeck.dev/environment": "production",
  });
  const container = (gpus: number) => ({
    name: "server",
    image: "registry.example.com/models/m:1",
    resources: {
      requests: { cpu: "4", ...(gpus ? { "nvidia.com/gpu": String(gpus) } : {}) },
      limits: { memory: "16Gi", ...(gpus ? { "nvidia.com/gpu": String(gpus) } : {}) },
    },
  });
  const podTemplate = (version: string, gpus: number, spec: Record<string, unknown> = {}) => ({
    metadata: { labels: { "flightdeck.dev/version": version } },
    spec: { containers: [container(gpus)], ...spec },
  });
  const dep = (
    name: string,
    gpus: number,
    spec: Record<string, unknown> = {},
    version = "1.0.0",
  ): KubeObject => ({
    metadata: { name, namespace: "serve", labels: servingLabels(name) },
    spec: { replicas: 2, template: podTemplate(version, gpus, spec) },
    status: { readyReplicas: 2 },
  });
  /** A pod of a ReplicaSet, as the API returns it: owner reference and template hash label. */
  const rsPod = (
    rs: string,
    hashLabel: string,
    hash: string,
    i: number,
    nodeName: string,
    gpus: number,
    owned = true,
  ): KubeObject => {
    const p = pod(`${rs}-${hash}-x${i}abc`, nodeName, gpus, {
      namespace: "serve",
      labels: { [hashLabel]: hash },
    });
    return {
      ...p,
      metadata: {
        ...p.metadata,
        ...(owned
          ? {
              ownerReferences: [
                { apiVersion: "apps/v1", kind: "ReplicaSet", name: `${rs}-${hash}`, uid: `u-${i}` },
              ],
            }
          : {}),
      },
    };
  };
  const gpusOf = (deployments: { version: string; gpusPerReplica?: number; gpuType?: string }[]) =>
    deployments.map((d) => [d.version, d.gpusPerReplica, d.gpuType]);

  it("reads a Deployment's GPUs from its pod template and their family from its nodeSelector", () => {
    const { deployments } = servingDeployments(cluster, {
      ...empty,
      deployments: [
        dep("ranker", 2, { nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-H100-80GB-HBM3" } }),
      ],
    });
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({ model: "ranker", gpusPerReplica: 2, gpuType: "H100" });
  });

  it("reads the family a required node affinity pins, and only when every choice is of one family", () => {
    const affinity = (...terms: string[][]) => ({
      affinity: {
        nodeAffinity: {
          requiredDuringSchedulingIgnoredDuringExecution: {
            nodeSelectorTerms: terms.map((values) => ({
              matchExpressions: [
                { key: "kubernetes.io/arch", operator: "In", values: ["amd64"] },
                { key: "nvidia.com/gpu.product", operator: "In", values },
              ],
            })),
          },
        },
      },
    });
    const { deployments } = servingDeployments(cluster, {
      ...empty,
      deployments: [
        dep("pinned", 4, affinity(["NVIDIA-H100-80GB-HBM3"], ["NVIDIA-H100-NVL"])),
        dep("either", 4, affinity(["NVIDIA-H100-80GB-HBM3", "NVIDIA-A100-SXM4-80GB"])),
      ],
    });
    expect(deployments.map((d) => [d.model, d.gpusPerReplica, d.gpuType])).toEqual([
      ["either", 4, undefined],
      ["pinned", 4, "H100"],
    ]);
  });

  it("takes an Argo Rollout's GPU family from the nodes its pods run on, each version its own", () => {
    const rollout: KubeObject = {
      metadata: { name: "ranker-xl", namespace: "serve", uid: "r-1", labels: servingLabels("x") },
      spec: {
        replicas: 3,
        template: podTemplate("2.1.0", 1),
        strategy: { canary: { steps: [{ setWeight: 20 }, { pause: {} }] } },
      },
      status: {
        stableRS: "aaa",
        currentPodHash: "bbb",
        currentStepIndex: 1,
        canary: { weights: { canary: { weight: 20 }, stable: { weight: 80 } } },
      },
    };
    const rs = (hash: string, version: string): KubeObject => ({
      metadata: {
        name: `ranker-xl-${hash}`,
        namespace: "serve",
        labels: { "rollouts-pod-template-hash": hash },
        ownerReferences: [
          { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "ranker-xl", uid: "r-1" },
        ],
      },
      spec: { replicas: 2, template: podTemplate(version, 1) },
      status: { readyReplicas: 2 },
    });
    const hashLabel = "rollouts-pod-template-hash";
    const { deployments, problems } = servingDeployments(cluster, {
      ...empty,
      rollouts: [rollout],
      replicaSets: [rs("aaa", "2.0.0"), rs("bbb", "2.1.0")],
      nodes: [
        node("a100-1", { pool: "a100", product: "NVIDIA-A100-SXM4-80GB" }),
        node("a100-2", { pool: "a100", product: "NVIDIA-A100-SXM4-80GB" }),
        node("h100-1", { product: "NVIDIA-H100-80GB-HBM3" }),
        node("cpu-1", { pool: "cpu", product: "", gpus: 0 }),
      ],
      pods: [
        rsPod("ranker-xl", hashLabel, "aaa", 1, "a100-1", 1),
        rsPod("ranker-xl", hashLabel, "aaa", 2, "a100-2", 1),
        rsPod("ranker-xl", hashLabel, "bbb", 3, "h100-1", 1),
        // Another workload's pods on other nodes say nothing about this one.
        pod("other", "cpu-1", 0, { namespace: "serve" }),
      ],
    });
    expect(problems).toEqual([]);
    expect(gpusOf(deployments)).toEqual([
      ["2.0.0", 1, "A100"],
      ["2.1.0", 1, "H100"],
    ]);
  });

  it("finds a Deployment's pods by their ReplicaSet's name and hash where no owner is recorded", () => {
    const { deployments } = servingDeployments(cluster, {
      ...empty,
      deployments: [dep("embedder", 1)],
      nodes: [node("l4-1", { pool: "l4", product: "NVIDIA-L4" })],
      pods: [
        rsPod("embedder", "pod-template-hash", "5d8f7c9b6", 1, "l4-1", 1, false),
        rsPod("embedder", "pod-template-hash", "5d8f7c9b6", 2, "l4-1", 1, false),
      ],
    });
    expect(deployments[0]).toMatchObject({ gpusPerReplica: 1, gpuType: "L4" });
    // Without the nodes, the family is unknown, never guessed.
    const blind = servingDeployments(cluster, { ...empty, deployments: [dep("embedder", 1)] });
    expect(blind.deployments[0]?.gpusPerReplica).toBe(1);
    expect(blind.deployments[0]).not.toHaveProperty("gpuType");
  });

  it("counts the replicas placed on a node, ready or starting, and not the ones waiting for GPUs", () => {
    const starting = rsPod("embedder", "pod-template-hash", "5d8f7c9b6", 3, "l4-2", 1, false);
    const waiting = rsPod("embedder", "pod-template-hash", "5d8f7c9b6", 4, "", 1, false);
    const { deployments } = servingDeployments(cluster, {
      ...empty,
      // 4 asked for, 2 ready
      deployments: [{ ...dep("embedder", 1), spec: { ...dep("embedder", 1).spec, replicas: 4 } }],
      pods: [
        rsPod("embedder", "pod-template-hash", "5d8f7c9b6", 1, "l4-1", 1, false),
        rsPod("embedder", "pod-template-hash", "5d8f7c9b6", 2, "l4-1", 1, false),
        {
          ...starting,
          status: { phase: "Running", conditions: [{ type: "Ready", status: "False" }] },
        },
        { ...waiting, status: { phase: "Pending" } },
      ],
    });
    expect(deployments[0]).toMatchObject({ replicasReady: 2, replicasScheduled: 3 });
    // Without its pods, unknown: a plan then counts the ready ones.
    const blind = servingDeployments(cluster, { ...empty, deployments: [dep("embedder", 1)] });
    expect(blind.deployments[0]).not.toHaveProperty("replicasScheduled");
  });

  it("reads an InferenceService's GPUs from its predictor, or from its pods where the runtime sets them", () => {
    const isvc = (name: string, predictor: Record<string, unknown>): KubeObject => ({
      metadata: {
        name,
        namespace: "serve",
        labels: { ...servingLabels(name), "flightdeck.dev/version": "3.0.0" },
      },
      spec: { predictor },
      status: {},
    });
    const isvcPod = (owner: string, i: number, nodeName: string, gpus: number) =>
      pod(`${owner}-predictor-${i}`, nodeName, gpus, {
        namespace: "serve",
        labels: { "serving.kserve.io/inferenceservice": owner },
      });
    const { deployments, problems } = servingDeployments(cluster, {
      ...empty,
      inferenceServices: [
        isvc("fraud", {
          model: {
            modelFormat: { name: "pytorch" },
            storageUri: "s3://models/fraud/3.0.0",
            resources: { limits: { "nvidia.com/gpu": "1", memory: "8Gi" } },
          },
        }),
        isvc("summarizer", { model: { modelFormat: { name: "huggingface" } } }),
        isvc("scaled-to-zero", { model: { modelFormat: { name: "huggingface" } } }),
      ],
      nodes: [node("l4-1", { pool: "l4", product: "NVIDIA-L4" })],
      pods: [isvcPod("fraud", 1, "l4-1", 1), isvcPod("summarizer", 1, "l4-1", 2)],
    });
    expect(problems).toEqual([]);
    expect(deployments.map((d) => [d.model, d.gpusPerReplica, d.gpuType])).toEqual([
      ["fraud", 1, "L4"],
      ["scaled-to-zero", undefined, undefined],
      ["summarizer", 2, "L4"],
    ]);
  });

  it("says a CPU-only model takes no GPU and has no GPU family, wherever its pods run", () => {
    const { deployments } = servingDeployments(cluster, {
      ...empty,
      deployments: [dep("tokenizer", 0)],
      nodes: [node("h100-1")],
      pods: [rsPod("tokenizer", "pod-template-hash", "7f9c", 1, "h100-1", 0)],
    });
    expect(deployments).toHaveLength(1);
    expect(deployments[0]?.gpusPerReplica).toBe(0);
    expect(deployments[0]).not.toHaveProperty("gpuType");
  });

  it("keeps the first version's GPUs that knows them when workloads of one version merge", () => {
    const unknown: KubeObject = {
      metadata: { name: "a-blue", namespace: "serve", labels: servingLabels("a") },
      spec: { replicas: 1, template: { metadata: { labels: { "flightdeck.dev/version": "1" } } } },
      status: { readyReplicas: 1 },
    };
    const green = dep(
      "a-green",
      4,
      { nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-H200" } },
      "1",
    );
    green.metadata.labels = servingLabels("a");
    const other = dep(
      "a-red",
      8,
      { nodeSelector: { "nvidia.com/gpu.product": "NVIDIA-B200" } },
      "1",
    );
    other.metadata.labels = servingLabels("a");
    const { deployments } = servingDeployments(cluster, {
      ...empty,
      deployments: [unknown, green, other],
    });
    expect(deployments).toHaveLength(1);
    expect(deployments[0]).toMatchObject({
      replicasReady: 5,
      gpusPerReplica: 4,
      gpuType: "H200",
      workload: { kind: "Deployment", namespace: "serve", name: "a-blue" },
    });
  });
});
