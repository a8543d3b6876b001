// The Argo Rollouts and KServe controllers of the test API server (tests/support/kube/controllers.ts)
// driven through the HTTP API exactly as a client drives them on a real cluster: objects created
// with POST, the template or predictor changed with merge patches carrying the resourceVersion
// read just before, and the kubectl plugin's operations as the plugin sends them (promote clears
// status.pauseConditions and unsets spec.paused, promote --full sets status.promoteFull, abort and
// retry set status.abort, undo replaces spec.template with an older ReplicaSet's). After each
// operation the test reads the status back and checks it against what the real controllers
// report. Time is the controllers' clock, moved by the test: no sleeps.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeApiServer } from "../../support/kube";
import {
  attachControllers,
  POD_TEMPLATE_HASH_LABEL,
  ROLLOUT_REVISION_ANNOTATION,
  SCALE_DOWN_DEADLINE_ANNOTATION,
  type KubeControllers,
} from "../../support/kube/controllers";

type Json = Record<string, unknown>;

function rec(value: unknown): Json {
  return typeof value === "object" && value !== null && !Array.isArray(value)
    ? (value as Json)
    : {};
}
function recs(value: unknown): Json[] {
  return Array.isArray(value) ? value.map(rec) : [];
}

const NS = "serving";
const START = new Date("2025-03-01T09:00:00Z");
const at = (ms: number) => new Date(START.getTime() + ms).toISOString().replace(/\.000Z$/, "Z");
const MINUTE = 60_000;

let server: KubeApiServer;
let controllers: KubeControllers;

beforeAll(async () => {
  server = await KubeApiServer.start();
  controllers = attachControllers(server, { clock: () => START });
  await api("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: NS },
  });
});

afterAll(async () => {
  controllers.stop();
  await server.stop();
});

// ---------------------------------------------------------------------------------------------
// A client

async function api(
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
): Promise<Json> {
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${server.token}`,
      ...(body !== undefined ? { "Content-Type": contentType } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const parsed = rec(await res.json());
  if (res.status >= 400)
    throw new Error(`${method} ${path}: ${res.status} ${String(parsed.message)}`);
  // The controllers react to the write on a microtask; this is the client waiting for them.
  await controllers.settled();
  return parsed;
}

const rolloutPath = (name: string) =>
  `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts/${name}`;
const isvcPath = (name: string) =>
  `/apis/serving.kserve.io/v1beta1/namespaces/${NS}/inferenceservices/${name}`;

/** A merge patch of the object or its status, conditional on the resourceVersion just read. */
async function mergePatch(path: string, patch: Json, subresource?: "status"): Promise<Json> {
  const current = await api("GET", path);
  const resourceVersion = rec(current.metadata).resourceVersion;
  return api(
    "PATCH",
    subresource ? `${path}/status` : path,
    { ...patch, metadata: { ...rec(patch.metadata), resourceVersion } },
    "application/merge-patch+json",
  );
}

// The kubectl argo rollouts plugin's operations (pkg/kubectl-argo-rollouts/cmd/…).

async function promote(name: string): Promise<void> {
  const ro = await api("GET", rolloutPath(name));
  const status = rec(ro.status);
  if (recs(status.pauseConditions).length > 0) {
    await mergePatch(rolloutPath(name), { status: { pauseConditions: null } }, "status");
  }
  if (rec(ro.spec).paused === true)
    await mergePatch(rolloutPath(name), { spec: { paused: false } });
}

async function promoteFull(name: string): Promise<void> {
  const status = rec((await api("GET", rolloutPath(name))).status);
  if (status.currentPodHash !== status.stableRS) {
    await mergePatch(rolloutPath(name), { status: { promoteFull: true } }, "status");
  }
}

const abort = (name: string) =>
  mergePatch(rolloutPath(name), { status: { abort: true } }, "status");
const retry = (name: string) =>
  mergePatch(rolloutPath(name), { status: { abort: false } }, "status");
const pauseRollout = (name: string, paused: boolean) =>
  mergePatch(rolloutPath(name), { spec: { paused } });

async function replicaSets(name: string): Promise<Json[]> {
  const ro = await api("GET", rolloutPath(name));
  const uid = rec(ro.metadata).uid;
  const list = await api(
    "GET",
    `/apis/apps/v1/namespaces/${NS}/replicasets?labelSelector=app=${name}`,
  );
  return recs(list.items).filter((rs) =>
    recs(rec(rs.metadata).ownerReferences).some((o) => o.uid === uid && o.controller === true),
  );
}

const revisionOf = (o: Json) =>
  Number(rec(rec(o.metadata).annotations)[ROLLOUT_REVISION_ANNOTATION]);

/** `undo [--to-revision=N]`: the previous (or given) revision's template, as a JSON patch. */
async function undo(name: string, toRevision?: number): Promise<void> {
  const sets = (await replicaSets(name)).sort((a, b) => revisionOf(b) - revisionOf(a));
  const target =
    toRevision === undefined ? sets[1] : sets.find((rs) => revisionOf(rs) === toRevision);
  if (!target) throw new Error(`no revision ${String(toRevision)} of ${name}`);
  const template = structuredClone(rec(rec(target.spec).template));
  delete rec(rec(template.metadata).labels)[POD_TEMPLATE_HASH_LABEL];
  const ro = await api("GET", rolloutPath(name));
  await api(
    "PATCH",
    rolloutPath(name),
    [
      { op: "test", path: "/metadata/resourceVersion", value: rec(ro.metadata).resourceVersion },
      { op: "replace", path: "/spec/template", value: template },
    ],
    "application/json-patch+json",
  );
}

// ---------------------------------------------------------------------------------------------
// Rollouts

function podTemplate(name: string, version: string): Json {
  return {
    metadata: { labels: { app: name, "flightdeck.dev/version": version } },
    spec: {
      containers: [
        {
          name: "server",
          image: `registry.example.com/models/${name}:${version}`,
          ports: [{ containerPort: 8080, name: "http", protocol: "TCP" }],
          resources: { limits: { "nvidia.com/gpu": "1" } },
        },
      ],
    },
  };
}

async function createRollout(
  name: string,
  o: { replicas: number; steps: Json[]; trafficRouting: boolean },
): Promise<void> {
  await api("POST", `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts`, {
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    metadata: { name, labels: { "flightdeck.dev/model": name } },
    spec: {
      replicas: o.replicas,
      revisionHistoryLimit: 5,
      selector: { matchLabels: { app: name } },
      template: podTemplate(name, "1.0.0"),
      strategy: {
        canary: {
          canaryService: `${name}-canary`,
          stableService: `${name}-stable`,
          ...(o.trafficRouting ? { trafficRouting: { nginx: { stableIngress: name } } } : {}),
          steps: o.steps,
        },
      },
    },
  });
}

const setVersion = (name: string, version: string) =>
  mergePatch(rolloutPath(name), { spec: { template: podTemplate(name, version) } });

/** What a reader of the Rollout and its ReplicaSets looks at. */
async function view(name: string) {
  const ro = await api("GET", rolloutPath(name));
  const status = rec(ro.status);
  const weights = rec(rec(status.canary).weights);
  const sets = await replicaSets(name);
  const byHash: Record<string, number> = {};
  for (const rs of sets) {
    byHash[String(rec(rec(rs.metadata).labels)[POD_TEMPLATE_HASH_LABEL])] = Number(
      rec(rs.spec).replicas,
    );
  }
  const condition = (type: string) => {
    const c = recs(status.conditions).find((x) => x.type === type);
    return c ? `${String(c.status)} ${String(c.reason)}` : undefined;
  };
  return {
    generation: rec(ro.metadata).generation,
    revision: revisionOf(ro),
    status,
    phase: status.phase,
    message: status.message,
    step: status.currentStepIndex,
    current: String(status.currentPodHash),
    stable: String(status.stableRS),
    weights:
      Object.keys(weights).length > 0
        ? {
            canary: rec(weights.canary).weight,
            stable: rec(weights.stable).weight,
            canaryHash: rec(weights.canary).podTemplateHash,
            stableHash: rec(weights.stable).podTemplateHash,
          }
        : undefined,
    pauses: recs(status.pauseConditions).map((p) => `${String(p.reason)} ${String(p.startTime)}`),
    replicaSets: byHash,
    sets,
    condition,
  };
}

const STEPS = [
  { setWeight: 20 },
  { pause: {} },
  { setWeight: 50 },
  { pause: { duration: "5m" } },
  { setWeight: 80 },
  { pause: { duration: 30 } },
  { setWeight: 100 },
];

describe("the Argo Rollouts controller", () => {
  it("runs a canary's steps: setWeight, an indefinite pause until promoted, timed pauses, a user's pause, then the new stable", async () => {
    await createRollout("ranker", { replicas: 5, steps: STEPS, trafficRouting: true });

    // A new Rollout is deployed at once, no steps run.
    let v = await view("ranker");
    const v1 = v.current;
    expect(v).toMatchObject({
      phase: "Healthy",
      step: 7,
      stable: v1,
      revision: 1,
      replicaSets: { [v1]: 5 },
      pauses: [],
      weights: { canary: 0, stable: 100, canaryHash: v1, stableHash: v1 },
    });
    expect(v.message).toBeUndefined();
    expect(v.status).toMatchObject({
      observedGeneration: "1",
      replicas: 5,
      updatedReplicas: 5,
      readyReplicas: 5,
      availableReplicas: 5,
      selector: "app=ranker",
    });
    expect(v.condition("Available")).toBe("True AvailableReason");
    expect(v.condition("Healthy")).toBe("True RolloutHealthy");
    expect(v.condition("Completed")).toBe("True RolloutCompleted");
    expect(v.condition("Progressing")).toBe("True NewReplicaSetAvailable");

    // A new version: a new ReplicaSet (revision 2) takes 20% and the rollout pauses.
    const watch = await WatchStream.open(
      `/apis/argoproj.io/v1alpha1/namespaces/${NS}/rollouts?watch=1&fieldSelector=metadata.name=ranker&resourceVersion=${String(rec((await api("GET", rolloutPath("ranker"))).metadata).resourceVersion)}`,
    );
    await setVersion("ranker", "2.0.0");
    v = await view("ranker");
    const v2 = v.current;
    expect(v2).not.toBe(v1);
    expect(v).toMatchObject({
      generation: 2,
      revision: 2,
      phase: "Paused",
      message: "CanaryPauseStep",
      step: 1,
      stable: v1,
      weights: { canary: 20, stable: 80, canaryHash: v2, stableHash: v1 },
      pauses: [`CanaryPauseStep ${at(0)}`],
      replicaSets: { [v1]: 5, [v2]: 1 },
    });
    expect(v.status).toMatchObject({
      observedGeneration: "2",
      controllerPause: true,
      replicas: 6,
      updatedReplicas: 1,
    });
    expect(rec(rec(v.status.canary).weights)).toMatchObject({
      canary: { serviceName: "ranker-canary" },
      stable: { serviceName: "ranker-stable" },
    });
    expect(v.condition("Paused")).toBe("True RolloutPaused");
    expect(v.condition("Progressing")).toBe("Unknown RolloutPaused");
    const canaryRs = v.sets.find((rs) => rec(rs.metadata).name === `ranker-${v2}`);
    expect(rec(canaryRs?.metadata).labels).toMatchObject({
      app: "ranker",
      "flightdeck.dev/version": "2.0.0",
      [POD_TEMPLATE_HASH_LABEL]: v2,
    });
    expect(rec(rec(canaryRs?.metadata).annotations)[ROLLOUT_REVISION_ANNOTATION]).toBe("2");
    expect(rec(canaryRs?.status)).toMatchObject({
      replicas: 1,
      readyReplicas: 1,
      availableReplicas: 1,
    });
    expect(rec(rec(rec(canaryRs?.spec).selector).matchLabels)).toEqual({
      app: "ranker",
      [POD_TEMPLATE_HASH_LABEL]: v2,
    });

    // A watcher saw the controller's writes in order, one step at a time.
    await watch.until(
      (events) => events.some((e) => rec(rec(e.object).status).phase === "Paused"),
      "the paused rollout",
    );
    watch.close();
    const versions = watch.events.map((e) => Number(rec(rec(e.object).metadata).resourceVersion));
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
    const steps = watch.events.map((e) => rec(rec(e.object).status).currentStepIndex);
    expect(steps).toContain(0);
    expect(steps.at(-1)).toBe(1);

    // An indefinite pause stays until promoted, however long.
    controllers.advance(60 * MINUTE);
    expect(await view("ranker")).toMatchObject({
      step: 1,
      phase: "Paused",
      replicaSets: { [v2]: 1 },
    });

    // promote: on to 50%, then the 5-minute pause.
    await promote("ranker");
    v = await view("ranker");
    expect(v).toMatchObject({
      step: 3,
      phase: "Paused",
      message: "CanaryPauseStep",
      weights: { canary: 50, stable: 50 },
      replicaSets: { [v1]: 5, [v2]: 3 },
      pauses: [`CanaryPauseStep ${at(60 * MINUTE)}`],
    });
    controllers.advance(4 * MINUTE + 59_000);
    expect(await view("ranker")).toMatchObject({ step: 3, phase: "Paused" });
    controllers.advance(1_000);
    v = await view("ranker");
    expect(v).toMatchObject({
      step: 5,
      phase: "Paused",
      weights: { canary: 80, stable: 20 },
      replicaSets: { [v1]: 5, [v2]: 4 },
      pauses: [`CanaryPauseStep ${at(65 * MINUTE)}`],
    });

    // A user's pause (spec.paused) holds the rollout past the pause's end.
    await pauseRollout("ranker", true);
    controllers.advance(MINUTE);
    v = await view("ranker");
    expect(v).toMatchObject({ step: 5, phase: "Paused", message: "manually paused" });
    expect(v.status.observedGeneration).toBe("3");

    // Unpaused: the 30 s are over, 100%, and the canary becomes the stable.
    await pauseRollout("ranker", false);
    v = await view("ranker");
    expect(v).toMatchObject({
      generation: 4,
      phase: "Healthy",
      step: 7,
      current: v2,
      stable: v2,
      weights: { canary: 0, stable: 100, canaryHash: v2, stableHash: v2 },
      pauses: [],
      replicaSets: { [v1]: 5, [v2]: 5 },
    });
    expect(v.status.controllerPause).toBeUndefined();
    expect(v.condition("Completed")).toBe("True RolloutCompleted");
    expect(v.condition("Paused")).toBe("False RolloutPaused");
    // With traffic routing the old ReplicaSet goes after scaleDownDelaySeconds (30 s).
    const old = v.sets.find((rs) => rec(rs.metadata).name === `ranker-${v1}`);
    expect(rec(rec(old?.metadata).annotations)[SCALE_DOWN_DEADLINE_ANNOTATION]).toBe(
      at(66 * MINUTE + 30_000),
    );
    controllers.advance(30_000);
    v = await view("ranker");
    expect(v.replicaSets).toEqual({ [v1]: 0, [v2]: 5 });
    expect(v.status).toMatchObject({ replicas: 5, updatedReplicas: 5, observedGeneration: "4" });
    expect(v.condition("Healthy")).toBe("True RolloutHealthy");
    expect(v.condition("Progressing")).toBe("True NewReplicaSetAvailable");
  });

  it("promote --full skips the remaining steps and pauses (a canary without traffic routing)", async () => {
    await createRollout("embedder", {
      replicas: 4,
      steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 50 }, { pause: {} }],
      trafficRouting: false,
    });
    const v1 = (await view("embedder")).current;
    await setVersion("embedder", "2.0.0");
    let v = await view("embedder");
    const v2 = v.current;
    // Without traffic routing the replicas split by weight, and no weights are reported.
    expect(v).toMatchObject({ step: 1, phase: "Paused", replicaSets: { [v1]: 3, [v2]: 1 } });
    expect(v.weights).toBeUndefined();
    expect(v.status.canary).toEqual({});

    await promoteFull("embedder");
    v = await view("embedder");
    expect(v).toMatchObject({
      phase: "Healthy",
      step: 4,
      current: v2,
      stable: v2,
      pauses: [],
      replicaSets: { [v1]: 0, [v2]: 4 },
    });
    expect(v.status.promoteFull).toBeUndefined();
    expect(v.status.controllerPause).toBeUndefined();
  });

  it("abort sends all traffic back to the stable, scales the canary down after 30 s, and retry starts the steps again", async () => {
    await createRollout("scorer", { replicas: 5, steps: STEPS, trafficRouting: true });
    const v1 = (await view("scorer")).current;
    await setVersion("scorer", "2.0.0");
    const v2 = (await view("scorer")).current;
    const now = controllers.now().getTime() - START.getTime();

    await abort("scorer");
    let v = await view("scorer");
    expect(v).toMatchObject({
      phase: "Degraded",
      message: "RolloutAborted: Rollout aborted update to revision 2",
      step: 0,
      current: v2,
      stable: v1,
      weights: { canary: 0, stable: 100, canaryHash: v2, stableHash: v1 },
      pauses: [],
      // abortScaleDownDelaySeconds (30 s by default) with traffic routing
      replicaSets: { [v1]: 5, [v2]: 1 },
    });
    expect(v.status).toMatchObject({ abort: true, abortedAt: at(now) });
    expect(v.status.controllerPause).toBeUndefined();
    expect(v.condition("Progressing")).toBe("False RolloutAborted");
    controllers.advance(30_000);
    v = await view("scorer");
    expect(v.replicaSets).toEqual({ [v1]: 5, [v2]: 0 });
    expect(v.status).toMatchObject({ abort: true, abortedAt: at(now), updatedReplicas: 0 });
    expect(v.phase).toBe("Degraded");

    await retry("scorer");
    v = await view("scorer");
    expect(v).toMatchObject({
      phase: "Paused",
      message: "CanaryPauseStep",
      step: 1,
      weights: { canary: 20, stable: 80 },
      replicaSets: { [v1]: 5, [v2]: 1 },
      pauses: [`CanaryPauseStep ${at(now + 30_000)}`],
    });
    expect(v.status.abort).toBeUndefined();
    expect(v.status.abortedAt).toBeUndefined();
    expect(v.condition("Progressing")).toBe("Unknown RolloutPaused");
  });

  it("undo to the stable revision rolls back at once, and undo to an older one is a new canary", async () => {
    await createRollout("ranker-b", {
      replicas: 4,
      steps: [{ setWeight: 25 }, { pause: {} }, { setWeight: 75 }, { pause: {} }],
      trafficRouting: false,
    });
    const v1 = (await view("ranker-b")).current;
    await setVersion("ranker-b", "2.0.0");
    const v2 = (await view("ranker-b")).current;

    // undo: the previous revision (the stable) comes back with no steps; it takes revision 3.
    await undo("ranker-b");
    let v = await view("ranker-b");
    expect(v).toMatchObject({
      phase: "Healthy",
      step: 4,
      current: v1,
      stable: v1,
      pauses: [],
      revision: 3,
      replicaSets: { [v1]: 4, [v2]: 0 },
    });
    expect(
      v.sets
        .map((rs) => [rec(rs.metadata).name, revisionOf(rs)])
        .sort((a, b) => Number(a[1]) - Number(b[1])),
    ).toEqual([
      [`ranker-b-${v2}`, 2],
      [`ranker-b-${v1}`, 3],
    ]);

    // A third version, fully promoted; then undo to revision 2: a canary of that template.
    await setVersion("ranker-b", "3.0.0");
    const v3 = (await view("ranker-b")).current;
    await promoteFull("ranker-b");
    expect(await view("ranker-b")).toMatchObject({ stable: v3, phase: "Healthy", revision: 4 });
    await undo("ranker-b", 2);
    v = await view("ranker-b");
    expect(v).toMatchObject({
      phase: "Paused",
      step: 1,
      current: v2,
      stable: v3,
      revision: 5,
      replicaSets: { [v1]: 0, [v2]: 1, [v3]: 3 },
    });
  });

  it("while the controller is down the status lags the spec, and catches up when it is back", async () => {
    await createRollout("lagging", {
      replicas: 2,
      steps: [{ setWeight: 50 }, { pause: {} }],
      trafficRouting: true,
    });
    const v1 = (await view("lagging")).current;
    controllers.pause();
    try {
      await setVersion("lagging", "2.0.0");
      const v = await view("lagging");
      expect(v.generation).toBe(2);
      expect(v).toMatchObject({
        current: v1,
        stable: v1,
        phase: "Healthy",
        replicaSets: { [v1]: 2 },
      });
      expect(v.status.observedGeneration).toBe("1");
    } finally {
      controllers.resume();
    }
    const v = await view("lagging");
    expect(v.status.observedGeneration).toBe("2");
    expect(v).toMatchObject({ step: 1, phase: "Paused", weights: { canary: 50, stable: 50 } });
    expect(v.current).not.toBe(v1);
  });
});

// ---------------------------------------------------------------------------------------------
// InferenceServices

function predictor(version: string, extra: Json = {}): Json {
  return {
    minReplicas: 1,
    maxReplicas: 3,
    ...extra,
    model: {
      modelFormat: { name: "xgboost" },
      storageUri: `s3://flightdeck-models/fraud-scorer/${version}`,
      resources: { limits: { "nvidia.com/gpu": "1" } },
    },
  };
}

async function isvcView(name: string) {
  const isvc = await api("GET", isvcPath(name));
  const status = rec(isvc.status);
  const p = rec(rec(status.components).predictor);
  const pods = await api(
    "GET",
    `/api/v1/namespaces/${NS}/pods?labelSelector=serving.kserve.io/inferenceservice=${name}`,
  );
  const podsByRevision: Record<string, string[]> = {};
  for (const pod of recs(pods.items)) {
    const labels = rec(rec(pod.metadata).labels);
    const revision = String(labels["serving.knative.dev/revision"]);
    (podsByRevision[revision] ??= []).push(String(labels["flightdeck.dev/version"]));
    expect(rec(pod.status).phase).toBe("Running");
    expect(recs(rec(pod.status).conditions).find((c) => c.type === "Ready")?.status).toBe("True");
  }
  return {
    generation: rec(isvc.metadata).generation,
    observedGeneration: status.observedGeneration,
    url: status.url,
    ready: recs(status.conditions).find((c) => c.type === "Ready")?.status,
    predictorReady: recs(status.conditions).find((c) => c.type === "PredictorReady")?.status,
    latestCreated: p.latestCreatedRevision,
    latestReady: p.latestReadyRevision,
    latestRolledOut: p.latestRolledoutRevision,
    previousRolledOut: p.previousRolledoutRevision,
    traffic: recs(p.traffic).map((t) => ({
      revision: t.revisionName,
      percent: t.percent,
      latest: t.latestRevision,
      ...(t.tag !== undefined ? { tag: t.tag } : {}),
    })),
    pods: podsByRevision,
  };
}

describe("the KServe controller (serverless)", () => {
  const rev = (n: number) => `fraud-scorer-predictor-0000${n}`;

  it("runs a canary on revisions: canaryTrafficPercent, promotion by removing it, rollback with 0", async () => {
    await api("POST", `/apis/serving.kserve.io/v1beta1/namespaces/${NS}/inferenceservices`, {
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      metadata: { name: "fraud-scorer", labels: { "flightdeck.dev/version": "1.4.0" } },
      spec: { predictor: predictor("1.4.0") },
    });
    expect(await isvcView("fraud-scorer")).toEqual({
      generation: 1,
      observedGeneration: 1,
      url: `http://fraud-scorer.${NS}.example.com`,
      ready: "True",
      predictorReady: "True",
      latestCreated: rev(1),
      latestReady: rev(1),
      latestRolledOut: rev(1),
      previousRolledOut: undefined,
      traffic: [{ revision: rev(1), percent: 100, latest: true }],
      pods: { [rev(1)]: ["1.4.0"] },
    });

    // A new model with canaryTrafficPercent: 10% to the new revision, 90% to the rolled-out one.
    await mergePatch(isvcPath("fraud-scorer"), {
      metadata: { labels: { "flightdeck.dev/version": "1.5.0" } },
      spec: { predictor: predictor("1.5.0", { canaryTrafficPercent: 10 }) },
    });
    expect(await isvcView("fraud-scorer")).toMatchObject({
      generation: 2,
      observedGeneration: 2,
      latestCreated: rev(2),
      latestReady: rev(2),
      latestRolledOut: rev(1),
      previousRolledOut: undefined,
      traffic: [
        { revision: rev(2), percent: 10, latest: true },
        { revision: rev(1), percent: 90, latest: false, tag: "prev" },
      ],
      pods: { [rev(1)]: ["1.4.0"], [rev(2)]: ["1.5.0"] },
    });

    // More traffic to the canary: the same revision.
    await mergePatch(isvcPath("fraud-scorer"), {
      spec: { predictor: { canaryTrafficPercent: 50 } },
    });
    expect(await isvcView("fraud-scorer")).toMatchObject({
      latestCreated: rev(2),
      latestRolledOut: rev(1),
      traffic: [
        { revision: rev(2), percent: 50 },
        { revision: rev(1), percent: 50, tag: "prev" },
      ],
    });

    // Promotion: canaryTrafficPercent removed; the old revision's pods go.
    await mergePatch(isvcPath("fraud-scorer"), {
      spec: { predictor: { canaryTrafficPercent: null } },
    });
    expect(await isvcView("fraud-scorer")).toMatchObject({
      latestCreated: rev(2),
      latestRolledOut: rev(2),
      previousRolledOut: rev(1),
      traffic: [{ revision: rev(2), percent: 100, latest: true }],
      pods: { [rev(2)]: ["1.5.0"] },
    });

    // Rollback and pin: canaryTrafficPercent 0 sends all traffic to the previous rolled-out one.
    await mergePatch(isvcPath("fraud-scorer"), {
      spec: { predictor: { canaryTrafficPercent: 0 } },
    });
    expect(await isvcView("fraud-scorer")).toMatchObject({
      latestCreated: rev(2),
      latestReady: rev(2),
      latestRolledOut: rev(1),
      previousRolledOut: rev(1),
      traffic: [
        { revision: rev(2), percent: 0, latest: true },
        { revision: rev(1), percent: 100, latest: false, tag: "prev" },
      ],
      pods: { [rev(1)]: ["1.4.0"] },
    });

    // A third model as a canary, with tag routing: traffic split with the last good revision,
    // as in KServe's tag-routing example.
    await mergePatch(isvcPath("fraud-scorer"), {
      metadata: {
        labels: { "flightdeck.dev/version": "1.6.0" },
        annotations: { "serving.kserve.io/enable-tag-routing": "true" },
      },
      spec: { predictor: predictor("1.6.0", { canaryTrafficPercent: 10 }) },
    });
    const v = await isvcView("fraud-scorer");
    expect(v).toMatchObject({
      latestCreated: rev(3),
      latestReady: rev(3),
      latestRolledOut: rev(1),
      previousRolledOut: rev(1),
      traffic: [
        { revision: rev(3), percent: 10, latest: true, tag: "latest" },
        { revision: rev(1), percent: 90, latest: false, tag: "prev" },
      ],
      pods: { [rev(1)]: ["1.4.0"], [rev(3)]: ["1.6.0"] },
    });
    const traffic = recs(
      rec(rec(rec((await api("GET", isvcPath("fraud-scorer"))).status).components).predictor)
        .traffic,
    );
    expect(traffic.map((t) => t.url)).toEqual([
      `http://latest-fraud-scorer-predictor.${NS}.example.com`,
      `http://prev-fraud-scorer-predictor.${NS}.example.com`,
    ]);

    // The controller down: a new spec is not observed until it is back.
    controllers.pause();
    try {
      await mergePatch(isvcPath("fraud-scorer"), {
        spec: { predictor: { canaryTrafficPercent: 30 } },
      });
      const lagging = await isvcView("fraud-scorer");
      expect(lagging.generation).toBe(7);
      expect(lagging.observedGeneration).toBe(6);
      expect(lagging.traffic[0]).toMatchObject({ percent: 10 });
    } finally {
      controllers.resume();
    }
    expect(await isvcView("fraud-scorer")).toMatchObject({
      observedGeneration: 7,
      traffic: [
        { revision: rev(3), percent: 30 },
        { revision: rev(1), percent: 70 },
      ],
    });
    expect(controllers.errors).toEqual([]);
  });
});

// ---------------------------------------------------------------------------------------------
// A watch

interface WatchEvent {
  type: string;
  object: Json;
}

class WatchStream {
  readonly events: WatchEvent[] = [];
  private ended = false;
  private wake: (() => void) | null = null;
  private readonly abort = new AbortController();

  static async open(path: string): Promise<WatchStream> {
    const w = new WatchStream();
    const res = await fetch(`${server.url}${path}`, {
      headers: { Authorization: `Bearer ${server.token}` },
      signal: w.abort.signal,
    });
    const reader = res.body?.getReader();
    if (!reader) throw new Error("no body");
    void w.pump(reader);
    return w;
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let i: number;
        while ((i = buffer.indexOf("\n")) >= 0) {
          const line = buffer.slice(0, i);
          buffer = buffer.slice(i + 1);
          if (line.trim()) this.events.push(JSON.parse(line) as WatchEvent);
        }
        this.wake?.();
      }
    } catch {
      // closed
    }
    this.ended = true;
    this.wake?.();
  }

  async until(check: (events: WatchEvent[]) => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (!check(this.events)) {
      if (this.ended || Date.now() > deadline) throw new Error(`no ${what} on the watch`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  close(): void {
    this.abort.abort();
  }
}
