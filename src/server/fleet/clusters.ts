import "server-only";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { PAGE_SIZE, type ListQuery } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import {
  withTimeout,
  type ClusterState,
  type HpaState,
  type NamespaceState,
  type ServingDeployment,
} from "@/lib/platform/types";
import { assertCanRead } from "@/server/access/authorize";
import { clusterWhere } from "@/server/db/filters";
import { fleetPlatform, liveFleet } from "@/server/fleet/platform";
import { AppError } from "@/server/errors";

export interface ClusterRow {
  id: string;
  name: string;
  regionCode: string;
  provider: string;
  k8sVersion: string;
  /** live status from the platform; the last recorded one when the platform did not answer */
  status: string;
  /** live node pools; null when the platform has never answered for this cluster */
  live: ClusterState | null;
  namespaces: number;
  deployments: number;
}

export interface ClusterList extends Page<ClusterRow> {
  readAt: Date | null;
  error: string | null;
}

/** Clusters from the registry, paginated, each with its live state from the platform. */
export async function listClusters(actor: Actor | null, query: ListQuery): Promise<ClusterList> {
  assertCanRead(actor);
  const where = clusterWhere(query);
  const [total, fleet] = await Promise.all([
    db().cluster.count({ where }),
    liveFleet(actor, query),
  ]);
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
      _count: { select: { namespaces: true, deployments: true } },
    },
  });
  const live = new Map(fleet.data?.clusters.map((c) => [c.name, c]));
  const rows = clusters.map((c) => {
    const state = live.get(c.name) ?? null;
    return {
      id: c.id,
      name: c.name,
      regionCode: c.region.code,
      provider: c.provider,
      k8sVersion: c.k8sVersion,
      status: state?.status ?? c.status,
      live: state,
      namespaces: c._count.namespaces,
      deployments: c._count.deployments,
    };
  });
  return { ...toPage(rows, total, page, PAGE_SIZE), readAt: fleet.readAt, error: fleet.error };
}

export interface ClusterDetail {
  name: string;
  regionCode: string;
  provider: string;
  k8sVersion: string;
  status: string;
  live: ClusterState | null;
  namespaces: (NamespaceState & { team: string | null })[];
  autoscalers: HpaState[];
  trainingJobs: { name: string; status: string; gpuCount: number; gpuType: string }[];
  /** model versions serving on the cluster, live, and whether each model is in the registry */
  workloads: (ServingDeployment & { registered: boolean })[];
  /** workloads that could not be read (labels missing), or why none could be */
  workloadErrors: string[];
  readAt: Date | null;
  error: string | null;
}

async function clusterWorkloads(name: string) {
  try {
    const { data, errors } = await withTimeout(
      "serving workloads",
      5_000,
      fleetPlatform().deployments({ cluster: name }),
    );
    const models = new Set(
      (
        await db().model.findMany({
          where: { name: { in: [...new Set(data.map((d) => d.model))] } },
          select: { name: true },
        })
      ).map((m) => m.name),
    );
    return {
      workloads: data.map((d) => ({ ...d, registered: models.has(d.model) })),
      workloadErrors: errors.filter((e) => e.source === name).map((e) => e.message),
    };
  } catch (error) {
    return {
      workloads: [],
      workloadErrors: [error instanceof Error ? error.message : "the platform did not answer"],
    };
  }
}

/** One cluster: live node pools and node health, namespace quotas, autoscalers, training jobs. */
export async function getCluster(actor: Actor | null, name: string): Promise<ClusterDetail> {
  assertCanRead(actor);
  const [cluster, fleet, serving] = await Promise.all([
    db().cluster.findUnique({
      where: { name },
      select: {
        name: true,
        provider: true,
        k8sVersion: true,
        status: true,
        region: { select: { code: true } },
        namespaces: { select: { name: true, team: { select: { name: true } } } },
        trainingJobs: {
          orderBy: { name: "asc" },
          select: { name: true, status: true, gpuCount: true, gpuType: true },
        },
      },
    }),
    liveFleet(actor),
    clusterWorkloads(name),
  ]);
  if (!cluster) throw new AppError("NOT_FOUND", `No cluster named ${name}.`);
  const live = fleet.data?.clusters.find((c) => c.name === name) ?? null;
  const teamOf = new Map(cluster.namespaces.map((n) => [n.name, n.team.name]));
  return {
    name: cluster.name,
    regionCode: cluster.region.code,
    provider: cluster.provider,
    k8sVersion: cluster.k8sVersion,
    status: live?.status ?? cluster.status,
    live,
    namespaces: (fleet.data?.namespaces ?? [])
      .filter((n) => n.cluster === name)
      .map((n) => ({ ...n, team: teamOf.get(n.name) ?? n.team ?? null })),
    autoscalers: (fleet.data?.autoscalers ?? []).filter((h) => h.cluster === name),
    trainingJobs: cluster.trainingJobs,
    ...serving,
    readAt: fleet.readAt,
    error: fleet.error,
  };
}
