import "server-only";
import { clock } from "@/lib/clock";
import { LOCKS, tryAdvisoryLock } from "@/server/db/locks";
import { lockRow, type Tx } from "@/server/db/tx";
import { db, type Prisma } from "@/server/db/client";
import {
  ConflictError,
  OutcomeUnknownError,
  PlatformError,
  withTimeout,
  type RolloutKey,
  type RolloutObject,
} from "@/lib/platform/types";
import {
  TERMINAL,
  transition,
  type RolloutCommand,
  type RolloutState,
  type RolloutStatus,
} from "@/lib/domain/rollouts/state-machine";
import {
  judgeInterval,
  type IntervalVerdict,
  type MetricSample,
} from "@/lib/domain/rollouts/analysis";
import {
  analysisDecision,
  pauseStepDecision,
  pausedDecision,
  startDecision,
  waveGate,
  weightStepDecision,
  type AnalysisStepInput,
  type StepDecision,
} from "@/lib/domain/rollouts/engine-step";
import {
  DEFAULT_THRESHOLDS,
  analysisThresholdsSchema,
  type AnalysisThresholds,
} from "@/lib/domain/rollouts/plan";
import { FAST_BURN, burnRate } from "@/lib/domain/slos/budget";
import { fleetPlatform, metricsSource } from "@/server/fleet/platform";

const PLATFORM_TIMEOUT_MS = 10_000;
/** Each claim advances a rollout through at most this many instant steps. */
const MAX_STEPS_PER_CLAIM = 6;

const rolloutInclude = {
  steps: { orderBy: { index: "asc" } },
  model: { select: { name: true } },
  fromVersion: { select: { version: true } },
  toVersion: { select: { version: true } },
  environment: { select: { name: true, tier: true, region: { select: { code: true } } } },
} as const;

type Row = Prisma.RolloutGetPayload<{ include: typeof rolloutInclude }>;

function stateOf(r: Row): RolloutState {
  return {
    status: r.status as RolloutStatus,
    step: r.currentStep,
    stepCount: r.steps.length,
    weight: r.currentWeight,
  };
}

function thresholdsOf(r: Row): AnalysisThresholds {
  const parsed = analysisThresholdsSchema.safeParse(r.thresholds);
  return parsed.success ? parsed.data : DEFAULT_THRESHOLDS;
}

function targetOf(r: Row): RolloutKey | null {
  const t = r.target as { cluster?: unknown; namespace?: unknown; name?: unknown } | null;
  return t &&
    typeof t.cluster === "string" &&
    typeof t.namespace === "string" &&
    typeof t.name === "string"
    ? { cluster: t.cluster, namespace: t.namespace, name: t.name }
    : null;
}

/** Writes the state a command leads to, with an event; the version moves on every transition. */
async function apply(
  tx: Tx,
  r: Row,
  command: RolloutCommand,
  message: string,
  extra: Prisma.RolloutUpdateInput = {},
  actor = "flightdeck",
): Promise<Row> {
  const result = transition(stateOf(r), command);
  if (!result.ok) throw new Error(`engine: ${result.reason}`);
  const next = result.state;
  const now = clock.now();
  const stepChanged = next.step !== r.currentStep;
  if (stepChanged) {
    await tx.rolloutStep.updateMany({
      where: { rolloutId: r.id, index: r.currentStep, status: { in: ["pending", "running"] } },
      data: {
        status:
          command.type === "promote" || command.type === "promote_full" ? "skipped" : "succeeded",
        finishedAt: now,
      },
    });
    if (next.status === "completed") {
      await tx.rolloutStep.updateMany({
        where: { rolloutId: r.id, status: { in: ["pending", "running"] } },
        data: { status: "skipped", finishedAt: now },
      });
    }
  }
  if (TERMINAL.includes(next.status)) {
    await tx.rolloutStep.updateMany({
      where: { rolloutId: r.id, status: "running" },
      data: { status: next.status === "completed" ? "succeeded" : "failed", finishedAt: now },
    });
  }
  await tx.rolloutEvent.create({
    data: { rolloutId: r.id, at: now, kind: command.type, message, actor },
  });
  return tx.rollout.update({
    where: { id: r.id },
    data: {
      status: next.status,
      currentStep: next.step,
      currentWeight: next.weight,
      version: { increment: 1 },
      platformSynced: false,
      ...(stepChanged ? { stepStartedAt: now, pausedUntil: null } : {}),
      ...(TERMINAL.includes(next.status) ? { finishedAt: now } : {}),
      ...extra,
    },
    include: rolloutInclude,
  });
}

// ---------------------------------------------------------------------------------------------
// Platform side

/** Finds the platform object that serves this rollout's model in its environment. */
async function findTarget(r: Row): Promise<RolloutObject | null> {
  const { data } = await readOnly(
    "find rollout object",
    fleetPlatform().rollouts({
      model: r.model.name,
      region: r.environment.region.code,
      environment: r.environment.tier,
    }),
  );
  return data[0] ?? null;
}

/** A read that times out changed nothing: report it as a failure, not as "verifying". */
async function readOnly<T>(operation: string, work: Promise<T>): Promise<T> {
  try {
    return await withTimeout(operation, PLATFORM_TIMEOUT_MS, work);
  } catch (error) {
    if (error instanceof OutcomeUnknownError) throw new PlatformError(operation, error.message);
    throw error;
  }
}

async function readTarget(key: RolloutKey): Promise<RolloutObject> {
  return readOnly("read rollout", fleetPlatform().rollout(key));
}

/** One platform write with the resource version just read; a conflict is retried once. */
async function write(
  key: RolloutKey,
  op: string,
  fn: (ref: RolloutObject) => Promise<unknown>,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = await readTarget(key);
    try {
      await withTimeout(op, PLATFORM_TIMEOUT_MS, fn(current));
      return;
    } catch (error) {
      if (error instanceof ConflictError && attempt === 0) continue;
      throw error;
    }
  }
}

/**
 * Makes the platform match what the rollout says now, writing only what differs, so a step
 * interrupted by a crash is completed, never applied twice.
 */
async function reconcile(r: Row, key: RolloutKey): Promise<void> {
  const to = r.toVersion.version;
  const o = await readTarget(key);
  const status = r.status as RolloutStatus;
  if (r.kind === "rollback") {
    if (o.stableVersion === to && o.canaryVersion === null) return;
    const revision = [...o.revisions].reverse().find((x) => x.version === to);
    if (revision) {
      await write(key, "undo", (ref) => fleetPlatform().undo(ref, revision.revision));
    } else {
      await write(key, "set version", (ref) => fleetPlatform().setVersion(ref, to));
      await write(key, "promote full", (ref) => fleetPlatform().promote(ref, { full: true }));
    }
    return;
  }
  if (status === "completed") {
    if (o.stableVersion === to && o.canaryVersion === null) return;
    if (o.canaryVersion !== to) {
      await write(key, "set version", (ref) => fleetPlatform().setVersion(ref, to));
    } else if (o.aborted) {
      await write(key, "retry", (ref) => fleetPlatform().retry(ref));
    }
    await write(key, "promote full", (ref) => fleetPlatform().promote(ref, { full: true }));
    return;
  }
  if (status === "aborted" || status === "rolled_back") {
    if (o.canaryVersion === to && !o.aborted) {
      await write(key, "abort", (ref) => fleetPlatform().abort(ref));
    }
    return;
  }
  if (status === "pending") return;
  // Active: the canary runs the new version at the rollout's weight. This runs on every claim,
  // so the object is read again only after a write changed it.
  let current = o;
  if (o.canaryVersion !== to) {
    if (o.stableVersion === to) return; // already fully on the new version
    await write(key, "set version", (ref) => fleetPlatform().setVersion(ref, to));
    current = await readTarget(key);
  } else if (o.aborted) {
    await write(key, "retry", (ref) => fleetPlatform().retry(ref));
    current = await readTarget(key);
  }
  if (current.canaryWeight !== r.currentWeight) {
    await write(key, "set canary weight", (ref) =>
      fleetPlatform().setCanaryWeight(ref, r.currentWeight),
    );
    current = await readTarget(key);
  }
  const wantPaused = status === "paused";
  if (current.paused !== wantPaused && current.canaryVersion === to) {
    await write(key, wantPaused ? "pause" : "resume", (ref) =>
      wantPaused ? fleetPlatform().pause(ref) : fleetPlatform().resume(ref),
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Analysis

async function sample(
  selector: { model: string; version: string; region: string; environment: string },
  seconds: number,
): Promise<MetricSample> {
  const m = metricsSource();
  const at = clock.now();
  const [rps, err, p50, p99, psi, acc] = await Promise.all(
    (
      [
        "request_rate",
        "error_rate",
        "latency_p50",
        "latency_p99",
        "prediction_drift_psi",
        "online_accuracy",
      ] as const
    ).map((metric) => readOnly(metric, m.instant(metric, selector, at))),
  );
  const total = (rps ?? []).reduce((s, x) => s + x.value, 0);
  // Request-weighted across the series (clusters) of this version in the region.
  const weighted = (samples: { labels: object; value: number }[] | undefined) => {
    if (!samples || samples.length === 0) return null;
    const w = new Map((rps ?? []).map((x) => [JSON.stringify(x.labels), x.value]));
    let sum = 0;
    let weight = 0;
    for (const x of samples) {
      const wt = w.get(JSON.stringify(x.labels)) ?? 0;
      sum += x.value * wt;
      weight += wt;
    }
    return weight > 0 ? sum / weight : null;
  };
  return {
    requests: total * seconds,
    errorRate: weighted(err),
    latencyP50Ms: weighted(p50),
    latencyP99Ms: weighted(p99),
    driftPsi: weighted(psi),
    accuracy: weighted(acc),
  };
}

/** A fast burn of the model's SLOs over the last five minutes, or null. */
async function fastBurn(tx: Tx, r: Row): Promise<string | null> {
  // Someone resumed it knowing the SLO burns: give them five minutes before pausing again.
  const resumed = await tx.rolloutEvent.count({
    where: {
      rolloutId: r.id,
      kind: { in: ["resume", "promote"] },
      at: { gte: new Date(clock.ms() - 5 * 60_000) },
    },
  });
  if (resumed > 0 || r.currentWeight === 0) return null;
  const slos = await tx.slo.findMany({
    where: { model: { name: r.model.name }, sliKind: { in: ["availability", "latency"] } },
    select: { id: true, name: true, objective: true },
  });
  if (slos.length === 0) return null;
  const since = new Date(clock.ms() - 5 * 60_000);
  const sums = await tx.sliBucket.groupBy({
    by: ["sloId"],
    where: { sloId: { in: slos.map((s) => s.id) }, resolution: "minute", start: { gte: since } },
    _sum: { good: true, total: true },
  });
  for (const s of sums) {
    const slo = slos.find((x) => x.id === s.sloId);
    const rate = slo
      ? burnRate(Number(s._sum.good ?? 0), Number(s._sum.total ?? 0), slo.objective)
      : null;
    if (slo && rate !== null && rate >= FAST_BURN) {
      return `SLO ${slo.name} is burning its error budget ${rate.toFixed(1)}× too fast over the last 5 minutes.`;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The engine

/** Applies a decision of the domain's step rules; false when there is nothing to do yet. */
async function decide(tx: Tx, r: Row, d: StepDecision): Promise<{ row: Row; moved: boolean }> {
  if (d.do === "wait") return { row: r, moved: false };
  const extra: Prisma.RolloutUpdateInput = {
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(d.pausedUntil !== undefined ? { pausedUntil: d.pausedUntil } : {}),
    ...(d.platformSynced !== undefined ? { platformSynced: d.platformSynced } : {}),
  };
  return { row: await apply(tx, r, d.command, d.message, extra), moved: true };
}

/**
 * One step of the engine for a rollout it holds the lock on: gathers what the step rules
 * (lib/domain/rollouts/engine-step.ts) need, and applies what they decide. Returns the row and
 * whether it moved.
 */
async function stepOnce(tx: Tx, r: Row, now: Date): Promise<{ row: Row; moved: boolean }> {
  const status = r.status as RolloutStatus;
  const key = targetOf(r);

  if (status === "pending") {
    if (r.releaseId && r.wave > 0) {
      const earlier = await tx.rollout.findMany({
        where: { releaseId: r.releaseId, wave: { lt: r.wave }, kind: "rollout" },
        select: { status: true, environment: { select: { name: true } }, wave: true },
      });
      const gate = waveGate(
        earlier.map((e) => ({ wave: e.wave, environment: e.environment.name, status: e.status })),
      );
      if (gate !== "go") return decide(tx, r, gate);
    }
    const found = await findTarget(r);
    const start = startDecision({
      model: r.model.name,
      environment: r.environment.name,
      wave: r.wave,
      cluster: found?.cluster ?? null,
    });
    if (!found || start.do !== "transition") return decide(tx, r, start);
    const target = { cluster: found.cluster, namespace: found.namespace, name: found.name };
    const row = await apply(tx, r, start.command, start.message, {
      target: target as unknown as Prisma.InputJsonValue,
      startedAt: now,
    });
    return { row, moved: true };
  }

  if (!key) return { row: r, moved: false };

  // Terminal states only need the platform brought in line once.
  if (TERMINAL.includes(status)) return { row: r, moved: false };

  if (status === "paused") return decide(tx, r, pausedDecision(r.pausedUntil, now));

  if (status === "degraded") {
    const row = await apply(tx, r, { type: "reconciled" }, "Platform state verified.");
    return { row, moved: true };
  }

  if (status === "progressing" || status === "analyzing") {
    const burn = await fastBurn(tx, r);
    if (burn) {
      const row = await apply(tx, r, { type: "slo_burn" }, `Paused: ${burn}`, { reason: burn });
      return { row, moved: true };
    }
  }

  const step = r.steps[r.currentStep];
  if (!step) return { row: r, moved: false };

  if (step.status === "pending") {
    await tx.rolloutStep.update({
      where: { id: step.id },
      data: { status: "running", startedAt: now },
    });
    step.status = "running";
    step.startedAt = now;
  }

  switch (step.kind) {
    case "set_weight":
      return decide(tx, r, weightStepDecision(step.weight));
    case "pause": {
      const reached = await tx.rolloutEvent.count({
        where: { rolloutId: r.id, kind: "pause_step", at: { gte: step.startedAt ?? now } },
      });
      return decide(
        tx,
        r,
        pauseStepDecision({
          reached: reached > 0,
          durationSec: step.durationSec,
          currentWeight: r.currentWeight,
          now,
        }),
      );
    }
    case "analysis":
      return analysisStep(tx, r, step, status, now);
  }
}

/** An analysis step: opens its window, samples an interval when one is due, then decides. */
async function analysisStep(
  tx: Tx,
  r: Row,
  step: Row["steps"][number],
  status: RolloutStatus,
  now: Date,
): Promise<{ row: Row; moved: boolean }> {
  const thresholds = thresholdsOf(r);
  const facts = async (): Promise<AnalysisStepInput> => ({
    status,
    step: {
      index: step.index,
      durationSec: step.durationSec,
      intervalSec: step.intervalSec,
      startedAt: step.startedAt,
    },
    runs: (
      await tx.analysisRun.findMany({
        where: { rolloutId: r.id, stepIndex: step.index, at: { gte: step.startedAt ?? now } },
        orderBy: { at: "asc" },
        select: { at: true, verdict: true, reason: true },
      })
    ).map((x) => ({ ...x, verdict: x.verdict as IntervalVerdict })),
    thresholds,
    toVersion: r.toVersion.version,
    fromVersion: r.fromVersion?.version ?? null,
    now,
  });
  let decision = analysisDecision(await facts());
  if (decision.do === "open_window") {
    // (Re)starting analysis, after a pause too, opens a new full window.
    await tx.rolloutStep.update({ where: { id: step.id }, data: { startedAt: now } });
    const row = await apply(tx, r, { type: "analysis_started" }, decision.message);
    return { row, moved: true };
  }
  if (decision.do === "sample") {
    const place = {
      model: r.model.name,
      region: r.environment.region.code,
      environment: r.environment.tier,
    };
    const canary = await sample({ ...place, version: r.toVersion.version }, decision.intervalSec);
    // Without a baseline (a first deployment) there is nothing to compare against.
    const baseline = r.fromVersion
      ? await sample({ ...place, version: r.fromVersion.version }, decision.intervalSec)
      : null;
    const result = baseline
      ? judgeInterval(canary, baseline, thresholds)
      : {
          verdict: "inconclusive" as const,
          score: null,
          metrics: [],
          reason: "No baseline version serves here to compare the canary with.",
        };
    await tx.analysisRun.create({
      data: {
        rolloutId: r.id,
        stepIndex: step.index,
        at: now,
        verdict: result.verdict,
        score: result.score,
        metrics: result.metrics as unknown as Prisma.InputJsonValue,
        reason: result.reason,
      },
    });
    decision = analysisDecision(await facts());
  }
  if (decision.do === "open_window" || decision.do === "sample") return { row: r, moved: false };
  return decide(tx, r, decision);
}

/**
 * Drives one rollout: takes its row lock (a rollout another process holds is skipped: exactly
 * one process drives each rollout), advances it through the steps that are due, and makes the
 * platform match. A platform write whose outcome is unknown marks it "verifying"; the next
 * pass reads back and completes the work.
 */
export async function driveRollout(id: string, now = clock.now()): Promise<boolean> {
  return db().$transaction(
    async (tx) => {
      if (!(await lockRow(tx, "Rollout", id, { skipLocked: true }))) return false;
      const claim = await tx.rollout.findUniqueOrThrow({
        where: { id },
        select: { modelId: true, environmentId: true },
      });
      // Rollouts of one model in one environment share a platform object: one at a time.
      if (!(await tryAdvisoryLock(tx, LOCKS.rolloutTarget(claim.modelId, claim.environmentId)))) {
        return false;
      }
      let row = await tx.rollout.findUniqueOrThrow({ where: { id }, include: rolloutInclude });
      if (TERMINAL.includes(row.status as RolloutStatus)) {
        // A newer rollout or rollback of the same place owns the platform object now: an
        // older one that never caught up must not undo it.
        const newer = await tx.rollout.count({
          where: {
            modelId: row.modelId,
            environmentId: row.environmentId,
            createdAt: { gt: row.createdAt },
          },
        });
        if (newer > 0) {
          await tx.rollout.update({
            where: { id },
            data: { platformSynced: true, verifying: false },
          });
          return false;
        }
      }
      let moved = false;
      try {
        if (!targetOf(row) && row.status !== "pending" && !row.platformSynced) {
          // A rollback (or a change to a rollout started elsewhere): find what to apply it to.
          const found = await findTarget(row);
          if (!found) {
            row = await tx.rollout.update({
              where: { id },
              data: { platformSynced: true },
              include: rolloutInclude,
            });
            return false;
          }
          row = await tx.rollout.update({
            where: { id },
            data: {
              target: {
                cluster: found.cluster,
                namespace: found.namespace,
                name: found.name,
              },
            },
            include: rolloutInclude,
          });
        }
        for (let i = 0; i < MAX_STEPS_PER_CLAIM; i++) {
          const key = targetOf(row);
          if (key && (!row.platformSynced || row.verifying)) {
            await reconcile(row, key);
            row = await tx.rollout.update({
              where: { id },
              data: { platformSynced: true, verifying: false },
              include: rolloutInclude,
            });
          }
          const result = await stepOnce(tx, row, now);
          row = result.row;
          moved ||= result.moved;
          if (!result.moved) break;
        }
        const key = targetOf(row);
        // Active rollouts are compared with the platform at the end of every claim (reads;
        // writes only where it differs), so a write whose commit was lost is noticed and
        // repaired, after the steps that were due, never before them.
        const active = !TERMINAL.includes(row.status as RolloutStatus);
        if (key && (!row.platformSynced || active)) {
          await reconcile(row, key);
          row = await tx.rollout.update({
            where: { id },
            data: { platformSynced: true, verifying: false },
            include: rolloutInclude,
          });
        }
      } catch (error) {
        if (error instanceof OutcomeUnknownError) {
          await tx.rollout.update({ where: { id }, data: { verifying: true } });
          await tx.rolloutEvent.create({
            data: {
              rolloutId: id,
              at: clock.now(),
              kind: "verifying",
              message: `The platform did not confirm a change (${error.message}); verifying.`,
              actor: "flightdeck",
            },
          });
          return moved;
        }
        throw error;
      }
      return moved;
    },
    { timeout: 60_000 },
  );
}

/** Rollouts with work due: active ones, and finished ones the platform has not caught up with. */
export async function dueRollouts(limit = 200): Promise<string[]> {
  const rows = await db().rollout.findMany({
    where: {
      OR: [
        { status: { in: ["pending", "progressing", "analyzing", "degraded"] } },
        { status: "paused", pausedUntil: { not: null } },
        { platformSynced: false },
        { verifying: true },
      ],
    },
    orderBy: { createdAt: "asc" },
    take: limit,
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** The worker's pass over every rollout with work due. */
export async function driveRollouts(): Promise<number> {
  let moved = 0;
  for (const id of await dueRollouts()) {
    try {
      if (await driveRollout(id)) moved += 1;
    } catch (error) {
      console.error(`[engine] rollout ${id}:`, error instanceof Error ? error.message : error);
    }
  }
  return moved;
}
