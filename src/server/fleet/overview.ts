import "server-only";
import { clock } from "@/lib/clock";
import { Prisma, db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import type { FleetFilter } from "@/lib/schemas/list-query";
import { assertCanRead } from "@/server/access/authorize";
import { sloStatusCounts } from "@/server/slos/queries";
import type { SloStatus } from "@/lib/domain/slos/budget";
import { gpuTotals, liveFleet } from "@/server/fleet/platform";
import { ACTIVE } from "@/lib/domain/rollouts/state-machine";
import { OPEN_INCIDENT_STATUSES } from "@/lib/domain/incidents/lifecycle";

/** The Overview's counts under the header's filter (`overviewCounts`). */
interface OverviewCounts {
  regions: number;
  clusters: number;
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
}

export interface OverviewDto extends OverviewCounts {
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
  sloStatus: Record<SloStatus, number>;
}

/**
 * The Overview's counts under the header's filter, in one statement: thirteen counts were
 * thirteen round trips on every Overview (and its refresh every 10 s), each a query sent,
 * answered and mapped by the one event loop that renders every page. The region narrows
 * regions, clusters, the environments of deployments and rollouts, training jobs' clusters and
 * incidents' regions; the environment tier narrows deployments and rollouts.
 */
async function overviewCounts(filter: FleetFilter, since: Date): Promise<OverviewCounts> {
  const region = filter.region ?? null;
  const tier = filter.env ?? null;
  // Unfiltered, every row counts: no join to the environments or clusters at all.
  const inEnvs =
    region || tier ? Prisma.sql`"environmentId" IN (SELECT id FROM envs)` : Prisma.sql`TRUE`;
  const inClusters = region
    ? Prisma.sql`"clusterId" IN (SELECT id FROM clusters)`
    : Prisma.sql`TRUE`;
  const inRegion = region ? Prisma.sql`"regionCode" = ${region}` : Prisma.sql`TRUE`;
  const [row] = await db().$queryRaw<OverviewCounts[]>`
    WITH regions AS (
      SELECT id FROM "Region" WHERE ${region}::text IS NULL OR code = ${region}::text
    ),
    clusters AS (SELECT id FROM "Cluster" WHERE "regionId" IN (SELECT id FROM regions)),
    envs AS (
      SELECT id FROM "Environment"
      WHERE "regionId" IN (SELECT id FROM regions)
        AND (${tier}::text IS NULL OR tier::text = ${tier}::text)
    )
    SELECT
      (SELECT count(*) FROM regions)::int AS regions,
      (SELECT count(*) FROM clusters)::int AS clusters,
      (SELECT count(*) FROM "Model")::int AS models,
      (SELECT count(*) FROM "ModelVersion")::int AS "modelVersions",
      (SELECT count(*) FROM "Deployment" WHERE ${inEnvs})::int AS deployments,
      (SELECT count(*) FROM "Rollout" WHERE ${inEnvs}
         AND status = ANY(${[...ACTIVE]}::"RolloutStatus"[]))::int
        AS "activeRollouts",
      (SELECT count(*) FROM "Rollout" WHERE ${inEnvs} AND "createdAt" >= ${since})::int
        AS "rolloutsLast30d",
      (SELECT count(*) FROM "Rollout" WHERE ${inEnvs} AND "createdAt" >= ${since}
         AND status = 'rolled_back')::int AS "rolledBackLast30d",
      (SELECT count(*) FROM "Slo")::int AS slos,
      (SELECT count(*) FROM "Incident" WHERE ${inRegion}
         AND status = ANY(${[...OPEN_INCIDENT_STATUSES]}::"IncidentStatus"[]))::int
        AS "openIncidents",
      (SELECT count(*) FROM "Incident" WHERE ${inRegion} AND "detectedAt" >= ${since})::int
        AS "incidentsLast30d",
      (SELECT count(*) FROM "TrainingJob" WHERE ${inClusters} AND status = 'running')::int
        AS "trainingRunning",
      (SELECT count(*) FROM "TrainingJob" WHERE ${inClusters})::int AS "trainingJobs"`;
  if (!row) throw new Error("the overview's counts returned no row");
  return row;
}

export async function getOverview(actor: Actor | null, filter: FleetFilter): Promise<OverviewDto> {
  assertCanRead(actor);
  const since = new Date(clock.ms() - 30 * 24 * 3600 * 1000);
  const [counts, fleet, sloStatus] = await Promise.all([
    overviewCounts(filter, since),
    liveFleet(actor, filter),
    sloStatusCounts(actor),
  ]);
  const gpu = fleet.data ? gpuTotals(fleet.data.clusters) : null;
  return {
    ...counts,
    gpus: gpu,
    gpuByType: gpu?.byType ?? [],
    fleetReadAt: fleet.readAt,
    fleetError: fleet.error,
    sloStatus,
  };
}

export async function listRegions(actor: Actor | null) {
  assertCanRead(actor);
  return db().region.findMany({ select: { code: true, name: true }, orderBy: { code: "asc" } });
}
