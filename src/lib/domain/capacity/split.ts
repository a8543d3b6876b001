/**
 * Capacity planning's arithmetic: where a fleet's GPUs are. Every GPU of a pool is in exactly
 * one of five states, which add up to its total:
 *
 * - serving: held by model-serving replicas;
 * - training: held by training workers;
 * - other: held by anything else the platform runs (notebooks, batch jobs), or by work the
 *   platform does not classify;
 * - idle: on ready, schedulable nodes and held by nothing (allocatable − allocated);
 * - unavailable: on nodes that are NotReady or cordoned, or GPUs that failed (total − allocatable).
 */
import type { GpuTypeName } from "@/lib/domain/config/names";

/** One node's GPUs, as the platform reports them (NodePoolState.gpuNodes). */
export interface NodeGpus {
  name: string;
  /** GPUs the node has */
  gpus: number;
  /** GPUs that can run work: 0 when the node is NotReady or cordoned, fewer when GPUs failed */
  allocatable: number;
  /** GPUs held by pods on the node */
  allocated: number;
  /** of `allocated`: held by serving replicas */
  serving: number;
  /** of `allocated`: held by training workers */
  training: number;
}

export const SPLIT_KEYS = ["serving", "training", "other", "idle", "unavailable"] as const;
export type SplitKey = (typeof SPLIT_KEYS)[number];

export const SPLIT_LABELS: Record<SplitKey, string> = {
  serving: "Serving",
  training: "Training",
  other: "Other",
  idle: "Idle",
  unavailable: "Unavailable",
};

export type GpuSplit = Record<SplitKey, number> & { total: number };

/** A node pool as capacity planning reads it. */
export interface PoolCapacity {
  cluster: string;
  region: string;
  pool: string;
  gpuType: GpuTypeName;
  /** GPUs per node (the largest node's): a whole node for a gang's worker; 0 when not known */
  gpusPerNode: number;
  nodes: number;
  /** the autoscaler's bound; equal to `nodes` when the platform does not know it */
  maxNodes: number;
  total: number;
  allocatable: number;
  allocated: number;
  /** of `allocated`, where the platform says; null counts them as other */
  serving: number | null;
  training: number | null;
  /** each node, where the platform reports them; null when it does not */
  nodeGpus: NodeGpus[] | null;
}

/**
 * A pool's GPUs per node, which the gang rule needs: what the platform reports, else the largest
 * node it lists, else the mean of its nodes, else the shape recorded for it (a pool scaled to
 * zero has no node to read it from). 0 when nothing says: unknown, never guessed.
 */
export function gpusPerNodeOf(p: {
  reported?: number | null;
  nodeGpus?: readonly NodeGpus[] | null;
  gpus: number;
  nodes: number;
  recorded?: number | null;
}): number {
  const known = (n: number | null | undefined) =>
    n !== null && n !== undefined && Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
  return (
    known(p.reported) ||
    known(Math.max(0, ...(p.nodeGpus ?? []).map((n) => n.gpus))) ||
    (p.nodes > 0 ? known(p.gpus / p.nodes) : 0) ||
    known(p.recorded)
  );
}

const clamp = (n: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, n));
const whole = (n: number) => (Number.isFinite(n) ? Math.max(0, Math.round(n)) : 0);

export function emptySplit(): GpuSplit {
  return { total: 0, serving: 0, training: 0, other: 0, idle: 0, unavailable: 0 };
}

/**
 * A pool's five-way split. The platform's figures are clamped so the parts always add up to the
 * total: allocatable within the total, allocated within allocatable, serving then training
 * within allocated (a platform that counts a GPU twice loses the excess to neither).
 */
export function poolSplit(p: {
  total: number;
  allocatable: number;
  allocated: number;
  serving: number | null;
  training: number | null;
}): GpuSplit {
  const total = whole(p.total);
  const allocatable = clamp(whole(p.allocatable), 0, total);
  const allocated = clamp(whole(p.allocated), 0, allocatable);
  const serving = clamp(whole(p.serving ?? 0), 0, allocated);
  const training = clamp(whole(p.training ?? 0), 0, allocated - serving);
  return {
    total,
    serving,
    training,
    other: allocated - serving - training,
    idle: allocatable - allocated,
    unavailable: total - allocatable,
  };
}

export function addSplits(a: GpuSplit, b: GpuSplit): GpuSplit {
  return {
    total: a.total + b.total,
    serving: a.serving + b.serving,
    training: a.training + b.training,
    other: a.other + b.other,
    idle: a.idle + b.idle,
    unavailable: a.unavailable + b.unavailable,
  };
}

/** A part's share of the total, 0..1 (0 of nothing). */
export function share(split: GpuSplit, key: SplitKey): number {
  return split.total > 0 ? split[key] / split.total : 0;
}

export interface SplitGroup {
  key: string;
  pools: number;
  split: GpuSplit;
}

/** Pools summed by a key (GPU type, region, cluster), largest total first, then by key. */
export function splitBy(
  pools: readonly PoolCapacity[],
  keyOf: (p: PoolCapacity) => string,
): SplitGroup[] {
  const groups = new Map<string, SplitGroup>();
  for (const p of pools) {
    const key = keyOf(p);
    const g = groups.get(key) ?? { key, pools: 0, split: emptySplit() };
    g.pools += 1;
    g.split = addSplits(g.split, poolSplit(p));
    groups.set(key, g);
  }
  return [...groups.values()].sort(
    (a, b) => b.split.total - a.split.total || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
  );
}

/** The whole fleet's split. */
export function fleetSplit(pools: readonly PoolCapacity[]): GpuSplit {
  return pools.reduce((s, p) => addSplits(s, poolSplit(p)), emptySplit());
}
