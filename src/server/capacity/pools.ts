import "server-only";
import { gpusPerNodeOf, type PoolCapacity } from "@/lib/domain/capacity/split";
import type { ClusterState } from "@/lib/platform/types";

/** A pool's key in `recorded`: its cluster's name and its own. */
export const poolKey = (cluster: string, pool: string) => `${cluster}/${pool}`;

/**
 * The platform's node pools as capacity planning reads them. `recorded`: GPUs per node the
 * inventory holds for pools the platform's figures do not tell (a pool scaled to zero).
 */
export function poolsOf(
  clusters: readonly ClusterState[],
  recorded: ReadonlyMap<string, number> = new Map(),
): PoolCapacity[] {
  return clusters.flatMap((c) =>
    c.pools.map((p) => ({
      cluster: c.name,
      region: c.region,
      pool: p.name,
      gpuType: p.gpuType,
      gpusPerNode: gpusPerNodeOf({
        reported: p.gpusPerNode,
        nodeGpus: p.gpuNodes,
        gpus: p.gpus,
        nodes: p.nodes,
        recorded: recorded.get(poolKey(c.name, p.name)),
      }),
      nodes: p.nodes,
      maxNodes: p.boundsKnown === false ? p.nodes : Math.max(p.nodes, p.maxNodes),
      total: p.gpus,
      allocatable: p.allocatable,
      allocated: p.allocated,
      serving: p.allocatedTo?.serving ?? null,
      training: p.allocatedTo?.training ?? null,
      nodeGpus: p.gpuNodes ?? null,
    })),
  );
}
