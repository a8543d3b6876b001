import "server-only";
import { clock } from "@/lib/clock";
import { db, type Prisma } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import type { SloListQuery } from "@/lib/schemas/slos";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import { burnRate, windowStart as windowStartOf, type SloStatus } from "@/lib/domain/slos/budget";
import { effectiveAlerts, windowMinutes, type EffectiveAlert } from "@/lib/domain/slos/alerts";
import type { SloSpec } from "@/lib/domain/slos/spec";
import { assertCanRead } from "@/server/access/authorize";
import { AppError } from "@/server/errors";
import { budgetCounts, trailingCounts } from "@/server/slos/evaluator";
import { SLO_DEFINITION_SELECT, sloSpecOf } from "@/server/slos/definitions";

const DAY = 86_400_000;
/** Days of daily burn rate in each list row's sparkline. */
export const SPARKLINE_DAYS = 30;

export interface SloSummary {
  status: SloStatus;
  computedAt: Date | null;
  attainment: number | null;
  consumed: number | null;
  remaining: number | null;
  /** bad events (occurrences) or bad minutes (timeslices) the window allows */
  budgetAmount: number | null;
  burnRate1h: number | null;
  exhaustsInMin: number | null;
  firing: "page" | "ticket" | null;
}

/** Why the SLI's latest minutes had no data, and since when (kept by the SLI feed). */
export interface SliGap {
  reason: string;
  since: Date;
}

const gapOf = (s: { noDataReason: string | null; noDataSince: Date | null }): SliGap | null =>
  s.noDataReason && s.noDataSince ? { reason: s.noDataReason, since: s.noDataSince } : null;

export interface SloRow {
  id: string;
  name: string;
  spec: SloSpec;
  model: string;
  teamName: string;
  teamSlug: string;
  summary: SloSummary;
  noData: SliGap | null;
  /** daily burn rate, oldest first; null for a day without traffic */
  sparkline: (number | null)[];
}

const NO_SNAPSHOT: SloSummary = {
  status: "no_data",
  computedAt: null,
  attainment: null,
  consumed: null,
  remaining: null,
  budgetAmount: null,
  burnRate1h: null,
  exhaustsInMin: null,
  firing: null,
};

const SNAPSHOT_SELECT = {
  status: true,
  computedAt: true,
  attainment: true,
  consumed: true,
  remaining: true,
  budgetAmount: true,
  burnRate1h: true,
  exhaustsInMin: true,
  firing: true,
} satisfies Prisma.SloSnapshotSelect;

function summaryOf(s: Prisma.SloSnapshotGetPayload<{ select: typeof SNAPSHOT_SELECT }> | null) {
  return s ?? NO_SNAPSHOT;
}

function listWhere(query: SloListQuery): Prisma.SloWhereInput {
  const status = query.status;
  return {
    ...(query.team ? { team: { slug: query.team } } : {}),
    ...(query.service ? { model: { name: query.service } } : {}),
    ...(status === "alerting"
      ? { snapshot: { firing: { not: null } } }
      : status === "no_data"
        ? { OR: [{ snapshot: null }, { snapshot: { status: "no_data" } }] }
        : status
          ? { snapshot: { status } }
          : {}),
  };
}

/**
 * SLOs with their budget, read from the snapshots the worker keeps (never summing buckets per
 * request), filtered, grouped and paginated in the database. Sparklines come from the daily
 * rollups of the page's SLOs only.
 */
export async function listSlos(actor: Actor | null, query: SloListQuery): Promise<Page<SloRow>> {
  assertCanRead(actor);
  const where = listWhere(query);
  const total = await db().slo.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const orderBy: Prisma.SloOrderByWithRelationInput[] =
    query.group === "team"
      ? [{ team: { name: "asc" } }, { name: "asc" }]
      : query.group === "service"
        ? [{ model: { name: "asc" } }, { name: "asc" }]
        : [{ name: "asc" }];
  const slos = await db().slo.findMany({
    where,
    orderBy,
    skip,
    take,
    select: {
      ...SLO_DEFINITION_SELECT,
      team: { select: { slug: true, name: true } },
      snapshot: { select: SNAPSHOT_SELECT },
      noDataReason: true,
      noDataSince: true,
    },
  });
  const sparklines = await dailyBurn(
    slos.map((s) => ({ id: s.id, objective: s.objective, budgetingMethod: s.budgetingMethod })),
    SPARKLINE_DAYS,
  );
  const rows = slos.map((s) => ({
    id: s.id,
    name: s.name,
    spec: sloSpecOf(s),
    model: s.model.name,
    teamName: s.team.name,
    teamSlug: s.team.slug,
    summary: summaryOf(s.snapshot),
    noData: gapOf(s),
    sparkline: sparklines.get(s.id) ?? [],
  }));
  return toPage(rows, total, page, PAGE_SIZE);
}

/** Each SLO's burn rate per UTC day over the last `days` days (today included), oldest first. */
async function dailyBurn(
  slos: { id: string; objective: number; budgetingMethod: "occurrences" | "timeslices" }[],
  days: number,
): Promise<Map<string, (number | null)[]>> {
  const today = Math.floor(clock.ms() / DAY) * DAY;
  const from = today - (days - 1) * DAY;
  const buckets = await db().sliBucket.findMany({
    where: {
      sloId: { in: slos.map((s) => s.id) },
      resolution: "day",
      start: { gte: new Date(from) },
    },
    select: { sloId: true, start: true, good: true, total: true, slices: true, goodSlices: true },
  });
  const out = new Map<string, (number | null)[]>();
  for (const s of slos)
    out.set(
      s.id,
      Array.from({ length: days }, () => null),
    );
  const bySlo = new Map(slos.map((s) => [s.id, s]));
  for (const b of buckets) {
    const i = Math.round((b.start.getTime() - from) / DAY);
    const series = out.get(b.sloId);
    if (series && i >= 0 && i < days) {
      const slo = bySlo.get(b.sloId)!;
      const c = budgetCounts(
        {
          good: Number(b.good),
          total: Number(b.total),
          slices: b.slices,
          goodSlices: b.goodSlices,
        },
        slo.budgetingMethod,
      );
      series[i] = burnRate(c.good, c.total, slo.objective);
    }
  }
  return out;
}

/** How many SLOs are in each status, for the overview (from the snapshots). */
export async function sloStatusCounts(actor: Actor | null): Promise<Record<SloStatus, number>> {
  assertCanRead(actor);
  const counts: Record<SloStatus, number> = { healthy: 0, at_risk: 0, exhausted: 0, no_data: 0 };
  const [grouped, total] = await Promise.all([
    db().sloSnapshot.groupBy({ by: ["status"], _count: { _all: true } }),
    db().slo.count(),
  ]);
  let seen = 0;
  for (const g of grouped) {
    counts[g.status] += g._count._all;
    seen += g._count._all;
  }
  counts.no_data += Math.max(0, total - seen);
  return counts;
}

/** Teams and services that own SLOs, for the list's filters. */
export async function sloFilterOptions(actor: Actor | null) {
  assertCanRead(actor);
  const [teams, services] = await Promise.all([
    db().team.findMany({
      where: { slos: { some: {} } },
      orderBy: { name: "asc" },
      select: { slug: true, name: true },
    }),
    db().model.findMany({
      where: { slos: { some: {} } },
      orderBy: { name: "asc" },
      select: { name: true },
    }),
  ]);
  return { teams, services: services.map((s) => s.name) };
}

const HOUR = 3_600_000;
/** Days of burn-rate history on an SLO's page. */
export const BURN_CHART_DAYS = 7;

export interface SloAlertRow {
  id: string;
  severity: "page" | "ticket";
  longWindowMinutes: number;
  shortWindowMinutes: number;
  threshold: number;
  longBurn: number;
  shortBurn: number;
  peakBurn: number;
  firedAt: Date;
  resolvedAt: Date | null;
}

export interface TimelineChange {
  kind: "rollout" | "incident";
  id: string;
  label: string;
  status: string;
  start: number;
  end: number | null;
  href: string;
}

export interface SloDetail {
  id: string;
  version: number;
  spec: SloSpec;
  teamName: string;
  summary: SloSummary;
  noData: SliGap | null;
  windowStart: Date;
  /**
   * Events so far and the events the budget is counted on, when they differ: an occurrence SLO
   * over a calendar period in progress is budgeted on the events it is expected to hold.
   */
  budgetBasis: { soFar: number; expected: number } | null;
  /** the alerts as evaluated on this window (the defaults scaled to it, see effectiveAlerts) */
  alertPlan: EffectiveAlert[];
  /** remaining budget share over the window (burn-down), oldest first */
  burnDown: { t: number; remaining: number | null }[];
  /** trailing burn rates per hour over the last BURN_CHART_DAYS days */
  burnRates: { t: number; [window: string]: number | null }[];
  /** the burn windows charted, in minutes, with the threshold each alert uses */
  burnWindows: { minutes: number; thresholds: { severity: "page" | "ticket"; value: number }[] }[];
  alerts: SloAlertRow[];
  changes: TimelineChange[];
}

/**
 * Everything an SLO's page shows: its budget, the burn-down over the window and the burn rates
 * behind its alerts (from hourly rollups), the alerts, and the rollouts and incidents of the
 * service on the same timeline, so budget spend has a visible cause.
 */
export async function getSloDetail(
  actor: Actor | null,
  name: string,
  now = clock.now(),
): Promise<SloDetail | null> {
  assertCanRead(actor);
  const slo = await db().slo.findUnique({
    where: { name },
    select: {
      ...SLO_DEFINITION_SELECT,
      modelId: true,
      team: { select: { slug: true, name: true } },
      snapshot: { select: { ...SNAPSHOT_SELECT, windowStart: true, total: true } },
      noDataReason: true,
      noDataSince: true,
    },
  });
  if (!slo) return null;
  const spec = sloSpecOf(slo);
  const windowStart = slo.snapshot?.windowStart ?? windowStartOf(spec.window, now);
  const alertPlan = effectiveAlerts(spec.alerts, windowMinutes(spec.window, now));
  const burnWindows = [...new Set(alertPlan.map((a) => a.longWindowMinutes))]
    .sort((a, b) => a - b)
    .map((minutes) => ({
      minutes,
      thresholds: alertPlan
        .filter((a) => a.longWindowMinutes === minutes)
        .map((a) => ({ severity: a.severity, value: a.threshold })),
    }));
  const longest = Math.max(60, ...burnWindows.map((w) => w.minutes));
  const chartFrom = Math.floor((now.getTime() - BURN_CHART_DAYS * DAY) / HOUR) * HOUR;
  const historyFrom = Math.min(windowStart.getTime(), chartFrom - Math.ceil(longest / 60) * HOUR);
  const [hours, alerts, rollouts, incidents] = await Promise.all([
    db().sliBucket.findMany({
      where: { sloId: slo.id, resolution: "hour", start: { gte: new Date(historyFrom) } },
      orderBy: { start: "asc" },
      select: { start: true, good: true, total: true, slices: true, goodSlices: true },
    }),
    db().sloAlert.findMany({
      where: { sloId: slo.id },
      orderBy: { firedAt: "desc" },
      take: 50,
      select: {
        id: true,
        severity: true,
        longWindowMinutes: true,
        shortWindowMinutes: true,
        threshold: true,
        longBurn: true,
        shortBurn: true,
        peakBurn: true,
        firedAt: true,
        resolvedAt: true,
      },
    }),
    db().rollout.findMany({
      where: {
        modelId: slo.modelId,
        OR: [{ finishedAt: null }, { finishedAt: { gte: new Date(historyFrom) } }],
        startedAt: { not: null },
      },
      orderBy: { startedAt: "desc" },
      take: 100,
      select: {
        id: true,
        kind: true,
        status: true,
        startedAt: true,
        finishedAt: true,
        toVersion: { select: { version: true } },
        environment: { select: { name: true } },
      },
    }),
    db().incident.findMany({
      where: {
        modelId: slo.modelId,
        OR: [{ resolvedAt: null }, { resolvedAt: { gte: new Date(historyFrom) } }],
      },
      orderBy: { detectedAt: "desc" },
      take: 100,
      select: {
        id: true,
        number: true,
        title: true,
        status: true,
        severity: true,
        detectedAt: true,
        resolvedAt: true,
      },
    }),
  ]);
  const timeslices = spec.budgetingMethod === "timeslices";
  const series = hours.map((h) => ({
    t: h.start.getTime(),
    good: timeslices ? h.goodSlices : Number(h.good),
    total: timeslices ? h.slices : Number(h.total),
  }));
  // Burn-down: budget spent so far against the budget the snapshot counts (see budgetUnits).
  const inWindow = series.filter((h) => h.t >= windowStart.getTime());
  const budget = slo.snapshot?.budgetAmount ?? 0;
  let bad = 0;
  const burnDown = inWindow.map((h) => {
    bad += h.total - h.good;
    return { t: h.t + HOUR, remaining: budget > 0 ? Math.max(0, 1 - bad / budget) : null };
  });
  const soFar = Number(slo.snapshot?.total ?? 0);
  const expected = budget / (1 - spec.objective);
  const budgetBasis =
    !timeslices && spec.window.kind === "calendar" && soFar > 0 && expected > soFar * (1 + 1e-9)
      ? { soFar, expected }
      : null;
  // Trailing burn rate over each alert's long window, at every hour of the chart.
  const byHour = new Map(series.map((h) => [h.t, h]));
  const burnRates: SloDetail["burnRates"] = [];
  for (let t = chartFrom; t <= now.getTime(); t += HOUR) {
    const point: SloDetail["burnRates"][number] = { t };
    for (const w of burnWindows) {
      let good = 0;
      let total = 0;
      for (let h = t - Math.ceil(w.minutes / 60) * HOUR; h < t; h += HOUR) {
        const b = byHour.get(h);
        if (b) {
          good += b.good;
          total += b.total;
        }
      }
      point[`w${w.minutes}`] = burnRate(good, total, spec.objective);
    }
    burnRates.push(point);
  }
  const changes: TimelineChange[] = [
    ...rollouts.map((r) => ({
      kind: "rollout" as const,
      id: r.id,
      label: `${r.kind === "rollback" ? "Rollback to" : "Rollout of"} ${r.toVersion.version} in ${r.environment.name}`,
      status: r.status,
      start: r.startedAt!.getTime(),
      end: r.finishedAt?.getTime() ?? null,
      href: `/rollouts/${r.id}`,
    })),
    ...incidents.map((i) => ({
      kind: "incident" as const,
      id: i.id,
      label: `INC-${i.number} ${i.severity}: ${i.title}`,
      status: i.status,
      start: i.detectedAt.getTime(),
      end: i.resolvedAt?.getTime() ?? null,
      href: "/incidents",
    })),
  ].sort((a, b) => b.start - a.start);
  return {
    id: slo.id,
    version: slo.version,
    spec,
    teamName: slo.team.name,
    summary: summaryOf(slo.snapshot),
    noData: gapOf(slo),
    windowStart,
    budgetBasis,
    alertPlan,
    burnDown,
    burnRates,
    burnWindows,
    alerts,
    changes,
  };
}

/**
 * An SLO's burn rate over any trailing windows (minutes), with the events behind each figure.
 * Null for a window without traffic.
 */
export async function sloBurnRates(
  actor: Actor | null,
  name: string,
  windows: number[],
  now = clock.now(),
) {
  assertCanRead(actor);
  const slo = await db().slo.findUnique({
    where: { name },
    select: { id: true, objective: true, budgetingMethod: true },
  });
  if (!slo) throw new AppError("NOT_FOUND", `No SLO named ${name}.`);
  const counts = (await trailingCounts([slo.id], windows, now)).get(slo.id);
  return {
    slo: name,
    at: now,
    windows: windows.map((minutes) => {
      const c = budgetCounts(
        counts?.get(minutes) ?? { good: 0, total: 0, slices: 0, goodSlices: 0 },
        slo.budgetingMethod,
      );
      return { minutes, ...c, burnRate: burnRate(c.good, c.total, slo.objective) };
    }),
  };
}
