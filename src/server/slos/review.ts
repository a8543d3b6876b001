import "server-only";
import { clock } from "@/lib/clock";
import { db, Prisma } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { assertCanRead } from "@/server/access/authorize";
import { budgetCounts } from "@/server/slos/evaluator";
import { reviewResponseTimes, type ResponseTimes } from "@/server/incidents/response-times";
import { SharedRead } from "@/lib/shared-read";
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
  /** share of the period's budget spent (may exceed 1) */
  consumed: number | null;
  /** ... of which while an incident of the service was open, and while a rollout ran */
  consumedByIncidents: number | null;
  consumedByRollouts: number | null;
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
  bad: bigint | null;
  badSlices: bigint | null;
}

/**
 * Bad events per SLO in the hours of a period during which something was happening to its
 * service: an incident was open, or a rollout was running (an hour counts if it overlaps).
 * The few such hours are listed first, then only their hourly buckets are read.
 */
async function badDuring(kind: "incident" | "rollout", period: ReviewPeriod, now: Date) {
  const spans =
    kind === "incident"
      ? Prisma.sql`SELECT "modelId", "detectedAt" AS "from", "resolvedAt" AS "to" FROM "Incident"
                   WHERE "modelId" IS NOT NULL`
      : Prisma.sql`SELECT "modelId", "startedAt" AS "from", "finishedAt" AS "to" FROM "Rollout"
                   WHERE "startedAt" IS NOT NULL`;
  const rows = await db().$queryRaw<Bad[]>`
    WITH spans AS (${spans}),
    hours AS (
      SELECT DISTINCT "modelId", h
      FROM spans, generate_series(
        date_trunc('hour', greatest("from", ${period.start}::timestamp)),
        -- an incident still open (a rollout still running) lasts until now: the hours after it
        -- have no buckets, and listing them would make five times the rows on the large fleet
        least(coalesce("to", ${now}::timestamp), ${period.end}::timestamp) - interval '1 millisecond',
        interval '1 hour') AS h
      WHERE "from" < ${period.end} AND coalesce("to", 'infinity'::timestamp) > ${period.start}
    )
    SELECT b."sloId", sum(b.total - b.good)::bigint AS bad,
           sum(b.slices - b."goodSlices")::bigint AS "badSlices"
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
  const [
    slos,
    sums,
    before,
    incidents,
    rollouts,
    duringIncidents,
    duringRollouts,
    incidentResponse,
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
    badDuring("incident", period, now),
    badDuring("rollout", period, now),
    reviewResponseTimes(actor, period),
  ]);
  const incidentCount = new Map(incidents.map((i) => [i.modelId, i._count._all]));
  const rolloutCount = new Map(rollouts.map((r) => [r.modelId, r._count._all]));
  const rows: ReviewRow[] = slos.map((s) => {
    const slices = s.budgetingMethod === "timeslices";
    const cur = sums.get(s.id);
    const prev = before.get(s.id);
    const counts = (c: typeof cur) =>
      budgetCounts(
        {
          good: n(c?.good),
          total: n(c?.total),
          slices: n(c?.slices),
          goodSlices: n(c?.goodSlices),
        },
        s.budgetingMethod,
      );
    const minutesOf = (p: ReviewPeriod) => (p.end.getTime() - p.start.getTime()) / 60_000;
    const inIncidents = duringIncidents.get(s.id);
    const inRollouts = duringRollouts.get(s.id);
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
    const share = (bad: bigint | null | undefined) =>
      budget.status === "no_data" || budget.budgetEvents === 0
        ? null
        : n(bad) / budget.budgetEvents;
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
      consumed: budget.status === "no_data" ? null : budget.consumed,
      consumedByIncidents: share(slices ? inIncidents?.badSlices : inIncidents?.bad),
      consumedByRollouts: share(slices ? inRollouts?.badSlices : inRollouts?.bad),
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

/** The review as CSV, one line per SLO, for spreadsheets and the quarterly deck. */
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
  return `${lines.join("\n")}\n`;
}
