/**
 * KServe (`serving.kserve.io/v1beta1` InferenceService) as a rollout object of the platform
 * contract, and the conditional merge patches of Flightdeck's operations, as KServe documents its
 * canary rollout: a new model gets `spec.predictor.canaryTrafficPercent` of the traffic (a new
 * revision beside the last rolled-out one), promotion removes the field (the new revision takes
 * it all), and `canaryTrafficPercent: 0` sends everything back to the previous rolled-out
 * revision. KServe has no pause or abort of its own: Flightdeck records them as annotations on the
 * object (`flightdeck.dev/paused`, `flightdeck.dev/aborted`) so that every reader sees them, and
 * the version of the revision keeping the rest of the traffic as `flightdeck.dev/previous-version`.
 */
import type { Environment, RolloutObject, RolloutPhase } from "../types";
import type { KubeObject } from "./client";
import { arr, gitOpsManager, num, rec, str } from "./fields";
import { LABELS } from "./inventory";

export const PAUSED = "flightdeck.dev/paused";
export const ABORTED = "flightdeck.dev/aborted";

const revisionNumber = (name: string | undefined) => {
  const match = /-(\d+)$/.exec(name ?? "");
  return match ? Number(match[1]) : NaN;
};

/** The contract's view of an InferenceService, or why it cannot be read as one. */
export function inferenceServiceObject(
  cluster: { name: string; region: string },
  isvc: KubeObject,
  pods: KubeObject[],
): RolloutObject | string {
  const labels = isvc.metadata.labels ?? {};
  const annotations = isvc.metadata.annotations ?? {};
  const model = labels[LABELS.model];
  const environment = labels[LABELS.environment];
  const latest = labels[LABELS.version];
  if (!model) return `no ${LABELS.model} label`;
  if (environment !== "staging" && environment !== "production")
    return `${LABELS.environment} must be staging or production`;
  if (!latest) return `no ${LABELS.version} label`;
  const previous = annotations[LABELS.previousVersion];
  const predictor = rec(rec(rec(isvc.status).components).predictor);
  const traffic = arr(predictor.traffic).map(rec);
  const newest = traffic.find((t) => t.latestRevision === true);
  const older = traffic.find((t) => t.latestRevision !== true && (num(t.percent) ?? 0) >= 0);
  const inCanary = Boolean(older && previous && newest);
  const aborted = annotations[ABORTED] === "true";
  const ready = str(
    arr(rec(isvc.status).conditions)
      .map(rec)
      .find((c) => c.type === "Ready")?.status,
  );
  const paused = annotations[PAUSED] === "true";
  const phase: RolloutPhase =
    ready === "False" || aborted
      ? "Degraded"
      : paused
        ? "Paused"
        : inCanary
          ? "Progressing"
          : "Healthy";
  const podsOf = (revision: string | undefined) => {
    const mine = pods.filter(
      (p) =>
        p.metadata.namespace === isvc.metadata.namespace &&
        p.metadata.labels?.["serving.kserve.io/inferenceservice"] === isvc.metadata.name &&
        (!revision || p.metadata.labels?.["serving.knative.dev/revision"] === revision),
    );
    return {
      desired: mine.length,
      ready: mine.filter((p) =>
        arr(p.status?.conditions)
          .map(rec)
          .some((c) => c.type === "Ready" && c.status === "True"),
      ).length,
    };
  };
  const latestRevision = str(newest?.revisionName) ?? str(predictor.latestReadyRevision);
  const olderRevision = str(older?.revisionName) ?? str(predictor.previousRolledoutRevision);
  const revisions = [
    ...(previous && olderRevision
      ? [{ revision: revisionNumber(olderRevision), version: previous }]
      : []),
    { revision: revisionNumber(latestRevision), version: latest },
  ].filter((r) => Number.isFinite(r.revision));
  return {
    cluster: cluster.name,
    namespace: isvc.metadata.namespace ?? "",
    name: isvc.metadata.name,
    resourceVersion: isvc.metadata.resourceVersion ?? "",
    model,
    region: cluster.region,
    environment: environment as Environment,
    stableVersion: inCanary && previous ? previous : latest,
    canaryVersion: inCanary ? latest : null,
    canaryWeight: inCanary && !aborted ? (num(newest?.percent) ?? 0) : 0,
    paused,
    aborted,
    phase,
    message: aborted ? "aborted by Flightdeck: all traffic on the previous revision" : "",
    revision: revisionNumber(latestRevision) || 1,
    revisions,
    replicas: {
      stable: podsOf(inCanary ? olderRevision : latestRevision),
      canary: inCanary ? podsOf(latestRevision) : null,
    },
    spec: {
      generation: isvc.metadata.generation ?? 1,
      version: latest,
      // without canaryTrafficPercent the latest revision takes all traffic
      weight: num(rec(rec(isvc.spec).predictor).canaryTrafficPercent) ?? 100,
      // KServe has no pause: Flightdeck's is an annotation, outside the spec
      paused: null,
      image: predictorArtifact(isvc),
    },
    managedBy: gitOpsManager(isvc),
  };
}

/** The predictor's storageUri (or container image): the artifact it serves. */
function predictorArtifact(isvc: KubeObject): string | null {
  const predictor = rec(rec(isvc.spec).predictor);
  const key = storageUriPath(isvc);
  if (key) return str(rec(predictor[key]).storageUri) ?? null;
  return str(rec(arr(predictor.containers)[0]).image) ?? null;
}

/** Where the model's artifact is set in the predictor: `model.storageUri`, or a framework's. */
export function storageUriPath(isvc: KubeObject): string | null {
  const predictor = rec(rec(isvc.spec).predictor);
  for (const [key, value] of Object.entries(predictor)) {
    if (str(rec(value).storageUri) !== undefined) return key;
  }
  return null;
}

type Patch = Record<string, unknown>;

/** Runs `version` (its artifact) as a canary at 0% beside the version serving now. */
export function setVersionPatch(
  isvc: KubeObject,
  current: RolloutObject,
  version: string,
  artifactUri: string,
): Patch | string {
  const key = storageUriPath(isvc);
  if (!key) return "the InferenceService's predictor has no storageUri to set";
  return {
    metadata: {
      resourceVersion: isvc.metadata.resourceVersion,
      labels: { [LABELS.version]: version },
      annotations: {
        [LABELS.previousVersion]: current.stableVersion,
        [ABORTED]: null,
        [PAUSED]: null,
      },
    },
    spec: { predictor: { canaryTrafficPercent: 0, [key]: { storageUri: artifactUri } } },
  };
}

/** Serves `version` alone again, as a new revision (KServe's rollback made permanent). */
export function undoPatch(
  isvc: KubeObject,
  current: RolloutObject,
  version: string,
  artifactUri: string,
): Patch | string {
  const key = storageUriPath(isvc);
  if (!key) return "the InferenceService's predictor has no storageUri to set";
  return {
    metadata: {
      resourceVersion: isvc.metadata.resourceVersion,
      labels: { [LABELS.version]: version },
      annotations: {
        [LABELS.previousVersion]: current.canaryVersion ?? current.stableVersion,
        [ABORTED]: null,
        [PAUSED]: null,
      },
    },
    spec: { predictor: { canaryTrafficPercent: null, [key]: { storageUri: artifactUri } } },
  };
}
