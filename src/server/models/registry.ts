import "server-only";
import { clock } from "@/lib/clock";
import { evalThresholdsSchema } from "@/lib/domain/promotions/gates";
import { db, type Prisma } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { AppError } from "@/server/errors";
import { assertCanRead, isAllowed } from "@/server/access/authorize";
import { pageMetrics } from "@/server/fleet/platform";
import { lineageOf, lineageSelect } from "@/server/models/lineage";
import {
  OutcomeUnknownError,
  PlatformError,
  TimeoutError,
  withTimeout,
  type InstantSample,
  type MetricName,
} from "@/lib/platform/types";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import {
  compareEvalMetrics,
  compareLineage,
  defaultComparison,
  evalMetricsOf,
  placementMatrix,
  servingProduction,
  sharedEnvironments,
  type EvalMetric,
  type Lineage,
  type LineageDiff,
  type LiveComparison,
  type LiveReading,
  type LiveSide,
  type MetricDelta,
  type Placement,
  type PlacementMatrix,
} from "@/lib/domain/models/registry";

// Reads for the model registry's pages: a model with its versions and where they run, one
// version's lineage and history, and two versions side by side. "Where it runs" comes from
// the inventory tables the fleet sync keeps in step with the platform, like every list page.

export interface ModelSummary {
  name: string;
  displayName: string;
  task: string;
  description: string;
  teamName: string;
  teamSlug: string;
}

const modelSelect = {
  evalThresholds: true,
  id: true,
  name: true,
  displayName: true,
  task: true,
  description: true,
  teamId: true,
  team: { select: { slug: true, name: true } },
} as const satisfies Prisma.ModelSelect;

type ModelRowSelected = Prisma.ModelGetPayload<{ select: typeof modelSelect }>;

function summaryOf(m: ModelRowSelected): ModelSummary {
  return {
    name: m.name,
    displayName: m.displayName,
    task: m.task,
    description: m.description,
    teamName: m.team.name,
    teamSlug: m.team.slug,
  };
}

/** The direction of each metric the model's promotion thresholds name. */
function thresholdDirections(raw: unknown): Map<string, "higher" | "lower"> {
  const parsed = evalThresholdsSchema.safeParse(raw ?? []);
  return new Map(parsed.success ? parsed.data.map((t) => [t.metric, t.direction]) : []);
}

async function findModel(name: string): Promise<ModelRowSelected> {
  const model = await db().model.findUnique({ where: { name }, select: modelSelect });
  if (!model) throw new AppError("NOT_FOUND", `No model named "${name}".`);
  return model;
}

const placementSelect = {
  trafficWeight: true,
  replicas: true,
  readyReplicas: true,
  modelVersion: { select: { version: true } },
  cluster: { select: { name: true } },
  environment: { select: { name: true, tier: true, region: { select: { code: true } } } },
} as const satisfies Prisma.DeploymentSelect;

const placementOrder: Prisma.DeploymentOrderByWithRelationInput[] = [
  { environment: { name: "asc" } },
  { trafficWeight: "desc" },
  { cluster: { name: "asc" } },
];

function placementOf(
  d: Prisma.DeploymentGetPayload<{ select: typeof placementSelect }>,
): Placement {
  return {
    environment: d.environment.name,
    tier: d.environment.tier,
    region: d.environment.region.code,
    cluster: d.cluster.name,
    version: d.modelVersion.version,
    trafficWeight: d.trafficWeight,
    replicas: d.replicas,
    readyReplicas: d.readyReplicas,
  };
}

/** Every version of the model running anywhere now: one query for a whole page. */
async function placementsOfModel(modelId: string): Promise<Placement[]> {
  const rows = await db().deployment.findMany({
    where: { modelId },
    orderBy: placementOrder,
    select: placementSelect,
  });
  return rows.map(placementOf);
}

const newestFirst: Prisma.ModelVersionOrderByWithRelationInput[] = [
  { createdAt: "desc" },
  { id: "desc" },
];

/** Teams that own at least one model, for the Models list's filter. */
export async function modelTeams(actor: Actor | null): Promise<{ slug: string; name: string }[]> {
  assertCanRead(actor);
  return db().team.findMany({
    where: { models: { some: {} } },
    orderBy: { name: "asc" },
    select: { slug: true, name: true },
  });
}

export interface ModelVersionRow {
  version: string;
  createdAt: Date;
  createdBy: string;
  /** most telling first (see evalMetricsOf) */
  metrics: EvalMetric[];
  placements: Placement[];
}

export interface ModelDetail {
  model: ModelSummary;
  /** newest first, a page at a time */
  versions: Page<ModelVersionRow>;
  /** every version's name, newest first, for the compare form */
  versionNames: string[];
  placements: Placement[];
  matrix: PlacementMatrix;
  servingProduction: string | null;
  compareDefaults: { a: string | null; b: string | null };
}

/** A model: its versions (newest first, paginated), where each runs, and what to compare. */
export async function getModelDetail(
  actor: Actor | null,
  name: string,
  query: { page: number },
): Promise<ModelDetail> {
  assertCanRead(actor);
  const model = await findModel(name);
  const [names, placements, regions] = await Promise.all([
    db().modelVersion.findMany({
      where: { modelId: model.id },
      orderBy: newestFirst,
      select: { version: true },
    }),
    placementsOfModel(model.id),
    db().region.findMany({ orderBy: { code: "asc" }, select: { code: true } }),
  ]);
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, names.length);
  const versions = await db().modelVersion.findMany({
    where: { modelId: model.id },
    orderBy: newestFirst,
    skip,
    take,
    select: { version: true, createdAt: true, createdBy: true, evalMetrics: true },
  });
  const versionNames = names.map((n) => n.version);
  const production = servingProduction(placements);
  return {
    model: summaryOf(model),
    versions: toPage(
      versions.map((v) => ({
        version: v.version,
        createdAt: v.createdAt,
        createdBy: v.createdBy,
        metrics: evalMetricsOf(v.evalMetrics),
        placements: placements.filter((p) => p.version === v.version),
      })),
      names.length,
      page,
      PAGE_SIZE,
    ),
    versionNames,
    placements,
    matrix: placementMatrix(
      placements,
      regions.map((r) => r.code),
    ),
    servingProduction: production,
    compareDefaults: defaultComparison(versionNames, production),
  };
}

export interface VersionChoices {
  model: ModelSummary;
  /** newest first */
  versionNames: string[];
  servingProduction: string | null;
  compareDefaults: { a: string | null; b: string | null };
}

/** A model's version names and the default pair, for the compare form (also on a bad query). */
export async function versionChoices(actor: Actor | null, name: string): Promise<VersionChoices> {
  assertCanRead(actor);
  const model = await findModel(name);
  const [names, placements] = await Promise.all([
    db().modelVersion.findMany({
      where: { modelId: model.id },
      orderBy: newestFirst,
      select: { version: true },
    }),
    placementsOfModel(model.id),
  ]);
  const versionNames = names.map((n) => n.version);
  const production = servingProduction(placements);
  return {
    model: summaryOf(model),
    versionNames,
    servingProduction: production,
    compareDefaults: defaultComparison(versionNames, production),
  };
}

const versionSelect = {
  id: true,
  version: true,
  createdAt: true,
  createdBy: true,
  evalMetrics: true,
  ...lineageSelect,
} as const satisfies Prisma.ModelVersionSelect;

type VersionRowSelected = Prisma.ModelVersionGetPayload<{ select: typeof versionSelect }>;

export interface VersionRollout {
  id: string;
  kind: string;
  /** "to": the rollout moved traffic to this version; "from": away from it */
  direction: "to" | "from";
  fromVersion: string | null;
  toVersion: string;
  environment: string;
  strategy: string;
  status: string;
  createdAt: Date;
  finishedAt: Date | null;
}

/** How many of a version's rollouts its page lists, newest first. */
export const VERSION_ROLLOUTS_SHOWN = 50;

export interface ModelVersionDetail {
  model: ModelSummary;
  version: string;
  createdAt: Date;
  createdBy: string;
  lineage: Lineage;
  metrics: EvalMetric[];
  placements: Placement[];
  /** the version production serves now, to compare this one with; null when none */
  servingProduction: string | null;
  rollouts: VersionRollout[];
  rolloutTotal: number;
  /** whether this user may ask to promote the version (the model's team, or an admin) */
  canRequestPromotion: boolean;
}

/** One version: lineage, eval metrics, where it runs, and the rollouts that involved it. */
export async function getModelVersion(
  actor: Actor | null,
  modelName: string,
  version: string,
): Promise<ModelVersionDetail> {
  assertCanRead(actor);
  const model = await findModel(modelName);
  const v = await db().modelVersion.findUnique({
    where: { modelId_version: { modelId: model.id, version } },
    select: versionSelect,
  });
  if (!v) throw new AppError("NOT_FOUND", `No version "${version}" of ${model.name}.`);
  const involved: Prisma.RolloutWhereInput = {
    modelId: model.id,
    OR: [{ toVersionId: v.id }, { fromVersionId: v.id }],
  };
  const [placements, rollouts, rolloutTotal] = await Promise.all([
    placementsOfModel(model.id),
    db().rollout.findMany({
      where: involved,
      orderBy: [{ createdAt: "desc" }, { id: "asc" }],
      take: VERSION_ROLLOUTS_SHOWN,
      select: {
        id: true,
        kind: true,
        strategy: true,
        status: true,
        createdAt: true,
        finishedAt: true,
        toVersionId: true,
        fromVersion: { select: { version: true } },
        toVersion: { select: { version: true } },
        environment: { select: { name: true } },
      },
    }),
    db().rollout.count({ where: involved }),
  ]);
  return {
    model: summaryOf(model),
    version: v.version,
    createdAt: v.createdAt,
    createdBy: v.createdBy,
    lineage: lineageOf(v),
    metrics: evalMetricsOf(v.evalMetrics),
    placements: placements.filter((p) => p.version === v.version),
    servingProduction: servingProduction(placements),
    rollouts: rollouts.map((r) => ({
      id: r.id,
      kind: r.kind,
      direction: r.toVersionId === v.id ? "to" : "from",
      fromVersion: r.fromVersion?.version ?? null,
      toVersion: r.toVersion.version,
      environment: r.environment.name,
      strategy: r.strategy,
      status: r.status,
      createdAt: r.createdAt,
      finishedAt: r.finishedAt,
    })),
    rolloutTotal,
    canRequestPromotion: isAllowed(actor, "promotion.request", model.teamId),
  };
}

const LIVE_METRICS = [
  { key: "rps", metric: "request_rate", label: "request rate" },
  { key: "errorRate", metric: "error_rate", label: "error rate" },
  { key: "p99Ms", metric: "latency_p99", label: "p99 latency" },
  { key: "onlineAccuracy", metric: "online_accuracy", label: "online accuracy" },
] as const satisfies readonly { key: keyof LiveReading; metric: MetricName; label: string }[];

/** What a failed metrics read says on the page: our own platform errors, nothing raw. */
function unavailableReason(error: unknown): string {
  if (error instanceof TimeoutError) return `no answer within ${error.ms} ms`;
  if (error instanceof OutcomeUnknownError || error instanceof PlatformError) return error.message;
  return "the metrics source failed";
}

/**
 * Live error rate, p99 latency and online accuracy of two versions: in the environments where
 * both serve traffic, or else in each one's own. One instant query per metric for the whole
 * model; a metric that fails leaves its cells empty and says why, the rest still shows.
 */
async function liveComparison(
  model: string,
  a: string,
  b: string,
  placements: Placement[],
): Promise<LiveComparison> {
  const serving = placements.filter(
    (p) => (p.version === a || p.version === b) && p.trafficWeight > 0,
  );
  const shared = new Set(sharedEnvironments(serving, a, b));
  const together = shared.size > 0;
  const shown = together ? serving.filter((p) => shared.has(p.environment)) : serving;
  const readAt = clock.now();
  if (shown.length === 0) return { together, rows: [], errors: [], readAt };

  const source = pageMetrics();
  const results = await Promise.allSettled(
    LIVE_METRICS.map((m) =>
      withTimeout(m.label, 5_000, source.instant(m.metric, { model }, readAt)),
    ),
  );
  const samples = new Map<keyof LiveReading, InstantSample[] | null>();
  const errors: string[] = [];
  LIVE_METRICS.forEach((m, i) => {
    const r = results[i];
    if (r?.status === "fulfilled") samples.set(m.key, r.value);
    else {
      samples.set(m.key, null);
      errors.push(`${m.label}: ${unavailableReason(r?.reason)}`);
    }
  });

  const sideOf = (environment: string, version: string): LiveSide | null => {
    const here = shown.filter((p) => p.environment === environment && p.version === version);
    const first = here[0];
    if (!first) return null;
    const mine = (s: InstantSample) =>
      s.labels.version === version &&
      s.labels.environment === first.tier &&
      s.labels.region === first.region;
    const pick = (key: keyof LiveReading) => samples.get(key)?.filter(mine) ?? null;
    const rps = pick("rps");
    const load = new Map(rps?.map((s) => [s.labels.cluster, s.value]));
    // Request-weighted over clusters when the request rate is known, else a plain mean.
    const weighted = (xs: InstantSample[] | null) => {
      if (!xs || xs.length === 0) return null;
      const weights = xs.map((s) => load.get(s.labels.cluster) ?? 0);
      const total = weights.reduce((n, w) => n + w, 0);
      return total > 0
        ? xs.reduce((n, s, i) => n + s.value * (weights[i] ?? 0), 0) / total
        : xs.reduce((n, s) => n + s.value, 0) / xs.length;
    };
    const p99 = pick("p99Ms");
    return {
      version,
      trafficWeight: Math.max(...here.map((p) => p.trafficWeight)),
      clusters: [...new Set(here.map((p) => p.cluster))],
      reading: {
        rps: rps && rps.length > 0 ? rps.reduce((n, s) => n + s.value, 0) : null,
        errorRate: weighted(pick("errorRate")),
        p99Ms: p99 && p99.length > 0 ? Math.max(...p99.map((s) => s.value)) : null,
        onlineAccuracy: weighted(pick("onlineAccuracy")),
      },
    };
  };

  const environments = [...new Map(shown.map((p) => [p.environment, p])).values()].sort((x, y) =>
    x.environment.localeCompare(y.environment),
  );
  return {
    together,
    rows: environments.map((p) => ({
      environment: p.environment,
      tier: p.tier,
      region: p.region,
      a: sideOf(p.environment, a),
      b: sideOf(p.environment, b),
    })),
    errors,
    readAt,
  };
}

export interface CompareSide {
  version: string;
  createdAt: Date;
  createdBy: string;
  placements: Placement[];
}

export interface VersionComparison {
  model: ModelSummary;
  a: CompareSide;
  b: CompareSide;
  /** every eval metric either reports, with b − a */
  metrics: MetricDelta[];
  lineage: LineageDiff[];
  live: LiveComparison;
}

/** Two versions of a model side by side: eval metrics, lineage and live metrics. */
export async function compareVersions(
  actor: Actor | null,
  modelName: string,
  a: string,
  b: string,
): Promise<VersionComparison> {
  assertCanRead(actor);
  const model = await findModel(modelName);
  const [rows, placements] = await Promise.all([
    db().modelVersion.findMany({
      where: { modelId: model.id, version: { in: [a, b] } },
      select: versionSelect,
    }),
    placementsOfModel(model.id),
  ]);
  const find = (version: string) => {
    const v = rows.find((r) => r.version === version);
    if (!v) throw new AppError("NOT_FOUND", `No version "${version}" of ${model.name}.`);
    return v;
  };
  const va = find(a);
  const vb = find(b);
  const side = (v: VersionRowSelected): CompareSide => ({
    version: v.version,
    createdAt: v.createdAt,
    createdBy: v.createdBy,
    placements: placements.filter((p) => p.version === v.version),
  });
  return {
    model: summaryOf(model),
    a: side(va),
    b: side(vb),
    metrics: compareEvalMetrics(
      evalMetricsOf(va.evalMetrics),
      evalMetricsOf(vb.evalMetrics),
      thresholdDirections(model.evalThresholds),
    ),
    lineage: compareLineage(lineageOf(va), lineageOf(vb)),
    live: await liveComparison(model.name, a, b, placements),
  };
}
