import type { DrainDetail, DrainSummary } from "@/server/traffic/drains";

/** A drain as GET /api/v1/drains lists it: what the Regions page's table of drains shows. */
export function drainSummaryJson(d: DrainSummary) {
  return {
    id: d.id,
    region: d.region,
    kind: d.kind,
    scope: d.scope,
    phase: d.phase,
    paused: d.paused,
    pauseReason: d.pauseReason,
    blockedReason: d.blockedReason,
    step: d.step,
    steps: d.steps,
    models: d.models,
    createdBy: d.createdBy,
    createdAt: d.createdAt,
    endedAt: d.endedAt,
    version: d.version,
  };
}

/**
 * One drain as its page shows it: its state and the version to send with a command, the
 * capacity check and autoscaler bounds it started with, and its timeline. Internal ids (the
 * models' and teams') stay out.
 */
export function drainJson(d: DrainDetail) {
  return {
    ...drainSummaryJson(d),
    reason: d.reason,
    /** percent, as the start asked for it */
    headroom: Math.round(d.headroom * 100),
    stepSeconds: d.stepSeconds,
    stepAppliedAt: d.stepAppliedAt,
    waitingSince: d.waitingSince,
    canAct: d.canAct,
    plan: d.modelsDetail.map((m) => ({
      model: m.model,
      verdict: m.verdict,
      reasons: m.reasons,
      dialsBefore: m.dialsBefore,
      receiving: m.receiving.map((r) => ({
        region: r.region,
        cluster: r.cluster,
        replicasBefore: r.replicasBefore,
        replicasNeeded: r.replicasNeeded,
        autoscalerBefore: r.hpaBefore,
        autoscalerSet: r.hpaSet,
        baseline: r.baseline,
      })),
    })),
    events: d.events.map((e) => ({
      at: e.at,
      kind: e.kind,
      message: e.message,
      actor: e.actorEmail,
    })),
  };
}

export type DrainSummaryJson = ReturnType<typeof drainSummaryJson>;
export type DrainJson = ReturnType<typeof drainJson>;
