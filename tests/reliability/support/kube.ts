// The reliability suite on real clusters' APIs: Kubernetes API test servers (tests/support/kube)
// with the Argo Rollouts and KServe controllers, serving objects for new models of the demo's
// "ranking" team in its staging environments, and the judge's view of them: each object as the
// adapter reads it, with the writes the API servers accepted, by what they set.
import type { KubeObject as AdapterObject } from "../../../src/lib/platform/kubernetes/client";
import { readdirSync, readFileSync, readlinkSync } from "node:fs";
import { argoRolloutObject } from "../../../src/lib/platform/kubernetes/argo";
import {
  ABORTED,
  PAUSED,
  inferenceServiceObject,
} from "../../../src/lib/platform/kubernetes/kserve";
import type { KubeObject, RequestRecord, TestClusters } from "../../support/kube";
import {
  FLIGHTDECK,
  inferenceService,
  kubeSystemNamespace,
  node,
  rollout,
  teamNamespace,
} from "../../support/kube/fleet-objects";
import { sql } from "./app";
import { registerModel, type PlatformObject, type ServingObject } from "./rollouts";

const NAMESPACE = "ranking-staging";

export interface KubeServing extends ServingObject {
  cluster: string;
  kind: "argo" | "kserve";
}

/**
 * Registers `count` models of the "ranking" team (1.0.0 serving, 2.0.0 to roll out) and builds
 * their workloads, alternately Argo Rollouts and KServe InferenceServices, on one cluster per
 * staging environment of the team (its region on `kube-system`, as the adapter reads it). The
 * worker's fleet sync finds them and records their deployments.
 */
export async function kubeServingObjects(
  databaseUrl: string,
  count: number,
): Promise<{ objects: KubeServing[]; clusters: { name: string; objects: KubeObject[] }[] }> {
  const places = await sql<{ environment: string; region: string; teamId: string }>(
    databaseUrl,
    `SELECT DISTINCT e.name AS environment, r.code AS region, t.id AS "teamId"
       FROM "Environment" e JOIN "Region" r ON r.id = e."regionId", "Team" t
      WHERE t.slug = 'ranking' AND e.tier = 'staging'
      ORDER BY e.name LIMIT 2`,
  );
  if (places.length === 0) throw new Error("the demo fleet has no staging environment");
  const createdAt = new Date(Date.now() - 30 * 86_400_000).toISOString().replace(/\.\d+Z$/, "Z");
  const clusters = places.map((p) => ({
    name: `eks-${p.region}-reliability`,
    place: p,
    objects: [
      kubeSystemNamespace({ region: p.region, provider: "eks", role: "serving", createdAt }),
      teamNamespace(NAMESPACE, "ranking", createdAt),
      node({
        name: `ip-10-0-1-1.${p.region}.compute.internal`,
        provider: "eks",
        pool: "serving",
        region: p.region,
        zone: `${p.region}a`,
        instanceType: "m6i.4xlarge",
        createdAt,
      }),
    ] as KubeObject[],
  }));
  const objects: KubeServing[] = [];
  for (let i = 0; i < count; i++) {
    const cluster = clusters[i % clusters.length];
    if (!cluster) continue;
    const model = `kube-model-${String(i + 1).padStart(3, "0")}`;
    await registerModel(databaseUrl, model, cluster.place.teamId);
    const kind = i % 2 === 0 ? "argo" : "kserve";
    const serving = { model, environment: "staging" as const, name: model, namespace: NAMESPACE };
    if (kind === "argo") {
      const built = rollout({
        ...serving,
        stableVersion: "1.0.0",
        replicas: 2,
        gpusPerReplica: 0,
        createdAt,
        stepStartedAt: createdAt,
      });
      cluster.objects.push(built.rollout, ...built.replicaSets);
    } else {
      const built = inferenceService({
        ...serving,
        version: "1.0.0",
        latestRevision: 1,
        gpus: 0,
        createdAt,
        readyAt: createdAt,
      });
      cluster.objects.push(built.inferenceService);
    }
    objects.push({
      model,
      environment: cluster.place.environment,
      region: cluster.place.region,
      from: "1.0.0",
      to: "2.0.0",
      cluster: cluster.name,
      kind,
    });
  }
  return { objects, clusters: clusters.map((c) => ({ name: c.name, objects: c.objects })) };
}

/** A write to a serving object, named by what it sets as the judge counts writes. */
export function writeKey(record: RequestRecord): string {
  let body: unknown;
  try {
    body = JSON.parse(record.body ?? "");
  } catch {
    return `unreadable ${record.method}`;
  }
  if (Array.isArray(body)) {
    // a JSON patch: a new version on the pod template, or the template of an older ReplicaSet
    const ops = body as { path?: string; value?: unknown }[];
    const label = ops.find((op) => op.path?.endsWith(FLIGHTDECK.version.replace("/", "~1")));
    if (ops.some((op) => op.path?.endsWith("/image")) && typeof label?.value === "string") {
      return `set version ${label.value}`;
    }
    return "undo";
  }
  const patch = body as {
    metadata?: { labels?: Record<string, unknown>; annotations?: Record<string, unknown> };
    spec?: {
      paused?: boolean;
      strategy?: { canary?: { steps?: { setWeight?: number }[] } };
      predictor?: Record<string, unknown> & { canaryTrafficPercent?: number | null };
    };
    status?: { abort?: boolean; promoteFull?: boolean; pauseConditions?: null };
  };
  if (record.resource === "rollouts") {
    if (patch.status?.abort === true) return "abort";
    if (patch.status?.abort === false) return "retry";
    if (patch.status?.promoteFull === true) return "promote full";
    if (patch.status && "pauseConditions" in patch.status) return "promote";
    if (patch.spec?.paused === true) return "pause";
    if (patch.spec?.paused === false) return "resume";
    const weight = patch.spec?.strategy?.canary?.steps?.[0]?.setWeight;
    if (typeof weight === "number") return `set canary weight ${weight}`;
    return `unknown rollout write ${record.body?.slice(0, 120)}`;
  }
  const annotations = patch.metadata?.annotations ?? {};
  const predictor = patch.spec?.predictor ?? {};
  const version = patch.metadata?.labels?.[FLIGHTDECK.version];
  if (typeof version === "string") return `set version ${version}`;
  if (annotations[ABORTED] === "true") return "abort";
  if (ABORTED in annotations) return "retry";
  if ("canaryTrafficPercent" in predictor) {
    const weight = predictor.canaryTrafficPercent;
    return weight === null || weight === undefined ? "promote full" : `set canary weight ${weight}`;
  }
  if (annotations[PAUSED] === "true") return "pause";
  if (PAUSED in annotations) return "resume";
  return `unknown inference service write ${record.body?.slice(0, 120)}`;
}

/** Whether `record` is a write to an Argo Rollout or an InferenceService. */
export const isServingWrite = (record: RequestRecord) =>
  (record.method === "PATCH" || record.method === "PUT") &&
  (record.resource === "rollouts" || record.resource === "inferenceservices");

/**
 * The serving objects as the adapter reads them, with the writes each API server applied to
 * them: handled with a 2xx status (sent, or held and never received by a client killed while
 * it waited).
 */
export function kubePlatformObjects(
  clusters: TestClusters,
  objects: KubeServing[],
): PlatformObject[] {
  const result: PlatformObject[] = [];
  for (const o of objects) {
    const server = clusters.server(o.cluster);
    const cluster = { name: o.cluster, region: o.region };
    const ref = { namespace: NAMESPACE, name: o.model };
    const object = server.store.get(
      o.kind === "argo"
        ? { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", ...ref }
        : { apiVersion: "serving.kserve.io/v1beta1", kind: "InferenceService", ...ref },
    );
    if (!object) throw new Error(`${o.model} is gone from ${o.cluster}`);
    // the test server's objects, as the adapter's client would have read them
    const asRead = (x: unknown) => x as AdapterObject;
    const list = (apiVersion: string, kind: string) =>
      server.store.list(apiVersion, kind, { namespace: NAMESPACE }).map(asRead);
    const read =
      o.kind === "argo"
        ? argoRolloutObject(cluster, asRead(object), list("apps/v1", "ReplicaSet"))
        : inferenceServiceObject(cluster, asRead(object), list("v1", "Pod"));
    if (typeof read === "string") throw new Error(`${o.model} on ${o.cluster}: ${read}`);
    const writes: Record<string, number> = {};
    for (const r of server.requests) {
      if (!isServingWrite(r) || r.namespace !== NAMESPACE || r.name !== o.model) continue;
      if (r.status === undefined || r.status < 200 || r.status >= 300) continue;
      const key = writeKey(r);
      writes[key] = (writes[key] ?? 0) + 1;
    }
    result.push({
      model: o.model,
      region: o.region,
      environment: o.environment,
      stableVersion: read.stableVersion,
      canaryVersion: read.canaryVersion,
      canaryWeight: read.canaryWeight,
      paused: read.paused,
      aborted: read.aborted,
      writes,
    });
  }
  return result;
}

/**
 * The process (of `pids`) whose TCP connection has local port `port`, from /proc: the socket's
 * inode in /proc/net/tcp, and the process holding a descriptor of it. Null when none does.
 */
export function pidOfConnection(port: number, pids: number[]): number | null {
  const inodes = new Set<string>();
  for (const table of ["/proc/net/tcp", "/proc/net/tcp6"]) {
    let text = "";
    try {
      text = readFileSync(table, "utf8");
    } catch {
      continue;
    }
    for (const line of text.split("\n").slice(1)) {
      const fields = line.trim().split(/\s+/);
      const local = fields[1]?.split(":")[1];
      if (local && parseInt(local, 16) === port && fields[9]) inodes.add(fields[9]);
    }
  }
  if (inodes.size === 0) return null;
  for (const pid of pids) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        const target = readlinkSync(`/proc/${pid}/fd/${fd}`);
        const inode = /^socket:\[(\d+)\]$/.exec(target)?.[1];
        if (inode && inodes.has(inode)) return pid;
      } catch {
        // closed meanwhile
      }
    }
  }
  return null;
}
