// The Kubernetes platform at scale: 20 clusters × 500 GPU nodes × 5,000 running pods, each
// cluster its own Kubernetes API test server (tests/support/kube) in this process. Prints the
// servers' load time; the initial sync (start() to ready(), every list paged 500 at a time, and
// until every cluster is live and watched); the heap the platform's caches take per 10,000
// cached objects; the fleet sync into the inventory tables; the Clusters page and a cluster's
// page served from the caches, with the API requests they made (none); and how soon a node's
// change reaches clusters() through its watch.
//
// The API servers share this process (and its two cores) with the platform: the sync time
// includes the servers' own work of paging and serializing, and the heap is measured before
// start() (servers loaded) and after ready(), so that the servers' stores are not counted.
import v8 from "node:v8";
import vm from "node:vm";
import { it } from "vitest";
import type { Actor } from "@/server/auth/session";
import { KubeConnection } from "@/lib/platform/kubernetes/client";
import { clustersFromEnvironment } from "@/lib/platform/kubernetes/config";
import { KubernetesPlatform, RESOURCES } from "@/lib/platform/kubernetes/platform";
import { Reflector } from "@/lib/platform/kubernetes/reflector";
import { getCluster, listClusters } from "@/server/fleet/clusters";
import { useFleetPlatform } from "@/server/fleet/platform";
import { syncFleet } from "@/server/fleet/sync";
import { connectTestDatabase } from "../support/db";
import { KubeApiServer, kubeconfigFor } from "../support/kube";
import { scaleCluster } from "../support/kube/fleet-objects";
import { time } from "./timing";

const prisma = connectTestDatabase();

const CLUSTERS = 20;
const NODES = 500;
const PODS = 5_000;
const TEAMS = 10;
const REGIONS = ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-1"];
const RESOURCE_NAMES = Object.keys(RESOURCES) as (keyof typeof RESOURCES)[];

const viewer: Actor = {
  kind: "user",
  id: "bench",
  email: "bench@bench",
  name: "Bench",
  role: "viewer",
  teamId: null,
  teamName: null,
};

/** The garbage collector: node's own with --expose-gc, else exposed at run time. */
function collector(): () => void {
  const exposed = (globalThis as { gc?: () => void }).gc;
  if (exposed) return exposed;
  v8.setFlagsFromString("--expose-gc");
  return vm.runInNewContext("gc") as () => void;
}
const gc = collector();

/** Heap in use after full collections (weak callbacks and finalizers given a turn between). */
async function heapUsed(): Promise<number> {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return `median ${at(0.5).toFixed(1)} ms, p95 ${at(0.95).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms`;
}

function check(condition: boolean, what: string): void {
  if (!condition) throw new Error(`benchmark data is not as built: ${what}`);
}

it("Kubernetes platform: 20 clusters × 500 nodes × 5,000 pods", async () => {
  const names = Array.from({ length: CLUSTERS }, (_, i) => `scale-${String(i).padStart(2, "0")}`);
  const servers: KubeApiServer[] = [];
  let platform: KubernetesPlatform | null = null;
  try {
    // ------------------------------------------------------------------ the test API servers
    const loadStart = performance.now();
    for (const [i, name] of names.entries()) {
      const server = await KubeApiServer.start();
      server.store.load(
        scaleCluster({ name, region: REGIONS[i % REGIONS.length]!, nodes: NODES, pods: PODS }),
      );
      servers.push(server);
    }
    const loadMs = performance.now() - loadStart;
    const served = names.length * (1 + 2 * TEAMS + NODES + PODS);
    console.log(
      `test API servers: ${CLUSTERS} loaded with ${served.toLocaleString("en")} objects in ${s(loadMs)} (${(loadMs / CLUSTERS).toFixed(0)} ms per cluster)`,
    );

    // ------------------------------------------------------------------ initial sync
    const clusters = clustersFromEnvironment({
      KUBECONFIG: kubeconfigFor(names.map((name, i) => ({ name, server: servers[i]! }))),
    });
    const heapBefore = await heapUsed();
    platform = new KubernetesPlatform({ clusters, timing: { pageSize: 500 } });
    const p = platform;
    const reflectors = (cluster: string) =>
      RESOURCE_NAMES.map((r) => p.reflector(cluster, r)).filter((r) => r !== undefined);

    // When each cluster's freshness turns live (every resource listed), and when each server
    // has every watch open (changes flow from then on).
    const liveAt = new Map<string, number>();
    const allLive = new Promise<void>((resolve) => {
      for (const name of names) {
        for (const r of reflectors(name)) {
          const off = r.onChange(() => {
            if (liveAt.has(name) || !reflectors(name).every((x) => x.freshness().live)) return;
            liveAt.set(name, performance.now());
            off();
            if (liveAt.size === names.length) resolve();
          });
        }
      }
    });
    const watchedAt: number[] = [];
    const allWatched = Promise.all(
      servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            let open = 0;
            server.on("watch", () => {
              if (++open < RESOURCE_NAMES.length) return;
              watchedAt.push(performance.now());
              resolve();
            });
          }),
      ),
    );

    const start = performance.now();
    platform.start();
    await platform.ready();
    const readyMs = performance.now() - start;
    await allLive;
    await allWatched;
    const live = [...liveAt.values()].map((t) => t - start).sort((a, b) => a - b);
    const watched = watchedAt.map((t) => t - start).sort((a, b) => a - b);
    const lists = servers.reduce(
      (n, server) => n + server.requestsMatching({ verb: "list", watch: false }).length,
      0,
    );
    console.log(
      `initial sync: start() to ready() ${s(readyMs)} (${lists} list requests of at most 500 objects)`,
    );
    console.log(
      `  every cluster live: first ${s(live[0] ?? 0)}, median ${s(live[Math.floor(live.length / 2)] ?? 0)}, last ${s(live.at(-1) ?? 0)}; every watch open: last ${s(watched.at(-1) ?? 0)}`,
    );
    const health = await platform.health();
    check(health.status === "ok", `all clusters live (${health.detail})`);

    // ------------------------------------------------------------------ memory
    const heapAfter = await heapUsed();
    const counts = Object.fromEntries(
      RESOURCE_NAMES.map((r) => [
        r,
        names.reduce((n, c) => n + (p.reflector(c, r)?.freshness().objects ?? 0), 0),
      ]),
    );
    const cached = Object.values(counts).reduce((a, b) => a + b, 0);
    check(counts.nodes === CLUSTERS * NODES, `${counts.nodes} nodes cached`);
    check(counts.pods === CLUSTERS * PODS, `${counts.pods} pods cached`);
    const total = heapAfter - heapBefore;
    const byResource = RESOURCE_NAMES.filter((r) => counts[r])
      .map((r) => `${r} ${counts[r]!.toLocaleString("en")}`)
      .join(", ");
    console.log(
      `platform caches: ${cached.toLocaleString("en")} objects (${byResource}); heap ${mb(heapBefore)} before start() → ${mb(heapAfter)} after ready(): ${mb(total)}, ${mb((total / cached) * 10_000)} per 10,000 objects`,
    );
    // Which objects take it: the nodes alone (slimmed like pods), read by reflectors of their own.
    {
      const nodesBefore = await heapUsed();
      const nodeCaches = clusters.map(
        (c) => new Reflector(new KubeConnection(c.name, c.kubeConfig), RESOURCES.nodes),
      );
      for (const r of nodeCaches) r.start();
      await Promise.all(nodeCaches.map((r) => r.firstSync));
      const nodesHeap = (await heapUsed()) - nodesBefore;
      await Promise.all(nodeCaches.map((r) => r.stop()));
      const nodes = counts.nodes ?? 0;
      console.log(
        `  of which ${nodes.toLocaleString("en")} nodes (slimmed) ${mb(nodesHeap)}, ${kb(nodesHeap / nodes)} each; the other ${(cached - nodes).toLocaleString("en")} objects (pods slimmed) ${kb((total - nodesHeap) / (cached - nodes))} each`,
      );
    }

    // ------------------------------------------------------------------ the fleet sync
    // Namespaces labelled with a team Flightdeck knows join the inventory.
    await prisma.team.createMany({
      data: Array.from({ length: TEAMS }, (_, n) => ({ slug: `team-${n}`, name: `Team ${n}` })),
      skipDuplicates: true,
    });
    useFleetPlatform(platform);
    const syncStart = performance.now();
    const report = await syncFleet(platform, { discover: true });
    const syncMs = performance.now() - syncStart;
    check(report !== null, "the sync ran");
    check(
      (await prisma.cluster.count({ where: { name: { in: names } } })) === CLUSTERS,
      "every cluster is in the inventory",
    );
    console.log(
      `fleet sync, first (discover): ${s(syncMs)}: ${report!.clusters} clusters, ${report!.pools} node pools, ${report!.namespaces} namespaces added`,
    );
    await time("fleet sync, nothing changed (the worker's tick)", 5, () =>
      syncFleet(platform!, { discover: true }),
    );

    // ------------------------------------------------------------------ pages from the caches
    for (const server of servers) server.clearRequests();
    const page = await listClusters(viewer, { page: 1 });
    check(
      page.rows.filter((row) => names.includes(row.name) && row.live?.freshness?.live).length > 0,
      "the Clusters page shows live Kubernetes clusters",
    );
    await time(
      `Clusters page 1 (${page.rows.length} of ${page.total} clusters, live state of all ${CLUSTERS})`,
      50,
      () => listClusters(viewer, { page: 1 }),
    );
    const one = names[7]!;
    const detail = await getCluster(viewer, one);
    check(detail.live?.pools.length === NODES / 50, `${one}'s node pools`);
    await time(`a cluster's page (${one}: ${detail.live?.pools.length} pools)`, 50, () =>
      getCluster(viewer, one),
    );
    await time("  of which platform.clusters() (every cluster from its caches)", 50, () =>
      p.clusters(),
    );
    await time("  of which platform.namespaces()", 50, () => p.namespaces());
    await time("  of which platform.deployments({ cluster })", 50, () =>
      p.deployments({ cluster: one }),
    );
    const requests = servers.reduce((n, server) => n + server.requests.length, 0);
    console.log(`API server requests during the page reads: ${requests}`);

    // ------------------------------------------------------------------ a change by watch
    const toCache: number[] = [];
    const toRead: number[] = [];
    for (let i = 0; i < 20; i++) {
      // Ten nodes in ten clusters, each going NotReady and back.
      const k = Math.floor(i / 2);
      const cluster = names[(k * 3) % CLUSTERS]!;
      const server = servers[(k * 3) % CLUSTERS]!;
      const node = `${cluster}-gpu-${String(k * 37).padStart(4, "0")}`;
      const reflector = p.reflector(cluster, "nodes")!;
      const ready = (o: { status?: Record<string, unknown> }) =>
        (o.status?.conditions as { type: string; status: string }[] | undefined)?.find(
          (c) => c.type === "Ready",
        )?.status;
      const want = i % 2 === 0 ? "False" : "True";
      const before = performance.now();
      const seen = new Promise<number>((resolve) => {
        const off = reflector.onChange(() => {
          const object = reflector.items().find((o) => o.metadata.name === node);
          if (!object || ready(object) !== want) return;
          off();
          resolve(performance.now());
        });
      });
      server.store.patchStatus({ apiVersion: "v1", kind: "Node", name: node }, (status) => ({
        ...status,
        conditions: (status.conditions as { type: string }[]).map((c) =>
          c.type === "Ready"
            ? {
                ...c,
                status: want,
                reason: want === "True" ? "KubeletReady" : "KubeletNotReady",
                message: want === "True" ? "kubelet is posting ready status" : "bench",
              }
            : c,
        ),
      }));
      const cachedAt = await seen;
      const pools = (await p.clusters()).data.find((c) => c.name === cluster)?.pools ?? [];
      const unhealthy = pools.some((pool) => pool.unhealthyNodes.some((n) => n.name === node));
      check(
        unhealthy === (want === "False"),
        `${node} shows ${want === "False" ? "NotReady" : "Ready"}`,
      );
      toCache.push(cachedAt - before);
      toRead.push(performance.now() - before);
    }
    console.log(
      `a node's Ready condition changed in its server → in the cache: ${percentiles(toCache)} (20 changes)`,
    );
    console.log(`  → read back by platform.clusters(): ${percentiles(toRead)}`);
  } finally {
    useFleetPlatform(null);
    await platform?.stop();
    await Promise.all(servers.map((server) => server.stop()));
    await prisma.$disconnect();
  }
}, 900_000);
