import "server-only";
import { clock } from "@/lib/clock";
import { db, Prisma } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { assertCanRead, isAllowed } from "@/server/access/authorize";
import { pageMetrics } from "@/server/fleet/platform";
import { chaosEnd, chaosOverlapping, chaosState, describeChaos } from "@/server/fleet/chaos";
import { withTimeout } from "@/lib/platform/types";
import { ACTIVE, type RolloutStatus } from "@/lib/domain/rollouts/state-machine";
import type { IntervalVerdict, MetricResult } from "@/lib/domain/rollouts/analysis";
import {
  DEFAULT_LOOKBACK_MINUTES,
  rankChanges,
  type ChangeCandidate,
  type ChangeOverlap,
} from "@/lib/domain/incidents/changes";
import type { ChangeAction } from "@/lib/schemas/incidents";
import { TERMINAL } from "@/server/incidents/act-on-change";

export const MINUTE = 60_000;

/** Live evidence is read for this many of the top rollouts (each costs four metric reads). */
const LIVE_EVIDENCE_LIMIT = 3;

export interface IncidentScopeRow {
  id: string;
  number: number;
  status: string;
  affectedModels: string[];
  affectedRegions: string[];
  linkedSlos: string[];
  detectedAt: Date;
  resolvedAt: Date | null;
  closedAt: Date | null;
}

export interface ChangeEvidenceMetric {
  metric: string;
  canary: number | null;
  baseline: number | null;
  limit: number | null;
  verdict: string;
}

export interface ChangeEvidence {
  /** the last canary analysis of the rollout, or live figures when none ran */
  source: "analysis" | "live";
  verdict: IntervalVerdict | null;
  score: number | null;
  reason: string;
  at: Date;
  metrics: ChangeEvidenceMetric[];
}

export interface IncidentChangeView {
  id: string;
  kind: ChangeCandidate["kind"];
  title: string;
  href: string | null;
  model: string | null;
  region: string | null;
  environment: string | null;
  status: string;
  actor: string | null;
  startedAt: Date;
  endedAt: Date | null;
  score: number;
  overlap: ChangeOverlap;
  why: string[];
  evidence: ChangeEvidence | null;
  /** abort or roll back, for people who may operate rollouts; null when neither applies */
  action: ChangeAction | null;
  /** why there is no action, when the change is a rollout */
  noActionReason: string | null;
}

export interface RolloutCandidate extends ChangeCandidate {
  rollout: {
    id: string;
    version: number;
    status: RolloutStatus;
    kind: string;
    model: string;
    teamId: string;
    environment: string;
    tier: string;
    fromVersion: string | null;
    toVersion: string;
    currentWeight: number;
    createdBy: string | null;
    promotion: number | null;
    /** no later rollout (or rollback) of the model in its environment replaced it */
    latest: boolean;
  };
}

interface OtherCandidate extends ChangeCandidate {
  title: string;
  href: string | null;
  actor: string | null;
  status: string;
}

type Candidate = RolloutCandidate | OtherCandidate;

export const isRollout = (c: Candidate): c is RolloutCandidate => "rollout" in c;

/** Rollouts touching the incident's models or regions that could matter at detection. */
export function rolloutScope(incident: IncidentScopeRow): Prisma.RolloutWhereInput[] {
  return [
    ...(incident.affectedModels.length > 0
      ? [{ model: { name: { in: incident.affectedModels } } }]
      : []),
    ...(incident.affectedRegions.length > 0
      ? [{ environment: { region: { code: { in: incident.affectedRegions } } } }]
      : []),
  ];
}

/** Release settings (thresholds, resources, plan) changed on these models in [from, to]. */
async function releaseSettingsChanges(models: readonly string[], from: Date, to: Date) {
  if (models.length === 0) return [];
  const rows = await db().model.findMany({
    where: { name: { in: [...models] } },
    select: { id: true, name: true },
  });
  const nameOf = new Map(rows.map((m) => [m.id, m.name]));
  const changes = await db().auditEvent.findMany({
    where: {
      action: "model_release_settings.update",
      outcome: "allowed",
      targetType: "model",
      targetId: { in: rows.map((m) => m.id) },
      at: { gte: from, lte: to },
    },
    orderBy: { at: "desc" },
    take: 50,
    select: { id: true, at: true, actorEmail: true, targetId: true },
  });
  return changes.map((c) => ({ ...c, model: nameOf.get(c.targetId ?? "") ?? "" }));
}

/**
 * The changes that may matter (unranked), and the canary analysis of each rollout among them:
 * its worst interval (a failure outweighs later passes), newest first among equals.
 */
export async function candidates(
  incident: IncidentScopeRow,
): Promise<{ list: Candidate[]; analysis: Map<string, ChangeEvidence> }> {
  const scope = rolloutScope(incident);
  if (scope.length === 0) return { list: [], analysis: new Map() };
  const from = new Date(incident.detectedAt.getTime() - DEFAULT_LOOKBACK_MINUTES * MINUTE);
  const to = incident.detectedAt;
  const [rollouts, chaos, settings] = await Promise.all([
    db().rollout.findMany({
      where: {
        OR: scope,
        createdAt: { lte: to },
        // in flight, or finished within the window: the status and finishedAt indexes find
        // them without walking the scope's whole history
        AND: [{ OR: [{ status: { in: [...ACTIVE] } }, { finishedAt: { gte: from } }] }],
      },
      orderBy: { createdAt: "desc" },
      take: 200,
      select: {
        id: true,
        version: true,
        status: true,
        kind: true,
        releaseId: true,
        createdAt: true,
        startedAt: true,
        finishedAt: true,
        currentWeight: true,
        modelId: true,
        environmentId: true,
        model: { select: { name: true, teamId: true } },
        environment: { select: { name: true, tier: true, region: { select: { code: true } } } },
        fromVersion: { select: { version: true } },
        toVersion: { select: { version: true } },
        createdBy: { select: { email: true } },
      },
    }),
    chaosOverlapping(incident.affectedRegions, from, to),
    releaseSettingsChanges(incident.affectedModels, from, to),
  ]);
  const ids = rollouts.map((r) => r.id);
  const releaseIds = [...new Set(rollouts.map((r) => r.releaseId).filter((x) => x !== null))];
  const [analysis, promotions, newest] = await Promise.all([
    analysisEvidence(ids),
    releaseIds.length > 0
      ? db().promotionRequest.findMany({
          where: { releaseId: { in: releaseIds } },
          select: { number: true, releaseId: true },
        })
      : [],
    // the newest rollout of each of these models per environment, whenever it started
    ids.length > 0
      ? db().rollout.groupBy({
          by: ["modelId", "environmentId"],
          where: { modelId: { in: [...new Set(rollouts.map((r) => r.modelId))] } },
          _max: { createdAt: true },
        })
      : [],
  ]);
  const newestAt = new Map(
    newest.map((n) => [`${n.modelId}/${n.environmentId}`, n._max.createdAt?.getTime() ?? 0]),
  );
  const promotionOf = new Map(promotions.map((p) => [p.releaseId, p.number]));
  const out: Candidate[] = rollouts.map((r) => {
    const promotion = r.releaseId ? (promotionOf.get(r.releaseId) ?? null) : null;
    return {
      id: `rollout:${r.id}`,
      kind: r.kind === "rollback" ? "rollback" : promotion !== null ? "promotion" : "rollout",
      model: r.model.name,
      region: r.environment.region.code,
      startedAt: r.startedAt ?? r.createdAt,
      endedAt: r.finishedAt,
      verdict: analysis.get(r.id)?.verdict ?? null,
      rollout: {
        id: r.id,
        version: r.version,
        status: r.status,
        kind: r.kind,
        model: r.model.name,
        teamId: r.model.teamId,
        environment: r.environment.name,
        tier: r.environment.tier,
        fromVersion: r.fromVersion?.version ?? null,
        toVersion: r.toVersion.version,
        currentWeight: r.currentWeight,
        createdBy: r.createdBy?.email ?? null,
        promotion,
        latest: r.createdAt.getTime() >= (newestAt.get(`${r.modelId}/${r.environmentId}`) ?? 0),
      },
    };
  });
  const now = clock.now();
  for (const c of chaos) {
    const state = chaosState(c, now);
    out.push({
      id: `chaos:${c.id}`,
      kind: "chaos",
      model: null,
      region: c.region,
      startedAt: c.startedAt,
      endedAt: state === "running" ? null : chaosEnd(c),
      title: `Chaos: ${describeChaos(c)}: ${c.reason}`,
      href: "/admin/chaos",
      actor: c.createdBy,
      status: state,
    });
  }
  for (const { model, ...s } of settings) {
    out.push({
      id: `config:${s.id}`,
      kind: "config",
      model,
      region: null,
      startedAt: s.at,
      endedAt: s.at,
      title: `Release settings of ${model} changed (thresholds, resources or plan)`,
      href: `/audit?action=model_release_settings.`,
      actor: s.actorEmail,
      status: "applied",
    });
  }
  return { list: out, analysis };
}

function blastRadius(r: RolloutCandidate["rollout"], kind: "abort" | "rollback", to: string) {
  if (kind === "abort") {
    return (
      `${r.currentWeight}% of ${r.environment} traffic on ${r.model} ${r.toVersion} goes back to ` +
      `${to}; the rollout stops and is marked aborted.`
    );
  }
  return (
    `All ${r.environment} traffic for ${r.model} moves from ${r.toVersion} to ${to} at once ` +
    `(a rollback skips canary steps).`
  );
}

export function actionFor(
  actor: Actor | null,
  r: RolloutCandidate["rollout"],
): { action: ChangeAction | null; reason: string | null } {
  if (!isAllowed(actor, "rollout.operate", r.teamId)) {
    return { action: null, reason: null };
  }
  const active = ACTIVE.includes(r.status);
  if (r.kind === "rollback") {
    return { action: null, reason: "A rollback: roll forward with a new rollout if needed." };
  }
  if (!r.fromVersion) {
    return {
      action: null,
      reason: "A first deployment: there is no earlier version to go back to.",
    };
  }
  const base = {
    rolloutId: r.id,
    rolloutVersion: r.version,
    model: r.model,
    environment: r.environment,
    toVersion: r.fromVersion,
  };
  if (active) {
    return {
      action: { ...base, kind: "abort", blastRadius: blastRadius(r, "abort", r.fromVersion) },
      reason: null,
    };
  }
  if (r.status === "completed" && !r.latest) {
    return {
      action: null,
      reason: "A later rollout or rollback of this model in this environment replaced it.",
    };
  }
  if (r.status === "completed") {
    return {
      action: { ...base, kind: "rollback", blastRadius: blastRadius(r, "rollback", r.fromVersion) },
      reason: null,
    };
  }
  return {
    action: null,
    reason: `The rollout is ${r.status.replace(/_/g, " ")}: its traffic already went back.`,
  };
}

export function rolloutTitle(r: RolloutCandidate["rollout"]): string {
  if (r.kind === "rollback") return `Rollback of ${r.model} to ${r.toVersion} in ${r.environment}`;
  const what = `${r.model} ${r.fromVersion ?? "(new)"} → ${r.toVersion} in ${r.environment}`;
  return r.promotion !== null ? `Promotion #${r.promotion}: ${what}` : `Rollout of ${what}`;
}

async function analysisEvidence(ids: string[]): Promise<Map<string, ChangeEvidence>> {
  if (ids.length === 0) return new Map();
  const runs = await db().$queryRaw<
    {
      rolloutId: string;
      verdict: string;
      score: number | null;
      reason: string;
      at: Date;
      metrics: unknown;
    }[]
  >`
    SELECT DISTINCT ON ("rolloutId") "rolloutId", verdict, score, reason, at, metrics FROM "AnalysisRun"
    WHERE "rolloutId" IN (${Prisma.join(ids)})
    ORDER BY "rolloutId", CASE verdict WHEN 'fail' THEN 0 WHEN 'marginal' THEN 1 ELSE 2 END, at DESC`;
  return new Map(
    runs.map((r) => [
      r.rolloutId,
      {
        source: "analysis" as const,
        verdict: r.verdict as IntervalVerdict,
        score: r.score,
        reason: r.reason,
        at: r.at,
        metrics: (Array.isArray(r.metrics) ? (r.metrics as MetricResult[]) : []).map((m) => ({
          metric: m.metric,
          canary: m.canary,
          baseline: m.baseline,
          limit: m.limit,
          verdict: m.verdict,
        })),
      },
    ]),
  );
}

/** Error rate and p99 of the new and the previous version where the rollout ran, read live. */
async function liveEvidence(r: RolloutCandidate, at: Date): Promise<ChangeEvidence | null> {
  const source = pageMetrics();
  const region = r.region ?? undefined;
  const read = async (metric: "error_rate" | "latency_p99", version: string | null) => {
    if (!version) return null;
    const samples = await withTimeout(
      metric,
      3_000,
      source.instant(metric, { model: r.rollout.model, version, region }, at),
    );
    return samples.length > 0 ? Math.max(...samples.map((s) => s.value)) : null;
  };
  try {
    const [errNew, errOld, p99New, p99Old] = await Promise.all([
      read("error_rate", r.rollout.toVersion),
      read("error_rate", r.rollout.fromVersion),
      read("latency_p99", r.rollout.toVersion),
      read("latency_p99", r.rollout.fromVersion),
    ]);
    if (errNew === null && p99New === null) return null;
    return {
      source: "live",
      verdict: null,
      score: null,
      reason: "No canary analysis ran; live figures of the new and the previous version.",
      at,
      metrics: [
        { metric: "error_rate", canary: errNew, baseline: errOld, limit: null, verdict: "no_data" },
        {
          metric: "latency_p99",
          canary: p99New,
          baseline: p99Old,
          limit: null,
          verdict: "no_data",
        },
      ],
    };
  } catch {
    return null;
  }
}

/** The incident's suspected changes, most suspicious first, with evidence and actions. */
export async function incidentChanges(
  actor: Actor | null,
  incident: IncidentScopeRow,
): Promise<IncidentChangeView[]> {
  assertCanRead(actor);
  const { list, analysis } = await candidates(incident);
  const ranked = rankChanges(list, {
    detectedAt: incident.detectedAt,
    models: incident.affectedModels,
    regions: incident.affectedRegions,
  });
  const now = clock.now();
  const live = new Map<string, ChangeEvidence | null>();
  await Promise.all(
    ranked
      .map((r) => r.change)
      .filter(isRollout)
      .filter((c) => !analysis.has(c.rollout.id) && c.rollout.kind !== "rollback")
      .slice(0, LIVE_EVIDENCE_LIMIT)
      .map(async (c) => {
        // While the incident is open, now; afterwards, as it stood when the rollout ended.
        const at = c.endedAt && incident.closedAt ? c.endedAt : now;
        live.set(c.rollout.id, await liveEvidence(c, at));
      }),
  );
  return ranked.map(({ change, score, overlap, why }) => {
    if (isRollout(change)) {
      const r = change.rollout;
      const { action, reason } = actionFor(actor, r);
      return {
        id: change.id,
        kind: change.kind,
        title: rolloutTitle(r),
        href: `/rollouts/${r.id}`,
        model: change.model,
        region: change.region,
        environment: r.environment,
        status: r.status,
        actor: r.createdBy,
        startedAt: change.startedAt,
        endedAt: change.endedAt,
        score,
        overlap,
        why,
        evidence: analysis.get(r.id) ?? live.get(r.id) ?? null,
        action: TERMINAL.includes(incident.status) ? null : action,
        noActionReason: TERMINAL.includes(incident.status) ? null : reason,
      };
    }
    const c = change as OtherCandidate;
    return {
      id: c.id,
      kind: c.kind,
      title: c.title,
      href: c.href,
      model: c.model,
      region: c.region,
      environment: null,
      status: c.status,
      actor: c.actor,
      startedAt: c.startedAt,
      endedAt: c.endedAt,
      score,
      overlap,
      why,
      evidence: null,
      action: null,
      noActionReason: null,
    };
  });
}
