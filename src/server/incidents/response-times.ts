import "server-only";
import { clock } from "@/lib/clock";
import { db, Prisma } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { assertCanRead } from "@/server/access/authorize";
import { SharedRead } from "@/lib/shared-read";
import {
  metricPeriod,
  mtta,
  mttr,
  SHORT_MONTHS,
  type DurationStats,
  type MetricPeriodUnit,
  type ResponseSample,
  type ResponseTimeReport,
} from "@/lib/domain/incidents/response-times";
import type { IncidentStatus, Severity } from "@/lib/domain/incidents/lifecycle";
import type { ReviewPeriod } from "@/lib/domain/slos/budget";

export interface ResponsePeriod {
  key: string;
  /** "Week of 23 Nov 2026", "November 2026" */
  label: string;
  /** for chart ticks: "23 Nov", "Nov 2026" */
  short: string;
  start: Date;
  end: Date;
}

/** One severity's or team's figures: over the whole range, and per period. */
export interface ResponseSeries {
  /** the severity ("SEV1") or team slug; null for incidents of no team */
  key: string | null;
  label: string;
  total: DurationStats;
  /** one per period of the range, in order; null when the group had no incident then */
  points: (DurationStats | null)[];
}

export interface ResponseMetric {
  total: DurationStats;
  bySeverity: ResponseSeries[];
  byTeam: ResponseSeries[];
}

export interface TeamChoice {
  slug: string;
  name: string;
}

export interface ResponseTimes {
  unit: MetricPeriodUnit;
  /** incidents detected from `start` (inclusive) to `end` (exclusive) */
  start: Date;
  end: Date;
  periods: ResponsePeriod[];
  /** the team the figures are narrowed to, if any */
  team: TeamChoice | null;
  region: string | null;
  /** every team, for choosing one */
  teams: TeamChoice[];
  /** incidents counted (cancelled ones are not) */
  incidents: number;
  /** mean time to acknowledge, and to resolve */
  mtta: ResponseMetric;
  mttr: ResponseMetric;
}

export interface ResponseTimesQuery {
  unit: MetricPeriodUnit;
  start: Date;
  end: Date;
  /** a team's slug; an unknown one narrows nothing, like any malformed filter */
  team?: string;
  /** a region code: incidents that affected it, as in the incident list */
  region?: string;
}

/** Every week or month from the one holding `start` to the one holding the last instant. */
function periodsBetween(unit: MetricPeriodUnit, start: Date, end: Date): ResponsePeriod[] {
  const out: ResponsePeriod[] = [];
  for (let p = metricPeriod(unit, start); p.start < end; p = metricPeriod(unit, p.end)) {
    const month = SHORT_MONTHS[p.start.getUTCMonth()];
    const short =
      unit === "week" ? `${p.start.getUTCDate()} ${month}` : `${month} ${p.start.getUTCFullYear()}`;
    out.push({ ...p, short });
  }
  return out;
}

interface SampleRow {
  status: IncidentStatus;
  severity: Severity;
  detectedAt: Date;
  acknowledgedAt: Date | null;
  resolvedAt: Date | null;
  teamId: string | null;
}

/**
 * The incidents detected in the range, with only what MTTA and MTTR need. The team is that of
 * the first affected model (`modelId`), joined in the same query; the range uses the index on
 * detectedAt.
 */
async function responseSamples(
  start: Date,
  end: Date,
  teamId: string | undefined,
  region: string | undefined,
): Promise<SampleRow[]> {
  return db().$queryRaw<SampleRow[]>`
    SELECT i.status::text AS status, i.severity::text AS severity, i."detectedAt",
           i."acknowledgedAt", i."resolvedAt", m."teamId"
    FROM "Incident" i LEFT JOIN "Model" m ON m.id = i."modelId"
    WHERE i."detectedAt" >= ${start}::timestamp AND i."detectedAt" < ${end}::timestamp
    ${teamId ? Prisma.sql`AND m."teamId" = ${teamId}` : Prisma.empty}
    ${region ? Prisma.sql`AND ${region} = ANY(i."affectedRegions")` : Prisma.empty}`;
}

function metric(
  report: ResponseTimeReport,
  periods: ResponsePeriod[],
  teamName: (slug: string | null) => string,
): ResponseMetric {
  const index = new Map(periods.map((p, i) => [p.key, i]));
  const series = <K extends string | null>(
    totals: { key: K; stats: DurationStats }[],
    groups: { key: K; period: string; stats: DurationStats }[],
    label: (key: K) => string,
  ): ResponseSeries[] =>
    totals.map(({ key, stats }) => {
      const points: (DurationStats | null)[] = periods.map(() => null);
      for (const g of groups) {
        const i = index.get(g.period);
        if (g.key === key && i !== undefined) points[i] = g.stats;
      }
      return { key, label: label(key), total: stats, points };
    });
  return {
    total: report.total,
    bySeverity: series(
      report.totalsBySeverity.map((t) => ({ key: t.severity, stats: t.stats })),
      report.bySeverity.map((g) => ({ key: g.severity, period: g.period.key, stats: g.stats })),
      (severity) => severity,
    ),
    byTeam: series(
      report.totalsByTeam.map((t) => ({ key: t.team, stats: t.stats })),
      report.byTeam.map((g) => ({ key: g.team, period: g.period.key, stats: g.stats })),
      teamName,
    ),
  };
}

/**
 * MTTA and MTTR of the incidents detected in a range, per week or month, by severity and by
 * team, with totals. One query reads the incidents; the domain does the arithmetic.
 */
export async function responseTimes(
  actor: Actor | null,
  query: ResponseTimesQuery,
): Promise<ResponseTimes> {
  assertCanRead(actor);
  const key = [
    query.unit,
    query.start.toISOString(),
    query.end.toISOString(),
    query.team ?? "",
    query.region ?? "",
  ].join("|");
  const { value } = await shared.read(key, () => computeResponseTimes(query), await dataVersion());
  return value;
}

/**
 * Every reader of the incidents page asks the same few questions (the last 12 weeks or 6 months,
 * by severity or team), and the answer is the same for everyone: it is computed once a minute at
 * most, and again at once when an incident is declared or changes (every change increments its
 * `version`) or a team is added. On the large fleet the computation was 5% of a web process's time
 * under 50 people; the version is one aggregate over the incidents.
 */
const shared = ((
  globalThis as unknown as { flightdeckResponseTimes?: SharedRead<ResponseTimes> }
).flightdeckResponseTimes ??= new SharedRead<ResponseTimes>({ ttlMs: 60_000, maxKeys: 64 }));

async function dataVersion(): Promise<string> {
  const [row] = await db().$queryRaw<{ incidents: number; versions: bigint; teams: number }[]>`
    SELECT count(*)::int AS incidents, coalesce(sum(version), 0)::bigint AS versions,
           (SELECT count(*)::int FROM "Team") AS teams
    FROM "Incident"`;
  return row ? `${row.incidents}:${row.versions}:${row.teams}` : "";
}

async function computeResponseTimes(query: ResponseTimesQuery): Promise<ResponseTimes> {
  const teams = await db().team.findMany({
    orderBy: { name: "asc" },
    select: { id: true, slug: true, name: true },
  });
  const team = query.team ? (teams.find((t) => t.slug === query.team) ?? null) : null;
  const rows = await responseSamples(query.start, query.end, team?.id, query.region);
  const slugOf = new Map(teams.map((t) => [t.id, t.slug]));
  const nameOf = new Map(teams.map((t) => [t.slug, t.name]));
  const samples: ResponseSample[] = rows.map((r) => ({
    status: r.status,
    severity: r.severity,
    team: r.teamId === null ? null : (slugOf.get(r.teamId) ?? null),
    detectedAt: r.detectedAt,
    acknowledgedAt: r.acknowledgedAt,
    resolvedAt: r.resolvedAt,
  }));
  const periods = periodsBetween(query.unit, query.start, query.end);
  const teamName = (slug: string | null) =>
    slug === null ? "No team" : (nameOf.get(slug) ?? slug);
  const acknowledge = mtta(samples, query.unit);
  return {
    unit: query.unit,
    start: query.start,
    end: query.end,
    periods,
    team: team ? { slug: team.slug, name: team.name } : null,
    region: query.region ?? null,
    teams: teams.map((t) => ({ slug: t.slug, name: t.name })),
    incidents: acknowledge.total.count + acknowledge.total.excluded,
    mtta: metric(acknowledge, periods, teamName),
    mttr: metric(mttr(samples, query.unit), periods, teamName),
  };
}

/** How far back the incidents page looks: 12 weeks or 6 months, the current one included. */
const RECENT_PERIODS: Record<MetricPeriodUnit, number> = { week: 12, month: 6 };

/** The last 12 weeks or 6 months up to now, the current (partial) one included. */
export function recentRange(unit: MetricPeriodUnit, now: Date): { start: Date; end: Date } {
  const current = metricPeriod(unit, now);
  const back = RECENT_PERIODS[unit] - 1;
  const start =
    unit === "week"
      ? new Date(current.start.getTime() - back * 7 * 86_400_000)
      : new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1));
  return { start, end: current.end };
}

/** Response times of the last 12 weeks or 6 months, for the incidents page. */
export async function recentResponseTimes(
  actor: Actor | null,
  choice: { unit: MetricPeriodUnit; team?: string; region?: string },
  now = clock.now(),
): Promise<ResponseTimes> {
  return responseTimes(actor, { ...choice, ...recentRange(choice.unit, now) });
}

/**
 * Response times of a review period: a month by week, a quarter by month. Weeks at the edges of
 * a month hold only the incidents detected inside it.
 */
export async function reviewResponseTimes(
  actor: Actor | null,
  period: ReviewPeriod,
): Promise<ResponseTimes> {
  return responseTimes(actor, {
    unit: period.unit === "quarter" ? "month" : "week",
    start: period.start,
    end: period.end,
  });
}
