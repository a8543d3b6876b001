import "server-only";
import { db } from "@/server/db/client";
import {
  autoscalerControl,
  fleetPlatform,
  metricsSource,
  trafficManager,
} from "@/server/fleet/platform";
import {
  withTimeout,
  type HpaState,
  type InstantSample,
  type RegionDials,
  type Selector,
  type ServingDeployment,
} from "@/lib/platform/types";
import type { ModelServing, RegionServing } from "@/lib/domain/traffic/drain-plan";
import { nodeFree } from "@/lib/domain/capacity/fragmentation";

/** How long one platform or metrics read of a regions view may take. */
const READ_TIMEOUT_MS = 10_000;

/** A model's production serving in one region, with what a drain needs to act on it. */
export interface RegionServingDetail extends RegionServing {
  /** the autoscaler, where the platform has one */
  autoscaler: { namespace: string; target: string } | null;
  errorRate: number | null;
  p99Ms: number | null;
}

export interface ModelServingDetail extends ModelServing {
  modelId: string;
  teamId: string;
  /** the balancer's version of the model's dials (null: it does not know the model) */
  dialsVersion: string | null;
  regions: RegionServingDetail[];
}

export interface ServingRead {
  models: ModelServingDetail[];
  /** sources that did not answer, as sentences */
  errors: string[];
  /** whether a global load balancer is configured (drains need one) */
  balancer: boolean;
  /** whether autoscaler bounds can be changed (raising minimums ahead of traffic) */
  autoscalers: boolean;
}

/** Weighted by requests, so a region's figure is what its users see. */
function byModelRegion(
  rates: InstantSample[],
  values: InstantSample[],
  combine: "weighted" | "max",
): Map<string, number> {
  const rps = new Map<string, number>();
  for (const s of rates) {
    const k = `${s.labels.model}|${s.labels.region}|${s.labels.cluster}|${s.labels.version}`;
    rps.set(k, s.value);
  }
  const sums = new Map<string, { w: number; v: number }>();
  for (const s of values) {
    const key = `${s.labels.model}|${s.labels.region}`;
    const w = rps.get(`${key}|${s.labels.cluster}|${s.labels.version}`) ?? 0;
    const acc = sums.get(key) ?? { w: 0, v: combine === "max" ? -Infinity : 0 };
    if (combine === "max") acc.v = Math.max(acc.v, s.value);
    else {
      acc.v += s.value * w;
      acc.w += w;
    }
    sums.set(key, acc);
  }
  const out = new Map<string, number>();
  for (const [k, { w, v }] of sums) {
    if (combine === "max") {
      if (Number.isFinite(v)) out.set(k, v);
    } else if (w > 0) out.set(k, v / w);
  }
  return out;
}

async function attempt<T>(
  source: string,
  errors: string[],
  read: () => Promise<T>,
  fallback: T,
): Promise<T> {
  try {
    return await withTimeout(source, READ_TIMEOUT_MS, read());
  } catch (error) {
    errors.push(`${source}: ${error instanceof Error ? error.message : String(error)}`);
    return fallback;
  }
}

/**
 * Every model's production serving by region (or the models `modelNames` names): traffic, the
 * balancer's dials, replicas, autoscalers, free GPUs and quota, errors and latency. Read from
 * the platform and metrics in one pass each, never per model.
 */
export async function readServing(modelNames?: readonly string[]): Promise<ServingRead> {
  const platform = fleetPlatform();
  const metrics = metricsSource();
  const balancer = trafficManager();
  const errors: string[] = [];
  // One model (its page): its own deployments and series, not the fleet's. Every figure below is
  // per model, so the answer is the same; on the large fleet the fleet-wide read cost its page
  // about 60 ms.
  const only = modelNames?.length === 1 ? modelNames[0] : undefined;
  const selector: Selector = only
    ? { environment: "production", model: only }
    : { environment: "production" };
  const [rows, deployments, hpas, clusters, namespaces, dials, rates, errorRates, p99s] =
    await Promise.all([
      db().model.findMany({
        where: modelNames ? { name: { in: [...modelNames] } } : {},
        select: {
          id: true,
          name: true,
          teamId: true,
          team: { select: { name: true } },
          resources: true,
        },
        orderBy: { name: "asc" },
      }),
      attempt(
        "deployments",
        errors,
        async () => {
          const r = await platform.deployments(selector);
          errors.push(...r.errors.map((e) => `${e.source}: ${e.message}`));
          return r.data;
        },
        [] as ServingDeployment[],
      ),
      attempt(
        "autoscalers",
        errors,
        async () => (await platform.autoscalers()).data,
        [] as HpaState[],
      ),
      attempt("clusters", errors, async () => (await platform.clusters()).data, []),
      attempt("namespaces", errors, async () => (await platform.namespaces()).data, []),
      balancer
        ? attempt(
            "global load balancer",
            errors,
            async () => {
              const r = await balancer.dials();
              errors.push(...r.errors.map((e) => `${e.source}: ${e.message}`));
              return r.data;
            },
            [] as RegionDials[],
          )
        : Promise.resolve([] as RegionDials[]),
      attempt(
        "request rate",
        errors,
        () => metrics.instant("request_rate", selector),
        [] as InstantSample[],
      ),
      attempt(
        "error rate",
        errors,
        () => metrics.instant("error_rate", selector),
        [] as InstantSample[],
      ),
      attempt(
        "latency",
        errors,
        () => metrics.instant("latency_p99", selector),
        [] as InstantSample[],
      ),
    ]);

  const served = new Map<string, number>();
  for (const s of rates) {
    const k = `${s.labels.model}|${s.labels.region}`;
    served.set(k, (served.get(k) ?? 0) + s.value);
  }
  const errorOf = byModelRegion(rates, errorRates, "weighted");
  const p99Of = byModelRegion(rates, p99s, "max");
  const hpaOf = new Map(hpas.map((h) => [`${h.cluster}/${h.target}`, h]));
  const freeOf = new Map<string, number>();
  // Free GPUs node by node, where every pool of the type reports its nodes (a replica takes
  // GPUs of one node); one pool without nodes leaves the type to its pool totals.
  const freeNodesOf = new Map<string, number[] | null>();
  for (const c of clusters) {
    for (const p of c.pools) {
      const k = `${c.name}/${p.gpuType}`;
      freeOf.set(k, (freeOf.get(k) ?? 0) + Math.max(0, p.allocatable - p.allocated));
      const nodes = freeNodesOf.get(k);
      if (nodes === null) continue;
      if (!p.gpuNodes) freeNodesOf.set(k, null);
      else freeNodesOf.set(k, [...(nodes ?? []), ...p.gpuNodes.map(nodeFree)]);
    }
  }
  const quotaOf = new Map(
    namespaces.map((n) => [`${n.cluster}/${n.name}`, n.gpuQuota - n.gpuUsed]),
  );
  const dialsOf = new Map(dials.map((d) => [d.model, d]));
  const depsOf = new Map<string, ServingDeployment[]>();
  for (const d of deployments) {
    const k = `${d.model}|${d.region}`;
    depsOf.set(k, [...(depsOf.get(k) ?? []), d]);
  }

  const models: ModelServingDetail[] = [];
  for (const m of rows) {
    const regions = [
      ...new Set(deployments.filter((d) => d.model === m.name).map((d) => d.region)),
    ].sort();
    if (regions.length === 0) continue;
    const balancerDials = dialsOf.get(m.name);
    const resources = (m.resources ?? {}) as { gpu?: number };
    const list: RegionServingDetail[] = regions.map((region) => {
      const deps = depsOf.get(`${m.name}|${region}`) ?? [];
      const first = deps[0];
      const cluster = first?.cluster ?? "";
      const workload = first?.workload?.name ?? `${m.name}-production`;
      const hpa = hpaOf.get(`${cluster}/${workload}`);
      const gpuType = first?.gpuType ?? "other";
      const servedRps = served.get(`${m.name}|${region}`) ?? 0;
      const dial = balancerDials?.dials[region] ?? 100;
      return {
        region,
        cluster,
        servedRps,
        // Without the balancer's figure, what a region serves is taken as its demand.
        demandRps: balancerDials?.demandRps?.[region] ?? servedRps,
        dial,
        readyReplicas: deps.reduce((s, d) => s + d.replicasReady, 0),
        // (every optional field present, undefined where unknown: plans copy these objects by
        // the thousand, and one shape keeps that fast)
        heldReplicas:
          deps.length > 0 && deps.every((d) => d.replicasScheduled !== undefined)
            ? deps.reduce((s, d) => s + (d.replicasScheduled ?? 0), 0)
            : undefined,
        hpa: hpa ? { min: hpa.min, max: hpa.max, current: hpa.current } : null,
        autoscaler: hpa ? { namespace: hpa.namespace, target: hpa.target } : null,
        gpusPerReplica: first?.gpusPerReplica ?? resources.gpu ?? 1,
        gpuType,
        freeGpus: freeOf.get(`${cluster}/${gpuType}`) ?? 0,
        freeNodes: freeNodesOf.get(`${cluster}/${gpuType}`) ?? undefined,
        quotaLeftGpus: hpa ? (quotaOf.get(`${cluster}/${hpa.namespace}`) ?? null) : null,
        quotaKey: hpa ? `${cluster}/${hpa.namespace}` : undefined,
        sharedFree: false,
        errorRate: errorOf.get(`${m.name}|${region}`) ?? null,
        p99Ms: p99Of.get(`${m.name}|${region}`) ?? null,
      };
    });
    models.push({
      model: m.name,
      modelId: m.id,
      team: m.team.name,
      teamId: m.teamId,
      dialsVersion: balancerDials?.resourceVersion ?? null,
      regions: list,
    });
  }
  return {
    models,
    errors: [...new Set(errors)],
    balancer: balancer !== null,
    autoscalers: autoscalerControl() !== null,
  };
}
