import { SEVERITIES, type Severity } from "../incidents/lifecycle";

/**
 * The executive summary of a reliability review: the few figures that fit on one page, each
 * with the period before for comparison. Pure arithmetic over the review's rows; the service
 * reads the data.
 */

/** What the summary needs of one SLO's row in the review. */
export interface SummaryRow {
  slo: string;
  displayName: string | null;
  team: string;
  service: string;
  /** null: no data in the period */
  met: boolean | null;
  previousMet: boolean | null;
  /** share of the period's budget spent (may exceed 1); null without data */
  consumed: number | null;
  /** of which in hours an incident of the service was open */
  consumedByIncidents: number | null;
  /** of which in hours a rollout ran and no incident was open */
  consumedByRolloutsOnly: number | null;
}

export interface VerdictCounts {
  slos: number;
  met: number;
  missed: number;
  noData: number;
}

/** How the budget an SLO spent divides between causes, as shares of its budget. */
export interface CauseSplit {
  incidents: number;
  rollouts: number;
  other: number;
}

export interface TeamBudget {
  team: string;
  current: VerdictCounts;
  previous: VerdictCounts;
  /** mean share of the budget spent over the team's SLOs with data; null when none has data */
  budgetSpent: number | null;
  /** SLOs that spent their whole budget or more */
  overBudget: number;
}

export interface Offender {
  slo: string;
  displayName: string | null;
  team: string;
  service: string;
  consumed: number;
  split: CauseSplit;
}

export interface Compared<T> {
  current: T;
  previous: T;
}

export interface SeverityCount {
  severity: Severity;
  current: number;
  previous: number;
}

export interface TrendPeriod {
  key: string;
  label: string;
}

/** One team's share of SLOs meeting their objective per period (null: no SLO had data). */
export interface TeamTrend {
  team: string;
  points: (number | null)[];
}

export function verdictCounts(verdicts: readonly (boolean | null)[]): VerdictCounts {
  let met = 0;
  let missed = 0;
  for (const v of verdicts) {
    if (v === true) met += 1;
    else if (v === false) missed += 1;
  }
  return { slos: verdicts.length, met, missed, noData: verdicts.length - met - missed };
}

/** Met among the SLOs with data; null when none had data. */
export function metShare(counts: VerdictCounts): number | null {
  const judged = counts.met + counts.missed;
  return judged === 0 ? null : counts.met / judged;
}

/**
 * The split of an SLO's spent budget: hours with an incident open go to incidents, hours with
 * only a rollout running to rollouts, and the rest (the spend outside both) to other. The parts
 * come from hourly buckets and the whole from daily ones: rounding never makes a part negative
 * nor the parts exceed the whole.
 */
export function causeSplit(
  row: Pick<SummaryRow, "consumed" | "consumedByIncidents" | "consumedByRolloutsOnly">,
): CauseSplit | null {
  if (row.consumed === null) return null;
  const total = Math.max(0, row.consumed);
  const incidents = Math.min(total, Math.max(0, row.consumedByIncidents ?? 0));
  const rollouts = Math.min(total - incidents, Math.max(0, row.consumedByRolloutsOnly ?? 0));
  return { incidents, rollouts, other: total - incidents - rollouts };
}

/** The SLOs that spent the most budget (more than none), most first; ties by name. */
export function worstOffenders(rows: readonly SummaryRow[], limit = 5): Offender[] {
  return rows
    .filter((r): r is SummaryRow & { consumed: number } => r.consumed !== null && r.consumed > 0)
    .sort((a, b) => b.consumed - a.consumed || (a.slo < b.slo ? -1 : a.slo > b.slo ? 1 : 0))
    .slice(0, Math.max(0, limit))
    .map((r) => ({
      slo: r.slo,
      displayName: r.displayName,
      team: r.team,
      service: r.service,
      consumed: r.consumed,
      split: causeSplit(r)!,
    }));
}

/** Each team's verdicts and budget spent, teams in the order they first appear. */
export function teamBudgets(rows: readonly SummaryRow[]): TeamBudget[] {
  const groups = new Map<string, SummaryRow[]>();
  for (const r of rows) {
    const list = groups.get(r.team) ?? [];
    list.push(r);
    groups.set(r.team, list);
  }
  return [...groups].map(([team, list]) => {
    const spent = list.map((r) => r.consumed).filter((c): c is number => c !== null);
    return {
      team,
      current: verdictCounts(list.map((r) => r.met)),
      previous: verdictCounts(list.map((r) => r.previousMet)),
      budgetSpent: spent.length === 0 ? null : spent.reduce((a, c) => a + c, 0) / spent.length,
      overBudget: spent.filter((c) => c >= 1).length,
    };
  });
}

/**
 * The teams the one-page summary lists when there are more than fit: the `limit` that spent the
 * most budget (those without data last), then by name; the rest are counted, not dropped.
 */
export function summaryTeams<T extends TeamBudget>(
  teams: readonly T[],
  limit: number,
): { shown: T[]; more: number } {
  if (teams.length <= limit) return { shown: [...teams], more: 0 };
  const shown = [...teams]
    .sort(
      (a, b) =>
        (b.budgetSpent ?? -1) - (a.budgetSpent ?? -1) ||
        (a.team < b.team ? -1 : a.team > b.team ? 1 : 0),
    )
    .slice(0, Math.max(0, limit));
  const keep = new Set(shown);
  return { shown: teams.filter((t) => keep.has(t)), more: teams.length - shown.length };
}

/** Incidents per severity, every severity listed (zeros included), SEV1 first. */
export function severityCounts(
  current: readonly { severity: Severity; incidents: number }[],
  previous: readonly { severity: Severity; incidents: number }[],
): SeverityCount[] {
  const sum = (list: typeof current, s: Severity) =>
    list.filter((c) => c.severity === s).reduce((a, c) => a + c.incidents, 0);
  return SEVERITIES.map((severity) => ({
    severity,
    current: sum(current, severity),
    previous: sum(previous, severity),
  }));
}

/**
 * Per team, the share of its SLOs meeting their objective in each period, oldest first. Each
 * period gives every SLO's verdict with its team; teams are listed as in `teams`.
 */
export function attainmentTrend(
  teams: readonly string[],
  periods: readonly { verdicts: readonly { team: string; met: boolean | null }[] }[],
): TeamTrend[] {
  return teams.map((team) => ({
    team,
    points: periods.map((p) =>
      metShare(verdictCounts(p.verdicts.filter((v) => v.team === team).map((v) => v.met))),
    ),
  }));
}

/** current − previous; null when either is missing. */
export function difference(current: number | null, previous: number | null): number | null {
  return current === null || previous === null ? null : current - previous;
}
