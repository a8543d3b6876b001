import "server-only";
import { addSplits, emptySplit, poolSplit, type GpuSplit } from "@/lib/domain/capacity/split";
import { HOUR_MS, hourOf } from "@/lib/domain/capacity/usage";
import type { Tx } from "@/server/db/tx";
import type { ClusterState, NamespaceState } from "@/lib/platform/types";
import { poolsOf } from "@/server/capacity/pools";

/** How long hourly rollups are kept. */
export const ROLLUP_RETENTION_DAYS = 90;

/**
 * How long a cluster out of reach counts in the sums with its last known figures: long enough
 * for an outage of its API, short enough that a cluster gone without leaving the inventory
 * does not count for days.
 */
export const CARRY_STALE_HOURS = 24;

export interface CapacitySample {
  at: Date;
  /** clusters whose data is current: a stale cluster's last figures are never sampled again */
  clusters: readonly ClusterState[];
  namespaces: readonly NamespaceState[];
}

/**
 * Adds one sample of the fleet to the hour it falls in: each pool's GPUs by state (and their
 * sums by region and GPU type), and each team's GPUs in use against its quotas, as running
 * averages over the hour's samples. One statement each, whatever the fleet's size; a sample at
 * or before the hour's last one changes nothing, so a sync that runs twice for one moment counts
 * once. Rows older than the retention go in the same pass.
 *
 * A cluster of the inventory that is out of reach (not in the sample) has no pool rows for the
 * hour (a gap in its own history), but the sums by region and GPU type and the teams' figures
 * carry its last known ones (its newest pool hours within CARRY_STALE_HOURS, its namespaces'
 * last synced use and quotas): an unreachable cluster is not lost capacity. A sample with no
 * cluster at all carries nothing: the hour stays a gap, as when the sync does not run.
 */
export async function recordCapacitySample(tx: Tx, sample: CapacitySample): Promise<void> {
  const hour = hourOf(sample.at).toISOString();
  const at = sample.at.toISOString();
  const pools = poolsOf(sample.clusters);
  const sampled = sample.clusters.map((c) => c.name);
  // The inventory's clusters not in the sample (rarely any), each with the pools of its newest
  // hour (a pool it no longer had then is not carried), read by the rows' cluster prefix.
  const carryFrom = new Date(hourOf(sample.at).getTime() - CARRY_STALE_HOURS * HOUR_MS);
  const carried =
    sampled.length > 0
      ? await tx.$queryRaw<({ cluster: string; region: string; gpuType: string } & GpuSplit)[]>`
          SELECT cluster, region, "gpuType", total, serving, training, other, idle, unavailable
          FROM (SELECT h.cluster, h.region, h."gpuType"::text AS "gpuType", h.hour, h.total,
                       h.serving, h.training, h.other, h.idle, h.unavailable,
                       max(h.hour) OVER (PARTITION BY h.cluster) AS newest
                FROM "Cluster" c
                JOIN "GpuPoolHour" h ON h.cluster = c.name
                  AND h.hour >= ${carryFrom.toISOString()}::timestamp
                  AND h.hour <= ${hour}::timestamp
                WHERE c.name <> ALL(${sampled}::text[])) AS x
          WHERE hour = newest`
      : [];
  if (pools.length > 0) {
    const splits = pools.map((p) => poolSplit(p));
    const col = (k: keyof (typeof splits)[number]) => splits.map((s) => s[k]);
    await tx.$executeRaw`
      INSERT INTO "GpuPoolHour" AS h (hour, cluster, pool, region, "gpuType", samples, "lastSampleAt",
        total, serving, training, other, idle, unavailable)
      SELECT ${hour}::timestamp, c, p, r, t::"GpuType", 1, ${at}::timestamp, tot, s, tr, o, i, u
      FROM unnest(${pools.map((p) => p.cluster)}::text[], ${pools.map((p) => p.pool)}::text[],
                  ${pools.map((p) => p.region)}::text[], ${pools.map((p) => p.gpuType)}::text[],
                  ${col("total")}::float8[], ${col("serving")}::float8[],
                  ${col("training")}::float8[], ${col("other")}::float8[],
                  ${col("idle")}::float8[], ${col("unavailable")}::float8[])
        AS x(c, p, r, t, tot, s, tr, o, i, u)
      ON CONFLICT (cluster, pool, hour) DO UPDATE SET
        total = (h.total * h.samples + EXCLUDED.total) / (h.samples + 1),
        serving = (h.serving * h.samples + EXCLUDED.serving) / (h.samples + 1),
        training = (h.training * h.samples + EXCLUDED.training) / (h.samples + 1),
        other = (h.other * h.samples + EXCLUDED.other) / (h.samples + 1),
        idle = (h.idle * h.samples + EXCLUDED.idle) / (h.samples + 1),
        unavailable = (h.unavailable * h.samples + EXCLUDED.unavailable) / (h.samples + 1),
        region = EXCLUDED.region,
        "gpuType" = EXCLUDED."gpuType",
        samples = h.samples + 1,
        "lastSampleAt" = EXCLUDED."lastSampleAt"
      WHERE h."lastSampleAt" < EXCLUDED."lastSampleAt"`;
  }

  // The same sample summed by region and GPU type, with the carried clusters: what the page's
  // history reads.
  if (pools.length > 0 || carried.length > 0) {
    const byKey = new Map<string, { region: string; gpuType: string; split: GpuSplit }>();
    const add = (region: string, gpuType: string, split: GpuSplit) => {
      const key = `${region}/${gpuType}`;
      const g = byKey.get(key) ?? { region, gpuType, split: emptySplit() };
      g.split = addSplits(g.split, split);
      byKey.set(key, g);
    };
    for (const p of pools) add(p.region, p.gpuType, poolSplit(p));
    for (const c of carried) add(c.region, c.gpuType, c);
    const groups = [...byKey.values()];
    const col = (k: keyof GpuSplit) => groups.map((g) => g.split[k]);
    await tx.$executeRaw`
      INSERT INTO "GpuTypeHour" AS h (hour, region, "gpuType", samples, "lastSampleAt",
        total, serving, training, other, idle, unavailable)
      SELECT ${hour}::timestamp, r, t::"GpuType", 1, ${at}::timestamp, tot, s, tr, o, i, u
      FROM unnest(${groups.map((g) => g.region)}::text[], ${groups.map((g) => g.gpuType)}::text[],
                  ${col("total")}::float8[], ${col("serving")}::float8[],
                  ${col("training")}::float8[], ${col("other")}::float8[],
                  ${col("idle")}::float8[], ${col("unavailable")}::float8[])
        AS x(r, t, tot, s, tr, o, i, u)
      ON CONFLICT (region, "gpuType", hour) DO UPDATE SET
        total = (h.total * h.samples + EXCLUDED.total) / (h.samples + 1),
        serving = (h.serving * h.samples + EXCLUDED.serving) / (h.samples + 1),
        training = (h.training * h.samples + EXCLUDED.training) / (h.samples + 1),
        other = (h.other * h.samples + EXCLUDED.other) / (h.samples + 1),
        idle = (h.idle * h.samples + EXCLUDED.idle) / (h.samples + 1),
        unavailable = (h.unavailable * h.samples + EXCLUDED.unavailable) / (h.samples + 1),
        samples = h.samples + 1,
        "lastSampleAt" = EXCLUDED."lastSampleAt"
      WHERE h."lastSampleAt" < EXCLUDED."lastSampleAt"`;
  }

  // Teams: the inventory says whose a namespace is; a cluster's own label where it does not.
  const owners = await tx.$queryRaw<{ key: string; team: string }[]>`
    SELECT c.name || '/' || n.name AS key, t.slug AS team
    FROM "Namespace" n JOIN "Cluster" c ON c.id = n."clusterId" JOIN "Team" t ON t.id = n."teamId"`;
  const teamOf = new Map(owners.map((n) => [n.key, n.team]));
  const teams = new Map<string, { used: number; quota: number }>();
  const count = (team: string, used: number, quota: number) => {
    const t = teams.get(team) ?? { used: 0, quota: 0 };
    t.used += used;
    t.quota += quota;
    teams.set(team, t);
  };
  const current = new Set(sampled);
  for (const n of sample.namespaces) {
    if (!current.has(n.cluster)) continue;
    const team = teamOf.get(`${n.cluster}/${n.name}`) ?? n.team;
    if (team) count(team, n.gpuUsed, n.gpuQuota);
  }
  // A carried cluster's namespaces count with the use and quotas the sync last wrote for them
  // (read only when a cluster is carried).
  const carriedClusters = [...new Set(carried.map((c) => c.cluster))];
  if (carriedClusters.length > 0) {
    const last = await tx.$queryRaw<{ team: string; used: number; quota: number }[]>`
      SELECT t.slug AS team, sum(n."gpuUsed")::float8 AS used, sum(n."gpuQuota")::float8 AS quota
      FROM "Namespace" n JOIN "Cluster" c ON c.id = n."clusterId" JOIN "Team" t ON t.id = n."teamId"
      WHERE c.name = ANY(${carriedClusters}::text[])
      GROUP BY t.slug`;
    for (const t of last) count(t.team, t.used, t.quota);
  }
  if (teams.size > 0) {
    const rows = [...teams.entries()];
    await tx.$executeRaw`
      INSERT INTO "GpuTeamHour" AS h (hour, team, samples, "lastSampleAt", used, quota)
      SELECT ${hour}::timestamp, t, 1, ${at}::timestamp, u, q
      FROM unnest(${rows.map(([t]) => t)}::text[], ${rows.map(([, v]) => v.used)}::float8[],
                  ${rows.map(([, v]) => v.quota)}::float8[]) AS x(t, u, q)
      ON CONFLICT (team, hour) DO UPDATE SET
        used = (h.used * h.samples + EXCLUDED.used) / (h.samples + 1),
        quota = (h.quota * h.samples + EXCLUDED.quota) / (h.samples + 1),
        samples = h.samples + 1,
        "lastSampleAt" = EXCLUDED."lastSampleAt"
      WHERE h."lastSampleAt" < EXCLUDED."lastSampleAt"`;
  }

  const cutoff = new Date(sample.at.getTime() - ROLLUP_RETENTION_DAYS * 24 * HOUR_MS).toISOString();
  await tx.$executeRaw`DELETE FROM "GpuPoolHour" WHERE hour < ${cutoff}::timestamp`;
  await tx.$executeRaw`DELETE FROM "GpuTypeHour" WHERE hour < ${cutoff}::timestamp`;
  await tx.$executeRaw`DELETE FROM "GpuTeamHour" WHERE hour < ${cutoff}::timestamp`;
}
