import "server-only";
import { Prisma, db } from "@/server/db/client";
import { clock } from "@/lib/clock";
import type { Actor } from "@/server/auth/session";
import { assertCanRead } from "@/server/access/authorize";
import { liveFleet } from "@/server/fleet/platform";
import { poolKey, poolsOf } from "@/server/capacity/pools";
import { capacityFilterSchema, type CapacityFilter } from "@/lib/schemas/capacity";
import type { NamespaceState } from "@/lib/platform/types";
import { fragmentation, type Fragmentation } from "@/lib/domain/capacity/fragmentation";
import type { TeamNamespace } from "@/lib/domain/capacity/placement";
import {
  fleetSplit,
  splitBy,
  type GpuSplit,
  type PoolCapacity,
  type SplitGroup,
} from "@/lib/domain/capacity/split";
import {
  HOUR_MS,
  NO_QUOTA_HISTORY,
  historyStats,
  hourOf,
  hourSeries,
  teamQuotaHistory,
  teamUsage,
  topConsumers,
  type Consumer,
  type HistoryStats,
  type HourPoint,
  type TeamQuotaHistory,
  type TeamUsage,
} from "@/lib/domain/capacity/usage";

/** Hours of history the page shows. */
export const HISTORY_HOURS = 30 * 24;
/** Rows of the by-cluster table and of each top list. */
export const CLUSTER_ROWS = 25;
export const TOP_CONSUMERS = 8;
export const FRAGMENTED_ROWS = 12;

/**
 * The page's filters: the API's (GPU type, region) and a cluster, whose 30 days come from its
 * pools' hourly rollups. Like the others, a malformed cluster name means no filter.
 */
/** The page's filters are the API's (type, region, cluster). */
export const capacityPageFilterSchema = capacityFilterSchema;
export type CapacityPageFilter = CapacityFilter;

export interface FragmentedPool extends Fragmentation {
  cluster: string;
  region: string;
  pool: string;
  gpuType: string;
  gpusPerNode: number;
}

export interface CapacityOverview {
  filter: CapacityPageFilter;
  /** when the live figures were read; null when the platform never answered */
  readAt: Date | null;
  error: string | null;
  now: Date;
  fleet: GpuSplit;
  pools: number;
  byType: SplitGroup[];
  byRegion: SplitGroup[];
  /** the largest clusters first, at most CLUSTER_ROWS */
  byCluster: (SplitGroup & { region: string })[];
  clusters: number;
  /** pools with free GPUs a gang of whole nodes cannot use, the most stranded first */
  fragmented: FragmentedPool[];
  /**
   * Each team now (its namespaces within the filters) and over the history's hours (the whole
   * fleet's: the team rollups have no region, type or cluster); `gpuHours` is
   * `quotaHistory.gpuHours`.
   */
  teams: (TeamUsage & { name: string; gpuHours: number; quotaHistory: TeamQuotaHistory })[];
  consumers: { teams: Consumer[]; jobs: Consumer[]; models: Consumer[] };
  history: HourPoint[];
  stats: HistoryStats;
  options: {
    gpuTypes: string[];
    regions: string[];
    /** the live clusters (in the region, when filtered) */
    clusters: string[];
    teams: { slug: string; name: string }[];
  };
}

/** The team each live namespace belongs to: the inventory's owner, else the platform's label. */
export async function teamNamespaces(
  namespaces: readonly NamespaceState[],
): Promise<TeamNamespace[]> {
  // one plain join: thousands of namespaces at fleet scale
  const owners = await db().$queryRaw<{ key: string; team: string }[]>`
    SELECT c.name || '/' || n.name AS key, t.slug AS team
    FROM "Namespace" n JOIN "Cluster" c ON c.id = n."clusterId" JOIN "Team" t ON t.id = n."teamId"`;
  const teamOf = new Map(owners.map((n) => [n.key, n.team]));
  return namespaces.flatMap((n) => {
    const team = teamOf.get(`${n.cluster}/${n.name}`) ?? n.team;
    return team
      ? [{ cluster: n.cluster, namespace: n.name, team, quota: n.gpuQuota, used: n.gpuUsed }]
      : [];
  });
}

/**
 * GPUs per node the inventory recorded for pools the platform's figures do not tell (a pool
 * scaled to zero reports no node to read them from): one statement, and only when some pool
 * needs it.
 */
async function recordedShapes(pools: readonly PoolCapacity[]): Promise<Map<string, number>> {
  const rows = await db().$queryRaw<{ cluster: string; pool: string; gpusPerNode: number }[]>`
    SELECT c.name AS cluster, np.name AS pool, np."gpusPerNode"
    FROM unnest(${pools.map((p) => p.cluster)}::text[], ${pools.map((p) => p.pool)}::text[])
      AS x(cluster, pool)
    JOIN "Cluster" c ON c.name = x.cluster
    JOIN "NodePool" np ON np."clusterId" = c.id AND np.name = x.pool
    WHERE np."gpusPerNode" > 0`;
  return new Map(rows.map((r) => [poolKey(r.cluster, r.pool), r.gpusPerNode]));
}

/** The live pools, filtered by region (liveFleet), cluster and GPU type. */
export async function livePools(actor: Actor, filter: CapacityPageFilter) {
  const fleet = await liveFleet(actor, { region: filter.region });
  const clusters = (fleet.data?.clusters ?? []).filter(
    (c) => !filter.cluster || c.name === filter.cluster,
  );
  const ofType = (pools: PoolCapacity[]) =>
    pools.filter((p) => !filter.type || p.gpuType === filter.type);
  let pools = ofType(poolsOf(clusters));
  const unknown = pools.filter((p) => p.gpusPerNode === 0);
  if (unknown.length > 0) pools = ofType(poolsOf(clusters, await recordedShapes(unknown)));
  return { fleet, pools };
}

type HourRow = { hour: Date } & GpuSplit;

/**
 * The history's hours summed: by region and GPU type (GpuTypeHour: a few dozen rows an hour),
 * or, for one cluster, its pools' hours (GpuPoolHour, by its key's cluster prefix).
 */
export async function fleetHistory(filter: CapacityPageFilter, now: Date): Promise<HourRow[]> {
  const from = new Date(hourOf(now).getTime() - (HISTORY_HOURS - 1) * HOUR_MS);
  const table = filter.cluster ? Prisma.sql`"GpuPoolHour"` : Prisma.sql`"GpuTypeHour"`;
  return db().$queryRaw<HourRow[]>`
    SELECT hour, sum(total)::float8 AS total, sum(serving)::float8 AS serving,
           sum(training)::float8 AS training, sum(other)::float8 AS other,
           sum(idle)::float8 AS idle, sum(unavailable)::float8 AS unavailable
    FROM ${table}
    WHERE hour >= ${from.toISOString()}::timestamp AND hour <= ${now.toISOString()}::timestamp
      ${filter.cluster ? Prisma.sql`AND cluster = ${filter.cluster}` : Prisma.empty}
      ${filter.type ? Prisma.sql`AND "gpuType" = ${filter.type}::"GpuType"` : Prisma.empty}
      ${filter.region ? Prisma.sql`AND region = ${filter.region}` : Prisma.empty}
    GROUP BY hour
    ORDER BY hour`;
}

/**
 * Each team's use against its quotas over the history's hours: GPU-hours, their share of the
 * quota's GPU-hours, and the hour with the largest share. One grouped scan of the team rollups:
 * the peak and its hour are the max of [share, −epoch] (the earliest of equal shares), hashed
 * rather than sorting every team's hours (30 teams × 720 hours: 9 ms, 25 ms sorted).
 */
async function teamQuotaHistories(now: Date): Promise<Map<string, TeamQuotaHistory>> {
  const from = new Date(hourOf(now).getTime() - (HISTORY_HOURS - 1) * HOUR_MS);
  const rows = await db().$queryRaw<
    {
      team: string;
      hours: number;
      used: number;
      usedUnderQuota: number;
      quota: number;
      peak: number | null;
      peakHour: Date | null;
    }[]
  >`
    SELECT team, hours, used, "usedUnderQuota", quota, peak[1] AS peak,
           to_timestamp(-peak[2]) AT TIME ZONE 'UTC' AS "peakHour"
    FROM (SELECT team, count(*)::int AS hours, sum(used)::float8 AS used,
                 coalesce(sum(used) FILTER (WHERE quota > 0), 0)::float8 AS "usedUnderQuota",
                 sum(quota)::float8 AS quota,
                 max(ARRAY[used / quota, -date_part('epoch', hour)])
                   FILTER (WHERE quota > 0) AS peak
          FROM "GpuTeamHour"
          WHERE hour >= ${from.toISOString()}::timestamp
            AND hour <= ${now.toISOString()}::timestamp
          GROUP BY team) AS t`;
  return new Map(rows.map((r) => [r.team, teamQuotaHistory(r)]));
}

async function jobConsumers(filter: CapacityPageFilter): Promise<Consumer[]> {
  const cluster = {
    ...(filter.region ? { region: { code: filter.region } } : {}),
    ...(filter.cluster ? { name: filter.cluster } : {}),
  };
  const jobs = await db().trainingJob.findMany({
    where: {
      status: { in: ["running", "checkpointing"] },
      ...(filter.type ? { gpuType: filter.type } : {}),
      ...(filter.region || filter.cluster ? { cluster } : {}),
    },
    orderBy: [{ gpuCount: "desc" }, { name: "asc" }],
    take: 200,
    select: {
      name: true,
      gpuCount: true,
      gpuType: true,
      team: { select: { name: true } },
      cluster: { select: { name: true } },
    },
  });
  return topConsumers(
    jobs.map((j) => ({
      name: j.name,
      gpus: j.gpuCount,
      detail: `${j.team.name} · ${j.gpuType} on ${j.cluster.name}`,
    })),
    TOP_CONSUMERS,
  );
}

/**
 * Serving GPUs per model: ready replicas times the GPUs per replica its registry entry declares
 * (`resources.gpu`); the registry does not record the replicas' GPU type, so not by type.
 */
async function modelConsumers(filter: CapacityPageFilter): Promise<Consumer[]> {
  const where = [
    ...(filter.region ? [Prisma.sql`r.code = ${filter.region}`] : []),
    ...(filter.cluster ? [Prisma.sql`c.name = ${filter.cluster}`] : []),
  ];
  const rows = await db().$queryRaw<{ name: string; team: string; gpus: number }[]>`
    SELECT m.name, t.name AS team,
           sum(d."readyReplicas" * coalesce((m.resources->>'gpu')::int, 0))::int AS gpus
    FROM "Deployment" d
    JOIN "Model" m ON m.id = d."modelId"
    JOIN "Team" t ON t.id = m."teamId"
    JOIN "Cluster" c ON c.id = d."clusterId"
    JOIN "Region" r ON r.id = c."regionId"
    ${where.length > 0 ? Prisma.sql`WHERE ${Prisma.join(where, " AND ")}` : Prisma.empty}
    GROUP BY m.name, t.name`;
  return topConsumers(
    rows.map((r) => ({ name: r.name, gpus: r.gpus, detail: r.team })),
    TOP_CONSUMERS,
  );
}

function fragmentedPools(pools: readonly PoolCapacity[]): FragmentedPool[] {
  return pools
    .flatMap((p) => {
      if (!p.nodeGpus) return [];
      const f = fragmentation(p.nodeGpus, p.gpusPerNode);
      return f.stranded > 0
        ? [
            {
              cluster: p.cluster,
              region: p.region,
              pool: p.pool,
              gpuType: p.gpuType,
              gpusPerNode: p.gpusPerNode,
              ...f,
            },
          ]
        : [];
    })
    .sort(
      (a, b) =>
        b.stranded - a.stranded ||
        (a.cluster < b.cluster ? -1 : a.cluster > b.cluster ? 1 : 0) ||
        (a.pool < b.pool ? -1 : 1),
    )
    .slice(0, FRAGMENTED_ROWS);
}

/**
 * The Capacity page: the fleet's GPUs now by type, region and cluster, split five ways (live from
 * the platform), fragmentation, teams against their quotas now and over 30 days, the top
 * consumers, and 30 days of hourly history (the fleet sync's rollups by region and GPU type, or
 * one cluster's pools: one grouped range scan, never raw samples).
 */
export async function capacityOverview(
  actor: Actor | null,
  filter: CapacityPageFilter,
  now: Date = clock.now(),
): Promise<CapacityOverview> {
  assertCanRead(actor);
  const [{ fleet, pools }, rows, quotaHistory, jobs, models, teams, regions] = await Promise.all([
    livePools(actor, filter),
    fleetHistory(filter, now),
    teamQuotaHistories(now),
    jobConsumers(filter),
    modelConsumers(filter),
    db().team.findMany({ orderBy: { name: "asc" }, select: { slug: true, name: true } }),
    db().region.findMany({ orderBy: { code: "asc" }, select: { code: true } }),
  ]);
  const teamName = new Map(teams.map((t) => [t.slug, t.name]));
  const namespaces = (fleet.data?.namespaces ?? []).filter(
    (n) => !filter.cluster || n.cluster === filter.cluster,
  );
  const usage = teamUsage(await teamNamespaces(namespaces)).map((t) => {
    const q = quotaHistory.get(t.team) ?? NO_QUOTA_HISTORY;
    return { ...t, name: teamName.get(t.team) ?? t.team, gpuHours: q.gpuHours, quotaHistory: q };
  });
  const regionOf = new Map(pools.map((p) => [p.cluster, p.region]));
  const byCluster = splitBy(pools, (p) => p.cluster);
  const history = hourSeries(rows, now, HISTORY_HOURS);
  const types = new Set(poolsOf(fleet.data?.clusters ?? []).map((p) => p.gpuType as string));
  const clusterNames = new Set((fleet.data?.clusters ?? []).map((c) => c.name));
  if (filter.cluster) clusterNames.add(filter.cluster);
  return {
    filter,
    readAt: fleet.readAt,
    error: fleet.error,
    now,
    fleet: fleetSplit(pools),
    pools: pools.length,
    byType: splitBy(pools, (p) => p.gpuType),
    byRegion: splitBy(pools, (p) => p.region),
    byCluster: byCluster
      .slice(0, CLUSTER_ROWS)
      .map((g) => ({ ...g, region: regionOf.get(g.key) ?? "" })),
    clusters: byCluster.length,
    fragmented: fragmentedPools(pools),
    teams: usage,
    consumers: {
      teams: topConsumers(
        usage.map((t) => ({ name: t.name, gpus: t.used })),
        TOP_CONSUMERS,
      ),
      jobs,
      models,
    },
    history,
    stats: historyStats(history),
    options: {
      gpuTypes: [...types].sort(),
      regions: regions.map((r) => r.code),
      clusters: [...clusterNames].sort(),
      teams,
    },
  };
}
