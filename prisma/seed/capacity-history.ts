import { unit } from "../../src/lib/platform/simulator/math";
import { DAY, HOUR, type Tx } from "./common";

/** Days of hourly capacity history the demo starts with. */
export const CAPACITY_HISTORY_DAYS = 30;
const ROWS_PER_STATEMENT = 20_000;

/**
 * The Capacity page's history: each node pool's GPUs by state, and each team's use against its
 * quotas, for every complete hour of the last 30 days (the current hour is the fleet sync's).
 * Plausible rather than replayed: serving follows a daily cycle with quieter weekends, training
 * jobs come and go in whole nodes every few hours, and now and then a node is down for a few
 * hours. Derived from hashes of names and hours, not the seed's generator, so adding it changes
 * no other figure; rows that exist are kept, so it can run again after the fleet grows (the
 * large fleet's scale-out).
 */
export async function seedCapacityHistory(
  tx: Tx,
  input: { nowMs: number; days?: number },
): Promise<number> {
  const end = Math.floor(input.nowMs / HOUR) * HOUR; // the current hour is not complete
  const start = end - (input.days ?? CAPACITY_HISTORY_DAYS) * DAY;
  const pools = await tx.nodePool.findMany({
    orderBy: [{ clusterId: "asc" }, { name: "asc" }],
    select: {
      name: true,
      gpuType: true,
      gpusPerNode: true,
      gpuCount: true,
      gpuAllocatable: true,
      cluster: { select: { name: true, region: { select: { code: true } } } },
    },
  });
  const rows: (string | number)[][] = [];
  for (const p of pools) {
    const key = `${p.cluster.name}/${p.name}`;
    const training = p.cluster.name.includes("-train-");
    const perNode = Math.max(1, p.gpusPerNode);
    const servingBase = 0.15 + 0.2 * unit(`${key}:serving`);
    const peakHour = 14 + Math.floor(unit(`${key}:peak`) * 6);
    for (let t = start; t < end; t += HOUR) {
      const day = Math.floor(t / DAY);
      const hourOfDay = new Date(t).getUTCHours();
      const weekend = [0, 6].includes(new Date(t).getUTCDay());
      // a node down for up to 8 hours on about one day in twelve
      const faultStart = Math.floor(unit(`${key}:fault-at:${day}`) * 24);
      const faulty =
        unit(`${key}:fault:${day}`) < 0.08 &&
        hourOfDay >= faultStart &&
        hourOfDay < faultStart + 2 + Math.floor(unit(`${key}:fault-len:${day}`) * 7);
      const unavailable = Math.min(
        p.gpuCount,
        p.gpuCount - p.gpuAllocatable + (faulty ? perNode : 0),
      );
      const allocatable = p.gpuCount - unavailable;
      const cycle = 0.5 - 0.5 * Math.cos((2 * Math.PI * (hourOfDay - peakHour + 12)) / 24);
      let serving = 0;
      let train = 0;
      if (training) {
        // gangs of whole nodes, changing every 6 hours
        const block = Math.floor(t / (6 * HOUR));
        const share = 0.05 + 0.4 * unit(`${key}:train:${block}`);
        train = Math.floor((allocatable * share) / perNode) * perNode;
      } else {
        const demand = (servingBase + 0.25 * cycle) * (weekend ? 0.8 : 1);
        serving = Math.round(
          allocatable * Math.min(0.95, demand * (0.95 + 0.1 * unit(`${key}:${t}`))),
        );
      }
      const idle = Math.max(0, allocatable - serving - train);
      rows.push([
        p.cluster.name,
        p.name,
        p.cluster.region.code,
        p.gpuType,
        new Date(t).toISOString(),
        p.gpuCount,
        serving,
        train,
        idle,
        unavailable,
      ]);
    }
  }
  for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
    const batch = rows.slice(i, i + ROWS_PER_STATEMENT);
    const col = (k: number) => batch.map((r) => r[k]);
    await tx.$executeRaw`
      INSERT INTO "GpuPoolHour" (cluster, pool, region, "gpuType", hour, total, serving, training,
        other, idle, unavailable, samples, "lastSampleAt")
      SELECT c, p, r, t::"GpuType", h, tot, s, tr, 0, i, u, 120, h + interval '59 minutes 30 seconds'
      FROM unnest(${col(0)}::text[], ${col(1)}::text[], ${col(2)}::text[], ${col(3)}::text[],
                  ${col(4)}::timestamp[], ${col(5)}::float8[], ${col(6)}::float8[],
                  ${col(7)}::float8[], ${col(8)}::float8[], ${col(9)}::float8[])
        AS x(c, p, r, t, h, tot, s, tr, i, u)
      ON CONFLICT DO NOTHING`;
  }

  // The pools' hours summed by region and GPU type (again after the fleet grew: the sums change)
  await tx.$executeRaw`
    INSERT INTO "GpuTypeHour" (region, "gpuType", hour, total, serving, training, other, idle,
      unavailable, samples, "lastSampleAt")
    SELECT region, "gpuType", hour, sum(total), sum(serving), sum(training), sum(other),
           sum(idle), sum(unavailable), max(samples), max("lastSampleAt")
    FROM "GpuPoolHour"
    WHERE hour >= ${new Date(start).toISOString()}::timestamp
      AND hour < ${new Date(end).toISOString()}::timestamp
    GROUP BY region, "gpuType", hour
    ON CONFLICT (region, "gpuType", hour) DO UPDATE SET
      total = EXCLUDED.total, serving = EXCLUDED.serving, training = EXCLUDED.training,
      other = EXCLUDED.other, idle = EXCLUDED.idle, unavailable = EXCLUDED.unavailable`;

  // Teams: each team's quotas as they are, its use following the same daily cycle.
  const teams = await tx.team.findMany({
    orderBy: { slug: "asc" },
    select: { slug: true, namespaces: { select: { gpuQuota: true } } },
  });
  const teamRows: (string | number)[][] = [];
  for (const team of teams) {
    const quota = team.namespaces.reduce((s, n) => s + n.gpuQuota, 0);
    if (quota === 0) continue;
    const base = 0.15 + 0.15 * unit(`${team.slug}:use`);
    for (let t = start; t < end; t += HOUR) {
      const hourOfDay = new Date(t).getUTCHours();
      const cycle = 0.5 - 0.5 * Math.cos((2 * Math.PI * (hourOfDay - 4)) / 24);
      const jobs = 0.1 * unit(`${team.slug}:jobs:${Math.floor(t / (6 * HOUR))}`);
      const used = Math.round(quota * Math.min(0.98, base + 0.1 * cycle + jobs));
      teamRows.push([team.slug, new Date(t).toISOString(), used, quota]);
    }
  }
  for (let i = 0; i < teamRows.length; i += ROWS_PER_STATEMENT) {
    const batch = teamRows.slice(i, i + ROWS_PER_STATEMENT);
    const col = (k: number) => batch.map((r) => r[k]);
    await tx.$executeRaw`
      INSERT INTO "GpuTeamHour" (team, hour, used, quota, samples, "lastSampleAt")
      SELECT t, h, u, q, 120, h + interval '59 minutes 30 seconds'
      FROM unnest(${col(0)}::text[], ${col(1)}::timestamp[], ${col(2)}::float8[],
                  ${col(3)}::float8[]) AS x(t, h, u, q)
      ON CONFLICT DO NOTHING`;
  }
  return rows.length + teamRows.length;
}
