import "server-only";
import { notifyRollout, notifyRolloutChange } from "@/server/notifications/subjects";
import { randomUUID } from "node:crypto";
import os from "node:os";
import { clock } from "@/lib/clock";
import { LOCKS, tryAdvisoryLock } from "@/server/db/locks";
import { lockRow, type Tx } from "@/server/db/tx";
import { db, Prisma } from "@/server/db/client";
import {
  ConflictError,
  OutcomeUnknownError,
  PlatformError,
  withTimeout,
  type RolloutKey,
  type RolloutObject,
} from "@/lib/platform/types";
import {
  ACTIVE,
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
  nextLook,
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
import {
  outsideChange,
  plannedSpec,
  type ObjectSpec,
  type SpecFields,
} from "@/lib/domain/rollouts/outside-change";
import { FAST_BURN, burnRate } from "@/lib/domain/slos/budget";
import {
  DEFAULT_BLOCKED_ALERT_MINUTES,
  blockedAlertDue,
  metricsOutageDecision,
  metricsOutagePolicyOf,
  retryDelayMs,
  type BlockKind,
} from "@/lib/domain/rollouts/blocked";
import { envNumber } from "@/lib/config/env";
import { fleetPlatform, metricsSource, platformKind } from "@/server/fleet/platform";
import { log } from "@/lib/telemetry/log";
import { inSpan } from "@/lib/telemetry/tracing";
import {
  engineStepDuration,
  blockedRollouts,
  platformWriteDuration,
  rolloutBlocks,
  timed,
} from "@/lib/telemetry/metrics";

/**
 * How long one platform call may take. Generous: a loaded API server answering a write in 10 s
 * must still be driven (nobody waits for it: the engine holds no lock while it waits, and the
 * claim's lease outlasts a read and a write).
 */
const PLATFORM_TIMEOUT_MS = 25_000;
/** Each claim advances a rollout through at most this many instant steps. */
const MAX_STEPS_PER_CLAIM = 6;
/**
 * An active rollout with nothing due is looked at again after at most this long: how late the
 * engine notices what nobody tells it (a change made to the platform object outside Flightdeck,
 * an SLO starting to burn). Time-due work (a timed pause's end, the next analysis interval) is
 * looked at when it falls due, and a command at once.
 */
export const RECHECK_MS = 10_000;
/**
 * How long a claim lasts without renewal. It is renewed before every platform write, so it only
 * runs out when its process died: then another replica takes the rollout over.
 */
export const LEASE_MS = 60_000;
/** This process, in lease owners: host, pid and a random part (pids repeat across containers). */
const PROCESS = `${os.hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
let claims = 0;

/** The rollout changed (a user's command) or the claim was lost while the engine was writing. */
class Superseded extends Error {}

/** The engine cannot go on with this rollout until something outside Flightdeck changes. */
class Blocked extends Error {
  constructor(
    readonly kind: BlockKind,
    message: string,
  ) {
    super(message);
    this.name = "Blocked";
  }
}

/** An error as a user may read it: the platform's and ours are sentences; others only a name. */
function errorText(error: unknown): string {
  if (
    error instanceof PlatformError ||
    error instanceof OutcomeUnknownError ||
    error instanceof ConflictError ||
    error instanceof Blocked
  ) {
    return error.message;
  }
  return error instanceof Error ? `${error.name}, logged` : "an unknown error, logged";
}

/** What blocks a rollout after `error`; null for a database failure (nothing can be recorded). */
function blockOf(error: unknown): { kind: BlockKind; reason: string } | null {
  if (error instanceof Blocked) return { kind: error.kind, reason: error.message };
  if (
    error instanceof Prisma.PrismaClientKnownRequestError ||
    error instanceof Prisma.PrismaClientUnknownRequestError ||
    error instanceof Prisma.PrismaClientInitializationError ||
    error instanceof Prisma.PrismaClientRustPanicError
  ) {
    return null;
  }
  if (error instanceof PlatformError || error instanceof ConflictError) {
    return { kind: "platform", reason: `The platform refused or failed: ${error.message}.` };
  }
  return {
    kind: "internal",
    reason: `Flightdeck could not drive it (${errorText(error)}); it tries again.`,
  };
}

/** The intent recorded before platform writes: the plan at a rollout version. */
interface Intent {
  rolloutVersion: number;
  /** the plan, and what a write on the way there leaves (a new version starts at weight 0) */
  specs: SpecFields[];
}

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

function planOf(r: Row): SpecFields {
  return plannedSpec({
    status: r.status as RolloutStatus,
    kind: r.kind,
    toVersion: r.toVersion.version,
    weight: r.currentWeight,
  });
}

const json = (v: unknown) => v as Prisma.InputJsonValue;

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
  await notifyRolloutChange(
    tx,
    r.id,
    { status: r.status, weight: r.currentWeight, kind: r.kind },
    next.status,
    { actor: actor === "flightdeck" ? null : actor, reason: message },
  );
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

/**
 * Checked before every platform write: the rollout is still at the version the write was
 * planned from and this call still holds its claim (the intent is recorded first).
 */
type Guard = () => Promise<void>;

/** One platform write with the resource version just read; a conflict is retried once. */
async function writeGuarded(
  key: RolloutKey,
  op: string,
  fn: (ref: RolloutObject) => Promise<unknown>,
  guard: Guard,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const current = await readTarget(key);
    await guard();
    try {
      await timed(
        (seconds, outcome) =>
          platformWriteDuration.observe({ driver: platformKind(), outcome }, seconds),
        () =>
          inSpan(
            `platform ${op}`,
            { "flightdeck.rollout.object": `${key.namespace}/${key.name}` },
            () => withTimeout(op, PLATFORM_TIMEOUT_MS, fn(current)),
          ),
      );
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
async function reconcile(r: Row, key: RolloutKey, o: RolloutObject, guard: Guard): Promise<void> {
  const to = r.toVersion.version;
  const write = (op: string, fn: (ref: RolloutObject) => Promise<unknown>) =>
    writeGuarded(key, op, fn, guard);
  const status = r.status as RolloutStatus;
  if (r.kind === "rollback") {
    if (o.stableVersion === to && o.canaryVersion === null) return;
    const revision = [...o.revisions].reverse().find((x) => x.version === to);
    if (revision) {
      await write("undo", (ref) => fleetPlatform().undo(ref, revision.revision));
    } else {
      await write("set version", (ref) => fleetPlatform().setVersion(ref, to));
      await write("promote full", (ref) => fleetPlatform().promote(ref, { full: true }));
    }
    return;
  }
  if (status === "completed") {
    if (o.stableVersion === to && o.canaryVersion === null) return;
    if (o.canaryVersion !== to) {
      await write("set version", (ref) => fleetPlatform().setVersion(ref, to));
    } else if (o.aborted) {
      await write("retry", (ref) => fleetPlatform().retry(ref));
    }
    await write("promote full", (ref) => fleetPlatform().promote(ref, { full: true }));
    return;
  }
  if (status === "aborted" || status === "rolled_back") {
    // The canary Flightdeck ran, or the one a change made outside Flightdeck put in its place
    // (the spec it confirmed last): an abort sends traffic back from either.
    const known = (r.platformSpec as { version?: string } | null)?.version;
    const ours = o.canaryVersion === to || (o.canaryVersion !== null && o.canaryVersion === known);
    if (ours && !o.aborted) {
      await write("abort", (ref) => fleetPlatform().abort(ref));
    }
    return;
  }
  if (status === "pending") return;
  // Active: the canary runs the new version at the rollout's weight. This runs on every claim,
  // so the object is read again only after a write changed it.
  let current = o;
  if (o.canaryVersion !== to) {
    if (o.stableVersion === to) return; // already fully on the new version
    await write("set version", (ref) => fleetPlatform().setVersion(ref, to));
    current = await readTarget(key);
  } else if (o.aborted) {
    await write("retry", (ref) => fleetPlatform().retry(ref));
    current = await readTarget(key);
  }
  if (current.canaryWeight !== r.currentWeight) {
    await write("set canary weight", (ref) =>
      fleetPlatform().setCanaryWeight(ref, r.currentWeight),
    );
    current = await readTarget(key);
  }
  const wantPaused = status === "paused";
  if (current.paused !== wantPaused && current.canaryVersion === to) {
    await write(wantPaused ? "pause" : "resume", (ref) =>
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
  if (r.currentWeight === 0) return null;
  const since = new Date(clock.ms() - 5 * 60_000);
  // One statement, on every look at a rollout in flight: the model's availability and latency
  // SLOs with their last five minutes, unless someone resumed or promoted it in those minutes
  // (they did so knowing the SLO burns: five minutes before pausing again).
  const sums = await tx.$queryRaw<
    { name: string; objective: number; good: bigint | null; total: bigint | null }[]
  >`
    SELECT s.name, s.objective, SUM(b.good)::bigint AS good, SUM(b.total)::bigint AS total
    FROM "Slo" s
    JOIN "SliBucket" b
      ON b."sloId" = s.id AND b.resolution = 'minute'::"BucketResolution" AND b.start >= ${since}
    WHERE s."modelId" = ${r.modelId}
      AND s."sliKind" IN ('availability'::"SliKind", 'latency'::"SliKind")
      AND NOT EXISTS (
        SELECT 1 FROM "RolloutEvent" e
        WHERE e."rolloutId" = ${r.id} AND e.kind IN ('resume', 'promote') AND e.at >= ${since})
    GROUP BY s.id, s.name, s.objective
    ORDER BY s.name`;
  for (const s of sums) {
    const rate = burnRate(Number(s.good ?? 0), Number(s.total ?? 0), s.objective);
    if (rate !== null && rate >= FAST_BURN) {
      return `SLO ${s.name} is burning its error budget ${rate.toFixed(1)}× too fast over the last 5 minutes.`;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// The engine

/** Applies a decision of the domain's step rules; false when there is nothing to do yet. */
async function decide(tx: Tx, r: Row, d: StepDecision): Promise<Stepped> {
  if (d.do === "wait") return { row: r, moved: false, until: d.until };
  const extra: Prisma.RolloutUpdateInput = {
    ...(d.reason !== undefined ? { reason: d.reason } : {}),
    ...(d.pausedUntil !== undefined ? { pausedUntil: d.pausedUntil } : {}),
    ...(d.platformSynced !== undefined ? { platformSynced: d.platformSynced } : {}),
  };
  return { row: await apply(tx, r, d.command, d.message, extra), moved: true };
}

/**
 * What a step needs from outside PostgreSQL, gathered before its transaction: the platform
 * object a pending rollout will drive, and an analysis interval's samples. A step that finds a
 * fact missing asks for it (`need`) instead of calling out under its row lock.
 */
interface Facts {
  target?: { found: RolloutObject | null };
  samples?: {
    stepId: string;
    startedAt: number;
    canary: MetricSample;
    baseline: MetricSample | null;
  };
}
type Need = { what: "target" } | { what: "samples"; stepId: string; intervalSec: number };
/** `until`: nothing is due before then (by time alone); see `nextLook`. */
type Stepped = { row: Row; moved: boolean; need?: Need; until?: Date };

/**
 * One step of the engine for a rollout whose row lock its transaction holds: gathers what the
 * step rules (lib/domain/rollouts/engine-step.ts) need from the database and `facts`, and applies
 * what they decide. Returns the row and whether it moved, or the outside fact it needs.
 */
async function stepOnce(tx: Tx, r: Row, now: Date, facts: Facts): Promise<Stepped> {
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
    if (!facts.target) return { row: r, moved: false, need: { what: "target" } };
    const found = facts.target.found;
    const start = startDecision({
      model: r.model.name,
      environment: r.environment.name,
      wave: r.wave,
      cluster: found?.cluster ?? null,
    });
    if (!found || start.do !== "transition") return decide(tx, r, start);
    const target = { cluster: found.cluster, namespace: found.namespace, name: found.name };
    const row = await apply(tx, r, start.command, start.message, {
      target: json(target),
      startedAt: now,
    });
    return { row, moved: true };
  }

  if (!key) return { row: r, moved: false };

  // Terminal states only need the platform brought in line once.
  if (TERMINAL.includes(status)) return { row: r, moved: false };

  // Changed outside Flightdeck: nothing advances until someone decides.
  if (r.outsideChange) return { row: r, moved: false };

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
      return analysisStep(tx, r, step, status, now, facts);
  }
}

/** An analysis step: opens its window, records an interval's samples when due, then decides. */
async function analysisStep(
  tx: Tx,
  r: Row,
  step: Row["steps"][number],
  status: RolloutStatus,
  now: Date,
  facts: Facts,
): Promise<Stepped> {
  const thresholds = thresholdsOf(r);
  const input: AnalysisStepInput = {
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
  };
  let decision = analysisDecision(input);
  if (decision.do === "open_window") {
    // (Re)starting analysis, after a pause too, opens a new full window.
    await tx.rolloutStep.update({ where: { id: step.id }, data: { startedAt: now } });
    const row = await apply(tx, r, { type: "analysis_started" }, decision.message);
    return { row, moved: true };
  }
  if (decision.do === "sample") {
    // Samples gathered for this very window only: a window reopened since needs its own.
    const samples = facts.samples;
    if (
      !samples ||
      samples.stepId !== step.id ||
      samples.startedAt !== (step.startedAt?.getTime() ?? -1)
    ) {
      return {
        row: r,
        moved: false,
        need: { what: "samples", stepId: step.id, intervalSec: decision.intervalSec },
      };
    }
    const { canary, baseline } = samples;
    // Without a baseline (a first deployment) there is nothing to compare against.
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
        metrics: json(result.metrics),
        reason: result.reason,
      },
    });
    // the window's runs are the ones read, then this one (the newest: the window opened by now)
    decision = analysisDecision({
      ...input,
      runs: [...input.runs, { at: now, verdict: result.verdict, reason: result.reason }],
    });
  }
  if (decision.do === "open_window" || decision.do === "sample") return { row: r, moved: false };
  return decide(tx, r, decision);
}

/** Gathers a step's outside fact, with no transaction open. */
async function gather(r: Row, need: Need): Promise<Facts> {
  if (need.what === "target") return { target: { found: await findTarget(r) } };
  const step = r.steps.find((x) => x.id === need.stepId);
  const place = {
    model: r.model.name,
    region: r.environment.region.code,
    environment: r.environment.tier,
  };
  let canary: MetricSample;
  let baseline: MetricSample | null;
  try {
    [canary, baseline] = await Promise.all([
      sample({ ...place, version: r.toVersion.version }, need.intervalSec),
      r.fromVersion
        ? sample({ ...place, version: r.fromVersion.version }, need.intervalSec)
        : Promise.resolve(null),
    ]);
  } catch (error) {
    // No samples, no verdict: the interval is not judged (no false pass, no false fail), and the
    // window waits for it. The plan's metrics-outage policy decides what the traffic does.
    throw new Blocked(
      "metrics",
      `Metrics are unavailable for analysis (${errorText(error)}). No interval is judged without samples: the canary holds at ${r.currentWeight}%.`,
    );
  }
  return {
    samples: {
      stepId: need.stepId,
      startedAt: step?.startedAt?.getTime() ?? -1,
      canary,
      baseline,
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Claims: one caller drives a platform object at a time, without holding a row lock

const load = (id: string) =>
  db().rollout.findUniqueOrThrow({ where: { id }, include: rolloutInclude });

/**
 * Claims a rollout for one call of the engine: a lease on the row, taken in a short transaction.
 * Rollouts of one model in one environment share a platform object, so a claim is refused while
 * any of them is leased (the target's advisory lock makes that check and the claim one step).
 */
async function claim(id: string): Promise<string | null> {
  const owner = `${PROCESS}#${++claims}`;
  // Plain statements: the engine claims every rollout it looks at, and Prisma's client would
  // compile each of its queries again every time.
  return db().$transaction(async (tx) => {
    const [r] = await tx.$queryRaw<{ modelId: string; environmentId: string }[]>`
      SELECT "modelId", "environmentId" FROM "Rollout" WHERE id = ${id} FOR UPDATE SKIP LOCKED`;
    if (!r) return null;
    if (!(await tryAdvisoryLock(tx, LOCKS.rolloutTarget(r.modelId, r.environmentId)))) {
      return null;
    }
    const now = clock.now();
    // refused while any rollout of the same object holds a live claim
    const taken = await tx.$executeRaw`
      UPDATE "Rollout" SET "leaseOwner" = ${owner}, "leaseUntil" = ${new Date(now.getTime() + LEASE_MS)}
      WHERE id = ${id} AND NOT EXISTS (
        SELECT 1 FROM "Rollout" o
        WHERE o."modelId" = ${r.modelId} AND o."environmentId" = ${r.environmentId}
          AND o."leaseUntil" > ${now})`;
    return taken === 1 ? owner : null;
  });
}

async function releaseClaim(id: string, owner: string, wakeAt: Date | null): Promise<void> {
  await db().$executeRaw`
    UPDATE "Rollout" SET "leaseOwner" = NULL, "leaseUntil" = NULL, "wakeAt" = ${wakeAt}
    WHERE id = ${id} AND "leaseOwner" = ${owner}`;
}

/**
 * The guard of platform writes planned from `r`: the first write records the intent (the plan at
 * this rollout version) and commits it; every write first renews the claim, and stops with
 * `Superseded` when the rollout moved on or the claim was lost, so a write planned from an old
 * state never lands after a newer one (an engineer's abort).
 */
function guardFor(r: Row, owner: string, plan: SpecFields): { guard: Guard; wrote: () => boolean } {
  let wrote = false;
  const guard: Guard = async () => {
    const data: Prisma.RolloutUpdateManyMutationInput = {
      leaseUntil: new Date(clock.ms() + LEASE_MS),
      ...(wrote ? {} : { platformIntent: json(intentOf(r, plan)) }),
    };
    const { count } = await db().rollout.updateMany({
      // a claim that ran out (its process stalled past the lease) may have been taken over
      where: { id: r.id, version: r.version, leaseOwner: owner, leaseUntil: { gt: clock.now() } },
      data,
    });
    if (count === 0) throw new Superseded();
    wrote = true;
  };
  return { guard, wrote: () => wrote };
}

function intentOf(r: Row, plan: SpecFields): Intent {
  return {
    rolloutVersion: r.version,
    specs: [
      plan,
      { version: plan.version, weight: 0, paused: plan.paused === null ? null : false },
    ],
  };
}

/** The specs a recorded intent explains. */
function intendedSpecs(intent: unknown): SpecFields[] {
  return (intent as Intent | null)?.specs ?? [];
}

/** Field by field: PostgreSQL's jsonb does not keep an object's key order. */
function sameSpec(stored: unknown, live: ObjectSpec | undefined): boolean {
  const a = stored as Partial<ObjectSpec> | null;
  if (!a || !live) return !a && !live;
  return (
    a.generation === live.generation &&
    a.version === live.version &&
    a.weight === live.weight &&
    a.paused === live.paused &&
    a.image === live.image
  );
}

/**
 * Brings the platform in line with the rollout, outside any transaction: reads the object, stops
 * on a change made outside Flightdeck, records the intent before the first write, writes what
 * differs, then records the outcome. A crash anywhere leaves the intent and `platformSynced:
 * false`; the next claim reads the object and writes only what is still missing.
 */
async function sync(r: Row, key: RolloutKey, owner: string): Promise<Row> {
  const o = await readTarget(key);
  const plan = planOf(r);
  const status = r.status as RolloutStatus;
  const intent = r.platformIntent;
  const known = (r.platformSpec as ObjectSpec | null) ?? null;
  const change = o.spec
    ? outsideChange({ known, live: o.spec, intended: intendedSpecs(intent), planned: plan })
    : null;
  const managedBy = o.managedBy ?? null;
  if (!change && r.outsideChange && !TERMINAL.includes(status)) {
    // Still waiting for someone's decision: nothing to write, nothing new to record.
    if (r.platformSynced && !r.verifying && sameSpec(r.platformSpec, o.spec)) return r;
  }
  // An abort or rollback is still applied after an outside change: it only takes risk out.
  const safety = status === "aborted" || status === "rolled_back";
  if (change || (r.outsideChange && !TERMINAL.includes(status))) {
    // Not fighting it: the spec as it is now becomes the known one; nothing is written until
    // someone decides (resume re-applies the plan, abort sends traffic back).
    const recorded = await recordOutsideChange(r, owner, change, o, managedBy, !safety);
    if (!safety) return recorded;
    r = recorded;
  }
  const { guard, wrote } = guardFor(r, owner, plan);
  await reconcile(r, key, o, guard);
  const after = wrote() ? await readTarget(key) : o;
  // Nothing written and nothing new to record (the engine's recheck of a rollout in line with
  // its object, most passes): the row already says what the platform shows.
  if (
    !wrote() &&
    !intent &&
    r.platformSynced &&
    !r.verifying &&
    sameSpec(r.platformSpec, after.spec) &&
    managedBy === r.managedBy
  ) {
    return r;
  }
  return db().$transaction(async (tx) => {
    await lockRow(tx, "Rollout", r.id);
    const now = await tx.rollout.findUniqueOrThrow({ where: { id: r.id } });
    if (now.leaseOwner !== owner) throw new Superseded();
    if (managedBy && managedBy !== now.managedBy) {
      await tx.rolloutEvent.create({
        data: {
          rolloutId: r.id,
          at: clock.now(),
          kind: "gitops",
          message: `${key.namespace}/${key.name} is managed by ${managedBy}: a sync or self-heal there may revert Flightdeck's changes, which Flightdeck would then pause on.`,
          actor: "flightdeck",
        },
      });
    }
    const current = now.version === r.version;
    return tx.rollout.update({
      where: { id: r.id },
      data: {
        ...(current ? { platformSynced: true, verifying: false } : {}),
        ...(intent || wrote() ? { platformIntent: Prisma.DbNull } : {}),
        ...(after.spec && !sameSpec(now.platformSpec, after.spec)
          ? { platformSpec: json(after.spec) }
          : {}),
        ...(managedBy !== now.managedBy ? { managedBy } : {}),
      },
      include: rolloutInclude,
    });
  });
}

async function recordOutsideChange(
  r: Row,
  owner: string,
  change: string | null,
  o: RolloutObject,
  managedBy: string | null,
  synced: boolean,
): Promise<Row> {
  return db().$transaction(async (tx) => {
    await lockRow(tx, "Rollout", r.id);
    const row = await tx.rollout.findUniqueOrThrow({
      where: { id: r.id },
      include: rolloutInclude,
    });
    // A command came in since the object was read (an abort): decide again from it.
    if (row.leaseOwner !== owner || row.version !== r.version) throw new Superseded();
    const data: Prisma.RolloutUpdateInput = {
      ...(synced ? { platformSynced: true, verifying: false, platformIntent: Prisma.DbNull } : {}),
      ...(o.spec ? { platformSpec: json(o.spec) } : {}),
      ...(managedBy !== row.managedBy ? { managedBy } : {}),
    };
    if (!change) return tx.rollout.update({ where: { id: r.id }, data, include: rolloutInclude });
    const said = managedBy ? `${change} It is managed by ${managedBy}.` : change;
    const status = row.status as RolloutStatus;
    const what = TERMINAL.includes(status)
      ? said
      : `${said} Flightdeck paused and will not change the object until someone resumes (re-applying its plan) or aborts.`;
    if (!TERMINAL.includes(status)) {
      // A timed pause must not end by itself now: only a person's decision ends this one.
      data.pausedUntil = null;
      const t = transition(stateOf(row), { type: "outside_change" });
      if (t.ok) {
        return apply(tx, row, { type: "outside_change" }, what, {
          ...data,
          outsideChange: said,
          reason: said,
        });
      }
      data.outsideChange = said;
    }
    await tx.rolloutEvent.create({
      data: {
        rolloutId: r.id,
        at: clock.now(),
        kind: "outside_change",
        message: what,
        actor: "flightdeck",
      },
    });
    return tx.rollout.update({ where: { id: r.id }, data, include: rolloutInclude });
  });
}

/**
 * Drives one rollout: claims it (a rollout, or a platform object, another call drives is
 * skipped: exactly one caller drives each object), advances it through the steps that are due,
 * each decided in a short transaction under its row lock, and makes the platform match outside
 * any transaction (`sync`). A platform write whose outcome is unknown marks it "verifying"; the
 * next pass reads back and completes the work. An engineer's command never waits for any of it.
 */
export async function driveRollout(id: string, now = clock.now()): Promise<boolean> {
  const owner = await claim(id);
  if (!owner) return false;
  let wakeAt: Date | null = null;
  try {
    const { moved, through, wasBlocked, until } = await driveClaimed(id, owner, now);
    if (through && wasBlocked) await unblock(id);
    // Looked at again when its wait falls due, or at the recheck; a pass that did not get through
    // (or still had steps to take) leaves it due at once.
    wakeAt = through && until !== null ? nextLook(until, clock.now(), RECHECK_MS) : null;
    return moved;
  } catch (error) {
    const block = blockOf(error);
    if (!block) throw error;
    if (block.kind === "internal") {
      log().error({ rolloutId: id, err: error }, "The rollout engine could not drive a rollout");
    }
    await recordBlocked(id, block);
    return false;
  } finally {
    await releaseClaim(id, owner, wakeAt);
  }
}

/** How long a rollout may stay blocked before its ticket-severity alert. */
const BLOCKED_ALERT_MINUTES = envNumber(
  "FLIGHTDECK_BLOCKED_ALERT_MINUTES",
  DEFAULT_BLOCKED_ALERT_MINUTES,
  {
    min: 1,
    max: 10_080,
  },
);

/**
 * Records why the engine cannot drive a rollout: the reason on the rollout (its page's alert), a
 * timeline event when the reason is new, a later attempt with a growing delay (a row that keeps
 * failing waits its turn instead of starving the others), and the metric. A metrics outage during
 * analysis under a "return to stable" plan aborts once the outage has lasted the plan's minutes.
 */
async function recordBlocked(id: string, block: { kind: BlockKind; reason: string }) {
  const became = await db().$transaction(async (tx) => {
    await lockRow(tx, "Rollout", id);
    const r = await tx.rollout.findUniqueOrThrow({ where: { id }, include: rolloutInclude });
    const now = clock.now();
    const since = r.blockedSince ?? now;
    const attempts = r.blockedAttempts + 1;
    let next = now.getTime() + retryDelayMs(attempts);
    const blocked: Prisma.RolloutUpdateInput = {
      blockedReason: block.reason,
      blockedKind: block.kind,
      blockedSince: since,
      blockedAttempts: attempts,
    };
    if (block.kind === "metrics" && r.status === "analyzing") {
      const policy = metricsOutagePolicyOf(r.metricsOutage);
      if (metricsOutageDecision({ policy, since, now }) === "return_to_stable") {
        const minutes = Math.round((now.getTime() - since.getTime()) / 60_000);
        const said = `Metrics were unavailable for ${minutes} min during analysis: all traffic returned to the stable version, as the plan says.`;
        await apply(tx, r, { type: "abort" }, said, { reason: said, ...unblocked });
        return false;
      }
      // never later than the moment the plan returns traffic to stable
      if (policy.action === "return_to_stable") {
        next = Math.min(next, since.getTime() + policy.afterMinutes * 60_000);
      }
    }
    if (r.blockedReason !== block.reason) {
      await tx.rolloutEvent.create({
        data: {
          rolloutId: id,
          at: now,
          kind: "blocked",
          message: `Blocked: ${block.reason}`,
          actor: "flightdeck",
        },
      });
    }
    await tx.rollout.update({
      where: { id },
      data: { ...blocked, nextAttemptAt: new Date(next) },
    });
    // once per block, not per retry or per changed reason
    if (r.blockedSince === null) {
      await notifyRollout(tx, id, "rollout.blocked", { actor: null, reason: block.reason });
    }
    return r.blockedSince === null;
  });
  if (became) rolloutBlocks.inc({ kind: block.kind });
  log().warn({ rolloutId: id, blocked: block.kind, reason: block.reason }, "A rollout is blocked");
}

const unblocked = {
  blockedReason: null,
  blockedKind: null,
  blockedSince: null,
  blockedAttempts: 0,
  nextAttemptAt: null,
  blockedAlertAt: null,
} satisfies Prisma.RolloutUpdateManyMutationInput;

/** A pass got through: a blocked rollout goes on, and its timeline says so. */
async function unblock(id: string): Promise<void> {
  await db().$transaction(async (tx) => {
    const { count } = await tx.rollout.updateMany({
      where: { id, blockedSince: { not: null } },
      data: unblocked,
    });
    if (count === 0) return;
    await tx.rolloutEvent.create({
      data: {
        rolloutId: id,
        at: clock.now(),
        kind: "unblocked",
        message: "No longer blocked: the engine got through again.",
        actor: "flightdeck",
      },
    });
  });
}

/**
 * Rollouts blocked for longer than `FLIGHTDECK_BLOCKED_ALERT_MINUTES` raise their ticket-severity
 * alert once per block: a timeline event, the `flightdeck_rollouts_blocked` gauge's `alerting`
 * series (which Flightdeck's own alert rule fires on), and a warning in the log.
 */
export async function alertBlockedRollouts(now = clock.now()): Promise<number> {
  const rows = await db().rollout.findMany({
    where: { blockedSince: { not: null } },
    select: { id: true, blockedSince: true, blockedAlertAt: true, blockedReason: true },
  });
  let raised = 0;
  let alerting = 0;
  for (const r of rows) {
    if (r.blockedAlertAt) alerting += 1;
    const due = blockedAlertDue({
      since: r.blockedSince,
      alertedAt: r.blockedAlertAt,
      alertMinutes: BLOCKED_ALERT_MINUTES,
      now,
    });
    if (!due) continue;
    const took = await db().$transaction(async (tx) => {
      const { count } = await tx.rollout.updateMany({
        where: { id: r.id, blockedSince: r.blockedSince, blockedAlertAt: null },
        data: { blockedAlertAt: now },
      });
      if (count === 0) return false; // another worker raised it, or it got through meanwhile
      await tx.rolloutEvent.create({
        data: {
          rolloutId: r.id,
          at: now,
          kind: "blocked_alert",
          message:
            `Ticket alert: blocked for more than ${BLOCKED_ALERT_MINUTES} min. ${r.blockedReason ?? ""}`.trim(),
          actor: "flightdeck",
        },
      });
      return true;
    });
    if (took) {
      raised += 1;
      alerting += 1;
      log().warn(
        { rolloutId: r.id, reason: r.blockedReason },
        "A rollout has been blocked too long",
      );
    }
  }
  blockedRollouts.set({ alerting: "false" }, rows.length - alerting);
  blockedRollouts.set({ alerting: "true" }, alerting);
  return raised;
}

/** A step decided in its own short transaction, under the row lock. */
async function stepInTx(id: string, now: Date, facts: Facts): Promise<Stepped> {
  return db().$transaction(async (tx) => {
    await lockRow(tx, "Rollout", id);
    const row = await tx.rollout.findUniqueOrThrow({ where: { id }, include: rolloutInclude });
    return stepOnce(tx, row, now, facts);
  });
}

/**
 * Whether it moved, whether the pass got through (no write superseded or left unknown), and
 * whether it was blocked when the pass began.
 */
async function driveClaimed(
  id: string,
  owner: string,
  now: Date,
): Promise<{
  moved: boolean;
  through: boolean;
  wasBlocked: boolean;
  /** what its last step waits for (see `nextLook`); null: it still has work due now */
  until: Date | null | undefined;
}> {
  let row = await load(id);
  // only a blocked rollout needs the write that clears it, not every pass of every rollout
  const wasBlocked = row.blockedSince !== null;
  if (TERMINAL.includes(row.status as RolloutStatus) && (await superseded(row))) {
    return { moved: false, through: true, wasBlocked, until: undefined };
  }
  let moved = false;
  // null while steps are still due (the claim's step limit reached)
  let until: Date | null | undefined = null;
  try {
    if (!targetOf(row) && row.status !== "pending" && !row.platformSynced) {
      // A rollback (or a change to a rollout started elsewhere): find what to apply it to.
      const found = await findTarget(row);
      // A finished rollout without an object has nothing left to undo; an active one (a
      // rollback) cannot go on, and stays unsynced until its object is back.
      const finished = TERMINAL.includes(row.status as RolloutStatus);
      if (found || finished) {
        await db().rollout.updateMany({
          where: { id, version: row.version },
          data: found
            ? {
                target: json({
                  cluster: found.cluster,
                  namespace: found.namespace,
                  name: found.name,
                }),
              }
            : { platformSynced: true },
        });
      }
      if (!found) {
        if (finished) return { moved: false, through: true, wasBlocked, until: undefined };
        throw new Blocked(
          "target",
          `No platform object serves ${row.model.name} in ${row.environment.name}, so there is nothing to apply the ${row.kind} to. Restore the workload, or abort.`,
        );
      }
      row = await load(id);
    }
    let facts: Facts = {};
    // Each pass: bring the platform in line if the rollout changed, then decide a step. A step
    // that needs an outside fact gets it gathered with no transaction open, and is decided again.
    for (
      let steps = 0, passes = 0;
      steps < MAX_STEPS_PER_CLAIM && passes < 3 * MAX_STEPS_PER_CLAIM;
      passes++
    ) {
      const key = targetOf(row);
      if (key && (!row.platformSynced || row.verifying)) row = await syncing(row, key, owner);
      const result = await stepInTx(id, now, facts);
      row = result.row;
      if (result.need) {
        facts = await gather(row, result.need);
        continue;
      }
      facts = {};
      moved ||= result.moved;
      if (!result.moved) {
        until = result.until;
        break;
      }
      steps += 1;
    }
    const key = targetOf(row);
    // Active rollouts are compared with the platform at the end of every claim (reads; writes
    // only where it differs), so a write whose outcome was lost, or a change made outside
    // Flightdeck, is noticed after the steps that were due, never before them.
    const active = !TERMINAL.includes(row.status as RolloutStatus);
    if (key && (!row.platformSynced || row.verifying || active)) {
      row = await syncing(row, key, owner);
      // A command that came in during that sync is applied now, by the holder of the claim.
      for (let again = 0; again < 3 && !row.platformSynced; again++) {
        const next = targetOf(row);
        if (!next) break;
        row = await syncing(row, next, owner);
      }
    }
  } catch (error) {
    if (error instanceof Superseded) return { moved, through: false, wasBlocked, until: null };
    if (error instanceof OutcomeUnknownError) {
      await db().$transaction(async (tx) => {
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
      });
      return { moved, through: false, wasBlocked, until: null };
    }
    throw error;
  }
  return { moved, through: true, wasBlocked, until };
}

/**
 * A finished rollout that a newer rollout or rollback of the same place supersedes: the newer one
 * owns the platform object now, so this one, if it never caught up, must not undo it. Marks it
 * caught up.
 */
async function superseded(row: Row): Promise<boolean> {
  const newer = await db().rollout.count({
    where: {
      modelId: row.modelId,
      environmentId: row.environmentId,
      createdAt: { gt: row.createdAt },
    },
  });
  if (newer === 0) return false;
  if (!row.platformSynced || row.verifying) {
    await db().rollout.updateMany({
      where: { id: row.id, version: row.version },
      data: { platformSynced: true, verifying: false, platformIntent: Prisma.DbNull },
    });
  }
  return true;
}

/**
 * `sync`, again from the rollout as it is now when a command changed it mid-write (an engineer's
 * abort is applied by the call that holds the claim, as soon as the platform answers).
 */
async function syncing(row: Row, key: RolloutKey, owner: string): Promise<Row> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await sync(row, key, owner);
    } catch (error) {
      if (!(error instanceof Superseded) || attempt >= 3) throw error;
      const fresh = await load(row.id);
      if (fresh.leaseOwner !== owner) throw error;
      // Rolled back meanwhile: the rollback (a newer rollout) owns the object now.
      if (TERMINAL.includes(fresh.status as RolloutStatus) && (await superseded(fresh))) {
        return fresh;
      }
      row = fresh;
    }
  }
}

/**
 * Rollouts with work due: active ones (steps, analysis, timed pauses, and a look at their object
 * for changes made outside Flightdeck), and finished ones the platform has not caught up with.
 */
export async function dueRollouts(limit = 200, now = clock.now()): Promise<string[]> {
  const rows = await db().rollout.findMany({
    where: {
      OR: [
        // paused ones too: one waiting for a promote is where someone may change its object.
        // An active one whose last pass found nothing due waits for its next look (`wakeAt`),
        // except a pending wave, which waits on the earlier waves and is checked every pass.
        { status: { in: [...ACTIVE] }, OR: [{ wakeAt: null }, { wakeAt: { lte: now } }] },
        { status: "pending" },
        // a command (or a write whose outcome is unknown) is due at once
        { platformSynced: false },
        { verifying: true },
      ],
      // A blocked one waits for its next attempt, so rows that keep failing never fill the list
      // ahead of rollouts that can move.
      AND: [{ OR: [{ nextAttemptAt: null }, { nextAttemptAt: { lte: now } }] }],
    },
    orderBy: [{ nextAttemptAt: { sort: "asc", nulls: "first" } }, { createdAt: "asc" }],
    take: limit,
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/**
 * How many rollouts one worker drives at once: a slow platform object (an API server answering in
 * 10 s) must not hold up every other rollout behind it. Each is under its own claim.
 */
const ENGINE_CONCURRENCY = envNumber("FLIGHTDECK_ENGINE_CONCURRENCY", 8, { min: 1, max: 64 });

const ALERT_CHECK_MS = 15_000;
let lastAlertCheck = 0;

/** The worker's pass over every rollout with work due. */
export async function driveRollouts(): Promise<number> {
  let moved = 0;
  const queue = await dueRollouts();
  const lane = async () => {
    for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
      const rollout = id;
      const started = performance.now();
      try {
        const ran = await inSpan("rollout engine pass", { "flightdeck.rollout.id": rollout }, () =>
          driveRollout(rollout),
        );
        if (ran) moved += 1;
      } catch (error) {
        // only a database failure gets here: the rollout could not even be marked blocked
        log().error(
          { rolloutId: rollout, err: error },
          "The rollout engine could not drive a rollout",
        );
      } finally {
        engineStepDuration.observe((performance.now() - started) / 1000);
      }
    }
  };
  await Promise.all(Array.from({ length: ENGINE_CONCURRENCY }, lane));
  // alerts after minutes need no look every second (it scans the rollouts for blocked ones)
  if (clock.ms() - lastAlertCheck >= ALERT_CHECK_MS) {
    lastAlertCheck = clock.ms();
    await alertBlockedRollouts();
  }
  return moved;
}
