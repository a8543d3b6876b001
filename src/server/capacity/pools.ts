import "server-only";
import type { PoolCapacity } from "@/lib/domain/capacity/split";
import type { ClusterState } from "@/lib/platform/types";

/** The platform's node pools as capacity planning reads them. */
export function poolsOf(clusters: readonly ClusterState[]): PoolCapacity[] {
  return clusters.flatMap((c) =>
    c.pools.map((p) => ({
      cluster: c.name,
      region: c.region,
      pool: p.name,
      gpuType: p.gpuType,
      gpusPerNode: p.gpusPerNode ?? (p.nodes > 0 ? Math.round(p.gpus / p.nodes) : 0),
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
