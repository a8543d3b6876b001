import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/pagination";
import { assertCanRead } from "@/server/services/access";
import { clusterWhere } from "@/server/db/filters";

export interface ClusterRow {
  id: string;
  name: string;
  regionCode: string;
  provider: string;
  k8sVersion: string;
  status: string;
  gpuTotal: number;
  gpuAllocatable: number;
  gpuAllocated: number;
  pools: {
    name: string;
    gpuType: string;
    nodeCount: number;
    gpuCount: number;
    gpuAllocated: number;
  }[];
  namespaces: number;
  deployments: number;
}

export async function listClusters(
  actor: Actor | null,
  query: ListQuery,
): Promise<Page<ClusterRow>> {
  assertCanRead(actor);
  const where = clusterWhere(query);
  const total = await db().cluster.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const clusters = await db().cluster.findMany({
    where,
    orderBy: [{ region: { code: "asc" } }, { name: "asc" }],
    skip,
    take,
    select: {
      id: true,
      name: true,
      provider: true,
      k8sVersion: true,
      status: true,
      region: { select: { code: true } },
      nodePools: {
        orderBy: { name: "asc" },
        select: {
          name: true,
          gpuType: true,
          nodeCount: true,
          gpuCount: true,
          gpuAllocatable: true,
          gpuAllocated: true,
        },
      },
      _count: { select: { namespaces: true, deployments: true } },
    },
  });
  const rows = clusters.map((c) => ({
    id: c.id,
    name: c.name,
    regionCode: c.region.code,
    provider: c.provider,
    k8sVersion: c.k8sVersion,
    status: c.status,
    gpuTotal: c.nodePools.reduce((s, p) => s + p.gpuCount, 0),
    gpuAllocatable: c.nodePools.reduce((s, p) => s + p.gpuAllocatable, 0),
    gpuAllocated: c.nodePools.reduce((s, p) => s + p.gpuAllocated, 0),
    pools: c.nodePools.map((p) => ({
      name: p.name,
      gpuType: p.gpuType,
      nodeCount: p.nodeCount,
      gpuCount: p.gpuCount,
      gpuAllocated: p.gpuAllocated,
    })),
    namespaces: c._count.namespaces,
    deployments: c._count.deployments,
  }));
  return toPage(rows, total, page, PAGE_SIZE);
}
