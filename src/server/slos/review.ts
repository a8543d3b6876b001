import "server-only";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { assertCanRead } from "@/server/access/authorize";
import { budgetCounts } from "@/server/slos/evaluator";
import { reviewResponseTimes, type ResponseTimes } from "@/server/incidents/response-times";
import { deliveryTimeline } from "@/server/rollouts/delivery";
import { SharedRead } from "@/lib/shared-read";
import type { DeliveryFigures } from "@/lib/domain/rollouts/delivery";
import type { DurationStats } from "@/lib/domain/incidents/response-times";
import type { Severity } from "@/lib/domain/incidents/lifecycle";
import {
  attainmentTrend,
  teamBudgets,
  severityCounts,
  verdictCounts,
  worstOffenders,
  type Compared,
  type Offender,
  type SeverityCount,
  type TeamBudget,
  type TeamTrend,
  type TrendPeriod,
  type VerdictCounts,
} from "@/lib/domain/slos/review-summary";
import {
  budgetUnits,
  errorBudget,
  parsePeriod,
  periodContaining,
  previousPeriod,
  type ReviewPeriod,
} from "@/lib/domain/slos/budget";

export interface ReviewRow {
  slo: string;
  displayName: string | null;
  team: string;
  service: string;
  objective: number;
  budgetingMethod: "occurrences" | "timeslices";
  /** null: no data in the period */
  attainment: number | null;
  previousAttainment: number | null;
  met: boolean | null;
  /** the verdict of the period before; null without data then */
  previousMet: boolean | null;
  /** share of the period's budget spent (may exceed 1) */
  consumed: number | null;
  /** ... of which while an incident of the service was open, and while a rollout ran */
  consumedByIncidents: number | null;
  consumedByRollouts: number | null;
  /** ... of which while a rollout ran and no incident was open (the summary's cause split) */
  consumedByRolloutsOnly: number | null;
  incidents: number;
  rollouts: number;
}

export interface ReviewTeam {
  team: string;
  slos: number;
  met: number;
  missed: number;
  noData: number;
  services: { service: string; rows: ReviewRow[] }[];
}

/** The one-page summary a review opens with; every figure with the period before's. */
export interface ReviewSummary {
  slos: Compared<VerdictCounts>;
  /** every team with SLOs, as in `teams` */
  teams: TeamBudget[];
  /** the five SLOs that spent the most budget, with what it went to */
  worst: Offender[];
  incidents: { total: Compared<number>; bySeverity: SeverityCount[] };
  /** over the incidents detected in each period */
  mtta: Compared<DurationStats>;
  mttr: Compared<DurationStats>;
  /** the fleet's DORA figures (production rollouts) */
  delivery: Compared<DeliveryFigures>;
  /** per team, the share of its SLOs that met their objective, over the last four periods */
  trend: { periods: TrendPeriod[]; teams: TeamTrend[] };
}

export interface SloReview {
  period: ReviewPeriod;
  previous: ReviewPeriod;
  /** periods to choose from, newest first */
  choices: ReviewPeriod[];
  teams: ReviewTeam[];
  /** the SLOs that spent the most budget */
  worst: ReviewRow[];
  totals: { slos: number; met: number; missed: number; noData: number };
  /** MTTA and MTTR of the incidents detected in the period */
  incidentResponse: ResponseTimes;
  summary: ReviewSummary;
  /** DORA figures per team (every team, by name), this period's and the period before's */
  deliveryByTeam: { team: string; current: DeliveryFigures; previous: DeliveryFigures }[];
  /** when these figures were computed (they are shared for up to REVIEW_TTL_MS) */
  computedAt: Date;
}

/** The last complete month, the period a review usually looks at. */
export function defaultPeriod(now = clock.now()): ReviewPeriod {
  return previousPeriod(periodContaining("month", now));
}

export function reviewChoices(now = clock.now()): ReviewPeriod[] {
  const out: ReviewPeriod[] = [];
  let m = periodContaining("month", now);
  for (let i = 0; i < 6; i++, m = previousPeriod(m)) out.push(m);
  let q = periodContaining("quarter", now);
  for (let i = 0; i < 4; i++, q = previousPeriod(q)) out.push(q);
  return out;
}

interface Bad {
  sloId: string;
  /** bad events (bad slices) in hours with an incident open */
  incidentBad: bigint | null;
  incidentSlices: bigint | null;
  /** ... with a rollout running */
  rolloutBad: bigint | null;
  rolloutSlices: bigint | null;
  /** ... with a rollout running and no incident open */
  rolloutOnlyBad: bigint | null;
  rolloutOnlySlices: bigint | null;
}

/**
 * Bad events per SLO in the hours of a period during which something was happening to its
 * service: an incident was open, or a rollout was running (an hour counts if it overlaps).
 * The few such hours are listed first, each once with what happened in it, then only their
 * hourly buckets are read.
 */
async function badDuring(period: ReviewPeriod, now: Date) {
  const rows = await db().$queryRaw<Bad[]>`
    WITH spans AS (
      SELECT "modelId", "detectedAt" AS "from", "resolvedAt" AS "to", true AS incident
      FROM "Incident" WHERE "modelId" IS NOT NULL
      UNION ALL
      SELECT "modelId", "startedAt", "finishedAt", false FROM "Rollout" WHERE "startedAt" IS NOT NULL
    ),
    hours AS (
      SELECT "modelId", h, bool_or(incident) AS incident, bool_or(NOT incident) AS rollout
      FROM spans, generate_series(
        date_trunc('hour', greatest("from", ${period.start}::timestamp)),
        -- an incident still open (a rollout still running) lasts until now: the hours after it
        -- have no buckets, and listing them would make five times the rows on the large fleet
        least(coalesce("to", ${now}::timestamp), ${period.end}::timestamp) - interval '1 millisecond',
        interval '1 hour') AS h
      WHERE "from" < ${period.end} AND coalesce("to", 'infinity'::timestamp) > ${period.start}
      GROUP BY "modelId", h
    )
    SELECT b."sloId",
           sum(b.total - b.good) FILTER (WHERE hours.incident)::bigint AS "incidentBad",
           sum(b.slices - b."goodSlices") FILTER (WHERE hours.incident)::bigint AS "incidentSlices",
           sum(b.total - b.good) FILTER (WHERE hours.rollout)::bigint AS "rolloutBad",
           sum(b.slices - b."goodSlices") FILTER (WHERE hours.rollout)::bigint AS "rolloutSlices",
           sum(b.total - b.good) FILTER (WHERE hours.rollout AND NOT hours.incident)::bigint
             AS "rolloutOnlyBad",
           sum(b.slices - b."goodSlices") FILTER (WHERE hours.rollout AND NOT hours.incident)::bigint
             AS "rolloutOnlySlices"
    FROM hours JOIN "Slo" s ON s."modelId" = hours."modelId"
    -- one primary-key lookup per SLO and hour, whatever the planner thinks of the table
    CROSS JOIN LATERAL (
      SELECT "sloId", good, total, slices, "goodSlices" FROM "SliBucket"
      WHERE "sloId" = s.id AND resolution = 'hour' AND start = hours.h
    ) b
    GROUP BY b."sloId"`;
  return new Map(rows.map((r) => [r.sloId, r]));
}

/** Good and total per SLO in a period (whole UTC days), from daily rollups. */
async function periodTotals(period: ReviewPeriod) {
  const rows = await db().sliBucket.groupBy({
    by: ["sloId"],
    where: { resolution: "day", start: { gte: period.start, lt: period.end } },
    _sum: { good: true, total: true, slices: true, goodSlices: true },
  });
  return new Map(rows.map((r) => [r.sloId, r._sum]));
}

const n = (x: bigint | number | null | undefined) => Number(x ?? 0);

/**
 * The leadership review of a month or quarter: every SLO's attainment against its objective,
 * the change from the period before, how much budget went to incidents and to rollouts, and
 * the worst offenders, per team and service.
 */
export async function sloReview(
  actor: Actor | null,
  periodKey: string | undefined,
  now?: Date,
): Promise<SloReview> {
  assertCanRead(actor);
  if (now) return computeReview(actor, periodKey, now);
  const key = ((periodKey ? parsePeriod(periodKey) : null) ?? defaultPeriod()).key;
  return (await sharedReviews.read(key, () => computeReview(actor, key, clock.now()))).value;
}

/**
 * How long a computed review is shared by everyone who opens it. It is the same for every
 * reader, reads rollups that change once a minute, and costs about a second of the database on
 * the large fleet's thousand SLOs and twenty thousand rollouts: fifty people opening it at the
 * start of a quarterly meeting cost one computation a minute, not fifty.
 */
export const REVIEW_TTL_MS = 60_000;

const sharedReviews = ((
  globalThis as unknown as { flightdeckReviews?: SharedRead<SloReview> }
).flightdeckReviews ??= new SharedRead<SloReview>({ ttlMs: REVIEW_TTL_MS }));

async function computeReview(
  actor: Actor | null,
  periodKey: string | undefined,
  now: Date,
): Promise<SloReview> {
  const period = (periodKey ? parsePeriod(periodKey) : null) ?? defaultPeriod(now);
  const previous = previousPeriod(period);
  // the summary's trend: the period and the three before it, oldest first
  const older = previousPeriod(previous);
  const oldest = previousPeriod(older);
  const [
    slos,
    sums,
    before,
    olderSums,
    oldestSums,
    incidents,
    rollouts,
    during,
    incidentResponse,
    previousResponse,
    delivery,
  ] = await Promise.all([
    db().slo.findMany({
      orderBy: [{ team: { name: "asc" } }, { model: { name: "asc" } }, { name: "asc" }],
      select: {
        id: true,
        name: true,
        displayName: true,
        objective: true,
        budgetingMethod: true,
        modelId: true,
        team: { select: { name: true } },
        model: { select: { name: true } },
      },
    }),
    periodTotals(period),
    periodTotals(previous),
    periodTotals(older),
    periodTotals(oldest),
    db().incident.groupBy({
      by: ["modelId"],
      where: { detectedAt: { gte: period.start, lt: period.end } },
      _count: { _all: true },
    }),
    db().rollout.groupBy({
      by: ["modelId"],
      where: { startedAt: { gte: period.start, lt: period.end } },
      _count: { _all: true },
    }),
    badDuring(period, now),
    reviewResponseTimes(actor, period),
    reviewResponseTimes(actor, previous),
    deliveryTimeline(actor, [previous, period], now),
  ]);
  const incidentCount = new Map(incidents.map((i) => [i.modelId, i._count._all]));
  const rolloutCount = new Map(rollouts.map((r) => [r.modelId, r._count._all]));
  type Sums = ReturnType<typeof sums.get>;
  const trendVerdicts: { team: string; met: boolean | null }[][] = [[], []];
  const rows: ReviewRow[] = slos.map((s) => {
    const slices = s.budgetingMethod === "timeslices";
    const cur = sums.get(s.id);
    const prev = before.get(s.id);
    const counts = (c: Sums) =>
      budgetCounts(
        {
          good: n(c?.good),
          total: n(c?.total),
          slices: n(c?.slices),
          goodSlices: n(c?.goodSlices),
        },
        s.budgetingMethod,
      );
    /** The verdict of a complete period: its attainment against the objective. */
    const verdict = (c: Sums) => {
      const b = errorBudget({ ...counts(c), objective: s.objective });
      return b.status === "no_data" ? null : b.attainment >= s.objective;
    };
    const minutesOf = (p: ReviewPeriod) => (p.end.getTime() - p.start.getTime()) / 60_000;
    const bad = during.get(s.id);
    // A period in progress is budgeted on the units it is expected to hold (budgetUnits).
    const windowUnits = budgetUnits({
      method: s.budgetingMethod,
      windowMinutes: minutesOf(period),
      total: counts(cur).total,
      calendar: {
        elapsedMinutes:
          (Math.min(now.getTime(), period.end.getTime()) - period.start.getTime()) / 60_000,
        previousTotal: counts(prev).total,
        previousMinutes: minutesOf(previous),
      },
    });
    const budget = errorBudget({
      ...counts(cur),
      objective: s.objective,
      ...(windowUnits === undefined ? {} : { windowUnits }),
    });
    // Only the attainment of the period before is read: its budget does not matter.
    const prevBudget = errorBudget({ ...counts(prev), objective: s.objective });
    const share = (x: bigint | null | undefined) =>
      budget.status === "no_data" || budget.budgetEvents === 0 ? null : n(x) / budget.budgetEvents;
    trendVerdicts[0]!.push({ team: s.team.name, met: verdict(oldestSums.get(s.id)) });
    trendVerdicts[1]!.push({ team: s.team.name, met: verdict(olderSums.get(s.id)) });
    return {
      slo: s.name,
      displayName: s.displayName,
      team: s.team.name,
      service: s.model.name,
      objective: s.objective,
      budgetingMethod: s.budgetingMethod,
      attainment: budget.status === "no_data" ? null : budget.attainment,
      previousAttainment: prevBudget.status === "no_data" ? null : prevBudget.attainment,
      met: budget.status === "no_data" ? null : budget.attainment >= s.objective,
      previousMet: prevBudget.status === "no_data" ? null : prevBudget.attainment >= s.objective,
      consumed: budget.status === "no_data" ? null : budget.consumed,
      consumedByIncidents: share(slices ? bad?.incidentSlices : bad?.incidentBad),
      consumedByRollouts: share(slices ? bad?.rolloutSlices : bad?.rolloutBad),
      consumedByRolloutsOnly: share(slices ? bad?.rolloutOnlySlices : bad?.rolloutOnlyBad),
      incidents: incidentCount.get(s.modelId) ?? 0,
      rollouts: rolloutCount.get(s.modelId) ?? 0,
    };
  });
  const teams: ReviewTeam[] = [];
  for (const row of rows) {
    let team = teams.at(-1);
    if (!team || team.team !== row.team) {
      team = { team: row.team, slos: 0, met: 0, missed: 0, noData: 0, services: [] };
      teams.push(team);
    }
    team.slos += 1;
    if (row.met === null) team.noData += 1;
    else if (row.met) team.met += 1;
    else team.missed += 1;
    let service = team.services.at(-1);
    if (!service || service.service !== row.service) {
      service = { service: row.service, rows: [] };
      team.services.push(service);
    }
    service.rows.push(row);
  }
  const worst = rows
    .filter((r) => r.consumed !== null && r.consumed > 0)
    .sort((a, b) => (b.consumed ?? 0) - (a.consumed ?? 0))
    .slice(0, 5);
  const bySeverity = (r: ResponseTimes) =>
    r.mtta.bySeverity.map((g) => ({
      severity: g.key as Severity,
      incidents: g.total.count + g.total.excluded,
    }));
  const summary: ReviewSummary = {
    slos: {
      current: verdictCounts(rows.map((r) => r.met)),
      previous: verdictCounts(rows.map((r) => r.previousMet)),
    },
    teams: teamBudgets(rows),
    worst: worstOffenders(rows, 5),
    incidents: {
      total: { current: incidentResponse.incidents, previous: previousResponse.incidents },
      bySeverity: severityCounts(bySeverity(incidentResponse), bySeverity(previousResponse)),
    },
    mtta: { current: incidentResponse.mtta.total, previous: previousResponse.mtta.total },
    mttr: { current: incidentResponse.mttr.total, previous: previousResponse.mttr.total },
    delivery: { current: delivery.total[1]!, previous: delivery.total[0]! },
    trend: {
      periods: [oldest, older, previous, period].map((p) => ({ key: p.key, label: p.label })),
      teams: attainmentTrend(
        teams.map((t) => t.team),
        [
          { verdicts: trendVerdicts[0]! },
          { verdicts: trendVerdicts[1]! },
          { verdicts: rows.map((r) => ({ team: r.team, met: r.previousMet })) },
          { verdicts: rows.map((r) => ({ team: r.team, met: r.met })) },
        ],
      ),
    },
  };
  return {
    period,
    previous,
    choices: reviewChoices(now),
    teams,
    worst,
    totals: {
      slos: rows.length,
      met: rows.filter((r) => r.met === true).length,
      missed: rows.filter((r) => r.met === false).length,
      noData: rows.filter((r) => r.met === null).length,
    },
    incidentResponse,
    summary,
    deliveryByTeam: delivery.teams.map((t) => ({
      team: t.team,
      current: t.figures[1]!,
      previous: t.figures[0]!,
    })),
    computedAt: now,
  };
}

const CSV_HEADER = [
  "period",
  "team",
  "service",
  "slo",
  "objective",
  "attainment",
  "previous_attainment",
  "change_pp",
  "met",
  "budget_consumed",
  "consumed_during_incidents",
  "consumed_during_rollouts",
  "incidents",
  "rollouts",
];

const cell = (v: string | number | boolean | null) => {
  if (v === null) return "";
  const s = String(v);
  // A leading ' keeps a spreadsheet from running text as a formula (numbers stay numbers);
  // quotes keep commas and line breaks inside the cell.
  const safe = typeof v === "string" && /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
};

const round = (x: number | null, digits: number) => (x === null ? null : Number(x.toFixed(digits)));

/** The DORA figures as CSV cells, in the order of DELIVERY_HEADER. */
const DELIVERY_HEADER = [
  "deployments",
  "deployments_per_week",
  "lead_time_median_minutes",
  "lead_time_mean_minutes",
  "changes",
  "changes_failed",
  "aborted",
  "rolled_back",
  "linked_to_incident",
  "change_failure_rate",
  "change_incidents",
  "change_incidents_open",
  "time_to_restore_mean_minutes",
  "time_to_restore_median_minutes",
];

function deliveryCells(f: DeliveryFigures): (number | null)[] {
  return [
    f.deployments,
    round(f.deploymentsPerWeek, 3),
    round(f.leadTime.medianMinutes, 1),
    round(f.leadTime.meanMinutes, 1),
    f.changes,
    f.failed,
    f.aborted,
    f.rolledBack,
    f.linkedToIncident,
    round(f.changeFailureRate, 4),
    f.timeToRestore.incidents,
    f.timeToRestore.open,
    round(f.timeToRestore.meanMinutes, 1),
    round(f.timeToRestore.medianMinutes, 1),
  ];
}

/**
 * The summary's sections, after the per-SLO lines and a blank line each: `summary` (the fleet's
 * figures, each with the period before's), `summary_teams`, `summary_worst`, `summary_trend`
 * and `delivery_by_team`. Each opens with its own header, whose first column names the section.
 */
function summaryCsv(review: SloReview): string[][] {
  const { summary: s, period, previous } = review;
  const figure = (scope: string, metric: string, cur: number | null, prev: number | null) =>
    ["summary", period.key, previous.key, scope, metric, cur, prev].map(cell).join(",");
  const compared = (scope: string, metric: string, v: { current: number; previous: number }) =>
    figure(scope, metric, v.current, v.previous);
  const d = {
    current: deliveryCells(s.delivery.current),
    previous: deliveryCells(s.delivery.previous),
  };
  const figures = [
    "section,period,previous_period,scope,metric,value,previous_value",
    compared("all", "slos", { current: s.slos.current.slos, previous: s.slos.previous.slos }),
    compared("all", "slos_met", { current: s.slos.current.met, previous: s.slos.previous.met }),
    compared("all", "slos_missed", {
      current: s.slos.current.missed,
      previous: s.slos.previous.missed,
    }),
    compared("all", "slos_no_data", {
      current: s.slos.current.noData,
      previous: s.slos.previous.noData,
    }),
    compared("all", "incidents", s.incidents.total),
    ...s.incidents.bySeverity.map((c) => compared(c.severity, "incidents", c)),
    figure(
      "all",
      "mtta_mean_minutes",
      round(s.mtta.current.meanMinutes, 1),
      round(s.mtta.previous.meanMinutes, 1),
    ),
    figure(
      "all",
      "mtta_median_minutes",
      round(s.mtta.current.medianMinutes, 1),
      round(s.mtta.previous.medianMinutes, 1),
    ),
    figure(
      "all",
      "mttr_mean_minutes",
      round(s.mttr.current.meanMinutes, 1),
      round(s.mttr.previous.meanMinutes, 1),
    ),
    figure(
      "all",
      "mttr_median_minutes",
      round(s.mttr.current.medianMinutes, 1),
      round(s.mttr.previous.medianMinutes, 1),
    ),
    ...DELIVERY_HEADER.map((metric, i) => figure("all", metric, d.current[i]!, d.previous[i]!)),
  ];
  const teams = [
    "section,team,slos,met,missed,no_data,previous_met,previous_missed,budget_spent_mean,over_budget",
    ...s.teams.map((t) =>
      [
        "summary_teams",
        t.team,
        t.current.slos,
        t.current.met,
        t.current.missed,
        t.current.noData,
        t.previous.met,
        t.previous.missed,
        round(t.budgetSpent, 4),
        t.overBudget,
      ]
        .map(cell)
        .join(","),
    ),
  ];
  const worst = [
    "section,rank,team,service,slo,budget_consumed,consumed_incidents,consumed_rollouts,consumed_other",
    ...s.worst.map((w, i) =>
      [
        "summary_worst",
        i + 1,
        w.team,
        w.service,
        w.slo,
        round(w.consumed, 4),
        round(w.split.incidents, 4),
        round(w.split.rollouts, 4),
        round(w.split.other, 4),
      ]
        .map(cell)
        .join(","),
    ),
  ];
  const trend = [
    ["section", "team", ...s.trend.periods.map((p) => `slos_met_share_${p.key}`)].join(","),
    ...s.trend.teams.map((t) =>
      ["summary_trend", t.team, ...t.points.map((p) => round(p, 4))].map(cell).join(","),
    ),
  ];
  const teamPeriod = (team: string, key: string, f: DeliveryFigures) =>
    ["delivery_by_team", team, key, ...deliveryCells(f)].map(cell).join(",");
  const delivery = [
    ["section", "team", "period", ...DELIVERY_HEADER].join(","),
    ...review.deliveryByTeam.flatMap((t) => [
      teamPeriod(t.team, previous.key, t.previous),
      teamPeriod(t.team, period.key, t.current),
    ]),
  ];
  return [figures, teams, worst, trend, delivery];
}

/**
 * The review as CSV for spreadsheets and the quarterly deck: one line per SLO, then the
 * summary's sections (summaryCsv), each after a blank line.
 */
export function reviewCsv(review: SloReview): string {
  const lines = [CSV_HEADER.join(",")];
  for (const team of review.teams) {
    for (const service of team.services) {
      for (const r of service.rows) {
        const change =
          r.attainment !== null && r.previousAttainment !== null
            ? Number(((r.attainment - r.previousAttainment) * 100).toFixed(4))
            : null;
        lines.push(
          [
            review.period.key,
            r.team,
            r.service,
            r.slo,
            r.objective,
            r.attainment === null ? null : Number(r.attainment.toFixed(6)),
            r.previousAttainment === null ? null : Number(r.previousAttainment.toFixed(6)),
            change,
            r.met,
            r.consumed === null ? null : Number(r.consumed.toFixed(4)),
            r.consumedByIncidents === null ? null : Number(r.consumedByIncidents.toFixed(4)),
            r.consumedByRollouts === null ? null : Number(r.consumedByRollouts.toFixed(4)),
            r.incidents,
            r.rollouts,
          ]
            .map(cell)
            .join(","),
        );
      }
    }
  }
  const sections = [lines, ...summaryCsv(review)];
  return `${sections.map((section) => section.join("\n")).join("\n\n")}\n`;
}
