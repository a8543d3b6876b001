import { HOUR, lookup, type Tx } from "./common";
import {
  MODELS,
  TRAINING_GPU_COUNTS,
  TRAINING_JOBS,
  type DemoInterruptionCause,
} from "./demo-data";
import type { Rng } from "./rng";

/** A cause's usual words, for a demo job's restart that names none. */
const USUAL_WORDS: readonly { cause: DemoInterruptionCause; message: string; restart: number }[] = [
  { cause: "node_lost", message: "NodeNotReady: kubelet stopped posting status", restart: 18 },
  {
    cause: "nccl_timeout",
    message: "NCCL timeout: a rank stopped answering all-reduce",
    restart: 5,
  },
  { cause: "oom", message: "CUDA out of memory on rank 0", restart: 4 },
];

/** 0..1, the same for the same key: spreads write durations without drawing from the generator. */
function spread(key: string): number {
  let h = 2166136261;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

/**
 * Training jobs with their checkpoints (each write's duration grows with the gang: 30 s plus
 * 2.5 s a GPU, ±15%) and interruptions (each 70% of a checkpoint interval after the checkpoint it
 * resumes from), spread over the training clusters.
 */
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
    const name = `${j.model}-train-${String(ji + 1).padStart(3, "0")}`;
    const gpuCount = j.gpuCount ?? rng.pick(TRAINING_GPU_COUNTS);
    const hours = rng.int(20, 140);
    const startedAt = nowMs - hours * HOUR;
    const stepsDone = Math.round(j.steps * j.done);
    const runHours = hours * 0.98;
    const stepsPerHour = Math.max(1, stepsDone / runHours);
    const every = j.checkpointEveryHours
      ? Math.max(1, Math.round(stepsPerHour * j.checkpointEveryHours))
      : Math.round(j.steps / 20);
    const writeSeconds = 30 + 2.5 * gpuCount;
    const checkpoints: { step: number; uri: string; createdAt: Date; writeSeconds: number }[] = [];
    for (let s = every; s <= stepsDone; s += every) {
      checkpoints.push({
        step: s,
        uri: `s3://ml-checkpoints/${j.model}/train-${ji + 1}/step-${s}`,
        createdAt: new Date(startedAt + (s / Math.max(stepsDone, 1)) * runHours * HOUR),
        writeSeconds: Math.round(writeSeconds * (0.85 + 0.3 * spread(`${name}:${s}`))),
      });
    }
    rng.float(0.3, 1.2); // drawn where a flat loss per restart once was: later sections keep theirs
    const interruptions = Array.from({ length: j.restarts }, (_, k) => {
      const what = j.interruptions?.[k] ?? USUAL_WORDS[k % USUAL_WORDS.length];
      if (!what) throw new Error("no interruption words");
      // Spread over the run: the k-th after the checkpoint nearest (k+1)/(n+1) of the way.
      const index = Math.floor(((k + 1) / (j.restarts + 1)) * checkpoints.length) - 1;
      const last = checkpoints[Math.max(0, Math.min(checkpoints.length - 1, index))];
      const lastAt = last ? last.createdAt.getTime() : startedAt;
      const workHours = (0.7 * every) / stepsPerHour;
      const stillDown = j.status === "failed" && k === j.restarts - 1;
      const restartSeconds = stillDown ? null : what.restart * 60;
      const stepsLost = Math.round(0.7 * every);
      return {
        at: new Date(lastAt + workHours * HOUR),
        cause: what.cause,
        message: what.message,
        stepAtFailure: (last?.step ?? 0) + stepsLost,
        lastCheckpointStep: last?.step ?? null,
        lastCheckpointAt: last?.createdAt ?? null,
        stepsLost,
        workLostHours: workHours,
        restartSeconds,
        gpuHoursLost: (workHours + (restartSeconds ?? 0) / 3600) * gpuCount,
      };
    });
    await tx.trainingJob.create({
      data: {
        name,
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
        gpuHoursLost: Number(interruptions.reduce((s, i) => s + i.gpuHoursLost, 0).toFixed(1)),
        failureReason: j.failureReason ?? null,
        startedAt: new Date(startedAt),
        checkpoints: { create: checkpoints },
        interruptions: { create: interruptions },
      },
    });
  }
}
