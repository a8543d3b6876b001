// Pieces of the test API server's controllers (tests/support/kube/controllers.ts): Argo's pause
// durations and template hashes, the clock, the "controller down" fault, and that attaching them
// to objects loaded beforehand (the two-cluster fleet) takes those objects as they are instead of
// starting new rollouts. The controllers driven through HTTP are in
// tests/integration/platform/kube-controllers.test.ts.
import { describe, expect, it } from "vitest";
import { KubeStore } from "../../support/kube";
import {
  attachControllers,
  pauseDurationSeconds,
  podTemplateHash,
  POD_TEMPLATE_HASH_LABEL,
} from "../../support/kube/controllers";
import { twoClusterFleet } from "../../support/kube/fleet-objects";

type Json = Record<string, unknown>;
const rec = (v: unknown): Json =>
  typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Json) : {};

describe("pause durations", () => {
  it("reads seconds, integer strings and Go durations as Argo does", () => {
    expect(pauseDurationSeconds(30)).toBe(30);
    expect(pauseDurationSeconds("45")).toBe(45);
    expect(pauseDurationSeconds("30s")).toBe(30);
    expect(pauseDurationSeconds("5m")).toBe(300);
    expect(pauseDurationSeconds("1h30m")).toBe(5400);
    expect(pauseDurationSeconds("1.5h")).toBe(5400);
    expect(pauseDurationSeconds("1500ms")).toBe(1);
    expect(pauseDurationSeconds("0")).toBe(0);
    expect(pauseDurationSeconds("soon")).toBe(0);
    expect(pauseDurationSeconds("5x")).toBe(0);
    expect(pauseDurationSeconds(undefined)).toBe(0);
  });
});

describe("pod template hashes", () => {
  const template = {
    metadata: { labels: { app: "ranker", "flightdeck.dev/version": "2.0.0" } },
    spec: { containers: [{ name: "server", image: "registry.example.com/ranker:2.0.0" }] },
  };

  it("are stable, ignore key order, empty fields and the hash label, and follow the template", () => {
    const hash = podTemplateHash(template);
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{6,10}$/);
    expect(
      podTemplateHash({
        spec: { containers: [{ image: "registry.example.com/ranker:2.0.0", name: "server" }] },
        metadata: {
          labels: {
            "flightdeck.dev/version": "2.0.0",
            app: "ranker",
            [POD_TEMPLATE_HASH_LABEL]: hash,
          },
          annotations: {},
          creationTimestamp: null,
        },
      }),
    ).toBe(hash);
    const other = structuredClone(template);
    other.spec.containers[0]!.image = "registry.example.com/ranker:2.0.1";
    expect(podTemplateHash(other)).not.toBe(hash);
    expect(podTemplateHash(template, 1)).not.toBe(hash);
  });
});

describe("controllers on a store", () => {
  function rollout(store: KubeStore) {
    store.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name: "prod" } });
    store.apply({
      apiVersion: "argoproj.io/v1alpha1",
      kind: "Rollout",
      metadata: { name: "r", namespace: "prod" },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: "r" } },
        template: {
          metadata: { labels: { app: "r" } },
          spec: { containers: [{ name: "s", image: "img:1" }] },
        },
        strategy: { canary: { steps: [{ setWeight: 50 }, { pause: { duration: "1m" } }] } },
      },
    });
  }
  const ref = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", namespace: "prod", name: "r" };
  const status = (store: KubeStore) => rec(store.get(ref)?.status);

  it("keep their own clock: a timed pause ends when it is advanced, not with the wall clock", async () => {
    const store = new KubeStore();
    const c = attachControllers(store, { clock: () => new Date("2030-01-01T00:00:00Z") });
    rollout(store);
    await c.settled();
    store.patch(ref, {
      spec: { template: { spec: { containers: [{ name: "s", image: "img:2" }] } } },
    });
    await c.settled();
    expect(status(store)).toMatchObject({
      currentStepIndex: 1,
      pauseConditions: [{ reason: "CanaryPauseStep", startTime: "2030-01-01T00:00:00Z" }],
    });
    c.advance(59_000);
    expect(status(store).currentStepIndex).toBe(1);
    c.setTime("2030-01-01T00:01:00Z");
    expect(c.now().toISOString()).toBe("2030-01-01T00:01:00.000Z");
    expect(status(store)).toMatchObject({ currentStepIndex: 2, phase: "Healthy" });
    expect(status(store).pauseConditions).toBeUndefined();
    c.stop();
  });

  it("do nothing while paused, and catch up on resume; nothing after stop", async () => {
    const store = new KubeStore();
    const c = attachControllers(store);
    c.pause();
    expect(c.paused).toBe(true);
    rollout(store);
    await c.settled();
    expect(store.get(ref)?.status).toBeUndefined();
    expect(store.list("apps/v1", "ReplicaSet")).toHaveLength(0);
    c.resume();
    expect(status(store)).toMatchObject({ phase: "Healthy", observedGeneration: "1" });
    expect(store.list("apps/v1", "ReplicaSet")).toHaveLength(1);
    c.stop();
    store.patch(ref, { spec: { replicas: 3 } });
    await Promise.resolve();
    expect(status(store).observedGeneration).toBe("1");
  });

  it("bump status.collisionCount when another template's ReplicaSet holds the new one's name", async () => {
    const store = new KubeStore();
    const c = attachControllers(store);
    rollout(store);
    await c.settled();
    // A ReplicaSet of another template already holds the name the new one needs: Argo bumps
    // status.collisionCount and tries again with another hash.
    const hash = podTemplateHash({
      metadata: { labels: { app: "r" } },
      spec: { containers: [{ name: "s", image: "img:9" }] },
    });
    store.apply({
      apiVersion: "apps/v1",
      kind: "ReplicaSet",
      metadata: { name: `r-${hash}`, namespace: "prod" },
      spec: { replicas: 0, selector: { matchLabels: { x: "y" } }, template: {} },
    });
    store.patch(ref, {
      spec: { template: { spec: { containers: [{ name: "s", image: "img:9" }] } } },
    });
    await c.settled();
    expect(status(store).collisionCount).toBe(1);
    expect(status(store).currentPodHash).not.toBe(hash);
    expect(
      store.get({
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        namespace: "prod",
        name: `r-${String(status(store).currentPodHash)}`,
      }),
    ).toBeDefined();
    expect(c.errors).toEqual([]);
    c.stop();
  });

  it("take the two-cluster fleet's rollouts and InferenceServices as they are", async () => {
    const fleet = twoClusterFleet();
    for (const cluster of fleet.clusters) {
      const store = new KubeStore();
      store.load(cluster.objects);
      const snapshot = () => ({
        rollouts: store.list("argoproj.io/v1alpha1", "Rollout").map((r) => {
          const s = rec(r.status);
          return {
            name: r.metadata.name,
            current: s.currentPodHash,
            stable: s.stableRS,
            step: s.currentStepIndex,
            phase: s.phase,
            pauses: s.pauseConditions,
            weight: rec(rec(rec(s.canary).weights).canary).weight,
          };
        }),
        replicaSets: store
          .list("apps/v1", "ReplicaSet")
          .map((rs) => [rs.metadata.name, rec(rs.spec).replicas, rec(rs.status).readyReplicas]),
        services: store.list("serving.kserve.io/v1beta1", "InferenceService").map((i) => {
          const p = rec(rec(rec(i.status).components).predictor);
          return {
            name: i.metadata.name,
            traffic: (p.traffic as Json[]).map((t) => [t.revisionName, t.percent]),
            latestRolledOut: p.latestRolledoutRevision,
            previousRolledOut: p.previousRolledoutRevision,
          };
        }),
        pods: store.list("v1", "Pod").map((p) => p.metadata.name),
      });
      const before = snapshot();
      const c = attachControllers(store);
      await c.settled();
      expect(snapshot()).toEqual(before);
      expect(c.errors).toEqual([]);
      c.stop();
    }
  });
});
