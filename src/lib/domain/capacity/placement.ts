/**
 * "Where can I place N GPUs of type T (for team X)?": each pool of type T, whether a gang of N
 * fits on its nodes now and within the team's quota on that cluster, and when it does not, what
 * stands in the way: fragmentation (enough free GPUs, not on whole nodes: what would have to
 * move to free them), the quota (the increase needed), or capacity (nodes the autoscaler would
 * have to add, or the pool is too small).
 *
 * The gang rule (fragmentation.ts): N ≤ GPUs per node needs one node with N free; N above it
 * needs ceil(N / GPUs per node) whole free nodes. A gang runs in one namespace, so the quota
 * that counts is the team's namespace on the cluster with the most left.
 *
 * A pool is "fragmented" only when moving work would free the nodes: free GPUs on nodes that are
 * down or have failed GPUs can never make a whole node, so such a pool needs new nodes (or is
 * short) like any other. A pool whose GPUs per node are not known (scaled to zero, its shape
 * never recorded) is "unknown": the number of nodes a gang takes cannot be told.
 */
import type { GpuTypeName } from "@/lib/domain/config/names";
import { fragmentation, gangFit, nodeFree, nodesForGang, wholeFree } from "./fragmentation";
import type { NodeGpus, PoolCapacity } from "./split";

/** The most GPUs one question may ask for (a gang larger than any real fleet's pool). */
export const MAX_PLACEMENT_GPUS = 4096;

export interface PlacementRequest {
  gpus: number;
  gpuType: GpuTypeName;
  /** the team's slug; null places without checking quotas */
  team: string | null;
}

/** A team's namespace on a cluster with its GPU quota. */
export interface TeamNamespace {
  cluster: string;
  namespace: string;
  team: string;
  quota: number;
  used: number;
}

/** Why a request cannot be answered, or null when it can. */
export function placementRequestError(r: { gpus: number }): string | null {
  if (!Number.isInteger(r.gpus)) return "Ask for a whole number of GPUs.";
  if (r.gpus < 1) return "Ask for at least 1 GPU.";
  if (r.gpus > MAX_PLACEMENT_GPUS) return `Ask for at most ${MAX_PLACEMENT_GPUS} GPUs.`;
  return null;
}

/** How the pool's GPUs stand for the gang, best first (see `standing` for the ranking). */
export const GPU_VERDICTS = [
  "fits",
  "fragmented",
  "scale-up",
  "short",
  "too-large",
  "unknown",
] as const;
export type GpuVerdict = (typeof GPU_VERDICTS)[number];

export interface NodeToClear {
  name: string;
  /** GPUs that would have to leave the node */
  gpus: number;
  /** what holds the node's GPUs now */
  serving: number;
  training: number;
  other: number;
}

/** What would have to move to free whole nodes in a fragmented pool. */
export interface Moves {
  nodes: NodeToClear[];
  /** GPUs that would have to move */
  gpus: number;
  /** the pool's other free GPUs can take them (in total; each workload still needs its own fit) */
  roomElsewhere: boolean;
}

export type QuotaCheck =
  /** no team asked: quotas not checked */
  | { kind: "unchecked" }
  /** the team has no namespace on the cluster */
  | { kind: "no-namespace" }
  | { kind: "ok" | "short"; namespace: string; quota: number; left: number; increase: number };

export interface PoolPlacement {
  cluster: string;
  region: string;
  pool: string;
  gpuType: GpuTypeName;
  gpusPerNode: number;
  /** nodes the gang takes */
  nodesNeeded: number;
  gpu: GpuVerdict;
  free: number;
  wholeNodesFree: number;
  largestGang: number;
  /** where it would run, when its GPUs fit */
  nodes: string[];
  quota: QuotaCheck;
  /** the gang can be placed here now */
  fits: boolean;
  /** fragmented: what would have to move */
  moves: Moves | null;
  /** nodes the autoscaler would have to add (within its bound), when that is what it takes */
  addNodes: number | null;
  /** one sentence */
  summary: string;
}

export interface PlacementAnswer {
  request: PlacementRequest;
  /** every pool of the type, those that fit first */
  pools: PoolPlacement[];
  fitting: number;
  summary: string;
}

function quotaFor(
  request: PlacementRequest,
  cluster: string,
  namespaces: readonly TeamNamespace[],
): QuotaCheck {
  if (request.team === null) return { kind: "unchecked" };
  let best: TeamNamespace | null = null;
  for (const n of namespaces) {
    if (n.cluster !== cluster || n.team !== request.team) continue;
    if (!best || n.quota - n.used > best.quota - best.used) best = n;
  }
  if (!best) return { kind: "no-namespace" };
  const left = Math.max(0, best.quota - best.used);
  const increase = Math.max(0, request.gpus - left);
  return {
    kind: increase === 0 ? "ok" : "short",
    namespace: best.namespace,
    quota: best.quota,
    left,
    increase,
  };
}

/** The fewest GPUs to move to free the nodes a fragmented pool lacks; null if moving cannot. */
function movesFor(
  nodes: readonly NodeGpus[],
  gpusPerNode: number,
  gpus: number,
  free: number,
): Moves | null {
  const describe = (n: NodeGpus, moved: number): NodeToClear => {
    const serving = Math.min(n.serving, n.allocated);
    const training = Math.min(n.training, n.allocated - serving);
    return {
      name: n.name,
      gpus: moved,
      serving,
      training,
      other: n.allocated - serving - training,
    };
  };
  const byName = (a: NodeGpus, b: NodeGpus) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  if (gpus <= gpusPerNode) {
    // one node: the one that needs the fewest GPUs moved off it
    const candidates = nodes
      .filter((n) => Math.min(n.allocatable, n.gpus) >= gpus)
      .sort((a, b) => nodeFree(b) - nodeFree(a) || byName(a, b));
    const n = candidates[0];
    if (!n) return null;
    const moved = gpus - nodeFree(n);
    return { nodes: [describe(n, moved)], gpus: moved, roomElsewhere: free - nodeFree(n) >= moved };
  }
  const whole = nodes.filter((n) => wholeFree(n, gpusPerNode));
  const lacking = nodesForGang(gpus, gpusPerNode) - whole.length;
  const candidates = nodes
    .filter((n) => !wholeFree(n, gpusPerNode) && Math.min(n.allocatable, n.gpus) >= gpusPerNode)
    .sort((a, b) => a.allocated - b.allocated || byName(a, b));
  if (lacking <= 0 || candidates.length < lacking) return null;
  const chosen = candidates.slice(0, lacking);
  const moved = chosen.reduce((s, n) => s + n.allocated, 0);
  const reserved = [...whole, ...chosen].reduce((s, n) => s + nodeFree(n), 0);
  return {
    nodes: chosen.map((n) => describe(n, n.allocated)),
    gpus: moved,
    roomElsewhere: free - reserved >= moved,
  };
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function summaryOf(p: Omit<PoolPlacement, "summary">, request: PlacementRequest): string {
  const quota =
    p.quota.kind === "short"
      ? ` The team's quota in ${p.quota.namespace} has ${p.quota.left} left: it needs ${p.quota.increase} more.`
      : p.quota.kind === "no-namespace"
        ? ` ${request.team} has no namespace on ${p.cluster}.`
        : "";
  switch (p.gpu) {
    case "fits":
      return p.fits
        ? `Fits on ${p.nodes.join(", ")}${p.quota.kind === "ok" ? ` within ${p.quota.namespace}'s quota (${p.quota.left} left)` : ""}.`
        : `The GPUs are free on ${p.nodes.join(", ")}, but the quota blocks it.${quota}`;
    case "fragmented":
      return (
        `Fragmented: ${p.free} GPUs are free, but only ${plural(p.wholeNodesFree, "whole node")} (largest gang ${p.largestGang}).` +
        (p.moves
          ? ` Moving ${plural(p.moves.gpus, "GPU")} off ${p.moves.nodes.map((n) => n.name).join(", ")} frees room; the pool's other free GPUs ${p.moves.roomElsewhere ? "can" : "cannot"} take them.`
          : "") +
        quota
      );
    case "scale-up":
      return `${notEnough(p, request)}: the autoscaler would have to add ${plural(p.addNodes ?? 0, "node")}.${quota}`;
    case "short":
      return `${notEnough(p, request)}, and the pool cannot grow enough.${quota}`;
    case "too-large":
      return `Too small: a gang of ${request.gpus} needs ${plural(p.nodesNeeded, "node")} of ${p.gpusPerNode} GPUs.`;
    case "unknown":
      return p.gpusPerNode > 0
        ? "The platform does not report this pool's nodes."
        : "The pool's GPUs per node are not known (it has no node to read them from, and none was recorded): the nodes a gang takes cannot be told.";
  }
}

/** Why the free GPUs do not take the gang: too few, or (enough in total) on nodes moving work cannot free. */
function notEnough(p: Omit<PoolPlacement, "summary">, request: PlacementRequest): string {
  if (p.free < request.gpus) return `${p.free} GPUs free, not enough`;
  const room =
    request.gpus > p.gpusPerNode
      ? plural(p.nodesNeeded, "whole node")
      : `${request.gpus} GPUs on one node`;
  return `${p.free} GPUs are free, but moving work cannot make ${room} of them (nodes down or with failed GPUs)`;
}

/**
 * The order pools are offered in: those that fit, then those fragmented where the pool's other
 * free GPUs can take what moves, then those that need new nodes, then those fragmented where
 * the moved work would have nowhere to go in the pool (it needs room elsewhere as well), then
 * the rest in verdict order.
 */
function standing(p: PoolPlacement): number {
  if (p.gpu === "fragmented" && p.moves && !p.moves.roomElsewhere)
    return GPU_VERDICTS.indexOf("scale-up") + 0.5;
  return GPU_VERDICTS.indexOf(p.gpu);
}

/** Where a gang of `request.gpus` GPUs of `request.gpuType` fits, pool by pool. */
export function placeGang(
  request: PlacementRequest,
  pools: readonly PoolCapacity[],
  namespaces: readonly TeamNamespace[],
): PlacementAnswer {
  const error = placementRequestError(request);
  if (error) throw new RangeError(error);
  const N = request.gpus;
  const results: PoolPlacement[] = [];
  for (const p of pools) {
    if (p.gpuType !== request.gpuType) continue;
    // 0: not known (a pool scaled to zero whose shape was never recorded), never guessed as 1,
    // which would make every gang need N nodes and read as "too large"
    const g = Math.max(0, p.gpusPerNode);
    const nodesNeeded = nodesForGang(N, g);
    const quota = quotaFor(request, p.cluster, namespaces);
    // a pool of no nodes has no node list to report: it is empty, not unknown
    const nodes = p.nodeGpus ?? (p.nodes === 0 ? [] : null);
    const frag = nodes && g > 0 ? fragmentation(nodes, g) : null;
    let gpu: GpuVerdict;
    let chosen: string[] = [];
    let moves: Moves | null = null;
    let addNodes: number | null = null;
    const maxNodes = Math.max(p.nodes, p.maxNodes);
    if (g === 0) gpu = "unknown";
    else if (N > g && nodesNeeded > maxNodes) gpu = "too-large";
    else if (!nodes || !frag) gpu = "unknown";
    else {
      const fit = gangFit(nodes, g, N);
      moves = fit.fits || frag.free < N ? null : movesFor(nodes, g, N, frag.free);
      if (fit.fits) {
        gpu = "fits";
        chosen = fit.nodes;
      } else if (moves) gpu = "fragmented";
      else {
        // Too few free GPUs, or enough but on nodes no move can free (down, failed GPUs): new
        // nodes arrive whole, the ones a gang lacks.
        const lacking = N > g ? nodesNeeded - frag.wholeNodesFree : 1;
        if (p.nodes + lacking <= maxNodes) {
          gpu = "scale-up";
          addNodes = lacking;
        } else gpu = "short";
      }
    }
    const fits = gpu === "fits" && (quota.kind === "unchecked" || quota.kind === "ok");
    const placement = {
      cluster: p.cluster,
      region: p.region,
      pool: p.pool,
      gpuType: p.gpuType,
      gpusPerNode: g,
      nodesNeeded,
      gpu,
      free: frag?.free ?? Math.max(0, p.allocatable - p.allocated),
      wholeNodesFree: frag?.wholeNodesFree ?? 0,
      largestGang: frag?.largestGang ?? 0,
      nodes: chosen,
      quota,
      fits,
      moves,
      addNodes,
    };
    results.push({ ...placement, summary: summaryOf(placement, request) });
  }
  const rank = (p: PoolPlacement) =>
    (p.fits ? 0 : 100) +
    standing(p) * 10 +
    (p.quota.kind === "no-namespace" ? 2 : p.quota.kind === "short" ? 1 : 0);
  const cost = (p: PoolPlacement) =>
    p.quota.kind === "short"
      ? p.quota.increase
      : (p.moves?.gpus ?? p.addNodes ?? (p.quota.kind === "ok" ? -p.quota.left : 0));
  results.sort(
    (a, b) =>
      rank(a) - rank(b) ||
      cost(a) - cost(b) ||
      (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0) ||
      (a.pool < b.pool ? -1 : a.pool > b.pool ? 1 : 0),
  );
  const fitting = results.filter((p) => p.fits).length;
  const what = `${N} ${request.gpuType} GPU${N === 1 ? "" : "s"}${request.team ? ` for ${request.team}` : ""}`;
  let summary: string;
  if (results.length === 0) summary = `No pool has ${request.gpuType} GPUs.`;
  else if (fitting > 0) summary = `${plural(fitting, "pool")} can take ${what} now.`;
  else if (results.every((p) => p.gpu === "too-large")) {
    const largest = Math.max(
      ...pools
        .filter((p) => p.gpuType === request.gpuType)
        .map((p) => Math.max(p.nodes, p.maxNodes) * p.gpusPerNode),
    );
    summary = `No pool can hold ${what} as one gang: the largest holds ${largest}.`;
  } else {
    const first = results[0]!;
    summary = `No pool can take ${what} now. Closest: ${first.cluster} / ${first.pool}: ${first.summary}`;
  }
  return { request, pools: results, fitting, summary };
}
