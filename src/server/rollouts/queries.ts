import "server-only";
import { freezesNow } from "@/server/promotions/release-windows";
import { metricsOutagePolicyOf } from "@/lib/domain/rollouts/blocked";
import { clock } from "@/lib/clock";
import { budgetPolicyStates } from "@/server/slos/budget-policy";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { PAGE_SIZE, type ListQuery, type RolloutListQuery } from "@/lib/schemas/list-query";
import type { Prisma } from "@/server/db/client";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import { assertCanRead, isAllowed } from "@/server/access/authorize";
import { environmentWhere } from "@/server/db/filters";
import { principalOf } from "@/server/auth/session";
import { AppError } from "@/server/errors";
import { fleetPlatform, pageMetrics, readWithFallback } from "@/server/fleet/platform";
import { withTimeout } from "@/lib/platform/types";
import { authorize, type Permission } from "@/lib/domain/access/policy";
import {
  ACTIVE,
  TERMINAL,
  availableCommands,
  type RolloutStatus,
} from "@/lib/domain/rollouts/state-machine";
import {
  DEFAULT_THRESHOLDS,
  analysisThresholdsSchema,
  defaultPlan,
  formatSteps,
  formatWaves,
  planSchema,
} from "@/lib/domain/rollouts/plan";
import type { MetricResult } from "@/lib/domain/rollouts/analysis";
import { seriesWindow, withMeasurements } from "@/lib/domain/rollouts/series";
import type { RolloutDetail, RolloutSeries } from "@/lib/schemas/rollouts";
import { freezeCovers } from "@/lib/domain/promotions/gates";

export interface RolloutRow {
  id: string;
  model: string;
  fromVersion: string | null;
  toVersion: string;
  environment: string;
  strategy: string;
  status: string;
  currentStep: number;
  stepCount: number;
  currentWeight: number;
  reason: string | null;
  createdAt: Date;
  finishedAt: Date | null;
  kind: string;
  wave: number;
  verifying: boolean;
  /** the rollout is paused on a change made to its object outside Flightdeck */
  outsideChange: boolean;
  /** why the engine cannot drive it now, or null */
  blockedReason: string | null;
  /** the latest analysis interval's verdict, if any ran */
  verdict: string | null;
}

export async function listRollouts(
  actor: Actor | null,
  query: ListQuery &
    Partial<Pick<RolloutListQuery, "status" | "model">> & { environmentName?: string },
): Promise<Page<RolloutRow>> {
  assertCanRead(actor);
  const where: Prisma.RolloutWhereInput = {
    environment: {
      ...environmentWhere(query),
      ...(query.environmentName ? { name: query.environmentName } : {}),
    },
    ...(query.model ? { model: { name: query.model } } : {}),
    ...(query.status === "active"
      ? { status: { in: [...ACTIVE] } }
      : query.status
        ? { status: query.status }
        : {}),
  };
  const total = await db().rollout.count({ where });
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const rollouts = await db().rollout.findMany({
    where,
    orderBy: [{ createdAt: "desc" }, { id: "asc" }],
    skip,
    take,
    select: {
      id: true,
      strategy: true,
      status: true,
      currentStep: true,
      currentWeight: true,
      reason: true,
      createdAt: true,
      finishedAt: true,
      kind: true,
      wave: true,
      verifying: true,
      outsideChange: true,
      blockedReason: true,
      model: { select: { name: true } },
      fromVersion: { select: { version: true } },
      toVersion: { select: { version: true } },
      environment: { select: { name: true } },
    },
  });
  const ids = rollouts.map((r) => r.id);
  // The page's step counts by themselves: as a relation count of the list above, Prisma counts
  // every rollout's steps in the table and joins the page to that (40 ms of PostgreSQL on the
  // large fleet's 20,000 rollouts, for a page of 25).
  const [verdicts, steps] = await Promise.all([
    db().analysisRun.findMany({
      where: { rolloutId: { in: ids } },
      orderBy: [{ rolloutId: "asc" }, { at: "desc" }],
      distinct: ["rolloutId"],
      select: { rolloutId: true, verdict: true },
    }),
    db().rolloutStep.groupBy({
      by: ["rolloutId"],
      where: { rolloutId: { in: ids } },
      _count: { _all: true },
    }),
  ]);
  const verdictOf = new Map(verdicts.map((v) => [v.rolloutId, v.verdict]));
  const stepsOf = new Map(steps.map((s) => [s.rolloutId, s._count._all]));
  const rows = rollouts.map((r) => ({
    id: r.id,
    kind: r.kind,
    wave: r.wave,
    verifying: r.verifying,
    outsideChange: r.outsideChange !== null && !TERMINAL.includes(r.status as RolloutStatus),
    blockedReason: r.blockedReason,
    verdict: verdictOf.get(r.id) ?? null,
    model: r.model.name,
    fromVersion: r.fromVersion?.version ?? null,
    toVersion: r.toVersion.version,
    environment: r.environment.name,
    strategy: r.strategy,
    status: r.status,
    currentStep: r.currentStep,
    stepCount: stepsOf.get(r.id) ?? 0,
    currentWeight: r.currentWeight,
    reason: r.reason,
    createdAt: r.createdAt,
    finishedAt: r.finishedAt,
  }));
  return toPage(rows, total, page, PAGE_SIZE);
}

/**
 * What serves a model in one environment now, from the platform (the last good reading when
 * it does not answer), with the environment's user requests per second.
 */
async function servingIn(model: string, region: string, tier: "staging" | "production") {
  const place = { model, region, environment: tier };
  const [live, rps] = await Promise.all([
    readWithFallback(`serving:${model}:${tier}/${region}`, () =>
      withTimeout("traffic split", 5_000, fleetPlatform().deployments(place)),
    ),
    pageMetrics()
      .instant("request_rate", place)
      .then((s) => s.reduce((n, x) => n + x.value, 0))
      .catch(() => null),
  ]);
  const traffic = (live.data?.data ?? [])
    .filter((d) => d.environment === tier)
    .sort((a, b) => b.trafficWeight - a.trafficWeight)
    .map((d) => ({
      version: d.version,
      weight: d.trafficWeight,
      replicasReady: d.replicasReady,
      replicasDesired: d.replicasDesired,
    }));
  return { traffic, rps, readAt: live.readAt, error: live.error };
}

export async function getRollout(actor: Actor | null, id: string): Promise<RolloutDetail> {
  assertCanRead(actor);
  const r = await db().rollout.findUnique({
    where: { id },
    include: {
      steps: { orderBy: { index: "asc" } },
      events: { orderBy: { at: "desc" }, take: 100 },
      analysisRuns: { orderBy: { at: "desc" }, take: 60 },
      model: { select: { id: true, name: true, teamId: true, team: { select: { name: true } } } },
      fromVersion: { select: { version: true } },
      toVersion: { select: { version: true } },
      createdBy: { select: { email: true } },
      environment: {
        select: {
          id: true,
          name: true,
          tier: true,
          promotionsOnly: true,
          region: { select: { code: true } },
        },
      },
    },
  });
  if (!r) throw new AppError("NOT_FOUND", "That rollout does not exist.");
  const [siblings, history, live] = await Promise.all([
    r.releaseId
      ? db().rollout.findMany({
          where: { releaseId: r.releaseId },
          orderBy: [{ wave: "asc" }, { createdAt: "asc" }],
          select: { id: true, wave: true, status: true, environment: { select: { name: true } } },
        })
      : Promise.resolve([]),
    db().rollout.findMany({
      where: { modelId: r.model.id, environmentId: r.environment.id },
      orderBy: { createdAt: "desc" },
      take: 200,
      select: {
        status: true,
        fromVersion: { select: { version: true } },
        toVersion: { select: { version: true } },
      },
    }),
    servingIn(r.model.name, r.environment.region.code, r.environment.tier),
  ]);
  const { traffic, rps } = live;
  const principal = principalOf(actor);
  const state = {
    status: r.status as RolloutStatus,
    step: r.currentStep,
    stepCount: r.steps.length,
    weight: r.currentWeight,
  };
  const available = new Set(availableCommands(state));
  const may = (p: Permission) => authorize(principal, p, r.model.teamId).allowed;
  const releaseManager =
    actor.kind === "user" && (actor.role === "release_manager" || actor.role === "admin");
  // Where changes go only through promotions, direct ones are an admin's fix.
  const direct = !r.environment.promotionsOnly || isAllowed(actor, "policy.override");
  const serving = traffic[0]?.version ?? null;
  const ran = new Set<string>();
  for (const h of history) {
    if (h.status === "completed") ran.add(h.toVersion.version);
    if (h.fromVersion) ran.add(h.fromVersion.version);
  }
  if (serving) ran.delete(serving);
  if (r.kind === "rollout" && ACTIVE.includes(state.status) && r.fromVersion)
    ran.add(r.fromVersion.version);
  const t = r.target as { cluster: string; namespace: string; name: string } | null;
  const thresholds = analysisThresholdsSchema.safeParse(r.thresholds);
  return {
    id: r.id,
    kind: r.kind,
    model: r.model.name,
    team: r.model.team.name,
    fromVersion: r.fromVersion?.version ?? null,
    toVersion: r.toVersion.version,
    environment: r.environment.name,
    region: r.environment.region.code,
    strategy: r.strategy,
    status: r.status,
    verifying: r.verifying,
    outsideChange: r.outsideChange,
    managedBy: r.managedBy,
    blocked:
      r.blockedReason && r.blockedSince
        ? {
            reason: r.blockedReason,
            kind: r.blockedKind ?? "platform",
            since: r.blockedSince,
            attempts: r.blockedAttempts,
            nextAttemptAt: r.nextAttemptAt,
            alertedAt: r.blockedAlertAt,
          }
        : null,
    metricsOutage: metricsOutagePolicyOf(r.metricsOutage),
    currentStep: r.currentStep,
    currentWeight: r.currentWeight,
    reason: r.reason,
    version: r.version,
    createdAt: r.createdAt,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    pausedUntil: r.pausedUntil,
    createdBy: r.createdBy?.email ?? null,
    target: t,
    thresholds: thresholds.success ? thresholds.data : DEFAULT_THRESHOLDS,
    steps: r.steps.map((s) => ({
      index: s.index,
      kind: s.kind,
      weight: s.weight,
      durationSec: s.durationSec,
      intervalSec: s.intervalSec,
      status: s.status,
      startedAt: s.startedAt,
      finishedAt: s.finishedAt,
    })),
    wave: r.wave,
    waves: [...new Set(siblings.map((s) => s.wave))].map((wave) => ({
      wave,
      rollouts: siblings
        .filter((s) => s.wave === wave)
        .map((s) => ({ id: s.id, environment: s.environment.name, status: s.status })),
    })),
    analysis: r.analysisRuns.map((a) => ({
      stepIndex: a.stepIndex,
      at: a.at,
      verdict: a.verdict,
      score: a.score,
      reason: a.reason,
      metrics: a.metrics as unknown as MetricResult[],
    })),
    events: r.events.map((e) => ({ at: e.at, kind: e.kind, message: e.message, actor: e.actor })),
    traffic,
    environmentRps: rps,
    can: {
      pause: available.has("pause") && may("rollout.operate"),
      resume: available.has("resume") && may("rollout.operate"),
      abort: available.has("abort") && may("rollout.operate"),
      rollback: may("rollout.operate") && ran.size > 0 && r.kind === "rollout",
      promote: available.has("promote") && may("rollout.drive"),
      promote_full:
        available.has("promote_full") && may("rollout.drive") && releaseManager && direct,
      retry: r.status === "aborted" && may("rollout.drive") && direct,
    },
    rollbackTargets: [...ran].sort().reverse(),
    overrides: [
      ...(r.budgetOverride
        ? [`Error-budget policy overridden for a fix: ${r.budgetOverride}`]
        : []),
      ...(r.processOverride ? [r.processOverride] : []),
    ],
    promotionsOnly: r.environment.promotionsOnly,
  };
}

/**
 * Canary against baseline over the rollout's life (at most the last hour of it, and a little past
 * its end once it ended), for the charts: what the metrics source answers for the window, with
 * the analysis intervals recorded in it. The recorded intervals keep the canary on a finished
 * rollout's charts for the time it served, whatever the source can still say about it.
 */
export async function rolloutSeries(
  actor: Actor | null,
  r: Pick<
    RolloutDetail,
    "id" | "model" | "region" | "fromVersion" | "toVersion" | "startedAt" | "finishedAt"
  >,
): Promise<RolloutSeries> {
  assertCanRead(actor);
  const window = seriesWindow({
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    now: clock.now(),
  });
  const start = new Date(window.start);
  const end = new Date(window.end);
  const stepSeconds = Math.max(15, Math.round((window.end - window.start) / 1000 / 60));
  const source = pageMetrics();
  const range = async (metric: "error_rate" | "latency_p99", version: string | null) => {
    if (!version) return new Map<number, number>();
    const series = await withTimeout(
      metric,
      5_000,
      source.range(
        metric,
        { model: r.model, version, region: r.region },
        { start, end, stepSeconds },
      ),
    ).catch(() => []);
    const out = new Map<number, number>();
    for (const s of series) {
      for (const p of s.points)
        out.set(p.t.getTime(), Math.max(out.get(p.t.getTime()) ?? 0, p.value));
    }
    return out;
  };
  const compare = async (metric: "error_rate" | "latency_p99") => {
    const [canary, baseline] = await Promise.all([
      range(metric, r.toVersion),
      range(metric, r.fromVersion),
    ]);
    const times = [...new Set([...canary.keys(), ...baseline.keys()])].sort((a, b) => a - b);
    return times.map((t) => ({
      t,
      canary: canary.get(t) ?? null,
      baseline: baseline.get(t) ?? null,
    }));
  };
  const [errorRate, latencyP99, runs] = await Promise.all([
    compare("error_rate"),
    compare("latency_p99"),
    // An hour of intervals at the shortest sensible interval (5 s) is 720.
    db().analysisRun.findMany({
      where: { rolloutId: r.id, at: { gte: start, lte: end } },
      orderBy: { at: "asc" },
      take: 1_000,
      select: { at: true, metrics: true },
    }),
  ]);
  const measured = runs.map((x) => ({
    at: x.at,
    metrics: Array.isArray(x.metrics) ? (x.metrics as unknown as MetricResult[]) : [],
  }));
  return {
    errorRate: withMeasurements(errorRate, measured, "error_rate", window),
    latencyP99: withMeasurements(latencyP99, measured, "latency_p99", window),
    window,
  };
}

/** Models this user may start rollouts of (their team's, or all for an admin), for the form. */
export async function startableModels(actor: Actor | null, now = clock.now()) {
  assertCanRead(actor);
  const [models, freezes] = await Promise.all([
    db().model.findMany({
      orderBy: { name: "asc" },
      select: {
        name: true,
        teamId: true,
        rolloutPlan: true,
        versions: { orderBy: { createdAt: "desc" }, take: 12, select: { version: true } },
        deployments: {
          select: { environment: { select: { name: true, tier: true, promotionsOnly: true } } },
        },
      },
    }),
    freezesNow(db(), now),
  ]);
  const principal = principalOf(actor);
  const budgets = await budgetPolicyStates(models.map((m) => m.name));
  return models
    .filter((m) => authorize(principal, "rollout.drive", m.teamId).allowed)
    .map((m) => {
      const environments = [
        ...new Map(m.deployments.map((d) => [d.environment.name, d.environment])).values(),
      ];
      const saved = planSchema.safeParse({
        ...(m.rolloutPlan as object | null),
        waves: defaultPlan(environments).waves,
      });
      const plan = m.rolloutPlan && saved.success ? saved.data : defaultPlan(environments);
      return {
        name: m.name,
        versions: m.versions.map((v) => v.version),
        steps: formatSteps(plan.steps),
        waves: formatWaves(plan.waves),
        strategy: plan.strategy,
        metricsOutage: plan.metricsOutage,
        savedPlan: m.rolloutPlan !== null,
        budget: budgets.get(m.name) ?? { policy: "enforce" as const, exhausted: [], atRisk: [] },
        // The release process for a direct start: the form says which environments refuse it.
        promotionsOnly: environments.filter((e) => e.promotionsOnly).map((e) => e.name),
        frozen: environments.flatMap((e) =>
          freezes
            .filter((f) => freezeCovers(f, e.tier, now))
            .map((f) => ({ environment: e.name, freeze: f.name, endsAt: f.endsAt })),
        ),
      };
    });
}

export function canStartRollouts(actor: Actor | null): boolean {
  return isAllowed(actor, "rollout.drive");
}

export interface DeploymentView {
  model: string;
  environment: string;
  region: string;
  traffic: RolloutDetail["traffic"];
  rps: number | null;
  readAt: Date | null;
  error: string | null;
  /** the version that served before the current one, the one-click rollback target */
  previousVersion: string | null;
  canRollback: boolean;
  history: RolloutRow[];
}

/** A model in one environment: what serves now, its history, and the version to roll back to. */
export async function getDeployment(
  actor: Actor | null,
  modelName: string,
  environmentName: string,
): Promise<DeploymentView> {
  assertCanRead(actor);
  const [model, env] = await Promise.all([
    db().model.findUnique({ where: { name: modelName }, select: { id: true, teamId: true } }),
    db().environment.findUnique({
      where: { name: environmentName },
      select: { id: true, tier: true, region: { select: { code: true } } },
    }),
  ]);
  if (!model || !env) throw new AppError("NOT_FOUND", `No ${modelName} in ${environmentName}.`);
  const [live, history] = await Promise.all([
    servingIn(modelName, env.region.code, env.tier),
    listRollouts(actor, { page: 1, model: modelName, environmentName }).then((p) => p.rows),
  ]);
  const { traffic, rps } = live;
  const serving = traffic[0]?.version ?? null;
  // The newest finished change that moved this environment away from another version.
  const previous =
    history.find(
      (r) =>
        r.status === "completed" &&
        r.toVersion === serving &&
        r.fromVersion &&
        r.fromVersion !== serving,
    )?.fromVersion ??
    history.find((r) => r.fromVersion && r.fromVersion !== serving)?.fromVersion ??
    null;
  return {
    model: modelName,
    environment: environmentName,
    region: env.region.code,
    traffic,
    rps,
    readAt: live.readAt,
    error: live.error,
    previousVersion: previous,
    canRollback:
      previous !== null && authorize(principalOf(actor), "rollout.operate", model.teamId).allowed,
    history,
  };
}
