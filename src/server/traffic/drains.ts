import "server-only";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { assertVersion, lockRow } from "@/server/db/tx";
import { AppError } from "@/server/errors";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { assertAllowed, assertCanRead, isAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { notifyDrain } from "@/server/notifications/subjects";
import {
  DEFAULT_DRAIN_STEPS,
  planDrain,
  raiseKey,
  verdictCountsText,
  type DrainPlan,
  type ModelPlan,
} from "@/lib/domain/traffic/drain-plan";
import type { DrainModel, DrainReceiving } from "@/lib/domain/traffic/drain";
import type { DrainCommandData, DrainPlanQuery, StartDrainData } from "@/lib/schemas/traffic";
import { readServing, type ModelServingDetail, type ServingRead } from "./serving";
import { drainModels, drainSelect, modelsJson, type DrainRow } from "./drain-row";

/** A failover holds this long, with analysis of the receiving regions, before it is drained. */
export const FAILOVER_HOLD_SECONDS = 60;

export interface PlanView {
  plan: DrainPlan;
  serving: ServingRead;
  /** the models the scope names, whether or not they serve the region */
  scopeModels: number;
  /** models of the plan the actor may not move (another team's) */
  forbidden: string[];
  /** the open drain of the region, if any */
  openDrain: { id: string; phase: string } | null;
}

/**
 * The team a drain's scope names: the plan form offers teams by name, scripts and links may use
 * the slug. A name that is one team's name and another's slug is refused as ambiguous.
 */
async function teamNamed(name?: string): Promise<{ id: string; name: string }> {
  const found = await db().team.findMany({
    where: { OR: [{ name: name ?? "" }, { slug: name ?? "" }] },
    select: { id: true, name: true },
    take: 2,
  });
  const [t] = found;
  if (!t) throw new AppError("INVALID_INPUT", `No team named ${name}.`);
  if (found.length > 1) {
    throw new AppError(
      "INVALID_INPUT",
      `"${name}" names two teams (one's name, another's slug): use the team's full name.`,
    );
  }
  return t;
}

/** The models a scope names, by name. */
async function scopeModelNames(scope: DrainPlanQuery["scope"], name?: string): Promise<string[]> {
  if (scope === "model") {
    const m = await db().model.findUnique({ where: { name: name ?? "" }, select: { name: true } });
    if (!m) throw new AppError("INVALID_INPUT", `No model named ${name}.`);
    return [m.name];
  }
  if (scope === "team") {
    const t = await teamNamed(name);
    const models = await db().model.findMany({ where: { teamId: t.id }, select: { name: true } });
    return models.map((m) => m.name);
  }
  return (await db().model.findMany({ select: { name: true } })).map((m) => m.name);
}

function raisesOf(raise: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of raise) {
    const [key, value] = r.split("=");
    if (key && value) out[key] = Number(value);
  }
  return out;
}

/** The capacity check of draining a region: nothing changes. */
export async function planRegionDrain(actor: Actor | null, q: DrainPlanQuery): Promise<PlanView> {
  assertCanRead(actor);
  const region = await db().region.findUnique({
    where: { code: q.region },
    select: { code: true },
  });
  if (!region) throw new AppError("INVALID_INPUT", `No region ${q.region}.`);
  const names = await scopeModelNames(q.scope, q.name);
  const [serving, open] = await Promise.all([
    readServing(names),
    db().regionDrain.findFirst({
      where: { region: q.region, phase: { not: "undrained" } },
      select: { id: true, phase: true },
    }),
  ]);
  const plan = planDrain(serving.models, {
    region: q.region,
    headroom: q.headroom / 100,
    hpaMaxRaises: raisesOf(q.raise),
  });
  const teamOf = new Map(serving.models.map((m) => [m.model, m.teamId]));
  const forbidden = plan.models
    .filter((m) => !isAllowed(actor, "traffic.shift", teamOf.get(m.model)))
    .map((m) => m.model);
  return { plan, serving, scopeModels: names.length, forbidden, openDrain: open };
}

function drainModel(plan: ModelPlan, s: ModelServingDetail, region: string): DrainModel {
  const drained = s.regions.find((r) => r.region === region);
  const receiving: DrainReceiving[] = plan.receiving.map((rp) => {
    const r = s.regions.find((x) => x.region === rp.region);
    const hpaBefore = r?.hpa ? { min: r.hpa.min, max: r.hpa.max } : null;
    const max = rp.hpaMaxPlanned ?? hpaBefore?.max ?? 0;
    const min = rp.raiseMinTo !== null ? Math.min(rp.raiseMinTo, max) : (hpaBefore?.min ?? 0);
    const changes = hpaBefore !== null && (min !== hpaBefore.min || max !== hpaBefore.max);
    return {
      region: rp.region,
      cluster: rp.cluster,
      autoscaler: r?.autoscaler ?? null,
      hpaBefore,
      hpaSet: changes && r?.autoscaler ? { min: Math.max(1, min), max } : null,
      replicasBefore: rp.replicasNow,
      // what the step waits for: never more than the GPUs and the autoscaler allow
      replicasNeeded: Math.min(
        rp.replicasNeeded,
        rp.gpuCeiling ?? Infinity,
        max > 0 ? max : rp.replicasNeeded,
      ),
      baseline: { errorRate: r?.errorRate ?? null, p99Ms: r?.p99Ms ?? null },
    };
  });
  const dialsBefore: Record<string, number> = {};
  for (const r of s.regions) dialsBefore[r.region] = r.dial;
  return {
    model: s.model,
    modelId: s.modelId,
    teamId: s.teamId,
    verdict: plan.verdict,
    reasons: plan.reasons,
    dialsBefore,
    drained: {
      cluster: drained?.cluster ?? "",
      autoscaler: drained?.autoscaler ?? null,
      hpaBefore: drained?.hpa ? { min: drained.hpa.min, max: drained.hpa.max } : null,
      replicasBefore: Math.max(drained?.readyReplicas ?? 0, drained?.hpa?.current ?? 0),
      hpaSet: null,
    },
    receiving,
  };
}

/**
 * Starts draining a region (or failing it over): the capacity check runs again on the server,
 * its tight and impossible verdicts must have been seen, and the autoscalers are raised and
 * the traffic moved by the engine, step by step.
 */
export async function startDrain(actor: Actor | null, meta: RequestMeta, input: StartDrainData) {
  assertAllowed(actor, "traffic.shift");
  const view = await planRegionDrain(actor, input);
  // The scope as recorded: a team by its name, whichever way it was given (a retry by slug is
  // the same drain).
  const scopeName =
    input.scope === "all"
      ? null
      : input.scope === "team"
        ? (await teamNamed(input.name)).name
        : (input.name ?? null);
  if (!view.serving.balancer) {
    throw new AppError(
      "INVALID_INPUT",
      "No global load balancer is configured: set FLIGHTDECK_TRAFFIC_HOOK_URL to drain regions.",
    );
  }
  const { plan } = view;
  if (plan.models.length === 0) {
    throw new AppError(
      "INVALID_INPUT",
      `No model in this scope serves production in ${input.region}: nothing to drain.`,
    );
  }
  for (const m of plan.models) {
    const s = view.serving.models.find((x) => x.model === m.model);
    assertAllowed(actor, "traffic.shift", s?.teamId ?? null);
  }
  const impossible = plan.models.filter((m) => m.verdict === "impossible");
  if (input.kind === "drain" && impossible.length > 0) {
    throw new AppError(
      "INVALID_INPUT",
      `${impossible.map((m) => m.model).join(", ")} cannot be drained: ${impossible[0]?.reasons[0] ?? ""} Narrow the scope, free capacity, or answer an outage with an emergency failover.`,
    );
  }
  const flagged = plan.models.filter((m) => m.verdict !== "safe");
  if (flagged.length > 0 && !input.acknowledge) {
    throw new AppError(
      "INVALID_INPUT",
      `${flagged.length} model${flagged.length === 1 ? " is" : "s are"} ${flagged.some((m) => m.verdict === "impossible") ? "tight or impossible" : "tight"} (${flagged.map((m) => m.model).join(", ")}): confirm you go ahead despite the capacity check.`,
    );
  }
  const models = plan.models.map((p) => {
    const s = view.serving.models.find((x) => x.model === p.model);
    if (!s)
      throw new AppError("CONFLICT", `${p.model} stopped serving while planning; plan again.`);
    return drainModel(p, s, input.region);
  });
  const steps = input.kind === "failover" ? [100] : input.steps;
  const stepSeconds = input.kind === "failover" ? FAILOVER_HOLD_SECONDS : input.stepSeconds;
  return db().$transaction(async (tx) => {
    await advisoryLock(tx, LOCKS.regionDrain(input.region));
    const open = await tx.regionDrain.findFirst({
      where: { region: input.region, phase: { not: "undrained" } },
      select: drainSelect,
    });
    if (open) {
      // A double-click, or two people: the same drain once.
      if (
        open.kind === input.kind &&
        open.scopeKind === input.scope &&
        open.scopeName === scopeName
      ) {
        return { id: open.id, alreadyRunning: true };
      }
      throw new AppError(
        "CONFLICT",
        `${input.region} already has a ${open.kind} in progress (${open.phase}); undrain it before starting another.`,
      );
    }
    const now = clock.now();
    const created = await tx.regionDrain.create({
      data: {
        region: input.region,
        kind: input.kind,
        scopeKind: input.scope,
        scopeName,
        steps,
        stepSeconds,
        headroom: input.headroom / 100,
        models: modelsJson(models),
        acknowledged: input.acknowledge,
        reason: input.reason,
        createdById: actor.kind === "user" ? actor.id : null,
        createdByEmail: actor.email,
        createdAt: now,
      },
      select: { id: true },
    });
    const summary = `${input.kind === "failover" ? "Emergency failover" : "Drain"} of ${input.region} started by ${actor.email} for ${models.length} model${models.length === 1 ? "" : "s"} (${verdictCountsText(plan.counts)})${input.kind === "drain" ? `: steps ${steps.join(", ")}%, ${stepSeconds} s each` : ": all traffic at once"}.`;
    await tx.regionDrainEvent.create({
      data: {
        drainId: created.id,
        at: now,
        kind: "started",
        message: summary,
        actorEmail: actor.email,
      },
    });
    await notifyDrain(tx, created.id, "drain.started", {
      actor: actor.email,
      reason: input.reason,
      summary,
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: input.kind === "failover" ? "traffic.failover" : "traffic.drain",
      targetType: "region_drain",
      targetId: created.id,
      outcome: "allowed",
      reason: input.reason,
      after: {
        region: input.region,
        scope: input.scope,
        name: input.name ?? null,
        steps,
        stepSeconds,
        models: models.map((m) => ({ model: m.model, verdict: m.verdict })),
        autoscalerRaises: models.flatMap((m) =>
          m.receiving
            .filter((r) => r.hpaSet)
            .map((r) => ({ key: raiseKey(m.model, r.region), from: r.hpaBefore, to: r.hpaSet })),
        ),
      },
    });
    return { id: created.id, alreadyRunning: false };
  });
}

/** Pause, resume or undrain (which, while draining, aborts it and brings the traffic back). */
export async function commandDrain(
  actor: Actor | null,
  meta: RequestMeta,
  input: DrainCommandData,
) {
  assertAllowed(actor, "traffic.shift");
  return db().$transaction(async (tx) => {
    const id = await lockRow(tx, "RegionDrain", input.drainId);
    if (!id) throw new AppError("NOT_FOUND", "That drain does not exist.");
    const row = await tx.regionDrain.findUniqueOrThrow({ where: { id }, select: drainSelect });
    for (const m of drainModels(row)) assertAllowed(actor, "traffic.shift", m.teamId);
    const now = clock.now();
    // Repeating a command already in force changes nothing (a double-click).
    if (
      (input.command === "pause" && row.paused) ||
      (input.command === "resume" && !row.paused) ||
      (input.command === "undrain" && (row.phase === "undraining" || row.phase === "undrained"))
    ) {
      return { id, version: row.version, changed: false };
    }
    assertVersion(
      row.version,
      input.expectedVersion,
      "This drain changed since you loaded it (someone else acted on it). Reload and decide again.",
    );
    if (row.phase === "undrained") {
      throw new AppError("INVALID_INPUT", "This drain is over: its traffic is back.");
    }
    if (input.command !== "undrain" && row.phase === "drained" && input.command === "resume") {
      throw new AppError("INVALID_INPUT", "This drain is complete; undrain to bring traffic back.");
    }
    const data =
      input.command === "pause"
        ? {
            paused: true,
            pauseReason: `Paused by ${actor.email}${input.reason ? `: ${input.reason}` : ""}`,
          }
        : input.command === "resume"
          ? {
              paused: false,
              pauseReason: null,
              stepAppliedAt: row.stepIndex >= 0 ? now : row.stepAppliedAt,
              waitingSince: null,
              blockedReason: null,
              nextAttemptAt: null,
            }
          : {
              phase: "undraining" as const,
              paused: false,
              pauseReason: null,
              prepared: false,
              waitingSince: null,
              blockedReason: null,
              nextAttemptAt: null,
              stepAppliedAt: null,
              // A failover moved everything at once; its traffic comes back in steps, as a
              // drain's does, each held long enough for the returning region to scale.
              ...(row.kind === "failover" && row.stepIndex >= 0
                ? {
                    steps: [...DEFAULT_DRAIN_STEPS],
                    stepIndex: DEFAULT_DRAIN_STEPS.length - 1,
                  }
                : {}),
            };
    const updated = await tx.regionDrain.update({
      where: { id },
      data: { ...data, version: { increment: 1 } },
      select: { version: true },
    });
    const message =
      input.command === "pause"
        ? `Paused by ${actor.email}${input.reason ? `: ${input.reason}` : ""}.`
        : input.command === "resume"
          ? `Resumed by ${actor.email}.`
          : row.phase === "drained"
            ? `Undrain started by ${actor.email}: traffic returns to ${row.region} step by step.`
            : `Aborted by ${actor.email}: traffic returns to ${row.region} step by step.`;
    await tx.regionDrainEvent.create({
      data: { drainId: id, at: now, kind: input.command, message, actorEmail: actor.email },
    });
    if (input.command === "pause") {
      await notifyDrain(tx, id, "drain.paused", {
        actor: actor.email,
        reason: input.reason ?? null,
        summary: message,
      });
    }
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: `traffic.${input.command}`,
      targetType: "region_drain",
      targetId: id,
      outcome: "allowed",
      reason: input.reason ?? null,
      before: { phase: row.phase, paused: row.paused, version: row.version },
      after: {
        phase: "phase" in data ? data.phase : row.phase,
        paused: "paused" in data ? data.paused : row.paused,
        version: updated.version,
      },
    });
    return { id, version: updated.version, changed: true };
  });
}

export interface DrainSummary {
  id: string;
  region: string;
  kind: "drain" | "failover";
  scope: string;
  phase: DrainRow["phase"];
  paused: boolean;
  pauseReason: string | null;
  blockedReason: string | null;
  step: number;
  steps: number[];
  models: number;
  createdBy: string;
  createdAt: Date;
  endedAt: Date | null;
  version: number;
}

function scopeText(row: Pick<DrainRow, "scopeKind" | "scopeName">): string {
  return row.scopeKind === "all"
    ? "every model"
    : row.scopeKind === "team"
      ? `team ${row.scopeName}`
      : (row.scopeName ?? "");
}

function summaryOf(row: DrainRow): DrainSummary {
  return {
    id: row.id,
    region: row.region,
    kind: row.kind,
    scope: scopeText(row),
    phase: row.phase,
    paused: row.paused,
    pauseReason: row.pauseReason,
    blockedReason: row.blockedReason,
    step: row.stepIndex,
    steps: row.steps,
    models: drainModels(row).length,
    createdBy: row.createdByEmail,
    createdAt: row.createdAt,
    endedAt: row.endedAt,
    version: row.version,
  };
}

/** Drains not yet undrained, and those that ended in the last week, newest first. */
export async function listDrains(actor: Actor | null): Promise<DrainSummary[]> {
  assertCanRead(actor);
  const rows = await db().regionDrain.findMany({
    where: {
      OR: [
        { phase: { not: "undrained" } },
        { endedAt: { gte: new Date(clock.ms() - 7 * 86_400_000) } },
      ],
    },
    orderBy: { createdAt: "desc" },
    take: 50,
    select: drainSelect,
  });
  return rows.map(summaryOf);
}

export interface DrainDetail extends DrainSummary {
  reason: string | null;
  stepSeconds: number;
  stepAppliedAt: Date | null;
  waitingSince: Date | null;
  headroom: number;
  modelsDetail: DrainModel[];
  events: { id: string; at: Date; kind: string; message: string; actorEmail: string | null }[];
  canAct: boolean;
}

export async function getDrain(actor: Actor | null, id: string): Promise<DrainDetail | null> {
  assertCanRead(actor);
  const row = await db().regionDrain.findUnique({ where: { id }, select: drainSelect });
  if (!row) return null;
  const events = await db().regionDrainEvent.findMany({
    where: { drainId: id },
    orderBy: { at: "desc" },
    take: 200,
    select: { id: true, at: true, kind: true, message: true, actorEmail: true },
  });
  const models = drainModels(row);
  return {
    ...summaryOf(row),
    reason: row.reason,
    stepSeconds: row.stepSeconds,
    stepAppliedAt: row.stepAppliedAt,
    waitingSince: row.waitingSince,
    headroom: row.headroom,
    modelsDetail: models,
    events,
    canAct: models.every((m) => isAllowed(actor, "traffic.shift", m.teamId)),
  };
}
