import { describe, expect, it } from "vitest";
import type { KubeObject } from "@/lib/platform/kubernetes/client";
import {
  argoRolloutObject,
  conditional,
  imageAt,
  setVersionPatch,
  stepsAt,
  undoPatch,
} from "@/lib/platform/kubernetes/argo";

const cluster = { name: "c1", region: "us-east-1" };
const template = (
  version: string,
  image = `registry.example.com:5000/models/ranker-xl:${version}`,
) => ({
  metadata: { labels: { app: "ranker", "flightdeck.dev/version": version } },
  spec: {
    containers: [
      { name: "server", image },
      { name: "sidecar", image: "envoy:1.30" },
    ],
  },
});
const rollout = (
  status: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): KubeObject => ({
  metadata: {
    name: "ranker-xl",
    namespace: "search",
    uid: "u1",
    resourceVersion: "1042",
    labels: { "flightdeck.dev/model": "ranker-xl", "flightdeck.dev/environment": "production" },
    annotations: { "rollout.argoproj.io/revision": "3" },
  },
  spec: {
    replicas: 5,
    template: template("2.2.0"),
    strategy: { canary: { steps: stepsAt(20) } },
    ...extra,
  },
  status,
});
const rs = (hash: string, version: string, revision: number, ready: number): KubeObject => ({
  metadata: {
    name: `ranker-xl-${hash}`,
    namespace: "search",
    labels: { "rollouts-pod-template-hash": hash },
    annotations: { "rollout.argoproj.io/revision": String(revision) },
    ownerReferences: [
      { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", name: "ranker-xl", uid: "u1" },
    ],
  },
  spec: {
    replicas: ready,
    template: {
      ...template(version),
      metadata: {
        labels: { ...template(version).metadata.labels, "rollouts-pod-template-hash": hash },
      },
    },
  },
  status: { readyReplicas: ready },
});
const sets = [rs("old", "2.0.3", 1, 0), rs("stable", "2.1.0", 2, 4), rs("canary", "2.2.0", 3, 1)];

describe("an Argo Rollout as a rollout object", () => {
  it("reads a canary in progress: versions from the ReplicaSets, weight from status, revisions", () => {
    const o = argoRolloutObject(
      cluster,
      rollout({
        stableRS: "stable",
        currentPodHash: "canary",
        currentStepIndex: 1,
        phase: "Paused",
        message: "CanaryPauseStep",
        canary: { weights: { canary: { weight: 20 }, stable: { weight: 80 } } },
      }),
      sets,
    );
    expect(o).toEqual({
      cluster: "c1",
      namespace: "search",
      name: "ranker-xl",
      resourceVersion: "1042",
      model: "ranker-xl",
      region: "us-east-1",
      environment: "production",
      stableVersion: "2.1.0",
      canaryVersion: "2.2.0",
      canaryWeight: 20,
      paused: false,
      aborted: false,
      phase: "Paused",
      message: "CanaryPauseStep",
      revision: 3,
      revisions: [
        { revision: 1, version: "2.0.3" },
        { revision: 2, version: "2.1.0" },
        { revision: 3, version: "2.2.0" },
      ],
      replicas: { stable: { desired: 4, ready: 4 }, canary: { desired: 1, ready: 1 } },
      // what the spec asks for: how a change made outside Flightdeck is told apart
      spec: {
        generation: 1,
        version: "2.2.0",
        weight: 20,
        paused: false,
        image: "registry.example.com:5000/models/ranker-xl:2.2.0",
      },
      managedBy: null,
    });
  });

  it("names the GitOps tool that manages it, from Argo CD's or Flux's marks", () => {
    const marked = (labels: Record<string, string>, annotations: Record<string, string> = {}) => {
      const r = rollout({ stableRS: "stable", currentPodHash: "stable" });
      r.metadata.labels = { ...r.metadata.labels, ...labels };
      r.metadata.annotations = { ...r.metadata.annotations, ...annotations };
      r.metadata.generation = 7;
      const o = argoRolloutObject(cluster, r, sets);
      if (typeof o === "string") throw new Error(o);
      return o;
    };
    expect(marked({ "argocd.argoproj.io/instance": "search-serving" }).managedBy).toBe(
      "Argo CD application search-serving",
    );
    expect(
      marked(
        {},
        { "argocd.argoproj.io/tracking-id": "search-prod:argoproj.io/Rollout:search/ranker-xl" },
      ).managedBy,
    ).toBe("Argo CD application search-prod");
    expect(
      marked({
        "kustomize.toolkit.fluxcd.io/name": "serving",
        "kustomize.toolkit.fluxcd.io/namespace": "flux-system",
      }).managedBy,
    ).toBe("Flux Kustomization flux-system/serving");
    expect(marked({}).managedBy).toBeNull();
    expect(marked({}).spec?.generation).toBe(7);
  });

  it("reads an aborted canary as weight 0, a user pause from spec.paused, a settled one with no canary", () => {
    const aborted = argoRolloutObject(
      cluster,
      rollout(
        { stableRS: "stable", currentPodHash: "canary", abort: true, phase: "Degraded" },
        { paused: true },
      ),
      sets,
    );
    expect(aborted).toMatchObject({
      aborted: true,
      canaryWeight: 0,
      paused: true,
      phase: "Degraded",
    });
    const settled = argoRolloutObject(
      cluster,
      rollout({ stableRS: "canary", currentPodHash: "canary", phase: "Healthy" }),
      sets,
    );
    expect(settled).toMatchObject({ stableVersion: "2.2.0", canaryVersion: null, canaryWeight: 0 });
  });

  it("refuses to read a Rollout without its labels", () => {
    const r = rollout({});
    r.metadata.labels = {};
    expect(argoRolloutObject(cluster, r, sets)).toBe("no flightdeck.dev/model label");
  });
});

describe("Argo patches", () => {
  it("pins the model's image to the registry's digest, keeping its repository (and a registry port)", () => {
    expect(imageAt("registry.example.com:5000/models/ranker-xl:2.1.0", "sha256:abc")).toBe(
      "registry.example.com:5000/models/ranker-xl@sha256:abc",
    );
    expect(imageAt("ranker@sha256:old", "sha256:new")).toBe("ranker@sha256:new");
    expect(imageAt("ranker", "sha256:new")).toBe("ranker@sha256:new");
    // The registry keeps the whole reference: that is what runs.
    expect(imageAt("old.example/ranker:1", "registry.example/models/ranker@sha256:abc")).toBe(
      "registry.example/models/ranker@sha256:abc",
    );
  });

  it("sets a version on the model's containers only, labels it, restarts the plan at 0, conditionally", () => {
    expect(setVersionPatch(rollout({}), "2.3.0", "sha256:def")).toEqual([
      { op: "replace", path: "/metadata/resourceVersion", value: "1042" },
      {
        op: "replace",
        path: "/spec/template/spec/containers/0/image",
        value: "registry.example.com:5000/models/ranker-xl@sha256:def",
      },
      { op: "add", path: "/spec/template/metadata/labels/flightdeck.dev~1version", value: "2.3.0" },
      { op: "add", path: "/spec/strategy/canary/steps", value: [{ setWeight: 0 }, { pause: {} }] },
    ]);
    expect(setVersionPatch(rollout({}, { template: { spec: {} } }), "2.3.0", "sha256:d")).toBe(
      "the Rollout's pod template has no containers",
    );
  });

  it("undoes to a ReplicaSet's template without its hash label", () => {
    const [rv, replace] = undoPatch(rollout({}), sets[1]!);
    expect(rv).toEqual({ op: "replace", path: "/metadata/resourceVersion", value: "1042" });
    expect(replace).toEqual({ op: "replace", path: "/spec/template", value: template("2.1.0") });
  });

  it("makes a merge patch conditional on the version read", () => {
    expect(conditional("7", { spec: { paused: true } })).toEqual({
      spec: { paused: true },
      metadata: { resourceVersion: "7" },
    });
  });
});
