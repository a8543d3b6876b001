import type { Prisma } from "../../src/generated/prisma/client";
import { judgeInterval, type MetricSample } from "../../src/lib/domain/rollouts/analysis";
import {
  analysisDecision,
  intervalOf,
  pauseStepDecision,
  pausedDecision,
  waveGate,
  weightStepDecision,
  type StepDecision,
} from "../../src/lib/domain/rollouts/engine-step";
import { DEFAULT_THRESHOLDS } from "../../src/lib/domain/rollouts/plan";
import { modelProfile, noise, regionRps } from "../../src/lib/platform/simulator/behaviour";
import { Z, quantileMs, unit } from "../../src/lib/platform/simulator/math";
import { DAY, HOUR, MINUTE, type BadWindow, type IncidentPlan, type Tx } from "./common";
import {
  FAILED_CANARY_ERROR_RATE,
  FAILED_CANARY_LESSONS,
  RELEASE_MANAGER,
  ROLLOUT_STEPS,
  type ModelSpec,
} from "./demo-data";
import type { SeededModel, SeededVersion } from "./models";
import type { Rng } from "./rng";
import type { Topology } from "./topology";

/**
 * How a seeded rollout ended: completed; aborted by its analysis at its second failed interval;
 * rolled back by the release manager after its first; or cancelled before it started, because
 * its version failed in an earlier region (status aborted).
 */
export type Outcome = "completed" | "aborted" | "rolled_back" | "cancelled";

/** What a model's past left for the incidents and the SLI history. */
export interface ModelHistory {
  badWindows: BadWindow[];
  incidents: IncidentPlan[];
}

interface HistoryInput {
  rng: Rng;
  nowMs: number;
  model: ModelSpec;
  seeded: SeededModel;
  topology: Topology;
}

/** A model's past rollouts, and the deployments they left: production and staging. */
export async function seedModelHistory(tx: Tx, input: HistoryInput): Promise<ModelHistory> {
  const { stable, ...history } = await seedRollouts(tx, input);
  await seedDeployments(tx, { ...input, stable });
  return history;
}

/**
 * Rollouts through each version's life, region by region across production. For some models
 * one version failed its canary in the first region (its analysis aborted it, or the release
 * manager rolled it back) and never started in the others; the next version then rolls out
 * from the last good one.
 */
async function seedRollouts(
  tx: Tx,
  { nowMs, model: m, seeded, topology }: HistoryInput,
): Promise<ModelHistory & { stable: SeededVersion }> {
  const { versions } = seeded;
  const failed = m.failedCanary;
  const failedIndex = failed ? versions.length - 2 : -1;
  const history: ModelHistory = { badWindows: [], incidents: [] };
  let stable = versions[0];
  if (!stable) throw new Error(`${m.name} has no versions`);
  for (const [v, to] of versions.entries()) {
    if (v === 0) continue;
    const from = stable;
    const lastWaveStart = to.createdAt + DAY + (m.regions.length - 1) * 3 * HOUR;
    // Too recent to have reached production: it only runs in staging so far.
    if (lastWaveStart > nowMs - 2 * HOUR) continue;
    if (v !== failedIndex) stable = to;
    // One release, a wave per region, created together; each wave starts after the one before.
    const release = {
      id: `release-${m.name}-${to.version}`,
      createdAt: to.createdAt + DAY - 5 * MINUTE,
    };
    let firstWave: FirstWave | null = null;
    for (const [ri, region] of m.regions.entries()) {
      const start = to.createdAt + DAY + ri * 3 * HOUR;
      const environment = `production/${region}`;
      const outcome: Outcome =
        v !== failedIndex || !failed ? "completed" : ri === 0 ? failed.ending : "cancelled";
      const planned = seededRollout({
        model: m.name,
        region,
        environment,
        from,
        to,
        start,
        outcome,
        firstWave,
      });
      if (ri === 0)
        firstWave = { environment, status: planned.status, finishedAt: planned.finishedAt };
      await createSeededRollout(tx, {
        modelId: seeded.modelId,
        strategy: m.strategy,
        environmentId: topology.environmentId("production", region),
        from,
        to,
        release: { ...release, wave: ri },
        planned,
      });
      if (failed && (outcome === "aborted" || outcome === "rolled_back")) {
        const firstFailure = planned.runs.find((r) => r.verdict === "fail");
        if (!firstFailure) throw new Error(`${m.name} ${to.version}: no failed interval`);
        history.badWindows.push({
          model: m.name,
          start,
          end: planned.finishedAt,
          errorRate: FAILED_CANARY_ERROR_RATE * (FAILED_WEIGHT / 100),
        });
        history.incidents.push({
          model: m.name,
          region,
          // The burn-rate page and the analysis saw the same errors.
          at: firstFailure.at.getTime(),
          version: to.version,
          severity: failed.severity,
          title: `${m.displayName}: elevated 5xx during canary of ${to.version}`,
          summary:
            outcome === "aborted"
              ? `Canary of ${to.version} raised the 5xx rate in ${region} to about 3%; its automated analysis aborted it at the second failed interval and returned all traffic to ${from.version}.`
              : `Canary of ${to.version} raised the 5xx rate in ${region} to about 3%; the release manager rolled it back to ${from.version} after its first failed analysis interval.`,
          lessons: FAILED_CANARY_LESSONS,
          related: [...planned.events, ...(planned.rollback?.events ?? [])].map((e) => ({
            at: e.at.getTime(),
            // as the incident's timeline shows a rollout's events
            message: `${m.name} in ${environment}: ${e.message}`,
            actor: e.actor,
          })),
        });
      }
    }
  }
  return { ...history, stable };
}

/** The first wave of a release, which decides whether the later ones start. */
export interface FirstWave {
  environment: string;
  status: SeededRollout["status"];
  finishedAt: number;
}

/** The weight a failed canary served when its analysis caught it: the plan's first. */
const FAILED_WEIGHT = 10;

/** Writes one planned rollout with its steps, events and analysis, and its rollback if any. */
async function createSeededRollout(
  tx: Tx,
  r: {
    modelId: string;
    strategy: ModelSpec["strategy"];
    environmentId: string;
    from: SeededVersion;
    to: SeededVersion;
    release: { id: string; createdAt: number; wave: number };
    planned: SeededRollout;
  },
): Promise<void> {
  const { planned } = r;
  await tx.rollout.create({
    data: {
      ...seededRolloutRow(planned),
      modelId: r.modelId,
      fromVersionId: r.from.id,
      toVersionId: r.to.id,
      environmentId: r.environmentId,
      strategy: r.strategy,
      releaseId: r.release.id,
      wave: r.release.wave,
      createdAt: new Date(r.release.createdAt),
      steps: { create: planned.steps },
      events: { create: planned.events },
      analysisRuns: { create: planned.runs },
    },
  });
  const back = planned.rollback;
  if (back) {
    await tx.rollout.create({
      data: {
        ...rollbackRow(back),
        modelId: r.modelId,
        fromVersionId: r.to.id,
        toVersionId: r.from.id,
        environmentId: r.environmentId,
        steps: { create: back.steps },
        events: { create: back.events },
      },
    });
  }
}

type StepRow = Omit<Prisma.RolloutStepCreateManyInput, "rolloutId">;
type EventRow = { at: Date; kind: string; message: string; actor: string | null };
type RunRow = Omit<Prisma.AnalysisRunCreateManyInput, "rolloutId" | "metrics"> & {
  at: Date;
  verdict: string;
  metrics: Prisma.InputJsonValue;
};

/** A step of a seeded plan: the plan's own shape. */
export interface PlanStep {
  kind: "set_weight" | "analysis" | "pause";
  weight?: number;
  durationSec?: number;
  intervalSec?: number;
}

/** A seeded rollout as the engine would have recorded it, ready to write. */
export interface SeededRollout {
  status: "completed" | "aborted" | "rolled_back";
  currentStep: number;
  currentWeight: number;
  reason: string | null;
  startedAt: number | null;
  finishedAt: number;
  steps: StepRow[];
  events: EventRow[];
  runs: RunRow[];
  /** a rolled-back canary: the rollback to the stable version the release manager started */
  rollback: {
    at: number;
    finishedAt: number;
    reason: string;
    steps: StepRow[];
    events: EventRow[];
  } | null;
}

/** The row fields of a seeded rollout (without its places and versions). */
export function seededRolloutRow(p: SeededRollout) {
  return {
    status: p.status,
    currentStep: p.currentStep,
    currentWeight: p.currentWeight,
    reason: p.reason,
    startedAt: p.startedAt === null ? null : new Date(p.startedAt),
    finishedAt: new Date(p.finishedAt),
  };
}

/** The row fields of a seeded rollback (without its places and versions). */
export function rollbackRow(b: NonNullable<SeededRollout["rollback"]>) {
  return {
    kind: "rollback",
    strategy: "canary" as const,
    status: "completed" as const,
    currentStep: 1,
    currentWeight: 100,
    reason: b.reason,
    createdAt: new Date(b.at),
    startedAt: new Date(b.at),
    finishedAt: new Date(b.finishedAt),
  };
}

/** A set-weight step takes this long in the seeded history (the platform's rollout of it). */
const SET_WEIGHT_MS = 2 * MINUTE;
/** The release manager rolls a failed canary back this long after its first failed interval. */
const ROLLBACK_AFTER_MS = MINUTE;

/**
 * One seeded rollout, step by step as the engine runs it: its steps' times and states, its
 * events, and its analysis intervals, measured (deterministically, from the names and the time)
 * and judged by the engine's own rules with the default thresholds, which also decide when the
 * analysis passes or fails. A failed canary answers about 3% of requests with a 5xx; a healthy
 * one measures about what its baseline does. Throws when the rules would not give the outcome
 * asked for, so the seed cannot tell a story the product would not.
 */
export function seededRollout(input: {
  model: string;
  region: string;
  environment: string;
  from: SeededVersion;
  to: SeededVersion;
  start: number;
  outcome: Outcome;
  /** a later wave's release's first wave: a cancelled one did not complete */
  firstWave: FirstWave | null;
  steps?: readonly PlanStep[];
}): SeededRollout {
  const plan = input.steps ?? ROLLOUT_STEPS;
  const to = input.to.version;
  const from = input.from.version;
  if (input.outcome === "cancelled") return cancelledRollout(input, plan);
  const failing = input.outcome !== "completed";
  const steps: StepRow[] = [];
  const events: EventRow[] = [];
  // The engine takes a pass per change: events that fall due together are recorded a second
  // apart, in the order it makes them, so the history reads in that order.
  const record = (e: EventRow) => {
    const last = events.at(-1)?.at.getTime() ?? Number.NEGATIVE_INFINITY;
    events.push(e.at.getTime() > last ? e : { ...e, at: new Date(last + 1000) });
  };
  record({
    at: new Date(input.start),
    kind: "started",
    message: `Rollout of ${to} started`,
    actor: "flightdeck",
  });
  const runs: RunRow[] = [];
  const rest = (from: number, status: "pending" | "skipped", at: number | null) =>
    plan.slice(from).map((s, i) => stepRow(s, from + i, status, null, at));
  let t = input.start;
  let weight = 0;
  for (const [index, s] of plan.entries()) {
    const began = t;
    const decided = (at: number, d: StepDecision) => {
      if (d.do !== "transition") throw new Error(`a ${s.kind} step moves the rollout on`);
      record({
        at: new Date(at),
        kind: d.command.type,
        message: d.message,
        actor: "flightdeck",
      });
    };
    if (s.kind === "set_weight") {
      // applied once the platform has rolled it out
      weight = s.weight ?? 100;
      t += SET_WEIGHT_MS;
      steps.push(stepRow(s, index, "succeeded", began, t));
      decided(t, weightStepDecision(weight));
      continue;
    }
    if (s.kind === "pause") {
      const durationSec = s.durationSec ?? 0;
      decided(
        began,
        pauseStepDecision({
          reached: false,
          durationSec,
          currentWeight: weight,
          now: new Date(began),
        }),
      );
      t += durationSec * 1000;
      decided(t, pausedDecision(new Date(t), new Date(t)));
      decided(
        t,
        pauseStepDecision({ reached: true, durationSec, currentWeight: weight, now: new Date(t) }),
      );
      steps.push(stepRow(s, index, "succeeded", began, t));
      continue;
    }
    const window = {
      index,
      durationSec: s.durationSec ?? 0,
      intervalSec: intervalOf({
        durationSec: s.durationSec ?? null,
        intervalSec: s.intervalSec ?? null,
      }),
      startedAt: new Date(began),
    };
    const decide = (now: number, judged: RunRow[], status: string) =>
      analysisDecision({
        status,
        step: window,
        runs: judged.map((r) => ({ at: r.at, verdict: r.verdict as "pass", reason: r.reason })),
        thresholds: DEFAULT_THRESHOLDS,
        toVersion: to,
        fromVersion: from,
        now: new Date(now),
      });
    const opened = decide(began, [], "progressing");
    if (opened.do !== "open_window") throw new Error("an analysis step opens its window first");
    record({
      at: new Date(began),
      kind: "analysis_started",
      message: opened.message,
      actor: "flightdeck",
    });
    const judged: RunRow[] = [];
    let ended = false;
    for (let at = began + window.intervalSec * 1000; !ended; at += window.intervalSec * 1000) {
      const run = measuredInterval(input, {
        stepIndex: index,
        weight,
        at,
        seconds: window.intervalSec,
        failing,
      });
      judged.push(run);
      runs.push(run);
      const decision = decide(at, judged, "analyzing");
      if (decision.do === "transition" && decision.command.type === "analysis_failed") {
        if (input.outcome !== "aborted") throw new Error(`${input.model} ${to}: analysis failed`);
        steps.push(stepRow(s, index, "failed", began, at));
        steps.push(...rest(index + 1, "pending", null));
        record({
          at: new Date(at),
          kind: "analysis_failed",
          message: decision.message,
          actor: "flightdeck",
        });
        return {
          status: "aborted",
          currentStep: index,
          currentWeight: 0,
          reason: decision.reason ?? decision.message,
          startedAt: input.start,
          finishedAt: at,
          steps,
          events,
          runs,
          rollback: null,
        };
      }
      if (input.outcome === "rolled_back" && run.verdict === "fail") {
        if (decision.do !== "wait")
          throw new Error(`${input.model} ${to}: not rolled back in time`);
        const back = at + ROLLBACK_AFTER_MS;
        const why = "canary errors over the analysis limit";
        steps.push(stepRow(s, index, "skipped", began, back));
        steps.push(...rest(index + 1, "skipped", back));
        record({
          at: new Date(back),
          kind: "rollback",
          message: `${RELEASE_MANAGER} rolled back to ${from}.`,
          actor: RELEASE_MANAGER,
        });
        const applied = back + 10_000;
        return {
          status: "rolled_back",
          currentStep: index,
          currentWeight: 0,
          reason: `Rolled back to ${from} by ${RELEASE_MANAGER}: ${why}`,
          startedAt: input.start,
          finishedAt: back,
          steps,
          events,
          runs,
          rollback: {
            at: back,
            finishedAt: applied,
            reason: why,
            steps: [
              {
                index: 0,
                kind: "set_weight",
                weight: 100,
                status: "succeeded",
                startedAt: new Date(back),
                finishedAt: new Date(applied),
              },
            ],
            events: [
              {
                at: new Date(back),
                kind: "rollback",
                message: `${RELEASE_MANAGER} rolled ${input.environment} back to ${from}: ${why}`,
                actor: RELEASE_MANAGER,
              },
              {
                at: new Date(applied),
                kind: "step_applied",
                message: "Canary weight set to 100%.",
                actor: "flightdeck",
              },
            ],
          },
        };
      }
      if (decision.do === "transition" && decision.command.type === "analysis_passed") {
        if (failing) throw new Error(`${input.model} ${to}: a failing canary passed`);
        steps.push(stepRow(s, index, "succeeded", began, at));
        record({
          at: new Date(at),
          kind: "analysis_passed",
          message: decision.message,
          actor: "flightdeck",
        });
        t = at;
        ended = true;
      } else if (decision.do !== "wait") {
        throw new Error(`${input.model} ${to}: unexpected analysis decision ${decision.do}`);
      }
    }
  }
  if (input.outcome !== "completed") throw new Error(`${input.model} ${to}: never failed`);
  return {
    status: "completed",
    currentStep: plan.length,
    currentWeight: 100,
    reason: null,
    startedAt: input.start,
    finishedAt: t,
    steps,
    events,
    runs,
    rollback: null,
  };
}

function stepRow(
  s: PlanStep,
  index: number,
  status: "succeeded" | "failed" | "skipped" | "pending",
  startedAt: number | null,
  finishedAt: number | null,
): StepRow {
  return {
    index,
    kind: s.kind,
    weight: s.kind === "set_weight" ? (s.weight ?? 100) : null,
    durationSec: s.durationSec ?? null,
    intervalSec: s.kind === "analysis" ? (s.intervalSec ?? null) : null,
    status,
    startedAt: startedAt === null ? null : new Date(startedAt),
    finishedAt: finishedAt === null ? null : new Date(finishedAt),
  };
}

/**
 * A later wave that never started: the first wave did not complete, so the engine aborted it
 * on its next pass, with the engine's own words.
 */
function cancelledRollout(
  input: Parameters<typeof seededRollout>[0],
  plan: readonly PlanStep[],
): SeededRollout {
  const first = input.firstWave;
  if (!first) throw new Error("a cancelled wave needs the first wave, which did not complete");
  const gate = waveGate([{ wave: 0, environment: first.environment, status: first.status }]);
  if (gate === "go" || gate.do !== "transition") throw new Error("the first wave completed");
  return {
    status: "aborted",
    currentStep: 0,
    currentWeight: 0,
    reason: gate.reason ?? gate.message,
    startedAt: null,
    finishedAt: first.finishedAt,
    steps: plan.map((s, index) => stepRow(s, index, "pending", null, null)),
    events: [
      { at: new Date(first.finishedAt), kind: "abort", message: gate.message, actor: "flightdeck" },
    ],
    runs: [],
    rollback: null,
  };
}

/** The fewest requests a seeded canary serves an interval: enough for the analysis to judge. */
const MIN_SEEDED_REQUESTS = 200;

/**
 * One side of an analysis interval as the simulator would measure a healthy version, or, with
 * `errorRate`, a version that fails that share of its requests: drawn from the names and the
 * minute, so the seed stays deterministic without the generator.
 */
function measured(
  place: { model: string; region: string },
  version: string,
  t: number,
  requests: number,
  errorRate: number | null,
): MetricSample {
  const key = `${place.model}@${version}`;
  const series = `${place.model}/${version}/${place.region}`;
  const latency = {
    medianMs: modelProfile(place.model).medianMs * (0.95 + 0.1 * unit(`seeded-p50:${key}`)),
    sigma: 0.43 + 0.04 * unit(`seeded-sigma:${key}`),
  };
  const lat = noise(`${series}:lat`, t, 0.06);
  return {
    requests,
    errorRate:
      (errorRate ?? 0.0002 + 0.0004 * unit(`seeded-err:${key}`)) * noise(`${series}:err`, t, 0.2),
    latencyP50Ms: quantileMs(latency, Z.p50) * lat,
    latencyP99Ms: quantileMs(latency, Z.p99) * lat,
    driftPsi: (0.02 + 0.06 * unit(`seeded-psi:${key}`)) * noise(`${series}:psi`, t, 0.1),
    accuracy: Math.min(
      1,
      (0.925 + 0.015 * unit(`seeded-acc:${key}`)) * noise(`${series}:acc`, t, 0.01),
    ),
  };
}

/** An analysis interval of a seeded rollout, judged as the engine judges one. */
function measuredInterval(
  input: { model: string; region: string; from: SeededVersion; to: SeededVersion },
  i: { stepIndex: number; weight: number; at: number; seconds: number; failing: boolean },
): RunRow {
  const rps = regionRps(input.model, input.region, i.at) * i.seconds;
  const canary = measured(
    input,
    input.to.version,
    i.at,
    Math.max(MIN_SEEDED_REQUESTS, Math.round((rps * i.weight) / 100)),
    i.failing ? FAILED_CANARY_ERROR_RATE : null,
  );
  const baseline = measured(
    input,
    input.from.version,
    i.at,
    Math.round((rps * (100 - i.weight)) / 100),
    null,
  );
  const result = judgeInterval(canary, baseline, DEFAULT_THRESHOLDS);
  return {
    stepIndex: i.stepIndex,
    at: new Date(i.at),
    verdict: result.verdict,
    score: result.score,
    metrics: result.metrics as unknown as Prisma.InputJsonValue,
    reason: result.reason,
  };
}

/** Where a seeded deployment runs; the cluster is chosen after the replicas are drawn. */
interface DeploymentPlace {
  modelId: string;
  environmentId: string;
  clusterId: () => string;
}

/** A production deployment of `stable`, all traffic on it since it soaked. */
export function productionDeployment(
  rng: Rng,
  nowMs: number,
  stable: SeededVersion,
  place: DeploymentPlace,
) {
  const replicas = rng.int(3, 12);
  return {
    modelId: place.modelId,
    modelVersionId: stable.id,
    clusterId: place.clusterId(),
    environmentId: place.environmentId,
    replicas,
    readyReplicas: replicas,
    hpaMin: 2,
    hpaMax: replicas * 2 + 4,
    hpaCurrent: replicas,
    trafficWeight: 100,
    fullTrafficSince: new Date(Math.min(stable.createdAt + 2 * DAY, nowMs - DAY)),
  };
}

/** A staging deployment of the newest version, two replicas. */
export function stagingDeployment(nowMs: number, newest: SeededVersion, place: DeploymentPlace) {
  return {
    modelId: place.modelId,
    modelVersionId: newest.id,
    clusterId: place.clusterId(),
    environmentId: place.environmentId,
    replicas: 2,
    readyReplicas: 2,
    hpaMin: 1,
    hpaMax: 4,
    hpaCurrent: 2,
    trafficWeight: 100,
    fullTrafficSince: new Date(Math.min(newest.createdAt + 2 * HOUR, nowMs - 3 * HOUR)),
  };
}

/** Production serves the last version that completed its rollout; staging the newest. */
async function seedDeployments(
  tx: Tx,
  { rng, nowMs, model: m, seeded, topology, stable }: HistoryInput & { stable: SeededVersion },
) {
  const newest = seeded.versions.at(-1);
  if (!newest) throw new Error(`${m.name} has no versions`);
  for (const region of m.regions) {
    const data = productionDeployment(rng, nowMs, stable, {
      modelId: seeded.modelId,
      environmentId: topology.environmentId("production", region),
      clusterId: () => topology.servingClusterId(region),
    });
    if (m.cappedRegion === region) data.hpaMax = data.replicas;
    await tx.deployment.create({ data });
  }
  await tx.deployment.create({
    data: stagingDeployment(nowMs, newest, {
      modelId: seeded.modelId,
      environmentId: topology.environmentId("staging", m.stagingRegion),
      clusterId: () => topology.servingClusterId(m.stagingRegion),
    }),
  });
}
