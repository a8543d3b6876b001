import "server-only";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import type { FleetFilter } from "@/lib/schemas/list-query";
import { assertCanRead } from "@/server/access/authorize";
import { clusterWhere, environmentWhere } from "@/server/db/filters";
import { sloStatusCounts } from "@/server/slos/queries";
import type { SloStatus } from "@/lib/domain/slos/budget";
import { gpuTotals, liveFleet } from "@/server/fleet/platform";

export const ACTIVE_ROLLOUT_STATUSES = [
  "pending",
  "progressing",
  "paused",
  "analyzing",
  "degraded",
] as const;
export const OPEN_INCIDENT_STATUSES = ["triage", "investigating", "mitigated"] as const;

export interface OverviewDto {
  regions: number;
  clusters: number;
  /** live from the platform; null when it has never answered */
  gpus: {
    total: number;
    allocatable: number;
    allocated: number;
    nodes: number;
    readyNodes: number;
  } | null;
  gpuByType: { gpuType: string; total: number; allocatable: number; allocated: number }[];
  /** when the live fleet was read, and why the latest read failed if it did */
  fleetReadAt: Date | null;
  fleetError: string | null;
  models: number;
  modelVersions: number;
  deployments: number;
  activeRollouts: number;
  rolloutsLast30d: number;
  rolledBackLast30d: number;
  slos: number;
  openIncidents: number;
  incidentsLast30d: number;
  trainingRunning: number;
  trainingJobs: number;
  sloStatus: Record<SloStatus, number>;
}

export async function getOverview(actor: Actor | null, filter: FleetFilter): Promise<OverviewDto> {
  assertCanRead(actor);
  const prisma = db();
  const since = new Date(clock.ms() - 30 * 24 * 3600 * 1000);
  const clusters = clusterWhere(filter);
  const envs = environmentWhere(filter);
  const incidentRegion = filter.region ? { regionCode: filter.region } : {};
  const [
    regions,
    clusterCount,
    fleet,
    models,
    modelVersions,
    deployments,
    activeRollouts,
    rolloutsLast30d,
    rolledBackLast30d,
    slos,
    openIncidents,
    incidentsLast30d,
    trainingRunning,
    trainingJobs,
    sloStatus,
  ] = await Promise.all([
    prisma.region.count({ where: filter.region ? { code: filter.region } : {} }),
    prisma.cluster.count({ where: clusters }),
    liveFleet(actor, filter),
    prisma.model.count(),
    prisma.modelVersion.count(),
    prisma.deployment.count({ where: { environment: envs } }),
    prisma.rollout.count({
      where: { environment: envs, status: { in: [...ACTIVE_ROLLOUT_STATUSES] } },
    }),
    prisma.rollout.count({ where: { environment: envs, createdAt: { gte: since } } }),
    prisma.rollout.count({
      where: { environment: envs, createdAt: { gte: since }, status: "rolled_back" },
    }),
    prisma.slo.count(),
    prisma.incident.count({
      where: { ...incidentRegion, status: { in: [...OPEN_INCIDENT_STATUSES] } },
    }),
    prisma.incident.count({ where: { ...incidentRegion, detectedAt: { gte: since } } }),
    prisma.trainingJob.count({ where: { cluster: clusters, status: "running" } }),
    prisma.trainingJob.count({ where: { cluster: clusters } }),
    sloStatusCounts(actor),
  ]);
  const gpu = fleet.data ? gpuTotals(fleet.data.clusters) : null;
  return {
    regions,
    clusters: clusterCount,
    gpus: gpu,
    gpuByType: gpu?.byType ?? [],
    fleetReadAt: fleet.readAt,
    fleetError: fleet.error,
    models,
    modelVersions,
    deployments,
    activeRollouts,
    rolloutsLast30d,
    rolledBackLast30d,
    slos,
    openIncidents,
    incidentsLast30d,
    trainingRunning,
    trainingJobs,
    sloStatus,
  };
}

export async function listRegions(actor: Actor | null) {
  assertCanRead(actor);
  return db().region.findMany({ select: { code: true, name: true }, orderBy: { code: "asc" } });
}
