import { routeTraffic } from "./routing";

/**
 * The capacity check of a region drain: before anything changes, for each model, the traffic
 * each remaining region must absorb, the replicas and GPUs that takes at the model's current
 * per-replica throughput, and whether the autoscaler's maximum and the free GPUs allow it.
 * Pure: the service gathers the inputs (platform inventory, metrics, dials) and shows the plan.
 */

export type Verdict = "safe" | "tight" | "impossible";

const RANK: Record<Verdict, number> = { safe: 0, tight: 1, impossible: 2 };

export function worst(a: Verdict, b: Verdict): Verdict {
  return RANK[a] >= RANK[b] ? a : b;
}

/** A capacity check's verdicts: "4 safe, 1 tight, 1 impossible" (the counts that are not 0). */
export function verdictCountsText(counts: Readonly<Record<Verdict, number>>): string {
  const parts = (["safe", "tight", "impossible"] as const)
    .filter((v) => counts[v] > 0)
    .map((v) => `${counts[v]} ${v}`);
  return parts.length > 0 ? parts.join(", ") : "no model";
}

/** Default headroom a receiving region must keep after the drain: under it, a model is tight. */
export const DEFAULT_HEADROOM = 0.2;

/** One region where a model serves production traffic, as it is now. */
export interface RegionServing {
  region: string;
  /** the cluster whose replicas serve the region (the first, where several do) */
  cluster: string;
  /** requests per second arriving from the region's users */
  demandRps: number;
  /** requests per second the region serves now */
  servedRps: number;
  /** the region's traffic dial now, 0..100 */
  dial: number;
  readyReplicas: number;
  /** the autoscaler, where the platform reports one */
  hpa: { min: number; max: number; current: number } | null;
  /**
   * replicas holding their GPUs now (placed on a node, ready or starting), where the platform
   * knows; else the ready ones. Replicas waiting for GPUs hold none, so they count as needing them.
   */
  heldReplicas?: number;
  gpusPerReplica: number;
  gpuType: string;
  /** GPUs of the model's type free to schedule in the cluster (allocatable − allocated) */
  freeGpus: number;
  /**
   * GPUs free on each schedulable node of the model's type in the cluster, where the platform
   * reports nodes: a replica's GPUs must all be on one node, so 4 + 4 free GPUs on two nodes
   * take no replica of 8. Absent: the pool's `freeGpus` as if on one node.
   */
  freeNodes?: readonly number[];
  /** GPUs the team's namespace quota still allows there; null without a quota */
  quotaLeftGpus: number | null;
  /**
   * Names the quota (its cluster and namespace) so models of one plan that share it share what
   * it has left; absent, the quota is the model's own.
   */
  quotaKey?: string;
  /** set by planDrain: `freeGpus` is what the plan's other models left of the pool */
  sharedFree?: boolean;
}

export interface ModelServing {
  model: string;
  team: string;
  regions: RegionServing[];
}

export interface PlanOptions {
  /** the region to drain */
  region: string;
  /** headroom (0..1) each receiving region must keep after the drain; under it: tight */
  headroom: number;
  /** autoscaler maximums the plan raises, by `model/region` */
  hpaMaxRaises?: Readonly<Record<string, number>>;
}

export interface RegionPlan {
  region: string;
  cluster: string;
  /** requests per second now and after the drain */
  servedRps: number;
  afterRps: number;
  /** what it must absorb from the drained region */
  absorbRps: number;
  /** requests per second one replica serves now (null when nothing measures it) */
  perReplicaRps: number | null;
  replicasNow: number;
  replicasNeeded: number;
  hpaMax: number | null;
  /** the maximum after the plan's raise, when it raises one */
  hpaMaxPlanned: number | null;
  /** the replicas the free GPUs (and quota) allow, at most; null when replicas take no GPU */
  gpuCeiling: number | null;
  /** extra GPUs the needed replicas take */
  extraGpus: number;
  freeGpus: number;
  /** share of the region's ceiling left after the drain (0..1); null when nothing is needed */
  headroomAfter: number | null;
  /** the autoscaler minimum to set ahead of traffic; null to leave it */
  raiseMinTo: number | null;
  /** the autoscaler maximum that would give the asked headroom, where the GPUs allow it */
  suggestedMax: number | null;
  verdict: Verdict;
  reason: string;
}

export interface ModelPlan {
  model: string;
  team: string;
  verdict: Verdict;
  /** the drained region's traffic now */
  drainedRps: number;
  receiving: RegionPlan[];
  reasons: string[];
}

export interface DrainPlan {
  region: string;
  headroom: number;
  models: ModelPlan[];
  counts: Record<Verdict, number>;
  verdict: Verdict;
}

export function raiseKey(model: string, region: string): string {
  return `${model}/${region}`;
}

/** Replicas of `gpusPerReplica` GPUs that fit in free nodes (each replica on one node). */
export function replicasThatFit(
  freeNodes: readonly number[] | undefined,
  freeGpus: number,
  gpusPerReplica: number,
): number {
  const gpr = Math.max(1, gpusPerReplica);
  if (!freeNodes) return Math.floor(Math.max(0, freeGpus) / gpr);
  return freeNodes.reduce((s, f) => s + Math.floor(Math.max(0, f) / gpr), 0);
}

/** A pool's free GPUs, in all and (where known) node by node, as plans share them. */
interface FreePool {
  gpus: number;
  nodes: readonly number[] | undefined;
}

/** What is left of a pool's free GPUs once `replicas` replicas of `gpusPerReplica` are placed. */
function poolAfter(pool: FreePool, gpusPerReplica: number, replicas: number): FreePool {
  const gpr = Math.max(1, gpusPerReplica);
  return {
    gpus: Math.max(0, pool.gpus - replicas * gpr),
    nodes: pool.nodes ? placeReplicas(pool.nodes, gpr, replicas) : undefined,
  };
}

/**
 * Free GPUs left per node once `replicas` replicas of `gpusPerReplica` are placed, each on one
 * node, on the fullest nodes that fit first (best fit leaves whole nodes for larger replicas).
 */
export function placeReplicas(
  freeNodes: readonly number[],
  gpusPerReplica: number,
  replicas: number,
): number[] {
  const gpr = Math.max(1, gpusPerReplica);
  const left = [...freeNodes];
  let toPlace = Math.max(0, replicas);
  while (toPlace > 0) {
    let best = -1;
    for (let i = 0; i < left.length; i++) {
      const f = left[i] ?? 0;
      if (f >= gpr && (best < 0 || f < (left[best] ?? 0))) best = i;
    }
    if (best < 0) break;
    left[best] = (left[best] ?? 0) - gpr;
    toPlace -= 1;
  }
  return left;
}

function perReplicaOf(r: RegionServing, model: ModelServing): number | null {
  if (r.readyReplicas > 0 && r.servedRps > 0) return r.servedRps / r.readyReplicas;
  // A region with no traffic or no ready replica: the model's throughput elsewhere.
  let rps = 0;
  let replicas = 0;
  for (const o of model.regions) {
    if (o.readyReplicas > 0 && o.servedRps > 0) {
      rps += o.servedRps;
      replicas += o.readyReplicas;
    }
  }
  return replicas > 0 ? rps / replicas : null;
}

const pct = (x: number) => `${Math.round(x * 100)}%`;
const rpsText = (x: number) => `${x < 10 ? x.toFixed(1) : Math.round(x)} req/s`;

/** The plan for one model; null when it does not serve in the drained region. */
export function planModel(model: ModelServing, opts: PlanOptions): ModelPlan | null {
  const drained = model.regions.find((r) => r.region === opts.region);
  if (!drained) return null;
  const demand: Record<string, number> = {};
  const dialsAfter: Record<string, number> = {};
  for (const r of model.regions) {
    demand[r.region] = r.demandRps;
    dialsAfter[r.region] = r.region === opts.region ? 0 : r.dial;
  }
  const after = routeTraffic(demand, dialsAfter);
  const receiving: RegionPlan[] = [];
  const reasons: string[] = [];
  for (const r of model.regions) {
    if (r.region === opts.region) continue;
    const afterRps = after.served[r.region] ?? 0;
    const perReplica = perReplicaOf(r, model);
    const replicasNow = Math.max(r.readyReplicas, r.hpa?.current ?? 0);
    // Replicas that hold GPUs; the autoscaler's count includes replicas still waiting for them.
    const held = Math.min(replicasNow, r.heldReplicas ?? r.readyReplicas);
    const hpaMax = r.hpa?.max ?? null;
    const raised = opts.hpaMaxRaises?.[raiseKey(model.model, r.region)];
    const hpaMaxPlanned =
      hpaMax !== null && raised !== undefined && raised > hpaMax ? raised : null;
    const maxAllowed = hpaMaxPlanned ?? hpaMax;
    // A model served on CPUs: no GPU or GPU quota bounds its replicas, its autoscaler does.
    const cpuOnly = r.gpusPerReplica <= 0;
    const gpr = Math.max(1, r.gpusPerReplica);
    const fitFree = replicasThatFit(r.freeNodes, r.freeGpus, gpr);
    // A quota counts every replica created, waiting or not; free GPUs only the placed ones.
    const fitQuota =
      r.quotaLeftGpus === null ? Infinity : Math.floor(Math.max(0, r.quotaLeftGpus) / gpr);
    const gpuCeiling = cpuOnly ? null : Math.min(held + fitFree, replicasNow + fitQuota);
    // The team's quota, not the free GPUs, is what stops it first.
    const quotaBound = replicasNow + fitQuota < held + fitFree;
    const gpuBound = gpuCeiling ?? Infinity;
    // Completed with Object.assign below, not spread into new objects: V8 copies a spread of
    // this many properties slowly (a plan of the large fleet's 300 models took 7× as long).
    const base = {
      region: r.region,
      cluster: r.cluster,
      servedRps: r.servedRps,
      afterRps,
      absorbRps: Math.max(0, afterRps - r.servedRps),
      perReplicaRps: perReplica,
      replicasNow,
      hpaMax,
      hpaMaxPlanned,
      gpuCeiling,
      freeGpus: r.freeGpus,
    };
    if (afterRps > 0 && perReplica === null) {
      receiving.push(
        Object.assign(base, {
          replicasNeeded: replicasNow,
          extraGpus: 0,
          headroomAfter: null,
          raiseMinTo: null,
          suggestedMax: null,
          verdict: "impossible" as const,
          reason: `No replica of ${model.model} serves traffic anywhere, so what ${r.region} would need cannot be measured.`,
        }),
      );
      continue;
    }
    const needed = Math.max(
      r.hpa?.min ?? 0,
      perReplica ? Math.ceil(afterRps / perReplica - 1e-9) : 0,
    );
    const extraGpus = cpuOnly ? 0 : Math.max(0, needed - held) * gpr;
    const ceiling = Math.min(maxAllowed ?? Infinity, gpuBound);
    const headroomAfter =
      needed > 0 && Number.isFinite(ceiling) ? (ceiling - needed) / ceiling : null;
    // The maximum that would leave the asked headroom, or as near as the GPUs allow (still
    // worth raising when the autoscaler, not the GPUs, stops short of the replicas needed).
    const wantMax = Math.ceil(needed / (1 - Math.min(0.95, opts.headroom)) - 1e-9);
    const reachable = Math.min(wantMax, gpuBound);
    const suggestedMax =
      hpaMax !== null && reachable > (maxAllowed ?? 0) && reachable >= needed ? reachable : null;
    const partly =
      suggestedMax !== null && suggestedMax < wantMax
        ? ` (all the ${quotaBound ? "team's quota allows" : "free GPUs allow"}; ${pct(opts.headroom)} headroom would take ${wantMax})`
        : "";
    // Raised ahead of traffic, never lowered: null unless it is above the minimum in force.
    const minTarget = Math.min(needed, maxAllowed ?? needed, gpuBound);
    const raiseMinTo = r.hpa && minTarget > r.hpa.min ? minTarget : null;
    let verdict: Verdict;
    let reason: string;
    if (needed > gpuBound) {
      verdict = "impossible";
      // Enough free GPUs in all, but not enough on any node for a whole replica.
      const spread = !quotaBound && r.freeGpus >= extraGpus && fitFree * gpr < r.freeGpus;
      reason = `Needs ${needed} replicas (${extraGpus} more ${r.gpuType} GPUs) in ${r.cluster}; ${
        quotaBound
          ? `the team's quota allows only ${r.quotaLeftGpus} more`
          : spread
            ? `${r.freeGpus} are free${r.sharedFree ? " after the plan's other models" : ""}, but spread over nodes so that only ${fitFree} more replica${fitFree === 1 ? "" : "s"} of ${gpr} GPUs ${fitFree === 1 ? "fits" : "fit"}`
            : r.sharedFree
              ? `only ${r.freeGpus} of the free ones are left after the plan's other models`
              : `only ${r.freeGpus} are free`
      }.`;
    } else if (maxAllowed !== null && needed > maxAllowed) {
      verdict = "tight";
      reason = `Its autoscaler stops at ${maxAllowed} replicas, under the ${needed} needed for ${rpsText(afterRps)}: raise the maximum${suggestedMax ? ` to ${suggestedMax}${partly}` : ""}.`;
    } else if (headroomAfter !== null && headroomAfter < opts.headroom) {
      verdict = "tight";
      reason = `${pct(headroomAfter)} headroom left after absorbing ${rpsText(afterRps - r.servedRps)}, under the ${pct(opts.headroom)} asked${
        suggestedMax === null
          ? ""
          : partly
            ? `: raising the maximum to ${suggestedMax}${partly} would leave ${pct((suggestedMax - needed) / suggestedMax)}`
            : `: raising the maximum to ${suggestedMax} would give it`
      }.`;
    } else {
      verdict = "safe";
      reason =
        needed > replicasNow
          ? `${needed - replicasNow} more replica${needed - replicasNow === 1 ? "" : "s"} (${extraGpus} GPUs) absorb ${rpsText(afterRps - r.servedRps)}${headroomAfter !== null ? `, ${pct(headroomAfter)} headroom left` : ""}.`
          : `Its ${replicasNow} replicas absorb ${rpsText(Math.max(0, afterRps - r.servedRps))}${headroomAfter !== null ? `, ${pct(headroomAfter)} headroom left` : ""}.`;
    }
    receiving.push(
      Object.assign(base, {
        replicasNeeded: needed,
        extraGpus,
        headroomAfter,
        raiseMinTo,
        suggestedMax,
        verdict,
        reason,
      }),
    );
  }
  let verdict: Verdict = "safe";
  if (after.unserved > 0 || receiving.length === 0) {
    verdict = "impossible";
    reasons.push(
      receiving.length === 0
        ? `${model.model} serves production only in ${opts.region}: draining it leaves no region to take its traffic.`
        : `Every other region of ${model.model} is drained: its traffic would have nowhere to go.`,
    );
  }
  for (const r of receiving) {
    verdict = worst(verdict, r.verdict);
    if (r.verdict !== "safe") reasons.push(`${r.region}: ${r.reason}`);
  }
  return {
    model: model.model,
    team: model.team,
    verdict,
    drainedRps: drained.servedRps,
    receiving,
    reasons,
  };
}

/**
 * The plan for every model in scope. Models whose receiving regions share a GPU pool (the same
 * cluster and GPU type) share its free GPUs: each takes what it needs in turn, the model moving
 * the most traffic first, so the plan never counts one free GPU twice.
 */
export function planDrain(models: readonly ModelServing[], opts: PlanOptions): DrainPlan {
  const plans: ModelPlan[] = [];
  const free = new Map<string, FreePool>();
  const poolOf = (r: RegionServing) => `${r.cluster}/${r.gpuType}`;
  const order = [...models].sort((a, b) => {
    const moved = (m: ModelServing) =>
      m.regions.find((r) => r.region === opts.region)?.servedRps ?? 0;
    return moved(b) - moved(a) || (a.model < b.model ? -1 : a.model > b.model ? 1 : 0);
  });
  const quota = new Map<string, number>();
  for (const m of order) {
    const shared = m.regions.map((r) => {
      if (r.region === opts.region) return r;
      const left = free.get(poolOf(r));
      const quotaLeft = r.quotaKey !== undefined ? quota.get(r.quotaKey) : undefined;
      if (left === undefined && (quotaLeft === undefined || r.quotaLeftGpus === null)) return r;
      // (a copy with what is left set on it: one spread, as nested conditional spreads are slow)
      const copy: RegionServing = { ...r };
      if (left !== undefined) {
        copy.freeGpus = left.gpus;
        if (left.nodes) copy.freeNodes = left.nodes;
        copy.sharedFree = true;
      }
      if (quotaLeft !== undefined && r.quotaLeftGpus !== null) copy.quotaLeftGpus = quotaLeft;
      return copy;
    });
    const p = planModel({ ...m, regions: shared }, opts);
    if (!p) continue;
    for (const r of shared) {
      if (r.region === opts.region) continue;
      const rp = p.receiving.find((x) => x.region === r.region);
      const gpr = Math.max(1, r.gpusPerReplica);
      // What the drain will place: the replicas needed, as far as the autoscaler's maximum
      // goes (a tight model's autoscaler stops short); nothing for an impossible one.
      const placed =
        rp && rp.verdict !== "impossible"
          ? Math.min(rp.replicasNeeded, rp.hpaMaxPlanned ?? rp.hpaMax ?? Infinity)
          : 0;
      const short = rp ? Math.max(0, rp.replicasNeeded - placed) * gpr : 0;
      const taken = rp && placed > 0 ? Math.max(0, rp.extraGpus - short) : 0;
      free.set(
        poolOf(r),
        poolAfter({ gpus: r.freeGpus, nodes: r.freeNodes }, gpr, Math.round(taken / gpr)),
      );
      if (r.quotaKey !== undefined && r.quotaLeftGpus !== null) {
        // A quota already counts every replica created, waiting or not: only new ones take it.
        const quotaTaken =
          rp && r.gpusPerReplica > 0 ? Math.max(0, placed - rp.replicasNow) * gpr : 0;
        quota.set(r.quotaKey, Math.max(0, r.quotaLeftGpus - quotaTaken));
      }
    }
    plans.push(p);
  }
  plans.sort((a, b) => RANK[b.verdict] - RANK[a.verdict] || (a.model < b.model ? -1 : 1));
  const counts: Record<Verdict, number> = { safe: 0, tight: 0, impossible: 0 };
  let verdict: Verdict = "safe";
  for (const p of plans) {
    counts[p.verdict] += 1;
    verdict = worst(verdict, p.verdict);
  }
  return { region: opts.region, headroom: opts.headroom, models: plans, counts, verdict };
}

/**
 * Requests per second one region's models could serve at most: each model up to the replicas
 * its autoscaler's maximum and the free GPUs allow, at its current per-replica throughput.
 * Models of one GPU pool share its free GPUs (the busiest first, each replica on one node), so
 * a free GPU counts once. Models with no ready replica add nothing (nothing measures them).
 */
export function regionCeilingRps(serving: readonly RegionServing[]): number {
  const free = new Map<string, FreePool>();
  let total = 0;
  const order = [...serving].sort((a, b) => b.servedRps - a.servedRps);
  for (const r of order) {
    if (r.readyReplicas <= 0) continue;
    const perReplica = r.servedRps / r.readyReplicas;
    const gpr = Math.max(1, r.gpusPerReplica);
    const key = `${r.cluster}/${r.gpuType}`;
    const pool = free.get(key) ?? { gpus: r.freeGpus, nodes: r.freeNodes };
    const held = r.heldReplicas ?? r.readyReplicas;
    const cpuOnly = r.gpusPerReplica <= 0;
    const fit = cpuOnly ? Infinity : replicasThatFit(pool.nodes, pool.gpus, gpr);
    const quota =
      cpuOnly || r.quotaLeftGpus === null
        ? Infinity
        : Math.floor(Math.max(0, r.quotaLeftGpus) / gpr);
    const max = r.hpa?.max ?? r.readyReplicas;
    const replicas = Math.max(r.readyReplicas, Math.min(max, held + Math.min(fit, quota)));
    const added = cpuOnly ? 0 : Math.max(0, replicas - held);
    free.set(key, poolAfter(pool, gpr, added));
    total += perReplica * replicas;
  }
  return total;
}

/** Drain steps: the share of the region's traffic moved away at each step, in percent. */
export const DEFAULT_DRAIN_STEPS = [25, 50, 75, 100] as const;

/** The region's dial at a drain step (0-based): 100 minus the share moved. */
export function dialAtStep(steps: readonly number[], step: number): number {
  if (step < 0) return 100;
  const moved = steps[Math.min(step, steps.length - 1)] ?? 100;
  return Math.max(0, Math.min(100, 100 - moved));
}
