/**
 * Fragmentation: free GPUs spread over partly used nodes, where a gang of whole nodes cannot use
 * them. A training gang larger than a node takes whole nodes (one worker per node, all its
 * GPUs, as NCCL jobs are laid out); a gang that fits on one node needs one node with that many
 * GPUs free.
 */
import type { NodeGpus } from "./split";

/** GPUs free on a node: allocatable and held by nothing. */
export function nodeFree(n: NodeGpus): number {
  return Math.max(0, Math.min(n.allocatable, n.gpus) - Math.max(0, n.allocated));
}

/** Whether a node is free whole: a gang's worker can take all `gpusPerNode` of its GPUs. */
export function wholeFree(n: NodeGpus, gpusPerNode: number): boolean {
  return gpusPerNode > 0 && nodeFree(n) >= gpusPerNode;
}

/** Nodes a gang of `gpus` takes in a pool of `gpusPerNode`: one, or whole nodes. */
export function nodesForGang(gpus: number, gpusPerNode: number): number {
  if (gpus <= 0 || gpusPerNode <= 0) return 0;
  return gpus <= gpusPerNode ? 1 : Math.ceil(gpus / gpusPerNode);
}

export interface GangFit {
  fits: boolean;
  /** the nodes it would run on, when it fits: the tightest single node, or whole nodes in order */
  nodes: string[];
}

/** Whether a gang of `gpus` fits on the nodes as they are now. */
export function gangFit(nodes: readonly NodeGpus[], gpusPerNode: number, gpus: number): GangFit {
  if (gpus <= 0 || gpusPerNode <= 0) return { fits: false, nodes: [] };
  if (gpus <= gpusPerNode) {
    // best fit: the node with the fewest free GPUs that still holds it, so the gang strands least
    let best: NodeGpus | null = null;
    for (const n of nodes) {
      const f = nodeFree(n);
      if (f >= gpus && (best === null || f < nodeFree(best))) best = n;
    }
    return best ? { fits: true, nodes: [best.name] } : { fits: false, nodes: [] };
  }
  const need = nodesForGang(gpus, gpusPerNode);
  const free = nodes.filter((n) => wholeFree(n, gpusPerNode)).map((n) => n.name);
  return free.length >= need
    ? { fits: true, nodes: free.slice(0, need) }
    : { fits: false, nodes: [] };
}

export interface Fragmentation {
  /** GPUs free on the pool's nodes */
  free: number;
  /** nodes with all their GPUs free */
  wholeNodesFree: number;
  /** free GPUs on partly used nodes: no gang of whole nodes can use them */
  stranded: number;
  /** the largest gang that fits now */
  largestGang: number;
  /** the stranded share of the free GPUs, 0..1 (0 when nothing is free) */
  index: number;
}

export function fragmentation(nodes: readonly NodeGpus[], gpusPerNode: number): Fragmentation {
  let free = 0;
  let wholeNodes = 0;
  let largestOnOne = 0;
  for (const n of nodes) {
    const f = nodeFree(n);
    free += f;
    largestOnOne = Math.max(largestOnOne, Math.min(f, gpusPerNode));
    if (wholeFree(n, gpusPerNode)) wholeNodes += 1;
  }
  const onWhole = wholeNodes * gpusPerNode;
  // what whole nodes hold beyond gpusPerNode (a larger node in a mixed pool) is not stranded
  const stranded = Math.max(
    0,
    free - nodes.reduce((s, n) => s + (wholeFree(n, gpusPerNode) ? nodeFree(n) : 0), 0),
  );
  return {
    free,
    wholeNodesFree: wholeNodes,
    stranded,
    largestGang: Math.max(largestOnOne, onWhole),
    index: free > 0 ? stranded / free : 0,
  };
}
