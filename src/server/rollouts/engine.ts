import "server-only";
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
  analysisOutcome,
  judgeInterval,
  type IntervalVerdict,
  type MetricSample,
} from "@/lib/domain/rollouts/analysis";
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
  const now = new Date();
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
  const at = new Date();
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
      at: { gte: new Date(Date.now() - 5 * 60_000) },
    },
  });
  if (resumed > 0 || r.currentWeight === 0) return null;
  const slos = await tx.slo.findMany({
    where: { model: { name: r.model.name }, sliKind: { in: ["availability", "latency"] } },
    select: { id: true, name: true, objective: true },
  });
  if (slos.length === 0) return null;
  const since = new Date(Date.now() - 5 * 60_000);
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

/** One step of the engine for a rollout it holds the lock on. Returns the row and whether it moved. */
async function stepOnce(tx: Tx, r: Row, now: Date): Promise<{ row: Row; moved: boolean }> {
  const status = r.status as RolloutStatus;
  let key = targetOf(r);

  if (status === "pending") {
    if (r.releaseId && r.wave > 0) {
      const earlier = await tx.rollout.findMany({
        where: { releaseId: r.releaseId, wave: { lt: r.wave }, kind: "rollout" },
        select: { status: true, environment: { select: { name: true } }, wave: true },
      });
      const failed = earlier.find((e) => e.status === "aborted" || e.status === "rolled_back");
      if (failed) {
        const row = await apply(
          tx,
          r,
          { type: "abort" },
          `Not started: wave ${failed.wave + 1} did not complete (${failed.environment.name} was ${failed.status.replace("_", " ")}).`,
          { reason: `Wave ${failed.wave + 1} did not complete.`, platformSynced: true },
        );
        return { row, moved: true };
      }
      if (earlier.some((e) => e.status !== "completed")) return { row: r, moved: false };
    }
    const found = await findTarget(r);
    if (!found) {
      const row = await apply(
        tx,
        r,
        { type: "abort" },
        `No ${r.model.name} deployment in ${r.environment.name} to roll out to.`,
        {
          reason: `Nothing serves ${r.model.name} in ${r.environment.name}.`,
          platformSynced: true,
        },
      );
      return { row, moved: true };
    }
    key = { cluster: found.cluster, namespace: found.namespace, name: found.name };
    const row = await apply(
      tx,
      r,
      { type: "start" },
      `Started in ${r.environment.name} on ${found.cluster}${r.wave > 0 ? ` (wave ${r.wave + 1})` : ""}.`,
      { target: key as unknown as Prisma.InputJsonValue, startedAt: now },
    );
    return { row, moved: true };
  }

  if (!key) return { row: r, moved: false };

  // Terminal states only need the platform brought in line once.
  if (TERMINAL.includes(status)) return { row: r, moved: false };

  if (status === "paused") {
    if (r.pausedUntil && r.pausedUntil <= now) {
      const row = await apply(tx, r, { type: "resume" }, "Timed pause ended.", {
        pausedUntil: null,
      });
      return { row, moved: true };
    }
    return { row: r, moved: false };
  }

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
    case "set_weight": {
      const weight = step.weight ?? 100;
      const row = await apply(
        tx,
        r,
        { type: "step_applied", weight },
        `Canary weight set to ${weight}%.`,
      );
      return { row, moved: true };
    }
    case "pause": {
      const reached = await tx.rolloutEvent.count({
        where: { rolloutId: r.id, kind: "pause_step", at: { gte: step.startedAt ?? now } },
      });
      if (reached === 0) {
        const until = step.durationSec ? new Date(now.getTime() + step.durationSec * 1000) : null;
        const row = await apply(
          tx,
          r,
          { type: "pause_step" },
          until
            ? `Pausing for ${step.durationSec} s before the next step.`
            : "Paused until someone promotes.",
          { pausedUntil: until },
        );
        return { row, moved: true };
      }
      // The pause ended (time up, resumed or promoted): move on.
      const row = await apply(
        tx,
        r,
        { type: "step_applied", weight: r.currentWeight },
        "Pause over.",
      );
      return { row, moved: true };
    }
    case "analysis": {
      if (status === "progressing") {
        // (Re)starting analysis, after a pause too, opens a new full window.
        await tx.rolloutStep.update({ where: { id: step.id }, data: { startedAt: now } });
        const row = await apply(
          tx,
          r,
          { type: "analysis_started" },
          `Analysis started: ${r.toVersion.version} against ${r.fromVersion?.version ?? "the stable version"}, every ${intervalOf(step)} s for ${step.durationSec ?? 0} s.`,
        );
        return { row, moved: true };
      }
      const thresholds = thresholdsOf(r);
      const started = step.startedAt ?? now;
      const runs = await tx.analysisRun.findMany({
        where: { rolloutId: r.id, stepIndex: step.index, at: { gte: started } },
        orderBy: { at: "asc" },
        select: { at: true, verdict: true, reason: true },
      });
      const intervalSec = intervalOf(step);
      const last = runs.at(-1)?.at ?? started;
      let verdicts = runs.map((x) => x.verdict as IntervalVerdict);
      let lastReason = runs.at(-1)?.reason ?? "";
      if (now.getTime() - last.getTime() >= intervalSec * 1000) {
        const place = {
          model: r.model.name,
          region: r.environment.region.code,
          environment: r.environment.tier,
        };
        const canary = await sample({ ...place, version: r.toVersion.version }, intervalSec);
        // Without a baseline (a first deployment) there is nothing to compare against.
        const baseline = r.fromVersion
          ? await sample({ ...place, version: r.fromVersion.version }, intervalSec)
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
        verdicts = [...verdicts, result.verdict];
        lastReason = result.reason;
      }
      const timeUp = now.getTime() - started.getTime() >= (step.durationSec ?? 0) * 1000;
      const outcome = analysisOutcome(verdicts, thresholds, timeUp);
      if (outcome.outcome === "failed") {
        const reason = `Analysis failed at step ${step.index + 1} (${outcome.failures} failed interval${outcome.failures === 1 ? "" : "s"}): ${lastReason} All traffic returned to ${r.fromVersion?.version ?? "the stable version"}.`;
        const row = await apply(tx, r, { type: "analysis_failed" }, reason, { reason });
        return { row, moved: true };
      }
      if (outcome.outcome === "passed") {
        const row = await apply(
          tx,
          r,
          { type: "analysis_passed" },
          `Analysis passed: ${lastReason}`,
        );
        return { row, moved: true };
      }
      if (outcome.outcome === "inconclusive") {
        const reason =
          "Analysis inconclusive: too little canary traffic to judge. Promote to continue, or abort.";
        const row = await apply(tx, r, { type: "pause" }, reason, { reason });
        return { row, moved: true };
      }
      return { row: r, moved: false };
    }
  }
}

function intervalOf(step: { durationSec: number | null; intervalSec: number | null }): number {
  return Math.max(1, step.intervalSec ?? Math.round((step.durationSec ?? 30) / 3));
}

/**
 * Drives one rollout: takes its row lock (a rollout another process holds is skipped: exactly
 * one process drives each rollout), advances it through the steps that are due, and makes the
 * platform match. A platform write whose outcome is unknown marks it "verifying"; the next
 * pass reads back and completes the work.
 */
export async function driveRollout(id: string, now = new Date()): Promise<boolean> {
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
