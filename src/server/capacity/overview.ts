import "server-only";
import { Prisma, db } from "@/server/db/client";
import { clock } from "@/lib/clock";
import type { Actor } from "@/server/auth/session";
import { assertCanRead } from "@/server/access/authorize";
import { liveFleet } from "@/server/fleet/platform";
import { poolsOf } from "@/server/capacity/pools";
import type { CapacityFilter } from "@/lib/schemas/capacity";
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
  historyStats,
  hourOf,
  hourSeries,
  teamUsage,
  topConsumers,
  type Consumer,
  type HistoryStats,
  type HourPoint,
  type TeamUsage,
} from "@/lib/domain/capacity/usage";

/** Hours of history the page shows. */
export const HISTORY_HOURS = 30 * 24;
/** Rows of the by-cluster table and of each top list. */
export const CLUSTER_ROWS = 25;
export const TOP_CONSUMERS = 8;
export const FRAGMENTED_ROWS = 12;

export interface FragmentedPool extends Fragmentation {
  cluster: string;
  region: string;
  pool: string;
  gpuType: string;
  gpusPerNode: number;
}

export interface CapacityOverview {
  filter: CapacityFilter;
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
  teams: (TeamUsage & { name: string; gpuHours: number })[];
  consumers: { teams: Consumer[]; jobs: Consumer[]; models: Consumer[] };
  history: HourPoint[];
  stats: HistoryStats;
  options: { gpuTypes: string[]; regions: string[]; teams: { slug: string; name: string }[] };
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

/** The live pools, filtered by region (liveFleet) and GPU type. */
export async function livePools(actor: Actor, filter: CapacityFilter) {
  const fleet = await liveFleet(actor, { region: filter.region });
  const pools = poolsOf(fleet.data?.clusters ?? []).filter(
    (p) => !filter.type || p.gpuType === filter.type,
  );
  return { fleet, pools };
}

type HourRow = { hour: Date } & GpuSplit;

export async function fleetHistory(filter: CapacityFilter, now: Date): Promise<HourRow[]> {
  const from = new Date(hourOf(now).getTime() - (HISTORY_HOURS - 1) * HOUR_MS);
  return db().$queryRaw<HourRow[]>`
    SELECT hour, sum(total)::float8 AS total, sum(serving)::float8 AS serving,
           sum(training)::float8 AS training, sum(other)::float8 AS other,
           sum(idle)::float8 AS idle, sum(unavailable)::float8 AS unavailable
    FROM "GpuTypeHour"
    WHERE hour >= ${from.toISOString()}::timestamp AND hour <= ${now.toISOString()}::timestamp
      ${filter.type ? Prisma.sql`AND "gpuType" = ${filter.type}::"GpuType"` : Prisma.empty}
      ${filter.region ? Prisma.sql`AND region = ${filter.region}` : Prisma.empty}
    GROUP BY hour
    ORDER BY hour`;
}

/** GPU-hours each team used over the history's hours (the sum of its hourly means). */
async function teamGpuHours(now: Date): Promise<Map<string, number>> {
  const from = new Date(hourOf(now).getTime() - (HISTORY_HOURS - 1) * HOUR_MS);
  const rows = await db().$queryRaw<{ team: string; hours: number }[]>`
    SELECT team, sum(used)::float8 AS hours FROM "GpuTeamHour"
    WHERE hour >= ${from.toISOString()}::timestamp
    GROUP BY team`;
  return new Map(rows.map((r) => [r.team, r.hours]));
}

async function jobConsumers(filter: CapacityFilter): Promise<Consumer[]> {
  const jobs = await db().trainingJob.findMany({
    where: {
      status: { in: ["running", "checkpointing"] },
      ...(filter.type ? { gpuType: filter.type } : {}),
      ...(filter.region ? { cluster: { region: { code: filter.region } } } : {}),
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
async function modelConsumers(filter: CapacityFilter): Promise<Consumer[]> {
  const rows = await db().$queryRaw<{ name: string; team: string; gpus: number }[]>`
    SELECT m.name, t.name AS team,
           sum(d."readyReplicas" * coalesce((m.resources->>'gpu')::int, 0))::int AS gpus
    FROM "Deployment" d
    JOIN "Model" m ON m.id = d."modelId"
    JOIN "Team" t ON t.id = m."teamId"
    JOIN "Cluster" c ON c.id = d."clusterId"
    JOIN "Region" r ON r.id = c."regionId"
    ${filter.region ? Prisma.sql`WHERE r.code = ${filter.region}` : Prisma.empty}
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
 * the platform), fragmentation, teams against their quotas, the top consumers, and 30 days of
 * hourly history (the fleet sync's rollups by region and GPU type: one grouped range scan of a
 * few dozen rows an hour, never raw samples).
 */
export async function capacityOverview(
  actor: Actor | null,
  filter: CapacityFilter,
  now: Date = clock.now(),
): Promise<CapacityOverview> {
  assertCanRead(actor);
  const [{ fleet, pools }, rows, gpuHours, jobs, models, teams, regions] = await Promise.all([
    livePools(actor, filter),
    fleetHistory(filter, now),
    teamGpuHours(now),
    jobConsumers(filter),
    modelConsumers(filter),
    db().team.findMany({ orderBy: { name: "asc" }, select: { slug: true, name: true } }),
    db().region.findMany({ orderBy: { code: "asc" }, select: { code: true } }),
  ]);
  const teamName = new Map(teams.map((t) => [t.slug, t.name]));
  const usage = teamUsage(await teamNamespaces(fleet.data?.namespaces ?? [])).map((t) => ({
    ...t,
    name: teamName.get(t.team) ?? t.team,
    gpuHours: gpuHours.get(t.team) ?? 0,
  }));
  const regionOf = new Map(pools.map((p) => [p.cluster, p.region]));
  const byCluster = splitBy(pools, (p) => p.cluster);
  const history = hourSeries(rows, now, HISTORY_HOURS);
  const types = new Set(poolsOf(fleet.data?.clusters ?? []).map((p) => p.gpuType as string));
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
      teams,
    },
  };
}
