// The rollout engine on real clusters: the same engine that drives the simulator drives an Argo
// Rollout in a Kubernetes API test server whose controller acts as Argo Rollouts does. A good
// version goes to 100% through Flightdeck's steps; a bad one is caught by the analysis and the
// canary is aborted on the cluster. The simulator's metrics model stands in for Prometheus.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clustersFromEnvironment } from "@/lib/platform/kubernetes/config";
import { KubernetesPlatform } from "@/lib/platform/kubernetes/platform";
import { useFleetPlatform } from "@/server/fleet/platform";
import { syncFleet } from "@/server/fleet/sync";
import { driveRollout } from "@/server/rollouts/engine";
import { appliesSettled } from "@/server/rollouts/apply-now";
import { startRollout } from "@/server/rollouts/start";
import { clock } from "@/lib/clock";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock } from "../../support/clock";
import { actor } from "../../support/actors";
import { allowDirectChanges } from "../../support/release-process";
import { registerVersionWith } from "../../support/versions";
import {
  attachControllers,
  KubeApiServer,
  kubeconfigFor,
  type KubeControllers,
} from "../../support/kube";
import { twoClusterFleet } from "../../support/kube/fleet-objects";

const prisma = connectTestDatabase();
const meta = { requestId: "engine-k8s", clientIp: "198.51.100.9" };
const time = movableTestClock();
const servers = new Map<string, KubeApiServer>();
const controllers: KubeControllers[] = [];
let platform: KubernetesPlatform;
let release: ReturnType<typeof actor> & { id: string; email: string };
const EAST = "gke-us-east1-serving";
const WEST = "eks-eu-west-1";

async function settle() {
  await Promise.all(controllers.map((c) => c.settled()));
  for (const name of platform.clusterNames()) {
    const target = Number(servers.get(name)!.store.resourceVersion);
    for (const r of ["rollouts", "replicaSets", "pods", "deployments"] as const) {
      const reflector = platform.reflector(name, r)!;
      if (Number(reflector.lastResourceVersion()) >= target) continue;
      await new Promise<void>((resolve) => {
        const off = reflector.onChange(() => {
          if (Number(reflector.lastResourceVersion()) >= target) {
            off();
            resolve();
          }
        });
      });
    }
  }
}

/** Runs the engine on a rollout, letting the cluster act between passes, until `done`. */
async function driveUntil(
  id: string,
  done: (status: string) => boolean,
  watch?: () => Promise<void>,
  seconds = 120,
) {
  const deadline = clock.ms() + seconds * 1000;
  while (clock.ms() <= deadline) {
    await appliesSettled();
    await driveRollout(id);
    await settle();
    await watch?.();
    const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    if (done(row.status)) return;
    time.advance(row.pausedUntil ? Math.max(1_000, row.pausedUntil.getTime() - clock.ms()) : 1_000);
  }
  const events = await prisma.rolloutEvent.findMany({
    where: { rolloutId: id },
    orderBy: { at: "desc" },
    take: 3,
  });
  throw new Error(`not done in ${seconds} s: ${JSON.stringify(events.map((e) => e.message))}`);
}

const argo = (cluster: string) =>
  servers.get(cluster)!.store.get({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    namespace: "search-serving",
    name: "ranker-xl",
  });

beforeAll(async () => {
  const fleet = twoClusterFleet();
  for (const c of fleet.clusters) {
    const server = new KubeApiServer({ bookmarkIntervalMs: 20 });
    await server.up();
    server.store.load(c.objects);
    servers.set(c.name, server);
    controllers.push(attachControllers(server));
  }
  platform = new KubernetesPlatform({
    clusters: clustersFromEnvironment({
      KUBECONFIG: kubeconfigFor(
        fleet.clusters.map((c) => ({ name: c.name, server: servers.get(c.name)! })),
      ),
    }),
    timing: { backoffMs: 20, maxBackoffMs: 200 },
    artifact: (model, version) =>
      prisma.modelVersion.findFirst({
        where: { version, model: { name: model } },
        select: { imageDigest: true, artifactUri: true },
      }),
  }).start();
  await platform.ready();
  useFleetPlatform(platform);

  const ranker = await prisma.model.findUniqueOrThrow({ where: { name: "ranker-xl" } });
  for (const version of ["2.1.0", "2.2.0"]) {
    const digest = Buffer.from(version).toString("hex").padEnd(64, "a").slice(0, 64);
    await prisma.modelVersion.upsert({
      where: { modelId_version: { modelId: ranker.id, version } },
      update: {},
      create: {
        modelId: ranker.id,
        version,
        imageDigest: `registry.test/ranker-xl@sha256:${digest}`,
        baseImageDigest: `registry.test/base@sha256:${"b".repeat(64)}`,
        artifactUri: `s3://test/ranker-xl/${version}`,
        trainingRunId: "run",
        datasetDigest: `sha256:${"c".repeat(64)}`,
        codeCommit: "d".repeat(40),
        evalMetrics: {},
        createdBy: "test",
      },
    });
  }
  // The inventory learns what the clusters run (the worker does this every 5 seconds).
  await syncFleet(platform, { discover: true });
  await allowDirectChanges(prisma, ["production/us-east-1", "production/eu-west-1"]);
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  const user = await prisma.user.create({
    data: { email: "rm@engine-k8s.test", name: "RM", role: "release_manager", teamId: team.id },
  });
  release = { ...actor("release_manager", team.id), id: user.id, email: user.email };
});

afterAll(async () => {
  useFleetPlatform(null);
  await platform?.stop();
  for (const c of controllers) c.stop();
  await Promise.all([...servers.values()].map((s) => s.stop()));
  await prisma.$disconnect();
});

const start = (version: string, steps: string, waves: string) =>
  startRollout(release, meta, {
    model: "ranker-xl",
    version,
    strategy: "canary",
    steps,
    waves,
    saveAsDefault: false,
    fix: false,
    overrideReason: "",
  });

describe("the rollout engine on an Argo Rollout", () => {
  it("takes a good version to 100% through Flightdeck's steps, and the object shows it", async () => {
    const good = (await registerVersionWith(prisma, "ranker-xl", "none", (i) => `3.${i}.0`))
      .version;
    const started = await start(good, "weight 25\npause 30s\nweight 60", "production/eu-west-1");
    const id = started.rollouts[0]!.id;
    // The canary weights on the cluster (Argo's step at Flightdeck's plan), as the engine moved.
    const weights: number[] = [];
    await driveUntil(
      id,
      (s) => s === "completed",
      async () => {
        const [o] = (await platform.rollouts({ model: "ranker-xl", cluster: WEST })).data;
        const w = o?.canaryVersion === good ? o.canaryWeight : undefined;
        if (w !== undefined && w !== weights.at(-1)) weights.push(w);
      },
    );
    // 25% held through the 30 s pause; the 60% step is instant and the last, so the same pass
    // promotes it to 100%.
    expect(weights[0]).toBe(25);
    const patches = servers
      .get(WEST)!
      .requestsMatching({ resource: "rollouts", verb: "patch" })
      .map((r) => r.subresource ?? "spec");
    // set version, the 25% and 60% steps, resume after the pause, promote to 100% (status)
    expect(patches.length).toBeGreaterThanOrEqual(4);
    expect(patches).toContain("status");

    const object = argo(WEST)!;
    const status = object.status as { stableRS?: string; currentPodHash?: string };
    expect(status.stableRS).toBe(status.currentPodHash);
    const template = (object.spec as { template: { metadata: { labels: Record<string, string> } } })
      .template;
    expect(template.metadata.labels["flightdeck.dev/version"]).toBe(good);
    const { data } = await platform.deployments({ model: "ranker-xl", cluster: WEST });
    expect(data.map((d) => [d.version, d.trafficWeight])).toEqual([[good, 100]]);
  });

  it("aborts a bad version on the cluster when the analysis fails", async () => {
    const bad = (await registerVersionWith(prisma, "ranker-xl", "errors", (i) => `4.${i}.0`))
      .version;
    const started = await start(
      bad,
      "weight 20\nanalysis 6s every 3s\nweight 100",
      "production/us-east-1",
    );
    const id = started.rollouts[0]!.id;
    await driveUntil(id, (s) => s === "aborted");
    const object = argo(EAST)!;
    expect((object.status as { abort?: boolean }).abort).toBe(true);
    const o = await platform.rollout({
      cluster: EAST,
      namespace: "search-serving",
      name: "ranker-xl",
    });
    expect(o).toMatchObject({ aborted: true, canaryVersion: bad, canaryWeight: 0 });
    const { data } = await platform.deployments({ model: "ranker-xl", cluster: EAST });
    expect(data.every((d) => d.version !== bad)).toBe(true);
    expect(data.reduce((s, d) => s + d.trafficWeight, 0)).toBe(100);
  });
});
