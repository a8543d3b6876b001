import { describe, expect, it } from "vitest";
import type { KubeObject } from "@/lib/platform/kubernetes/client";
import {
  inferenceServiceObject,
  setVersionPatch,
  storageUriPath,
  undoPatch,
} from "@/lib/platform/kubernetes/kserve";

const cluster = { name: "c1", region: "us-east-1" };
const isvc = (
  traffic: Record<string, unknown>[],
  annotations: Record<string, string> = { "flightdeck.dev/previous-version": "1.4.0" },
): KubeObject => ({
  metadata: {
    name: "fraud-scorer",
    namespace: "risk",
    resourceVersion: "77",
    labels: {
      "flightdeck.dev/model": "fraud-scorer",
      "flightdeck.dev/environment": "production",
      "flightdeck.dev/version": "1.5.0",
    },
    annotations,
  },
  spec: { predictor: { canaryTrafficPercent: 10, model: { storageUri: "s3://m/1.5.0" } } },
  status: {
    conditions: [{ type: "Ready", status: "True" }],
    components: {
      predictor: {
        latestReadyRevision: "fraud-scorer-predictor-00003",
        latestRolledoutRevision: "fraud-scorer-predictor-00002",
        traffic,
      },
    },
  },
});
const canary = [
  {
    revisionName: "fraud-scorer-predictor-00003",
    percent: 10,
    latestRevision: true,
    tag: "latest",
  },
  { revisionName: "fraud-scorer-predictor-00002", percent: 90, latestRevision: false, tag: "prev" },
];

describe("an InferenceService as a rollout object", () => {
  it("reads a canary: the previous version stable, the latest at its traffic percent", () => {
    const o = inferenceServiceObject(cluster, isvc(canary), []);
    expect(o).toMatchObject({
      stableVersion: "1.4.0",
      canaryVersion: "1.5.0",
      canaryWeight: 10,
      paused: false,
      aborted: false,
      phase: "Progressing",
      revision: 3,
      revisions: [
        { revision: 2, version: "1.4.0" },
        { revision: 3, version: "1.5.0" },
      ],
      // the spec's ask: the version label, canaryTrafficPercent, the artifact; KServe has no pause
      spec: { generation: 1, version: "1.5.0", weight: 10, paused: null, image: "s3://m/1.5.0" },
      managedBy: null,
    });
  });

  it("reads a spec without canaryTrafficPercent as all traffic on the latest revision", () => {
    const o = isvc([]);
    o.spec = { predictor: { model: { storageUri: "s3://m/1.5.0" } } };
    o.metadata.generation = 4;
    o.metadata.labels = { ...o.metadata.labels, "argocd.argoproj.io/instance": "risk-serving" };
    expect(inferenceServiceObject(cluster, o, [])).toMatchObject({
      spec: { generation: 4, weight: 100 },
      managedBy: "Argo CD application risk-serving",
    });
  });

  it("reads a promoted one as the latest version alone, and Flightdeck's pause and abort annotations", () => {
    const done = inferenceServiceObject(
      cluster,
      isvc([{ revisionName: "fraud-scorer-predictor-00003", percent: 100, latestRevision: true }]),
      [],
    );
    expect(done).toMatchObject({ stableVersion: "1.5.0", canaryVersion: null, phase: "Healthy" });
    const aborted = inferenceServiceObject(
      cluster,
      isvc(canary, {
        "flightdeck.dev/previous-version": "1.4.0",
        "flightdeck.dev/aborted": "true",
      }),
      [],
    );
    expect(aborted).toMatchObject({ aborted: true, canaryWeight: 0, phase: "Degraded" });
    const paused = inferenceServiceObject(
      cluster,
      isvc(canary, { "flightdeck.dev/previous-version": "1.4.0", "flightdeck.dev/paused": "true" }),
      [],
    );
    expect(paused).toMatchObject({ paused: true, phase: "Paused" });
  });
});

describe("KServe patches", () => {
  it("sets the new model's storageUri as a canary at 0%, remembering the stable version", () => {
    const current = inferenceServiceObject(
      cluster,
      isvc([{ revisionName: "fraud-scorer-predictor-00003", percent: 100, latestRevision: true }]),
      [],
    );
    if (typeof current === "string") throw new Error(current);
    expect(setVersionPatch(isvc([]), current, "1.6.0", "s3://m/1.6.0")).toEqual({
      metadata: {
        resourceVersion: "77",
        labels: { "flightdeck.dev/version": "1.6.0" },
        annotations: {
          "flightdeck.dev/previous-version": "1.5.0",
          "flightdeck.dev/aborted": null,
          "flightdeck.dev/paused": null,
        },
      },
      spec: { predictor: { canaryTrafficPercent: 0, model: { storageUri: "s3://m/1.6.0" } } },
    });
  });

  it("finds a framework predictor's storageUri, and undoes to a version as a new revision with all traffic", () => {
    const tf: KubeObject = {
      metadata: { name: "x", resourceVersion: "5" },
      spec: { predictor: { tensorflow: { storageUri: "gs://a" } } },
    };
    expect(storageUriPath(tf)).toBe("tensorflow");
    const current = inferenceServiceObject(cluster, isvc(canary), []);
    if (typeof current === "string") throw new Error(current);
    expect(undoPatch(isvc(canary), current, "1.4.0", "s3://m/1.4.0")).toMatchObject({
      metadata: { labels: { "flightdeck.dev/version": "1.4.0" } },
      spec: { predictor: { canaryTrafficPercent: null, model: { storageUri: "s3://m/1.4.0" } } },
    });
    expect(
      setVersionPatch({ metadata: { name: "y" }, spec: { predictor: {} } }, current, "2", "s3://x"),
    ).toBe("the InferenceService's predictor has no storageUri to set");
  });
});
