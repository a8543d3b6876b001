/**
 * Defensive readers of Kubernetes objects' fields (objects arrive as untyped JSON), and the few
 * facts more than one mapping reads: a pod template's model version, a Rollout's ReplicaSets.
 */
import type { KubeObject } from "./client";

export const VERSION_LABEL = "flightdeck.dev/version";

export const rec = (v: unknown): Record<string, unknown> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
export const num = (v: unknown): number | undefined =>
  typeof v === "number" && Number.isFinite(v) ? v : undefined;

/** The model version on an object's pod template (Deployment, Rollout, ReplicaSet). */
export function templateVersion(o: { spec?: Record<string, unknown> }): string | undefined {
  const template = rec(rec(o.spec).template);
  return str(rec(rec(template.metadata).labels)[VERSION_LABEL]);
}

/** The ReplicaSets an Argo Rollout owns. */
export function ownedReplicaSets(rollout: KubeObject, replicaSets: KubeObject[]): KubeObject[] {
  return replicaSets.filter(
    (rs) =>
      rs.metadata.namespace === rollout.metadata.namespace &&
      (rs.metadata.ownerReferences ?? []).some(
        (o) =>
          o.kind === "Rollout" &&
          (o.uid === rollout.metadata.uid || o.name === rollout.metadata.name),
      ),
  );
}

/** The first container's image of an object's pod template. */
export function templateImage(o: { spec?: Record<string, unknown> }): string | null {
  const containers = arr(rec(rec(rec(o.spec).template).spec).containers);
  return str(rec(containers[0]).image) ?? null;
}

/**
 * The GitOps tool that manages an object, from the marks it leaves: Argo CD's instance label or
 * tracking annotation, Flux's kustomize or helm labels.
 */
export function gitOpsManager(o: KubeObject): string | null {
  const labels = o.metadata.labels ?? {};
  const annotations = o.metadata.annotations ?? {};
  const argoApp =
    labels["argocd.argoproj.io/instance"] ??
    annotations["argocd.argoproj.io/tracking-id"]?.split(":")[0];
  if (argoApp) return `Argo CD application ${argoApp}`;
  const flux = labels["kustomize.toolkit.fluxcd.io/name"];
  if (flux) {
    const ns = labels["kustomize.toolkit.fluxcd.io/namespace"];
    return `Flux Kustomization ${ns ? `${ns}/` : ""}${flux}`;
  }
  const helm = labels["helm.toolkit.fluxcd.io/name"];
  if (helm) return `Flux HelmRelease ${helm}`;
  return null;
}
