import { HOUR, lookup, type Tx } from "./common";
import { MODELS, TRAINING_GPU_COUNTS, TRAINING_JOBS } from "./demo-data";
import type { Rng } from "./rng";

/** Training jobs with their checkpoints, spread over the training clusters. */
export async function seedTrainingJobs(
  tx: Tx,
  input: {
    rng: Rng;
    nowMs: number;
    modelIds: ReadonlyMap<string, string>;
    teamIds: ReadonlyMap<string, string>;
    trainingClusterIds: readonly string[];
  },
): Promise<void> {
  const { rng, nowMs } = input;
  for (const [ji, j] of TRAINING_JOBS.entries()) {
    const m = MODELS.find((x) => x.name === j.model);
    const clusterId = input.trainingClusterIds[ji % input.trainingClusterIds.length];
    if (!m || !clusterId) throw new Error(`no model or cluster for training job ${j.model}`);
    const gpuCount = j.gpuCount ?? rng.pick(TRAINING_GPU_COUNTS);
    const hours = rng.int(20, 140);
    const startedAt = nowMs - hours * HOUR;
    const stepsDone = Math.round(j.steps * j.done);
    const every = Math.round(j.steps / 20);
    const checkpoints = [];
    for (let s = every; s <= stepsDone; s += every) {
      checkpoints.push({
        step: s,
        uri: `s3://ml-checkpoints/${j.model}/train-${ji + 1}/step-${s}`,
        createdAt: new Date(startedAt + (s / Math.max(stepsDone, 1)) * hours * HOUR * 0.98),
      });
    }
    const lostPerRestart = gpuCount * rng.float(0.3, 1.2);
    await tx.trainingJob.create({
      data: {
        name: `${j.model}-train-${String(ji + 1).padStart(3, "0")}`,
        modelId: lookup(input.modelIds, j.model, "model"),
        teamId: lookup(input.teamIds, m.team, "team"),
        clusterId,
        status: j.status,
        gpuType: j.gpuType,
        gpuCount,
        stepsTotal: j.steps,
        stepsDone,
        restarts: j.restarts,
        gpuHoursUsed: Number((gpuCount * hours * 0.97).toFixed(1)),
        gpuHoursLost: Number((j.restarts * lostPerRestart).toFixed(1)),
        failureReason: j.failureReason ?? null,
        startedAt: new Date(startedAt),
        checkpoints: { create: checkpoints },
      },
    });
  }
}
