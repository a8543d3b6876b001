// The Kubernetes platform against two Kubernetes API test servers (tests/support/kube), one per
// cluster: what it reads matches the objects, page reads never call the API servers, changes
// arrive by watch, and one cluster's failure (down, 401, 403, 429, an expired watch) marks that
// cluster stale with the reason while the other keeps working. The fleet sync then mirrors the
// real clusters into the inventory tables.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clustersFromEnvironment } from "@/lib/platform/kubernetes/config";
import { KubernetesPlatform } from "@/lib/platform/kubernetes/platform";
import { ConflictError, type ClusterState } from "@/lib/platform/types";
import { syncFleet } from "@/server/fleet/sync";
import { KubeApiServer, kubeconfigFor } from "../../support/kube";
import { twoClusterFleet, type TwoClusterFleet } from "../../support/kube/fleet-objects";
import { connectTestDatabase } from "../../support/db";
import { fleetContract } from "../../support/platform/fleet-contract";

const prisma = connectTestDatabase();
let fleet: TwoClusterFleet;
const servers = new Map<string, KubeApiServer>();
let platform: KubernetesPlatform;
let east = "";
let west = "";

/** Resolves once `check` holds, re-checking whenever one of the platform's caches changes. */
async function until(check: () => Promise<boolean> | boolean, what: string, ms = 15_000) {
  if (await check()) return;
  const reflectors = platform
    .clusterNames()
    .flatMap((c) =>
      (["nodes", "pods", "namespaces", "deployments", "rollouts", "autoscalers"] as const).map(
        (r) => platform.reflector(c, r),
      ),
    )
    .filter((r) => r !== undefined);
  await new Promise<void>((resolve, reject) => {
    const offs: (() => void)[] = [];
    const timer = setTimeout(() => {
      offs.forEach((off) => off());
      reject(new Error(`timed out waiting until ${what}`));
    }, ms);
    const test = async () => {
      if (await check()) {
        clearTimeout(timer);
        offs.forEach((off) => off());
        resolve();
      }
    };
    for (const r of reflectors) offs.push(r.onChange(() => void test()));
  });
}

const clusterNamed = async (name: string): Promise<ClusterState | undefined> =>
  (await platform.clusters()).data.find((c) => c.name === name);

beforeAll(async () => {
  fleet = twoClusterFleet();
  for (const c of fleet.clusters) {
    const server = new KubeApiServer({ bookmarkIntervalMs: 200 });
    await server.up();
    server.store.load(c.objects);
    servers.set(c.name, server);
  }
  [east, west] = fleet.clusters.map((c) => c.name) as [string, string];
  const kubeconfig = kubeconfigFor(
    fleet.clusters.map((c) => ({ name: c.name, server: servers.get(c.name)! })),
  );
  platform = new KubernetesPlatform({
    clusters: clustersFromEnvironment({ KUBECONFIG: kubeconfig }),
    // Small pages prove pagination; quick retries keep the failure tests short.
    timing: { pageSize: 3, backoffMs: 20, maxBackoffMs: 200, idleMs: 5_000 },
    requestTimeoutMs: 2_000,
  }).start();
  await platform.ready();
});

afterAll(async () => {
  await platform?.stop();
  await Promise.all([...servers.values()].map((s) => s.stop()));
  await prisma.$disconnect();
});

describe("reading two clusters", () => {
  it("reads each cluster's identity from kube-system", async () => {
    const { data, errors } = await platform.clusters();
    expect(errors).toEqual([]);
    expect(
      data.map((c) => ({ name: c.name, region: c.region, provider: c.provider, role: c.role })),
    ).toEqual(fleet.expected.clusters);
    for (const c of data) {
      expect(c.kubernetesVersion).toBe("v1.30.4");
      expect(c.freshness?.live).toBe(true);
    }
  });

  it("finds every GPU pool with its nodes, GPUs, allocation and unhealthy nodes", async () => {
    const { data } = await platform.clusters();
    const pools = data.flatMap((c) => c.pools.map((p) => ({ cluster: c.name, ...p })));
    expect(pools.map((p) => `${p.cluster}/${p.name}`).sort()).toEqual(
      fleet.expected.pools.map((p) => `${p.cluster}/${p.name}`).sort(),
    );
    for (const e of fleet.expected.pools) {
      const p = pools.find((x) => x.cluster === e.cluster && x.name === e.name);
      expect(p, `${e.cluster}/${e.name}`).toMatchObject({
        gpuType: e.gpuType,
        gpuProduct: e.product,
        gpusPerNode: e.gpusPerNode,
        nodes: e.nodes,
        readyNodes: e.readyNodes,
        gpus: e.gpus,
        allocatable: e.allocatable,
        allocated: e.allocated,
        utilization: null,
      });
      expect(p!.unhealthyNodes.map((n) => [n.name, n.ready]).sort()).toEqual(
        e.unhealthy.map((n) => [n.name, n.ready]).sort(),
      );
    }
    expect(data.find((c) => c.name === east)?.status).toBe("degraded");
    // Whose GPUs they are, from the pods' labels as the cache keeps them: ranker-xl's Rollout
    // pods serve (4 × 2), llm-pretrain's worker trains (8); eval-runner's 4 are neither.
    const a100 = pools.find((p) => p.name === "a100-ng");
    expect(a100?.allocatedTo).toEqual({ serving: 8, training: 8 });
    // KServe's and the Rollout's pods on the H100 and L4 pools serve.
    const h100 = pools.find((p) => p.name === "h100-pool");
    expect(h100?.allocatedTo).toEqual({ serving: 12, training: 0 });
  });

  it("lists team namespaces with their GPU quotas, and the autoscalers", async () => {
    const { data: namespaces } = await platform.namespaces();
    for (const e of fleet.expected.namespaces) {
      expect(namespaces.find((n) => n.cluster === e.cluster && n.name === e.name)).toEqual({
        cluster: e.cluster,
        name: e.name,
        team: e.team,
        gpuQuota: e.gpuQuota,
        gpuUsed: e.gpuUsed,
      });
    }
    const { data: hpas } = await platform.autoscalers();
    expect(hpas).toHaveLength(fleet.expected.hpas.length);
    for (const e of fleet.expected.hpas) {
      const h = hpas.find((x) => x.cluster === e.cluster && x.target === e.target);
      expect(h).toMatchObject({
        namespace: e.namespace,
        targetKind: e.targetKind,
        min: e.min,
        max: e.max,
        current: e.current,
        desired: e.desired,
      });
      expect(h!.conditions?.some((k) => k.type === "ScalingLimited")).toBe(e.limited);
    }
  });

  it("finds each model version's workload with the traffic split it reports", async () => {
    const { data, errors } = await platform.deployments({});
    expect(errors).toEqual([]);
    // GPUs one replica requests, from the pod templates (see twoClusterFleet); no template pins
    // a GPU product by nodeSelector or affinity, so the type is the nodes' its pods run on.
    const gpusPerReplica: Record<string, number> = {
      "ranker-xl": 2,
      "query-embedder": 1,
      "fraud-scorer": 1,
    };
    const gpuTypeOn: Record<string, string> = {
      "gke-us-east1-serving/ranker-xl": "H100",
      "gke-us-east1-serving/query-embedder": "L4",
      "gke-us-east1-serving/fraud-scorer": "L4",
      "eks-eu-west-1/ranker-xl": "A100",
    };
    const expected = fleet.expected.workloads.flatMap((w) =>
      w.versions.map((v) => ({
        model: w.model,
        version: v.version,
        region: w.region,
        cluster: w.cluster,
        environment: w.environment,
        replicasReady: v.ready,
        replicasDesired: v.desired,
        // every pod of the fixture's versions is placed on a node and ready
        replicasScheduled: v.ready,
        trafficWeight: v.weight,
        workload: { kind: w.kind, namespace: w.namespace, name: w.name },
        gpusPerReplica: gpusPerReplica[w.model],
        // the GPU family of the nodes the version's pods run on (none for a version without pods)
        ...(v.ready > 0 ? { gpuType: gpuTypeOn[`${w.cluster}/${w.model}`] } : {}),
      })),
    );
    const key = (d: { cluster: string; model: string; version: string }) =>
      `${d.cluster}/${d.model}@${d.version}`;
    expect(data.map(key).sort()).toEqual(expected.map(key).sort());
    for (const e of expected) expect(data.find((d) => key(d) === key(e))).toEqual(e);
    expect(data.filter((d) => d.replicasReady > 0).every((d) => d.gpuType !== undefined)).toBe(
      true,
    );
  });

  it("lists page by page and answers reads from its caches, never from the API servers", async () => {
    const server = servers.get(east)!;
    // pageSize 3: the east cluster's nodes came in several pages.
    const nodeLists = server.requestsMatching({ resource: "nodes", verb: "list", watch: false });
    expect(nodeLists.some((r) => r.query.continue)).toBe(true);
    expect(nodeLists.every((r) => r.query.limit === "3")).toBe(true);
    for (const s of servers.values()) s.clearRequests();
    await platform.clusters();
    await platform.namespaces();
    await platform.autoscalers();
    await platform.deployments({ model: "ranker-xl" });
    for (const s of servers.values()) expect(s.requestsMatching({ watch: false })).toEqual([]);
  });
});

fleetContract("kubernetes", { platform: () => platform, drives: false, trains: false });

describe("keeping current", () => {
  it("sees a node go NotReady through its watch", async () => {
    const server = servers.get(west)!;
    const [node] = server.store.list("v1", "Node", {
      labelSelector: "eks.amazonaws.com/nodegroup=a100-ng",
    });
    if (!node?.metadata.name) throw new Error("no A100 node");
    server.store.patchStatus(
      { apiVersion: "v1", kind: "Node", name: node.metadata.name },
      (status) => ({
        ...status,
        conditions: [
          {
            type: "Ready",
            status: "False",
            reason: "KubeletNotReady",
            message: "container runtime network not ready",
          },
        ],
      }),
    );
    await until(async () => {
      const c = await clusterNamed(west);
      return Boolean(
        c?.pools.some((p) => p.unhealthyNodes.some((n) => n.name === node.metadata.name)),
      );
    }, "the node shows NotReady");
    const c = await clusterNamed(west);
    const unhealthy = c!.pools
      .flatMap((p) => p.unhealthyNodes)
      .find((n) => n.name === node.metadata.name);
    expect(unhealthy).toEqual({
      name: node.metadata.name,
      ready: false,
      reason: "KubeletNotReady: container runtime network not ready",
    });
    expect(c!.status).toBe("degraded");
  });

  it("lists again when its resource version has expired (410 Gone)", async () => {
    const server = servers.get(east)!;
    server.clearRequests();
    server.compact();
    server.dropWatches();
    await server.nextRequest({ resource: "nodes", verb: "list", watch: false });
    await until(
      async () => (await clusterNamed(east))?.freshness?.live === true,
      "east is live again",
    );
    // And it sees changes made after the relist.
    server.store.apply({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "late-team", labels: { "flightdeck.dev/team": "search" } },
    });
    await until(
      async () => (await platform.namespaces()).data.some((n) => n.name === "late-team"),
      "the new namespace is seen",
    );
  });
});

describe("one cluster failing", () => {
  it("marks a cluster whose API server went down stale, with the reason and the age of its last good data, and keeps the other live", async () => {
    const server = servers.get(west)!;
    await server.down();
    await until(async () => (await clusterNamed(west))?.freshness?.live === false, "west is stale");
    const c = await clusterNamed(west);
    expect(c!.status).toBe("unreachable");
    expect(c!.freshness!.reason).toMatch(/connection refused|connection reset|watch closed/);
    expect(c!.freshness!.asOf).toBeInstanceOf(Date);
    // Its last good data is still there, marked stale; the other cluster is live.
    expect(c!.pools.length).toBeGreaterThan(0);
    expect((await clusterNamed(east))!.freshness!.live).toBe(true);
    const { errors } = await platform.clusters();
    expect(errors).toHaveLength(1);
    expect(errors[0]!.source).toBe(west);
    expect(errors[0]!.message).toMatch(/last good data \d+ s old/);
    // Its traffic weights are not reported as current.
    const deployments = await platform.deployments({});
    expect(deployments.data.every((d) => d.cluster === east)).toBe(true);
    expect(deployments.errors.map((e) => e.source)).toEqual([west]);
    expect(await platform.health()).toMatchObject({ status: "degraded" });
    await expect(
      platform.pause({
        cluster: west,
        namespace: "search-serving",
        name: "ranker-xl",
        resourceVersion: "1",
      }),
    ).rejects.toThrow(new RegExp(`cluster ${west} is not reachable`));

    await server.up();
    await until(async () => (await clusterNamed(west))?.freshness?.live === true, "west is back");
    expect((await platform.deployments({})).errors).toEqual([]);
    expect(await platform.health()).toMatchObject({ status: "ok" });
  });

  it("says 401 when the cluster refuses Flightdeck's credentials, and 403 naming what it may not list", async () => {
    const server = servers.get(west)!;
    server.rejectAll("unauthorized");
    server.dropWatches();
    await until(
      async () => /401/.test((await clusterNamed(west))?.freshness?.reason ?? ""),
      "401 shows",
    );
    expect((await clusterNamed(west))!.freshness!.reason).toMatch(/credentials/);
    server.rejectAll(null);
    await until(async () => (await clusterNamed(west))?.freshness?.live === true, "west is back");

    server.setDenyRules([{ resource: "nodes", verbs: ["list", "watch"] }]);
    server.dropWatches();
    await until(
      async () => /403/.test((await clusterNamed(west))?.freshness?.reason ?? ""),
      "403 shows",
    );
    const f = (await clusterNamed(west))!.freshness!;
    expect(f.reason).toMatch(/nodes is forbidden/);
    expect(f.resources.find((r) => r.resource === "nodes")?.live).toBe(false);
    expect(f.resources.find((r) => r.resource === "pods")?.live).toBe(true);
    server.setDenyRules([]);
    await until(async () => (await clusterNamed(west))?.freshness?.live === true, "west is back");
  });

  it("waits out a 429 and carries on", async () => {
    const server = servers.get(east)!;
    server.clearRequests();
    server.throttleRequests(1, 0, { resource: "pods" });
    server.dropWatches();
    const throttled = () =>
      server.requestsMatching({ resource: "pods" }).filter((r) => r.status === 429);
    await until(() => throttled().length === 1, "a pods request is throttled");
    // Retried (Retry-After: 0 here; the wait itself is unit-tested) and watching again.
    await until(
      () =>
        server
          .requestsMatching({ resource: "pods", watch: true })
          .some((r) => r.status === 200 && r.id > throttled()[0]!.id),
      "pods are watched again",
    );
    await until(async () => (await clusterNamed(east))?.freshness?.live === true, "east is live");
  });
});

describe("a cluster whose certificate has expired", () => {
  it("is stale from the start, saying so, while its kubeconfig is otherwise right", async () => {
    const server = new KubeApiServer({ expiredCertificate: true });
    await server.up();
    server.store.load(fleet.clusters[0]!.objects);
    const expired = new KubernetesPlatform({
      clusters: clustersFromEnvironment({
        KUBECONFIG: kubeconfigFor([{ name: "expired-cluster", server }]),
      }),
      timing: { backoffMs: 50, maxBackoffMs: 200 },
    }).start();
    try {
      await expired.ready();
      const { data, errors } = await expired.clusters();
      expect(data).toEqual([]);
      expect(errors).toEqual([
        {
          source: "expired-cluster",
          message: expect.stringMatching(
            /its TLS certificate has expired \(CERT_HAS_EXPIRED\) \(every resource\); no data read yet/,
          ),
        },
      ]);
      expect(await expired.health()).toMatchObject({ status: "down" });
    } finally {
      await expired.stop();
      await server.stop();
    }
  });
});

describe("writing to an Argo Rollout", () => {
  const key = () => ({ cluster: east, namespace: "search-serving", name: "ranker-xl" });

  it("reads the canary from the API server itself, and pauses and resumes it conditionally", async () => {
    const o = await platform.rollout(key());
    expect(o).toMatchObject({
      model: "ranker-xl",
      environment: "production",
      region: "us-east-1",
      stableVersion: "2.1.0",
      canaryVersion: "2.2.0",
      canaryWeight: 20,
      paused: false,
    });
    const { resourceVersion } = await platform.pause({
      ...key(),
      resourceVersion: o.resourceVersion,
    });
    const stored = servers.get(east)!.store.get({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      namespace: "search-serving",
      name: "ranker-xl",
    });
    expect((stored?.spec as { paused?: boolean } | undefined)?.paused).toBe(true);
    expect(stored?.metadata.resourceVersion).toBe(resourceVersion);
    // A write based on the version read before the pause is refused, not applied.
    await expect(
      platform.resume({ ...key(), resourceVersion: o.resourceVersion }),
    ).rejects.toBeInstanceOf(ConflictError);
    await platform.resume({ ...key(), resourceVersion });
    expect((await platform.rollout(key())).paused).toBe(false);
  });

  it("says what Flightdeck's service account may not do when the cluster forbids a patch", async () => {
    const server = servers.get(east)!;
    server.setDenyRules([{ resource: "rollouts", group: "argoproj.io", verbs: ["patch"] }]);
    try {
      const o = await platform.rollout(key());
      await expect(
        platform.pause({ ...key(), resourceVersion: o.resourceVersion }),
      ).rejects.toThrow(
        /Flightdeck's service account may not patch rollouts in namespace search-serving of gke-us-east1-serving/,
      );
      expect((await platform.rollout(key())).paused).toBe(false);
    } finally {
      server.setDenyRules([]);
    }
  });

  it("refuses a weight outside 0..100 and a version the registry does not know", async () => {
    const o = await platform.rollout(key());
    const ref = { ...key(), resourceVersion: o.resourceVersion };
    await expect(platform.setCanaryWeight(ref, 101)).rejects.toThrow(/whole percent/);
    await expect(platform.setVersion(ref, "9.9.9")).rejects.toThrow(/not in the registry/);
  });
});

describe("mirroring real clusters into the inventory", () => {
  it("adds their regions, clusters, pools, team namespaces and environments, and deployments of registered models", async () => {
    await prisma.team.create({ data: { slug: "search", name: "Search" } });
    const ranker = await prisma.model.findUniqueOrThrow({ where: { name: "ranker-xl" } });
    for (const version of ["2.1.0", "2.2.0"]) {
      await prisma.modelVersion.upsert({
        where: { modelId_version: { modelId: ranker.id, version } },
        update: {},
        create: {
          modelId: ranker.id,
          version,
          imageDigest: `sha256:${version.replaceAll(".", "").padEnd(64, "0")}`,
          artifactUri: `s3://models/ranker-xl/${version}`,
          trainingRunId: "run",
          datasetDigest: "sha256:d",
          codeCommit: "c0ffee",
          baseImageDigest: "sha256:b",
          evalMetrics: {},
          createdBy: "test",
        },
      });
    }
    const report = await syncFleet(platform, { discover: true });
    expect(report).not.toBeNull();
    const clusters = await prisma.cluster.findMany({
      where: { name: { in: [east, west] } },
      include: { region: true, nodePools: true, namespaces: true },
      orderBy: { name: "asc" },
    });
    expect(clusters.map((c) => [c.name, c.region.code, c.provider, c.k8sVersion])).toEqual(
      fleet.expected.clusters
        .map((c) => [c.name, c.region, c.provider, "1.30.4"])
        .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const pools = clusters.flatMap((c) => c.nodePools.map((p) => ({ cluster: c.name, ...p })));
    for (const e of fleet.expected.pools) {
      expect(pools.find((p) => p.cluster === e.cluster && p.name === e.name)).toMatchObject({
        gpuType: e.gpuType,
        gpusPerNode: e.gpusPerNode,
        nodeCount: e.nodes,
        gpuCount: e.gpus,
      });
    }
    // Namespaces of a team Flightdeck knows join it; the others are reported.
    const searchNamespaces = clusters.flatMap((c) => c.namespaces.map((n) => n.name));
    expect(searchNamespaces).toContain("search-serving");
    expect(report!.errors.some((e) => /no team risk in Flightdeck/.test(e))).toBe(true);
    // ranker-xl's production deployments in both regions, with their weights.
    const deployments = await prisma.deployment.findMany({
      where: { cluster: { name: { in: [east, west] } } },
      include: { modelVersion: true, environment: true, cluster: true },
    });
    const expectedRanker = fleet.expected.workloads
      .filter((w) => w.model === "ranker-xl")
      .flatMap((w) => w.versions.map((v) => `${w.cluster} ${v.version} ${v.weight}`))
      .sort();
    expect(
      deployments
        .map((d) => `${d.cluster.name} ${d.modelVersion.version} ${d.trafficWeight}`)
        .sort(),
    ).toEqual(expectedRanker);
    expect(deployments.every((d) => d.environment.tier === "production")).toBe(true);
    // Models not in the registry are reported, not invented.
    expect(report!.errors.some((e) => /query-embedder@0.9.0 .* not in the registry/.test(e))).toBe(
      true,
    );
    expect(await prisma.model.count({ where: { name: "query-embedder" } })).toBe(1);
    // A second sync changes nothing.
    const again = await syncFleet(platform, { discover: true });
    expect({ ...again, errors: [] }).toEqual({
      clusters: 0,
      pools: 0,
      namespaces: 0,
      deployments: 0,
      jobs: 0,
      checkpoints: 0,
      interruptions: 0,
      errors: [],
      current: [east, west].sort(),
    });
  });

  it("keeps a stale cluster's rows as they were and marks it unreachable", async () => {
    const server = servers.get(west)!;
    const before = await prisma.deployment.count({ where: { cluster: { name: west } } });
    await server.down();
    await until(async () => (await clusterNamed(west))?.freshness?.live === false, "west is stale");
    const report = await syncFleet(platform, { discover: true });
    // What /metrics reports as each cluster's sync age: the stale one is not current.
    expect(report!.current).toEqual([east]);
    const row = await prisma.cluster.findUniqueOrThrow({ where: { name: west } });
    expect(row.status).toBe("unreachable");
    expect(await prisma.deployment.count({ where: { cluster: { name: west } } })).toBe(before);
    await server.up();
    await until(async () => (await clusterNamed(west))?.freshness?.live === true, "west is back");
  });
});
