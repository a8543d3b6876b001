import "server-only";
import { addSplits, emptySplit, poolSplit, type GpuSplit } from "@/lib/domain/capacity/split";
import { HOUR_MS, hourOf } from "@/lib/domain/capacity/usage";
import type { Tx } from "@/server/db/tx";
import type { ClusterState, NamespaceState } from "@/lib/platform/types";
import { poolsOf } from "@/server/capacity/pools";

/** How long hourly rollups are kept. */
export const ROLLUP_RETENTION_DAYS = 90;

export interface CapacitySample {
  at: Date;
  /** clusters whose data is current: a stale cluster's last figures are never sampled again */
  clusters: readonly ClusterState[];
  namespaces: readonly NamespaceState[];
}

/**
 * Adds one sample of the fleet to the hour it falls in: each pool's GPUs by state (and their
 * sums by region and GPU type), and each team's GPUs in use against its quotas, as running
 * averages over the hour's samples. One statement each, whatever the fleet's size; a sample at or before the hour's last one changes
 * nothing, so a sync that runs twice for one moment counts once. Rows older than the retention
 * go in the same pass.
 */
export async function recordCapacitySample(tx: Tx, sample: CapacitySample): Promise<void> {
  const hour = hourOf(sample.at).toISOString();
  const at = sample.at.toISOString();
  const pools = poolsOf(sample.clusters);
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

  // The same sample summed by region and GPU type: what the page's history reads.
  if (pools.length > 0) {
    const byKey = new Map<string, { region: string; gpuType: string; split: GpuSplit }>();
    for (const p of pools) {
      const key = `${p.region}/${p.gpuType}`;
      const g = byKey.get(key) ?? { region: p.region, gpuType: p.gpuType, split: emptySplit() };
      g.split = addSplits(g.split, poolSplit(p));
      byKey.set(key, g);
    }
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
  const sampled = new Set(sample.clusters.map((c) => c.name));
  const owners = await tx.$queryRaw<{ key: string; team: string }[]>`
    SELECT c.name || '/' || n.name AS key, t.slug AS team
    FROM "Namespace" n JOIN "Cluster" c ON c.id = n."clusterId" JOIN "Team" t ON t.id = n."teamId"`;
  const teamOf = new Map(owners.map((n) => [n.key, n.team]));
  const teams = new Map<string, { used: number; quota: number }>();
  for (const n of sample.namespaces) {
    if (!sampled.has(n.cluster)) continue;
    const team = teamOf.get(`${n.cluster}/${n.name}`) ?? n.team;
    if (!team) continue;
    const t = teams.get(team) ?? { used: 0, quota: 0 };
    t.used += n.gpuUsed;
    t.quota += n.gpuQuota;
    teams.set(team, t);
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
