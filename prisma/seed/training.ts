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

/** The checkpoints and interruptions of one demo job, on one consistent timeline. */
export interface TrainingTimeline {
  /** steps an hour while it computes (checkpoint writes included) */
  stepsPerHour: number;
  /** steps between checkpoints */
  every: number;
  /** hours it computed: running less restarts, and less the time down after a final failure */
  computeHours: number;
  checkpoints: { step: number; at: number }[];
  interruptions: {
    at: number;
    stepAtFailure: number;
    lastCheckpointStep: number | null;
    lastCheckpointAt: number | null;
    stepsLost: number;
    workLostHours: number;
    /** null: the failure that stopped it, not restarted */
    restartSeconds: number | null;
  }[];
}

/**
 * A job's timeline walked in wall time from its start: it computes at a steady pace, writes a
 * checkpoint every `every` steps, and fails 70% of an interval after a checkpoint (the k-th of
 * its restarts after the checkpoint (k+1)/(n+1) of the way); after each restart it resumes from
 * that checkpoint, recomputing what it lost. The pace is solved so that the job reaches
 * `stepsDone` at the end of its run, lost steps and restarts included: a running or finished
 * job runs `runHours`; a failed one stops at its last failure (its run ends there, and it has
 * been down since). For a job checkpointing every so many hours the steps between checkpoints
 * follow from the pace, and what it loses with them.
 */
export function trainingTimeline(input: {
  startedAt: number;
  runHours: number;
  stepsDone: number;
  /** steps between checkpoints, unless `checkpointEveryHours` */
  everySteps: number;
  checkpointEveryHours?: number;
  /** minutes each restart took, oldest first */
  restartMinutes: readonly number[];
  /** the last failure stopped it: it is not restarted */
  failed: boolean;
}): TrainingTimeline {
  const { startedAt, runHours, stepsDone } = input;
  const closed = input.failed ? input.restartMinutes.slice(0, -1) : [...input.restartMinutes];
  const restartHours = closed.reduce((s, m) => s + m / 60, 0);
  const computeHours = Math.max(1, runHours - restartHours);
  // Steps recomputed per restart: 70% of an interval, which depends on the pace when the
  // interval is in hours (sph·C = stepsDone + n·0.7·every, with every = sph·hours).
  let every = input.everySteps;
  if (input.checkpointEveryHours) {
    const pace =
      stepsDone / Math.max(1, computeHours - closed.length * 0.7 * input.checkpointEveryHours);
    every = Math.max(1, Math.round(pace * input.checkpointEveryHours));
  }
  const lost = Math.round(0.7 * every);
  const stepsPerHour = Math.max(1, (stepsDone + closed.length * lost) / computeHours);

  const checkpoints: TrainingTimeline["checkpoints"] = [];
  const interruptions: TrainingTimeline["interruptions"] = [];
  let t = startedAt;
  let pos = 0;
  let written = 0;
  /** Computes from `pos` to `step`, writing the checkpoints due on the way. */
  const runTo = (step: number) => {
    for (let s = written + every; s <= step; s += every) {
      checkpoints.push({ step: s, at: t + ((s - pos) / stepsPerHour) * HOUR });
      written = s;
    }
    t += ((step - pos) / stepsPerHour) * HOUR;
    pos = step;
  };
  const total = Math.floor(stepsDone / every);
  for (const [k, minutes] of closed.entries()) {
    const from = Math.floor(((k + 1) / (closed.length + 1)) * total) * every;
    runTo(from + lost);
    const last = checkpoints.find((c) => c.step === from) ?? null;
    interruptions.push({
      at: t,
      stepAtFailure: from + lost,
      lastCheckpointStep: last?.step ?? null,
      lastCheckpointAt: last?.at ?? null,
      stepsLost: lost,
      workLostHours: lost / stepsPerHour,
      restartSeconds: minutes * 60,
    });
    // It runs again after the restart, from that checkpoint.
    t += minutes * 60_000;
    pos = from;
  }
  runTo(stepsDone);
  if (input.failed && input.restartMinutes.length > 0) {
    const last = checkpoints.at(-1) ?? null;
    const stepsLost = stepsDone - (last?.step ?? 0);
    interruptions.push({
      at: t,
      stepAtFailure: stepsDone,
      lastCheckpointStep: last?.step ?? null,
      lastCheckpointAt: last?.at ?? null,
      stepsLost,
      workLostHours: stepsLost / stepsPerHour,
      restartSeconds: null,
    });
  }
  return { stepsPerHour, every, computeHours, checkpoints, interruptions };
}

/** A failed demo job stopped this share of the way from its start to now, and waits since. */
const FAILED_AT_SHARE = 0.75;

/**
 * Training jobs with their checkpoints (each write's duration grows with the gang: 30 s plus
 * 2.5 s a GPU, ±15%) and interruptions, on one timeline each (`trainingTimeline`), spread over
 * the training clusters.
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
    rng.float(0.3, 1.2); // drawn where a flat loss per restart once was: later sections keep theirs
    const startedAt = nowMs - hours * HOUR;
    const stepsDone = Math.round(j.steps * j.done);
    const words = Array.from({ length: j.restarts }, (_, k) => {
      const what = j.interruptions?.[k] ?? USUAL_WORDS[k % USUAL_WORDS.length];
      if (!what) throw new Error("no interruption words");
      return what;
    });
    const failed = j.status === "failed";
    const timeline = trainingTimeline({
      startedAt,
      runHours: hours * (failed ? FAILED_AT_SHARE : 0.98),
      stepsDone,
      everySteps: Math.round(j.steps / 20),
      ...(j.checkpointEveryHours ? { checkpointEveryHours: j.checkpointEveryHours } : {}),
      restartMinutes: words.map((w) => w.restart),
      failed,
    });
    const writeSeconds = 30 + 2.5 * gpuCount;
    const checkpoints = timeline.checkpoints.map((c) => ({
      step: c.step,
      uri: `s3://ml-checkpoints/${j.model}/train-${ji + 1}/step-${c.step}`,
      createdAt: new Date(c.at),
      writeSeconds: Math.round(writeSeconds * (0.85 + 0.3 * spread(`${name}:${c.step}`))),
    }));
    const interruptions = timeline.interruptions.map((i, k) => {
      const what = words[k];
      if (!what) throw new Error("no interruption words");
      return {
        at: new Date(i.at),
        cause: what.cause,
        message: what.message,
        stepAtFailure: i.stepAtFailure,
        lastCheckpointStep: i.lastCheckpointStep,
        lastCheckpointAt: i.lastCheckpointAt === null ? null : new Date(i.lastCheckpointAt),
        stepsLost: i.stepsLost,
        workLostHours: i.workLostHours,
        restartSeconds: i.restartSeconds,
        // a failed job's stop holds no GPUs: only the work it lost
        gpuHoursLost: (i.workLostHours + (i.restartSeconds ?? 0) / 3600) * gpuCount,
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
        gpuHoursUsed: Number((gpuCount * timeline.computeHours).toFixed(1)),
        gpuHoursLost: Number(interruptions.reduce((s, i) => s + i.gpuHoursLost, 0).toFixed(1)),
        failureReason: j.failureReason ?? null,
        startedAt: new Date(startedAt),
        checkpoints: { create: checkpoints },
        interruptions: { create: interruptions },
      },
    });
  }
}
