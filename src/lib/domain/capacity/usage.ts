/**
 * Who uses the GPUs: teams against their quotas, the top consumers, and the hourly history.
 */
import { SPLIT_KEYS, type GpuSplit } from "./split";
import type { TeamNamespace } from "./placement";

export interface TeamUsage {
  team: string;
  quota: number;
  used: number;
  /** used ÷ quota, 0..; null without a quota */
  ofQuota: number | null;
  namespaces: number;
  /** namespaces using more than their quota (a quota lowered under running work) */
  overQuota: number;
}

/** Each team's GPUs against its quotas, summed over its namespaces; the biggest users first. */
export function teamUsage(namespaces: readonly TeamNamespace[]): TeamUsage[] {
  const teams = new Map<string, TeamUsage>();
  for (const n of namespaces) {
    const t = teams.get(n.team) ?? {
      team: n.team,
      quota: 0,
      used: 0,
      ofQuota: null,
      namespaces: 0,
      overQuota: 0,
    };
    t.quota += Math.max(0, n.quota);
    t.used += Math.max(0, n.used);
    t.namespaces += 1;
    if (n.used > n.quota) t.overQuota += 1;
    teams.set(n.team, t);
  }
  return [...teams.values()]
    .map((t) => ({ ...t, ofQuota: t.quota > 0 ? t.used / t.quota : null }))
    .sort((a, b) => b.used - a.used || (a.team < b.team ? -1 : a.team > b.team ? 1 : 0));
}

/** A team's GPUs against its quotas over the history's hours (GpuTeamHour, the whole fleet). */
export interface TeamQuotaHistory {
  /** hours with a rollup */
  hours: number;
  /** GPU-hours used: the sum of the hourly means */
  gpuHours: number;
  /** GPU-hours used ÷ GPU-hours of quota, 0..; null without a quota in any hour */
  meanOfQuota: number | null;
  /** the hour with the largest share of its quota in use, and that share; null without a quota */
  peakOfQuota: { share: number; hour: Date } | null;
}

/**
 * The figures of a team's hours, summed in SQL: `used` and `quota` are sums of hourly means
 * (GPU-hours), `peak` the largest hourly used ÷ quota (null when no hour had a quota).
 */
export function teamQuotaHistory(row: {
  hours: number;
  used: number;
  /** of `used`, the GPU-hours of hours when the team had a quota (the mean's numerator) */
  usedUnderQuota?: number;
  quota: number;
  peak: number | null;
  peakHour: Date | null;
}): TeamQuotaHistory {
  const used = Math.max(0, row.used);
  const quota = Math.max(0, row.quota);
  // Hours without a quota have no share: their use would lift the mean over what any hour was.
  const underQuota = Math.max(0, row.usedUnderQuota ?? row.used);
  return {
    hours: row.hours,
    gpuHours: used,
    meanOfQuota: quota > 0 ? underQuota / quota : null,
    peakOfQuota:
      row.peak !== null && row.peakHour !== null && Number.isFinite(row.peak)
        ? { share: Math.max(0, row.peak), hour: row.peakHour }
        : null,
  };
}

/** No hours: a team the rollups have not seen yet. */
export const NO_QUOTA_HISTORY: TeamQuotaHistory = {
  hours: 0,
  gpuHours: 0,
  meanOfQuota: null,
  peakOfQuota: null,
};

export interface Consumer {
  name: string;
  gpus: number;
  /** share of all consumers' GPUs, 0..1 */
  share: number;
  detail?: string;
}

/** The `limit` largest consumers, with their share of everything the list sums to. */
export function topConsumers(
  items: readonly { name: string; gpus: number; detail?: string }[],
  limit: number,
): Consumer[] {
  const total = items.reduce((s, i) => s + Math.max(0, i.gpus), 0);
  return items
    .filter((i) => i.gpus > 0)
    .map((i) => ({ ...i, share: total > 0 ? i.gpus / total : 0 }))
    .sort((a, b) => b.gpus - a.gpus || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, Math.max(0, limit));
}

export const HOUR_MS = 3_600_000;

/** The start of the hour `at` falls in (UTC). */
export function hourOf(at: Date): Date {
  return new Date(Math.floor(at.getTime() / HOUR_MS) * HOUR_MS);
}

export interface HourPoint {
  hour: Date;
  /** null: no sample in that hour (the sync did not run, or the fleet was not read) */
  split: GpuSplit | null;
}

/**
 * `hours` consecutive hours ending with the one `now` falls in, each with its rollup or null:
 * gaps stay visible rather than being drawn as a drop to zero.
 */
export function hourSeries(
  rows: readonly ({ hour: Date } & GpuSplit)[],
  now: Date,
  hours: number,
): HourPoint[] {
  const last = hourOf(now).getTime();
  const first = last - (hours - 1) * HOUR_MS;
  const byHour = new Map(rows.map((r) => [r.hour.getTime(), r]));
  const points: HourPoint[] = [];
  for (let t = first; t <= last; t += HOUR_MS) {
    const r = byHour.get(t);
    points.push({
      hour: new Date(t),
      split: r
        ? {
            total: r.total,
            serving: r.serving,
            training: r.training,
            other: r.other,
            idle: r.idle,
            unavailable: r.unavailable,
          }
        : null,
    });
  }
  return points;
}

export interface HistoryStats {
  hoursWithData: number;
  /** mean of each part over the hours with data */
  mean: GpuSplit;
  /** the most GPUs in use (serving + training + other) in an hour, and when */
  peakInUse: { gpus: number; hour: Date } | null;
  /** the fewest idle GPUs in an hour, and when */
  leastIdle: { gpus: number; hour: Date } | null;
}

export function historyStats(points: readonly HourPoint[]): HistoryStats {
  const mean: GpuSplit = { total: 0, serving: 0, training: 0, other: 0, idle: 0, unavailable: 0 };
  let n = 0;
  let peakInUse: HistoryStats["peakInUse"] = null;
  let leastIdle: HistoryStats["leastIdle"] = null;
  for (const p of points) {
    if (!p.split) continue;
    n += 1;
    mean.total += p.split.total;
    for (const k of SPLIT_KEYS) mean[k] += p.split[k];
    const inUse = p.split.serving + p.split.training + p.split.other;
    if (!peakInUse || inUse > peakInUse.gpus) peakInUse = { gpus: inUse, hour: p.hour };
    if (!leastIdle || p.split.idle < leastIdle.gpus)
      leastIdle = { gpus: p.split.idle, hour: p.hour };
  }
  if (n > 0) {
    mean.total /= n;
    for (const k of SPLIT_KEYS) mean[k] /= n;
  }
  return { hoursWithData: n, mean, peakInUse, leastIdle };
}

export interface DayMean {
  /** the day's first hour (UTC) */
  day: Date;
  hours: number;
  mean: GpuSplit;
}

/** The history as daily means over the hours with data (UTC days): the chart's text alternative. */
export function dailyMeans(points: readonly HourPoint[]): DayMean[] {
  const days = new Map<number, DayMean>();
  for (const p of points) {
    if (!p.split) continue;
    const key = Math.floor(p.hour.getTime() / (24 * HOUR_MS));
    const d = days.get(key) ?? {
      day: new Date(key * 24 * HOUR_MS),
      hours: 0,
      mean: { total: 0, serving: 0, training: 0, other: 0, idle: 0, unavailable: 0 },
    };
    d.hours += 1;
    d.mean.total += p.split.total;
    for (const k of SPLIT_KEYS) d.mean[k] += p.split[k];
    days.set(key, d);
  }
  return [...days.values()].map((d) => {
    const mean = { ...d.mean, total: d.mean.total / d.hours };
    for (const k of SPLIT_KEYS) mean[k] = d.mean[k] / d.hours;
    return { ...d, mean };
  });
}
