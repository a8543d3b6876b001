// Driving rollouts on real clusters: the Kubernetes platform writes to Argo Rollouts and KServe
// InferenceServices in two test API servers whose controllers act as Argo Rollouts and KServe
// do (tests/support/kube/controllers.ts). The fleet contract's canary (new version, weights,
// pause, abort, retry, promote to 100%, undo) runs on an Argo Rollout; a KServe canary is
// started, weighted, promoted, aborted and undone; and two promotes from the same read apply
// one step.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clustersFromEnvironment } from "@/lib/platform/kubernetes/config";
import { KubernetesPlatform } from "@/lib/platform/kubernetes/platform";
import { ConflictError } from "@/lib/platform/types";
import { startTestClusters, type TestClusters } from "../../support/kube";
import { twoClusterFleet } from "../../support/kube/fleet-objects";
import { fleetContract } from "../../support/platform/fleet-contract";

let clusters: TestClusters;
let platform: KubernetesPlatform;
const EAST = "gke-us-east1-serving";

/** Every controller has acted, and every cache has caught up with its server. */
async function settle() {
  await Promise.all(clusters.controllers.map((c) => c.settled()));
  for (const name of platform.clusterNames()) {
    const target = Number(clusters.server(name).store.resourceVersion);
    const resources = [
      "rollouts",
      "replicaSets",
      "inferenceServices",
      "pods",
      "deployments",
    ] as const;
    await Promise.all(
      resources.map(
        (r) =>
          new Promise<void>((resolve, reject) => {
            const reflector = platform.reflector(name, r)!;
            const done = () => Number(reflector.lastResourceVersion()) >= target;
            if (done()) return resolve();
            const timer = setTimeout(() => {
              off();
              reject(new Error(`${name} ${r} did not catch up with ${target}`));
            }, 10_000);
            const off = reflector.onChange(() => {
              if (done()) {
                clearTimeout(timer);
                off();
                resolve();
              }
            });
          }),
      ),
    );
  }
}

beforeAll(async () => {
  // Frequent bookmarks: a cache that saw no change still learns it is current.
  clusters = await startTestClusters(twoClusterFleet().clusters, { bookmarkIntervalMs: 20 });
  const kubeconfig = clusters.kubeconfig;
  platform = new KubernetesPlatform({
    clusters: clustersFromEnvironment({ KUBECONFIG: kubeconfig }),
    timing: { backoffMs: 20, maxBackoffMs: 200 },
    // The registry: every version has an image digest and a model artifact.
    artifact: async (model, version) => ({
      imageDigest: `sha256:${Buffer.from(`${model}@${version}`).toString("hex").padEnd(64, "0").slice(0, 64)}`,
      artifactUri: `s3://models/${model}/${version}`,
    }),
  }).start();
  await platform.ready();
});

afterAll(async () => {
  await platform?.stop();
  await clusters?.stop();
});

fleetContract("kubernetes (Argo Rollouts)", { platform: () => platform, trains: false, settle });

describe("the Argo Rollout after Flightdeck's writes", () => {
  it("runs the version by its registry digest, with Flightdeck's two-step plan", async () => {
    const rollout = clusters.server("eks-eu-west-1").store.get({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      namespace: "search-serving",
      name: "ranker-xl",
    });
    const spec = rollout?.spec as {
      template: {
        spec: { containers: { image: string }[] };
        metadata: { labels: Record<string, string> };
      };
      strategy: { canary: { steps: unknown[] } };
    };
    // The contract ended with an undo to the first version: its template, promoted at once.
    expect(spec.template.metadata.labels["flightdeck.dev/version"]).toBe("2.1.0");
    expect((rollout?.status as { stableRS?: string; currentPodHash?: string }).stableRS).toBe(
      (rollout?.status as { currentPodHash?: string }).currentPodHash,
    );
  });

  it("applies one of two promotes made from the same read, and refuses the other", async () => {
    const { data } = await platform.rollouts({ model: "ranker-xl", region: "us-east-1" });
    const o = data[0]!;
    expect(o.canaryVersion).not.toBeNull();
    const ref = {
      cluster: o.cluster,
      namespace: o.namespace,
      name: o.name,
      resourceVersion: o.resourceVersion,
    };
    const results = await Promise.allSettled([
      platform.setCanaryWeight(ref, 40),
      platform.setCanaryWeight(ref, 40),
    ]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
    expect(refused.reason).toBeInstanceOf(ConflictError);
    await settle();
    expect((await platform.rollout(o)).canaryWeight).toBe(40);
  });
});

describe("driving a KServe InferenceService", () => {
  const key = { cluster: EAST, namespace: "risk-serving", name: "fraud-scorer" };
  const ref = async () => {
    const o = await platform.rollout(key);
    return { ...key, resourceVersion: o.resourceVersion };
  };
  const split = async () =>
    (await platform.deployments({ model: "fraud-scorer" })).data
      .map((d) => [d.version, d.trafficWeight])
      .sort((a, b) => String(a[0]).localeCompare(String(b[0])));

  it("reads the canary KServe reports, then moves its weight and promotes it", async () => {
    expect(await platform.rollout(key)).toMatchObject({
      stableVersion: "1.4.0",
      canaryVersion: "1.5.0",
      canaryWeight: 10,
    });
    await platform.setCanaryWeight(await ref(), 50);
    await settle();
    expect(await split()).toEqual([
      ["1.4.0", 50],
      ["1.5.0", 50],
    ]);
    await platform.promote(await ref(), { full: true });
    await settle();
    expect(await platform.rollout(key)).toMatchObject({
      stableVersion: "1.5.0",
      canaryVersion: null,
    });
    expect(await split()).toEqual([["1.5.0", 100]]);
  });

  it("starts a new version as a canary at 0%, aborts it back to the previous revision, retries and undoes", async () => {
    await platform.setVersion(await ref(), "1.6.0");
    await settle();
    expect(await platform.rollout(key)).toMatchObject({
      stableVersion: "1.5.0",
      canaryVersion: "1.6.0",
      canaryWeight: 0,
    });
    const stored = () =>
      clusters
        .server(EAST)
        .store.get({ apiVersion: "serving.kserve.io/v1beta1", kind: "InferenceService", ...key });
    expect(JSON.stringify(stored()?.spec)).toContain("s3://models/fraud-scorer/1.6.0");
    await platform.setCanaryWeight(await ref(), 20);
    await settle();
    expect(await split()).toEqual([
      ["1.5.0", 80],
      ["1.6.0", 20],
    ]);
    await platform.abort(await ref());
    await settle();
    expect(await platform.rollout(key)).toMatchObject({ aborted: true, canaryWeight: 0 });
    expect(await split()).toEqual([["1.5.0", 100]]);
    await expect(platform.setCanaryWeight(await ref(), 30)).rejects.toThrow(/aborted/);
    await platform.retry(await ref());
    await settle();
    expect((await platform.rollout(key)).aborted).toBe(false);
    const o = await platform.rollout(key);
    const previous = o.revisions.find((r) => r.version === "1.5.0")!;
    await platform.undo(await ref(), previous.revision);
    await settle();
    expect(await platform.rollout(key)).toMatchObject({
      stableVersion: "1.5.0",
      canaryVersion: null,
    });
    expect(await split()).toEqual([["1.5.0", 100]]);
  });
});

describe("autoscaler bounds on a real cluster (a region drain raises them ahead of traffic)", () => {
  it("patches an HPA's minimum and maximum conditionally, and refuses bounds changed since", async () => {
    const { data } = await platform.autoscalers();
    const before = data[0];
    if (!before) throw new Error("the test fleet has no autoscaler");
    const key = { cluster: before.cluster, namespace: before.namespace, target: before.target };
    const raised = { min: before.min + 2, max: before.max + 4 };
    await platform.setAutoscalerBounds(key, { min: before.min, max: before.max }, raised);
    const stored = () =>
      clusters
        .server(before.cluster)
        .store.list("autoscaling/v2", "HorizontalPodAutoscaler")
        .find(
          (h) =>
            h.metadata.namespace === before.namespace &&
            (h.spec as { scaleTargetRef?: { name?: string } }).scaleTargetRef?.name ===
              before.target,
        );
    expect(stored()?.spec).toMatchObject({ minReplicas: raised.min, maxReplicas: raised.max });
    // the watch brings the change into the cache
    await expect
      .poll(async () => {
        const h = (await platform.autoscalers()).data.find(
          (x) => x.cluster === key.cluster && x.target === key.target,
        );
        return h && { min: h.min, max: h.max };
      })
      .toEqual(raised);
    // decided on the bounds before: refused, nothing written
    await expect(
      platform.setAutoscalerBounds(key, { min: before.min, max: before.max }, { min: 1, max: 2 }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(stored()?.spec).toMatchObject({ minReplicas: raised.min, maxReplicas: raised.max });
    await expect(platform.setAutoscalerBounds(key, raised, { min: 5, max: 3 })).rejects.toThrow(
      /above maximum/,
    );
    await platform.setAutoscalerBounds(key, raised, { min: before.min, max: before.max });
  });
});
