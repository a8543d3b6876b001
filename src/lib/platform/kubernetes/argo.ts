/**
 * Argo Rollouts (`argoproj.io/v1alpha1` Rollout) as a rollout object of the platform contract:
 * reading one, and the conditional patches that perform Flightdeck's operations the way Argo
 * Rollouts' kubectl plugin does.
 *
 * Who owns the steps: Flightdeck. Its engine analyses each step and decides the next weight;
 * Argo executes it. So Flightdeck writes a two-step plan into `spec.strategy.canary.steps`,
 * `setWeight: W` then an indefinite `pause`, each time it moves the weight: Argo restarts the
 * steps when they change (their hash is in `status.currentStepHash`), sets the weight and waits
 * for Flightdeck. Promote to 100% is `status.promoteFull`, abort `status.abort`, retry its reset;
 * an engineer's pause is `spec.paused`. Every patch carries the resourceVersion read, so a write
 * based on a stale read answers 409 instead of skipping or repeating a step.
 */
import type { Environment, RolloutObject, RolloutPhase } from "../types";
import type { KubeObject } from "./client";
import {
  arr,
  gitOpsManager,
  num,
  ownedReplicaSets,
  rec,
  str,
  templateImage,
  templateVersion,
} from "./fields";
import { argoStepWeight, LABELS } from "./inventory";

export const REVISION = "rollout.argoproj.io/revision";
const HASH = "rollouts-pod-template-hash";

const PHASES: Record<string, RolloutPhase> = {
  Healthy: "Healthy",
  Progressing: "Progressing",
  Paused: "Paused",
  Degraded: "Degraded",
};

/** The contract's view of an Argo Rollout, or a reason it cannot be read as one. */
export function argoRolloutObject(
  cluster: { name: string; region: string },
  rollout: KubeObject,
  replicaSets: KubeObject[],
): RolloutObject | string {
  const labels = rollout.metadata.labels ?? {};
  const model = labels[LABELS.model];
  const environment = labels[LABELS.environment];
  if (!model) return `no ${LABELS.model} label`;
  if (environment !== "staging" && environment !== "production")
    return `${LABELS.environment} must be staging or production`;
  const status = rec(rollout.status);
  const owned = ownedReplicaSets(rollout, replicaSets);
  const byHash = (hash: string | undefined) =>
    hash ? owned.find((rs) => rs.metadata.labels?.[HASH] === hash) : undefined;
  const currentHash = str(status.currentPodHash);
  const stableHash = str(status.stableRS) ?? currentHash;
  const stableRs = byHash(stableHash);
  const currentRs = byHash(currentHash);
  const desired = templateVersion(rollout);
  const stableVersion =
    (stableRs && templateVersion(stableRs)) ?? (stableHash === currentHash ? desired : undefined);
  if (!stableVersion) return `no ${LABELS.version} label on the stable ReplicaSet's pods`;
  const inCanary = Boolean(currentHash && currentHash !== stableHash);
  const canaryVersion = inCanary
    ? ((currentRs && templateVersion(currentRs)) ?? desired ?? null)
    : null;
  const aborted = status.abort === true;
  const reported = num(rec(rec(rec(status.canary).weights).canary).weight);
  const canaryWeight = !inCanary || aborted ? 0 : (reported ?? argoStepWeight(rollout));
  const replicas = (rs: KubeObject | undefined) => ({
    desired: num(rec(rs?.spec).replicas) ?? 0,
    ready: num(rs?.status?.readyReplicas) ?? 0,
  });
  const revisionOf = (o: KubeObject) => Number(o.metadata.annotations?.[REVISION] ?? NaN);
  const revisions = owned
    .map((rs) => ({ revision: revisionOf(rs), version: templateVersion(rs) }))
    .filter(
      (r): r is { revision: number; version: string } =>
        Number.isFinite(r.revision) && r.version !== undefined,
    )
    .sort((a, b) => a.revision - b.revision);
  return {
    cluster: cluster.name,
    namespace: rollout.metadata.namespace ?? "",
    name: rollout.metadata.name,
    resourceVersion: rollout.metadata.resourceVersion ?? "",
    model,
    region: cluster.region,
    environment: environment as Environment,
    stableVersion,
    canaryVersion,
    canaryWeight,
    paused: rec(rollout.spec).paused === true,
    aborted,
    phase: PHASES[str(status.phase) ?? ""] ?? "Progressing",
    message: str(status.message) ?? "",
    revision: Number.isFinite(revisionOf(rollout))
      ? revisionOf(rollout)
      : (revisions.at(-1)?.revision ?? 1),
    revisions,
    replicas: {
      stable: replicas(stableRs),
      canary: inCanary ? replicas(currentRs) : null,
    },
    spec: {
      generation: rollout.metadata.generation ?? 1,
      version: desired ?? null,
      weight: specWeight(rollout),
      paused: rec(rollout.spec).paused === true,
      image: templateImage(rollout),
    },
    managedBy: gitOpsManager(rollout),
  };
}

/** The weight the spec's steps set first (Flightdeck's plan is `setWeight W` then a pause). */
function specWeight(rollout: KubeObject): number | null {
  const steps = arr(rec(rec(rec(rollout.spec).strategy).canary).steps).map(rec);
  for (const step of steps) {
    const weight = num(step.setWeight);
    if (weight !== undefined) return weight;
  }
  return null;
}

type MergePatch = Record<string, unknown>;

/** A merge patch conditional on the resourceVersion read. */
export function conditional(resourceVersion: string, patch: MergePatch): MergePatch {
  return { ...patch, metadata: { ...rec(patch.metadata), resourceVersion } };
}

/** Flightdeck's two-step plan at a weight: Argo sets it and waits for Flightdeck. */
export function stepsAt(weight: number): unknown[] {
  return [{ setWeight: weight }, { pause: {} }];
}

/**
 * The image to run: the registry's reference when it is one (`registry/repo@sha256:…`), or a
 * bare digest on the repository `current` runs.
 */
export function imageAt(current: string, digest: string): string {
  if (digest.includes("@")) return digest;
  const withoutDigest = current.split("@")[0] ?? current;
  // A tag follows the last colon after the last slash (a registry may have a port).
  const slash = withoutDigest.lastIndexOf("/");
  const colon = withoutDigest.lastIndexOf(":");
  const repository = colon > slash ? withoutDigest.slice(0, colon) : withoutDigest;
  return `${repository}@${digest}`;
}

/**
 * The JSON patch that runs `version` from `digest` on the Rollout's pod template (every
 * container that ran the model's image), labelled with the version, starting from weight 0.
 */
export function setVersionPatch(
  rollout: KubeObject,
  version: string,
  digest: string,
): { op: string; path: string; value?: unknown }[] | string {
  const template = rec(rec(rollout.spec).template);
  const containers = arr(rec(template.spec).containers).map(rec);
  if (containers.length === 0) return "the Rollout's pod template has no containers";
  const ops: { op: string; path: string; value?: unknown }[] = [
    // The resourceVersion read, carried in the patch: the API server answers 409 if it moved.
    { op: "replace", path: "/metadata/resourceVersion", value: rollout.metadata.resourceVersion },
  ];
  const first = str(containers[0]?.image) ?? "";
  const repository = first.split("@")[0]?.replace(/:[^/:]*$/, "");
  containers.forEach((c, i) => {
    const image = str(c.image) ?? "";
    if (i === 0 || image.split("@")[0]?.replace(/:[^/:]*$/, "") === repository)
      ops.push({
        op: "replace",
        path: `/spec/template/spec/containers/${i}/image`,
        value: imageAt(image, digest),
      });
  });
  const labels = rec(rec(template.metadata).labels);
  ops.push(
    Object.keys(labels).length === 0
      ? { op: "add", path: "/spec/template/metadata/labels", value: { [LABELS.version]: version } }
      : {
          op: "add",
          path: `/spec/template/metadata/labels/${LABELS.version.replace("/", "~1")}`,
          value: version,
        },
    { op: "add", path: "/spec/strategy/canary/steps", value: stepsAt(0) },
  );
  return ops;
}

/** The JSON patch that restores a ReplicaSet's pod template (what `kubectl argo rollouts undo` does). */
export function undoPatch(
  rollout: KubeObject,
  replicaSet: KubeObject,
): { op: string; path: string; value?: unknown }[] {
  const template = structuredClone(rec(rec(replicaSet.spec).template));
  const labels = { ...rec(rec(template.metadata).labels) };
  delete labels[HASH];
  template.metadata = { ...rec(template.metadata), labels };
  return [
    { op: "replace", path: "/metadata/resourceVersion", value: rollout.metadata.resourceVersion },
    { op: "replace", path: "/spec/template", value: template },
  ];
}
