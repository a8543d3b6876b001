import { DAY, HOUR, MINUTE, type BadWindow, type IncidentPlan, type Tx } from "./common";
import { RELEASE_MANAGER, ROLLOUT_STEPS, type ModelSpec } from "./demo-data";
import type { SeededModel, SeededVersion } from "./models";
import type { Rng } from "./rng";
import type { Topology } from "./topology";

export type Outcome = "completed" | "rolled_back" | "aborted";

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
 * Rollouts through each version's life, wave by wave across the production regions. For some
 * models one version failed its canary and was rolled back; the next version then rolls out
 * from the last good one.
 */
async function seedRollouts(
  tx: Tx,
  { nowMs, model: m, seeded, topology }: HistoryInput,
): Promise<ModelHistory & { stable: SeededVersion }> {
  const { versions } = seeded;
  const failed = m.failedCanary;
  const rolledBackIndex = failed ? versions.length - 2 : -1;
  const history: ModelHistory = { badWindows: [], incidents: [] };
  let stable = versions[0];
  if (!stable) throw new Error(`${m.name} has no versions`);
  for (const [v, to] of versions.entries()) {
    if (v === 0) continue;
    const from = stable;
    const lastWaveStart = to.createdAt + DAY + (m.regions.length - 1) * 3 * HOUR;
    // Too recent to have reached production: it only runs in staging so far.
    if (lastWaveStart > nowMs - 2 * HOUR) continue;
    if (v !== rolledBackIndex) stable = to;
    for (const [ri, region] of m.regions.entries()) {
      const start = to.createdAt + DAY + ri * 3 * HOUR;
      const outcome: Outcome =
        v !== rolledBackIndex ? "completed" : ri === 0 ? "rolled_back" : "aborted";
      const finishedAt = await seedRollout(tx, {
        modelId: seeded.modelId,
        strategy: m.strategy,
        environmentId: topology.environmentId("production", region),
        from,
        to,
        start,
        outcome,
        firstRegion: m.regions[0],
      });
      if (outcome === "rolled_back" && failed) {
        history.badWindows.push({ model: m.name, start, end: finishedAt, errorRate: 0.031 * 0.25 });
        history.incidents.push({
          model: m.name,
          region,
          at: start + 8 * MINUTE,
          version: to.version,
          severity: failed.severity,
          title: `${m.displayName}: elevated 5xx during canary of ${to.version}`,
        });
      }
    }
  }
  return { ...history, stable };
}

/** Writes one rollout with its steps and events; returns when it finished. */
async function seedRollout(
  tx: Tx,
  r: {
    modelId: string;
    strategy: ModelSpec["strategy"];
    environmentId: string;
    from: SeededVersion;
    to: SeededVersion;
    start: number;
    outcome: Outcome;
    /** where the wave began, for the cancelled waves' message */
    firstRegion: string;
  },
): Promise<number> {
  const steps = rolloutSteps(r.start, r.outcome);
  const finishedAt = { completed: steps.end, rolled_back: r.start + 25 * MINUTE, aborted: r.start }[
    r.outcome
  ];
  await tx.rollout.create({
    data: {
      modelId: r.modelId,
      fromVersionId: r.from.id,
      toVersionId: r.to.id,
      environmentId: r.environmentId,
      strategy: r.strategy,
      status: r.outcome,
      currentStep: { completed: ROLLOUT_STEPS.length - 1, rolled_back: 2, aborted: 0 }[r.outcome],
      currentWeight: r.outcome === "completed" ? 100 : 0,
      reason: r.outcome === "rolled_back" ? "Automated analysis failed: canary error rate" : null,
      createdAt: new Date(r.start - 5 * MINUTE),
      startedAt: new Date(r.start),
      finishedAt: new Date(finishedAt),
      steps: { create: steps.rows },
      events: { create: rolloutEvents({ ...r, end: finishedAt }) },
    },
  });
  return finishedAt;
}

/** The step a rolled-back canary failed at: the pause at 25%, when analysis caught it. */
export const FAILED_STEP = 3;

function stepStatus(outcome: Outcome, index: number): "succeeded" | "failed" | "skipped" {
  if (outcome === "completed") return "succeeded";
  if (outcome === "aborted") return "skipped";
  return index < FAILED_STEP ? "succeeded" : index === FAILED_STEP ? "failed" : "skipped";
}

/** The rollout's steps, timed back to back from `start`; `end` is when the last would finish. */
export function rolloutSteps(start: number, outcome: Outcome) {
  let t = start;
  const rows = ROLLOUT_STEPS.map((s, index) => {
    const began = t;
    const dur = "durationSec" in s ? s.durationSec * 1000 : 2 * MINUTE;
    t += dur;
    const status = stepStatus(outcome, index);
    return {
      index,
      kind: s.kind,
      weight: "weight" in s ? s.weight : null,
      durationSec: "durationSec" in s ? s.durationSec : null,
      status,
      startedAt: status === "skipped" ? null : new Date(began),
      finishedAt: status === "skipped" ? null : new Date(began + dur),
    };
  });
  return { rows, end: t };
}

export function rolloutEvents(r: {
  from: SeededVersion;
  to: SeededVersion;
  start: number;
  end: number;
  outcome: Outcome;
  firstRegion: string;
}) {
  const started = {
    at: new Date(r.start),
    kind: "started",
    message: `Rollout of ${r.to.version} started`,
    actor: "flightdeck",
  };
  if (r.outcome === "aborted") {
    return [
      {
        at: new Date(r.start),
        kind: "aborted",
        message: `Wave cancelled: ${r.to.version} was rolled back in ${r.firstRegion}`,
        actor: RELEASE_MANAGER,
      },
    ];
  }
  if (r.outcome === "completed") {
    const message = `${r.to.version} serves 100% of traffic`;
    return [started, { at: new Date(r.end), kind: "completed", message, actor: "flightdeck" }];
  }
  return [
    started,
    {
      at: new Date(r.start + 22 * MINUTE),
      kind: "analysis.failed",
      message: "Canary error rate 3.1% vs baseline 0.2% exceeded the 1% threshold",
      actor: "flightdeck",
    },
    {
      at: new Date(r.end),
      kind: "rolled_back",
      message: `All traffic returned to ${r.from.version}`,
      actor: "flightdeck",
    },
  ];
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
    await tx.deployment.create({
      data: productionDeployment(rng, nowMs, stable, {
        modelId: seeded.modelId,
        environmentId: topology.environmentId("production", region),
        clusterId: () => topology.servingClusterId(region),
      }),
    });
  }
  await tx.deployment.create({
    data: stagingDeployment(nowMs, newest, {
      modelId: seeded.modelId,
      environmentId: topology.environmentId("staging", m.stagingRegion),
      clusterId: () => topology.servingClusterId(m.stagingRegion),
    }),
  });
}
