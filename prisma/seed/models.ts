import { defaultPlan } from "../../src/lib/domain/rollouts/plan";
import { DAY, HOUR, sha, type Tx } from "./common";
import { CI_ACTOR, RESOURCES, type ModelSpec } from "./demo-data";
import type { Rng } from "./rng";

export interface SeededVersion {
  id: string;
  version: string;
  createdAt: number;
}

export interface SeededModel {
  modelId: string;
  /** oldest first */
  versions: SeededVersion[];
}

/** The release plan models are seeded with: the built-in default's steps, saved as the model's. */
const DEMO_PLAN = (() => {
  const { strategy, steps, thresholds } = defaultPlan([]);
  return { strategy, steps, thresholds };
})();

/** Promotion bars: the primary metric near the model's baseline, calibration and latency. */
function evalThresholdsFor(m: ModelSpec) {
  return [
    {
      metric: m.metric,
      direction: "higher",
      bound: Number((m.base - 0.02).toFixed(4)),
      maxRegression: 0.01,
    },
    { metric: "calibration_ece", direction: "lower", bound: 0.06 },
    { metric: "p99_latency_ms", direction: "lower", bound: 250 },
  ];
}

export const imageRef = (repository: string, digest: string) =>
  `registry.flightdeck.internal/${repository}@${digest}`;

export const artifactUri = (model: string, version: string) =>
  `s3://ml-artifacts/${model}/${version}/model.safetensors`;

/** A version's offline evaluation: its primary metric, then drawn calibration and latency. */
export function evalMetrics(rng: Rng, metric: string, primary: number) {
  return {
    [metric]: Number(primary.toFixed(4)),
    calibration_ece: Number(rng.float(0.01, 0.05).toFixed(4)),
    p99_latency_ms: Math.round(rng.float(40, 180)),
    eval_examples: rng.int(20, 200) * 1000,
  };
}

/** A model and its released versions, with full lineage, about nine days apart. */
export async function seedModel(
  tx: Tx,
  input: { rng: Rng; nowMs: number; model: ModelSpec; index: number; teamId: string },
): Promise<SeededModel> {
  const { rng, nowMs, model: m } = input;
  const model = await tx.model.create({
    data: {
      name: m.name,
      displayName: m.displayName,
      task: m.task,
      description: m.description,
      teamId: input.teamId,
      createdAt: new Date(nowMs - m.createdDaysAgo * DAY),
      evalThresholds: evalThresholdsFor(m),
      resources: RESOURCES[m.gpu],
      rolloutPlan: m.savedPlan ? DEMO_PLAN : undefined,
    },
  });
  const versions: SeededVersion[] = [];
  const baseImage = sha(rng);
  for (let v = 0; v < m.versions; v++) {
    const version = `${1 + Math.floor(v / 3)}.${v % 3}.0`;
    // The four newest 9 days apart, older ones spread back towards the model's creation, so
    // the history reaches the quarter before (its review has deliveries to count). Staggered by
    // the model's place in the catalogue, so models never release together.
    const age = m.versions - v;
    const spread = (m.createdDaysAgo - 5 - 36) / Math.max(1, m.versions - 4);
    const daysAgo = age <= 4 ? age * 9 : 36 + Math.round((age - 4) * spread);
    const createdAt = nowMs - daysAgo * DAY - rng.int(0, 3) * DAY - HOUR * input.index;
    const primary = Math.min(0.99, m.base + v * 0.008 + rng.float(-0.004, 0.006));
    const mv = await tx.modelVersion.create({
      data: {
        modelId: model.id,
        version,
        imageDigest: imageRef(m.name, sha(rng)),
        baseImageDigest: imageRef("serving-base", baseImage),
        artifactUri: artifactUri(m.name, version),
        trainingRunId: `run-${rng.hex(8)}`,
        datasetDigest: sha(rng),
        codeCommit: rng.hex(40),
        evalMetrics: evalMetrics(rng, m.metric, primary),
        createdBy: CI_ACTOR,
        createdAt: new Date(createdAt),
      },
    });
    versions.push({ id: mv.id, version, createdAt });
  }
  return { modelId: model.id, versions };
}
