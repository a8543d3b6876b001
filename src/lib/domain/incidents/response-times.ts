import { periodContaining } from "../slos/budget";
import { compareSeverity, type IncidentStatus, type Severity } from "./lifecycle";

/**
 * MTTA and MTTR: mean (and median) minutes from detection to acknowledgement, and from detection
 * to resolution, per UTC week or month of detection, by severity and by team.
 *
 * - Cancelled incidents are left out entirely (false alarms and duplicates are not responses).
 * - An incident not yet acknowledged (resolved) is not measured for MTTA (MTTR) but counted as
 *   `excluded` in its group, so a page can say "3 still open"; so is one whose timestamp
 *   precedes detection (bad data). A reopened incident has no resolvedAt until resolved again.
 * - Weeks are ISO weeks (Monday 00:00 UTC), keyed "2026-W48"; months are keyed "2026-11".
 */

export const METRIC_PERIOD_UNITS = ["week", "month"] as const;
export type MetricPeriodUnit = (typeof METRIC_PERIOD_UNITS)[number];

export interface MetricPeriod {
  key: string;
  label: string;
  start: Date;
  end: Date;
}

const DAY = 86_400_000;
/** Month names as the period labels use them (UTC, English). */
export const SHORT_MONTHS = [
  "Jan",
  "Feb",
  "Mar",
  "Apr",
  "May",
  "Jun",
  "Jul",
  "Aug",
  "Sep",
  "Oct",
  "Nov",
  "Dec",
];

/** The UTC week (ISO, from Monday) or month containing `at`. */
export function metricPeriod(unit: MetricPeriodUnit, at: Date): MetricPeriod {
  if (unit === "month") {
    const { key, label, start, end } = periodContaining("month", at);
    return { key, label, start, end };
  }
  const midnight = Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), at.getUTCDate());
  const start = new Date(midnight - ((at.getUTCDay() + 6) % 7) * DAY);
  // ISO 8601: a week belongs to the year of its Thursday, and week 1 holds January 4th.
  const thursday = new Date(start.getTime() + 3 * DAY);
  const year = thursday.getUTCFullYear();
  const week = Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * DAY)) + 1;
  return {
    key: `${year}-W${String(week).padStart(2, "0")}`,
    label: `Week of ${start.getUTCDate()} ${SHORT_MONTHS[start.getUTCMonth()]} ${start.getUTCFullYear()}`,
    start,
    end: new Date(start.getTime() + 7 * DAY),
  };
}

export interface ResponseSample {
  status: IncidentStatus;
  severity: Severity;
  /** the owning team (of the affected model); null when none */
  team: string | null;
  detectedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
}

export interface DurationStats {
  /** incidents measured */
  count: number;
  /** null when none was measured */
  meanMinutes: number | null;
  medianMinutes: number | null;
  /** incidents of the group not measured: not yet acknowledged/resolved, or bad timestamps */
  excluded: number;
}

export interface ResponseTimeReport {
  /** per period and severity, oldest period first, SEV1 first; only groups with incidents */
  bySeverity: { period: MetricPeriod; severity: Severity; stats: DurationStats }[];
  /** per period and team, oldest period first, teams by name, no team last */
  byTeam: { period: MetricPeriod; team: string | null; stats: DurationStats }[];
  /** over all periods, for headline figures */
  totalsBySeverity: { severity: Severity; stats: DurationStats }[];
  totalsByTeam: { team: string | null; stats: DurationStats }[];
  /** every incident of every period together: the headline MTTA or MTTR */
  total: DurationStats;
}

interface Row {
  incident: ResponseSample;
  period: MetricPeriod;
  /** null when not measured */
  minutes: number | null;
}

function statsOf(rows: readonly Row[]): DurationStats {
  const sorted = rows
    .map((r) => r.minutes)
    .filter((m): m is number => m !== null)
    .sort((a, b) => a - b);
  const n = sorted.length;
  const excluded = rows.length - n;
  if (n === 0) return { count: 0, meanMinutes: null, medianMinutes: null, excluded };
  const mid = Math.floor(n / 2);
  const median = n % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / n;
  return { count: n, meanMinutes: mean, medianMinutes: median, excluded };
}

/** Rows grouped by a key, groups in the key's order. */
function groupBy<K>(rows: readonly Row[], key: (r: Row) => K, order: (a: K, b: K) => number) {
  const groups = new Map<K, Row[]>();
  for (const r of rows) {
    const k = key(r);
    const list = groups.get(k);
    if (list) list.push(r);
    else groups.set(k, [r]);
  }
  return [...groups].sort(([a], [b]) => order(a, b));
}

const byName = (a: string | null, b: string | null) =>
  a === b ? 0 : a === null ? 1 : b === null ? -1 : a < b ? -1 : 1;
// Period keys ("2026-W48", "2026-11") sort as strings in time order.
const byKey = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function report(
  incidents: readonly ResponseSample[],
  unit: MetricPeriodUnit,
  end: (i: ResponseSample) => Date | null,
): ResponseTimeReport {
  const rows: Row[] = [];
  for (const incident of incidents) {
    const detected = incident.detectedAt.getTime();
    if (incident.status === "cancelled" || Number.isNaN(detected)) continue;
    const at = end(incident)?.getTime() ?? Number.NaN;
    rows.push({
      incident,
      period: metricPeriod(unit, incident.detectedAt),
      // NaN (missing or invalid) and times before detection are not measured
      minutes: at >= detected ? (at - detected) / 60_000 : null,
    });
  }
  const periods = groupBy(rows, (r) => r.period.key, byKey);
  const severityOf = (r: Row) => r.incident.severity;
  const teamOf = (r: Row) => r.incident.team;
  return {
    bySeverity: periods.flatMap(([, inPeriod]) =>
      groupBy(inPeriod, severityOf, compareSeverity).map(([severity, group]) => ({
        period: inPeriod[0]!.period,
        severity,
        stats: statsOf(group),
      })),
    ),
    byTeam: periods.flatMap(([, inPeriod]) =>
      groupBy(inPeriod, teamOf, byName).map(([team, group]) => ({
        period: inPeriod[0]!.period,
        team,
        stats: statsOf(group),
      })),
    ),
    totalsBySeverity: groupBy(rows, severityOf, compareSeverity).map(([severity, group]) => ({
      severity,
      stats: statsOf(group),
    })),
    totalsByTeam: groupBy(rows, teamOf, byName).map(([team, group]) => ({
      team,
      stats: statsOf(group),
    })),
    total: statsOf(rows),
  };
}

/** Mean time to acknowledge: detection to acknowledgement. */
export function mtta(
  incidents: readonly ResponseSample[],
  unit: MetricPeriodUnit,
): ResponseTimeReport {
  return report(incidents, unit, (i) => i.acknowledgedAt);
}

/** Mean time to resolve: detection to resolution. */
export function mttr(
  incidents: readonly ResponseSample[],
  unit: MetricPeriodUnit,
): ResponseTimeReport {
  return report(incidents, unit, (i) => i.resolvedAt);
}
