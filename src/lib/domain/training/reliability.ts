/**
 * Training reliability: what each interruption of a job cost, how much of the GPU time it was
 * given did useful work (goodput), how often jobs are interrupted, and whether a job checkpoints
 * at the right interval for how often it is interrupted.
 *
 * The interval advice is the first-order optimum of Young (1974) and Daly (2006): with a
 * checkpoint cost C (the time one write takes) and a mean time between interruptions M, the
 * compute time between checkpoints that loses the least is τ* = √(2·C·M). The expected share of
 * time lost at an interval τ is, to first order, C/τ (writing checkpoints) + τ/(2M) (on average
 * half an interval of work is recomputed after each interruption).
 *
 * Pure: no clock, no I/O. Times are parameters; durations are hours unless named seconds.
 */

export const INTERRUPTION_CAUSES = [
  "node_lost",
  "gpu_xid",
  "nccl_timeout",
  "preemption",
  "oom",
  "other",
] as const;
export type InterruptionCause = (typeof INTERRUPTION_CAUSES)[number];

/** What each cause is called on pages, in words. */
export const CAUSE_LABELS: Record<InterruptionCause, string> = {
  node_lost: "Node lost",
  gpu_xid: "GPU Xid error",
  nccl_timeout: "NCCL timeout",
  preemption: "Preemption",
  oom: "Out of memory",
  other: "Other failure",
};

export function isInterruptionCause(value: string): value is InterruptionCause {
  return (INTERRUPTION_CAUSES as readonly string[]).includes(value);
}

/**
 * The cause of an interruption from what the platform says about it: a termination reason
 * (Kubernetes' `OOMKilled`, `Evicted`, `NodeLost`, a `DisruptionTarget` condition's reason…) and
 * its message. A GPU Xid is named before anything it set off (an NCCL timeout on a rank whose GPU
 * fell off the bus is the GPU's fault), and memory before the rest (an OOM kill is unambiguous).
 *
 * Kubernetes' disruption reasons: the taint manager deleting pods of an unreachable node
 * (`DeletionByTaintManager`), the pod garbage collector deleting those of a node that no longer
 * exists (`DeletionByPodGC`) and the kubelet ending them for a node shutdown
 * (`TerminationByKubelet`) all lose the node. A voluntary eviction through the Eviction API
 * (`EvictionByEvictionAPI`: a drain, an upgrade, the autoscaler removing the node) is the
 * platform taking the GPUs back on purpose, which is what preemption counts. A node-pressure
 * eviction (`Evicted`: the node ran low on memory or disk) is neither a lost node nor a
 * preemption, and often the job's own doing: "other", with the kubelet's words kept.
 */
export function classifyCause(reason: string | null, message: string | null): InterruptionCause {
  const r = reason ?? "";
  const text = `${r} ${message ?? ""}`;
  if (/^OOMKilled$/i.test(r) || /out of memory|\bOOM\b/i.test(text)) return "oom";
  if (/\bXid\b/i.test(text)) return "gpu_xid";
  if (/^(DeletionByTaintManager|DeletionByPodGC|TerminationByKubelet|NodeLost)$/i.test(r))
    return "node_lost";
  if (/^Evicted$/i.test(r)) return "other";
  if (
    /^(Preempting|PreemptionByScheduler|EvictionByEvictionAPI|DisruptionTarget)$/i.test(r) ||
    /preempt|spot (instance|node)|reclaimed/i.test(text)
  )
    return "preemption";
  if (
    /NodeLost|NodeNotReady|node (was )?(lost|deleted|gone)|node no longer exists|node shutdown|kubelet stopped|lost: node/i.test(
      text,
    )
  )
    return "node_lost";
  if (/NCCL|collective operation timeout|watchdog caught/i.test(text)) return "nccl_timeout";
  return "other";
}

const HOUR_MS = 3_600_000;

export interface CheckpointSample {
  step: number;
  /** when the write finished */
  at: Date;
  /** how long the write took; null when the platform did not report it */
  writeSeconds: number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1
    ? (s[mid] as number)
    : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * Consecutive checkpoints in step order, with a positive step and time between them and no
 * interruption between them: a gap that spans one holds the work it lost and its restart, not
 * the job's pace (a job interrupted twice in three intervals would otherwise measure them).
 */
function gaps(
  checkpoints: readonly CheckpointSample[],
  interruptions: readonly { at: Date }[],
): { steps: number; hours: number }[] {
  const sorted = [...checkpoints].sort((a, b) => a.step - b.step);
  const stops = interruptions.map((i) => i.at.getTime());
  const out: { steps: number; hours: number }[] = [];
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as CheckpointSample;
    const b = sorted[i] as CheckpointSample;
    const from = a.at.getTime();
    const to = b.at.getTime();
    const hours = (to - from) / HOUR_MS;
    if (b.step > a.step && hours > 0 && !stops.some((t) => t > from && t < to))
      out.push({ steps: b.step - a.step, hours });
  }
  return out;
}

/**
 * Steps per hour measured from the checkpoints: the median rate between consecutive ones with
 * no interruption between them. Null without two such.
 */
export function stepsPerHourFromCheckpoints(
  checkpoints: readonly CheckpointSample[],
  interruptions: readonly { at: Date }[] = [],
): number | null {
  return median(gaps(checkpoints, interruptions).map((g) => g.steps / g.hours));
}

/** The measured checkpoint cost C: the mean write duration, seconds. Null when none reported. */
export function checkpointCostSeconds(checkpoints: readonly CheckpointSample[]): number | null {
  const known = checkpoints
    .map((c) => c.writeSeconds)
    .filter((s): s is number => s !== null && Number.isFinite(s) && s >= 0);
  if (known.length === 0) return null;
  return known.reduce((s, x) => s + x, 0) / known.length;
}

/**
 * The job's actual checkpoint interval τ, hours of compute between checkpoints: the median time
 * from one checkpoint's end to the next one's end (with no interruption between them), less the
 * write itself. Null without two such checkpoints.
 */
export function checkpointIntervalHours(
  checkpoints: readonly CheckpointSample[],
  costSeconds: number | null,
  interruptions: readonly { at: Date }[] = [],
): number | null {
  return intervalFromMedianGap(
    median(gaps(checkpoints, interruptions).map((g) => g.hours)),
    costSeconds,
  );
}

/**
 * The interval τ from the median time between consecutive checkpoints' ends (as a database
 * computes it over many jobs at once): the gap less one write. Null without a gap; 0 when the
 * writes take as long as the gaps (the job does nothing but write checkpoints).
 */
export function intervalFromMedianGap(
  medianGapHours: number | null,
  costSeconds: number | null,
): number | null {
  if (medianGapHours === null || !Number.isFinite(medianGapHours)) return null;
  return Math.max(0, medianGapHours - (costSeconds ?? 0) / 3600);
}

// ---------------------------------------------------------------------------------------------
// What one interruption cost

export interface InterruptionFacts {
  at: Date;
  /** the step the job had reached when it failed; null when the platform does not know */
  stepAtFailure: number | null;
  /** the checkpoint it resumes from; null when it had none (it starts over) */
  lastCheckpointStep: number | null;
  lastCheckpointAt: Date | null;
  /** from the failure until it ran again (or until now, if it has not) */
  restartSeconds: number;
  /**
   * when the job last started running before this failure: when it ran again after the previous
   * interruption, or its start; null when not known. Work from before it was lost already.
   */
  ranSince?: Date | null;
}

export interface InterruptionCost {
  /** steps computed since the last checkpoint, done again; null when not known */
  stepsLost: number | null;
  /** hours of work since the last checkpoint, done again */
  workLostHours: number;
  restartHours: number;
  /** work lost plus restart time: the job's wall-clock time lost */
  hoursLost: number;
  /** hoursLost on every GPU the job holds */
  gpuHoursLost: number;
  /** how the work lost was measured: from steps and the job's pace, from time, or not at all */
  basis: "steps" | "time" | "unknown";
}

/**
 * Time lost to one interruption: the work since the last checkpoint (recomputed after the
 * restart) plus the time until it ran again, for the whole gang of GPUs. From steps when the
 * platform reports the step reached and the job's pace is known; otherwise from time: since the
 * latest of the last checkpoint and when the job last started running (a second failure before
 * the next checkpoint loses only what was done since the job ran again, not the first one's
 * loss and restart once more; a job with no checkpoint loses all it did since it started); with
 * neither, only the restart time is counted.
 */
export function interruptionCost(
  i: InterruptionFacts,
  job: { gpus: number; stepsPerHour: number | null },
): InterruptionCost {
  const restartHours = Math.max(0, i.restartSeconds) / 3600;
  const rate = job.stepsPerHour !== null && job.stepsPerHour > 0 ? job.stepsPerHour : null;
  const since = Math.max(
    i.lastCheckpointAt?.getTime() ?? -Infinity,
    i.ranSince?.getTime() ?? -Infinity,
  );
  let stepsLost: number | null = null;
  let workLostHours = 0;
  let basis: InterruptionCost["basis"] = "unknown";
  if (i.stepAtFailure !== null && rate !== null) {
    stepsLost = Math.max(0, i.stepAtFailure - (i.lastCheckpointStep ?? 0));
    workLostHours = stepsLost / rate;
    basis = "steps";
  } else if (Number.isFinite(since)) {
    workLostHours = Math.max(0, i.at.getTime() - since) / HOUR_MS;
    stepsLost = rate !== null ? Math.round(workLostHours * rate) : null;
    basis = "time";
  } else if (i.stepAtFailure !== null) {
    stepsLost = Math.max(0, i.stepAtFailure - (i.lastCheckpointStep ?? 0));
  }
  const hoursLost = workLostHours + restartHours;
  return {
    stepsLost,
    workLostHours,
    restartHours,
    hoursLost,
    gpuHoursLost: hoursLost * Math.max(0, job.gpus),
    basis,
  };
}

/**
 * When a job last started running before each of its interruptions (for `ranSince`): its start
 * before the first, then when it ran again after the one before (its time plus its restart; its
 * time alone while the restart is not known). In the order given; null where nothing is known.
 */
export function ranSinceEach(
  interruptions: readonly {
    at: Date;
    restartSeconds: number | null;
    /** when it ran again, where the platform says (a resume by hand, days after the stop) */
    ranAgainAt?: Date | null;
  }[],
  startedAt: Date | null,
): (Date | null)[] {
  const order = interruptions.map((i, index) => ({ i, index }));
  order.sort((a, b) => a.i.at.getTime() - b.i.at.getTime());
  const out: (Date | null)[] = interruptions.map(() => null);
  let since = startedAt;
  for (const { i, index } of order) {
    out[index] = since;
    since = i.ranAgainAt ?? new Date(i.at.getTime() + Math.max(0, i.restartSeconds ?? 0) * 1000);
  }
  return out;
}

/**
 * How a recorded interruption's work lost was measured, from what is stored of it (the basis
 * itself is not): steps when the step reached gave it, time when a checkpoint or the job's
 * running did, unknown when neither did (its work lost reads 0 but is not known to be).
 */
export function recordedBasis(i: {
  stepAtFailure: number | null;
  stepsLost: number | null;
  lastCheckpointAt: Date | null;
  workLostHours: number;
}): InterruptionCost["basis"] {
  if (
    i.stepAtFailure !== null &&
    i.stepsLost !== null &&
    (i.workLostHours > 0 || i.stepsLost === 0)
  )
    return "steps";
  if (i.workLostHours > 0 || i.lastCheckpointAt !== null) return "time";
  return "unknown";
}

// ---------------------------------------------------------------------------------------------
// Downtime: whose GPUs an interruption holds

/**
 * Job statuses in which an interruption not yet over holds the job's GPUs: the job restarts on
 * its own (the operator brings its pods back; a gang whose pods restart in place stays Running).
 */
const HOLDING_STATUSES: ReadonlySet<string> = new Set(["running", "checkpointing", "restarting"]);

export type Downtime =
  /** it ran again after `seconds`, on its GPUs */
  | { kind: "restarted"; seconds: number }
  /** it is restarting on its own: its GPUs are held, and lost, `seconds` so far */
  | { kind: "restarting"; seconds: number }
  /**
   * it is not coming back on its own: it holds no GPUs. `seconds`: how long it has been down
   * (wall-clock) while the job stays failed; null for one that ended otherwise (resumed by hand
   * before its restart was measured)
   */
  | { kind: "stopped"; seconds: number | null };

/**
 * What an interruption's downtime is: a restart on the job's GPUs (measured, or still going), or
 * a stop that holds none. A job that failed and waits for someone frees its GPUs: the days it
 * sits failed are wall-clock time, not allocated or lost GPU-hours. Only the job's newest
 * interruption can still be under way.
 */
export function downtime(
  i: { at: Date; restartSeconds: number | null },
  job: { status: string; newest: boolean },
  now: Date,
): Downtime {
  if (i.restartSeconds !== null)
    return { kind: "restarted", seconds: Math.max(0, i.restartSeconds) };
  const since = Math.max(0, (now.getTime() - i.at.getTime()) / 1000);
  if (job.newest && HOLDING_STATUSES.has(job.status)) return { kind: "restarting", seconds: since };
  return { kind: "stopped", seconds: job.newest && job.status === "failed" ? since : null };
}

/** The GPU-hours an interruption's downtime held: its restart, measured or so far; none stopped. */
export function downtimeGpuHours(d: Downtime, gpus: number): number {
  return d.kind === "stopped" ? 0 : (Math.max(0, d.seconds) / 3600) * Math.max(0, gpus);
}

// ---------------------------------------------------------------------------------------------
// Goodput

export interface GoodputInput {
  /** GPU-hours the job held its GPUs: running, writing checkpoints, and restarting */
  allocatedGpuHours: number;
  /** work recomputed after interruptions, and restarts */
  lostGpuHours: number;
  /** GPU-hours spent writing checkpoints */
  checkpointGpuHours: number;
}

export interface Goodput {
  allocatedGpuHours: number;
  usefulGpuHours: number;
  /** useful ÷ allocated, 0..1; null when nothing was allocated yet */
  ratio: number | null;
}

/** Useful GPU-hours (allocated less what was lost and spent on checkpoints) over allocated. */
export function goodput(input: GoodputInput): Goodput {
  const allocated = Math.max(0, input.allocatedGpuHours);
  const useful = Math.max(
    0,
    Math.min(
      allocated,
      allocated - Math.max(0, input.lostGpuHours) - Math.max(0, input.checkpointGpuHours),
    ),
  );
  return {
    allocatedGpuHours: allocated,
    usefulGpuHours: useful,
    ratio: allocated > 0 ? useful / allocated : null,
  };
}

// ---------------------------------------------------------------------------------------------
// Mean time between interruptions and the checkpoint interval advice

export type Mtbi =
  /** running hours ÷ interruptions */
  | { kind: "measured"; hours: number; interruptions: number; runningHours: number }
  /** no interruption yet: the true mean is at least the time run so far */
  | { kind: "lower_bound"; hours: number; interruptions: 0; runningHours: number };

/** MTBI from the hours a job ran and how often it was interrupted; null before it ran at all. */
export function meanTimeBetweenInterruptions(
  runningHours: number,
  interruptions: number,
): Mtbi | null {
  if (!(runningHours > 0)) return null;
  if (interruptions <= 0)
    return { kind: "lower_bound", hours: runningHours, interruptions: 0, runningHours };
  return { kind: "measured", hours: runningHours / interruptions, interruptions, runningHours };
}

/** Young/Daly's first-order optimum interval √(2·C·M), hours (C and M in hours). */
export function youngDalyOptimumHours(costHours: number, mtbiHours: number): number {
  if (!(costHours > 0) || !(mtbiHours > 0)) return 0;
  return Math.sqrt(2 * costHours * mtbiHours);
}

/** First-order share of time lost at interval τ: C/τ writing plus τ/(2M) recomputing. */
export function expectedWaste(
  intervalHours: number,
  costHours: number,
  mtbiHours: number,
): number | null {
  if (!(intervalHours > 0) || !(mtbiHours > 0)) return null;
  return costHours / intervalHours + intervalHours / (2 * mtbiHours);
}

/** An interval more than this many times the optimum checkpoints far too rarely. */
export const TOO_RARELY_RATIO = 2;
/** An interval less than this share of the optimum checkpoints far too often. */
export const TOO_OFTEN_RATIO = 0.5;

export type CheckpointVerdict = "too_rarely" | "too_often" | "about_right";

/**
 * Job statuses an advice is still of use to: the job runs, or will (a finished or failed job's
 * interval can no longer change; its page still says what it was worth).
 */
export const ADVISED_STATUSES: readonly string[] = [
  "queued",
  "running",
  "checkpointing",
  "restarting",
];

export const VERDICT_LABELS: Record<CheckpointVerdict, string> = {
  too_rarely: "Checkpoints far too rarely",
  too_often: "Checkpoints far too often",
  about_right: "Checkpoint interval about right",
};

/** The verdict for an interval against the optimum (the boundaries themselves are about right). */
export function verdictFor(intervalHours: number, optimumHours: number): CheckpointVerdict {
  if (!(optimumHours > 0)) return "about_right";
  const ratio = intervalHours / optimumHours;
  if (ratio > TOO_RARELY_RATIO) return "too_rarely";
  if (ratio < TOO_OFTEN_RATIO) return "too_often";
  return "about_right";
}

export type CheckpointAdvice =
  | {
      kind: "advice";
      costSeconds: number;
      mtbi: Mtbi;
      /** √(2·C·M); with an MTBI that is only a lower bound, a lower bound too */
      optimumHours: number;
      intervalHours: number;
      /** interval ÷ optimum */
      ratio: number;
      verdict: CheckpointVerdict;
      /** first-order share of time lost now and at the optimum */
      wasteNow: number | null;
      wasteAtOptimum: number | null;
    }
  | { kind: "not_enough_data"; reason: string };

/**
 * Whether a job's checkpoint interval suits its measured checkpoint cost and interruption rate.
 * Without an interruption yet, the MTBI and so the optimum are only lower bounds: an interval far
 * below the bound still checkpoints too often, but nothing else can be concluded.
 */
export function checkpointAdvice(input: {
  costSeconds: number | null;
  intervalHours: number | null;
  mtbi: Mtbi | null;
}): CheckpointAdvice {
  const { costSeconds, intervalHours, mtbi } = input;
  if (costSeconds === null || !(costSeconds > 0))
    return { kind: "not_enough_data", reason: "no checkpoint write duration measured yet" };
  // 0 is a measured interval: the writes take as long as the gaps (far too often, below)
  if (intervalHours === null || !(intervalHours >= 0))
    return {
      kind: "not_enough_data",
      reason: "fewer than two checkpoints in a row without an interruption to measure the interval",
    };
  if (mtbi === null) return { kind: "not_enough_data", reason: "the job has not run yet" };
  const costHours = costSeconds / 3600;
  const optimumHours = youngDalyOptimumHours(costHours, mtbi.hours);
  const ratio = intervalHours / optimumHours;
  const verdict = verdictFor(intervalHours, optimumHours);
  if (mtbi.kind === "lower_bound" && verdict !== "too_often")
    return {
      kind: "not_enough_data",
      reason: `no interruption in ${formatHours(mtbi.runningHours)} of running, so the mean time between interruptions is not known yet`,
    };
  return {
    kind: "advice",
    costSeconds,
    mtbi,
    optimumHours,
    intervalHours,
    ratio,
    verdict,
    wasteNow: expectedWaste(intervalHours, costHours, mtbi.hours),
    wasteAtOptimum: expectedWaste(optimumHours, costHours, mtbi.hours),
  };
}

/** "45 min", "3.2 h", "2.1 d": a duration in hours, as pages show it. */
export function formatHours(hours: number): string {
  if (!Number.isFinite(hours)) return "—";
  if (hours < 1) return `${Math.max(0, Math.round(hours * 60))} min`;
  if (hours < 48) return `${(Math.round(hours * 10) / 10).toFixed(1)} h`;
  return `${(Math.round((hours / 24) * 10) / 10).toFixed(1)} d`;
}

// ---------------------------------------------------------------------------------------------
// Fleet-wide interruption rates

export interface JobExposure {
  gpuType: string;
  cluster: string;
  /** GPU-hours the job was allocated */
  gpuHours: number;
  interruptions: number;
}

export interface InterruptionRate {
  key: string;
  jobs: number;
  interruptions: number;
  gpuHours: number;
  /** interruptions per 1,000 GPU-hours; null without GPU-hours */
  per1000GpuHours: number | null;
}

function ratesBy(
  jobs: readonly JobExposure[],
  keyOf: (j: JobExposure) => string,
): InterruptionRate[] {
  const groups = new Map<string, InterruptionRate>();
  for (const j of jobs) {
    const key = keyOf(j);
    const g = groups.get(key) ?? {
      key,
      jobs: 0,
      interruptions: 0,
      gpuHours: 0,
      per1000GpuHours: null,
    };
    g.jobs += 1;
    g.interruptions += Math.max(0, j.interruptions);
    g.gpuHours += Math.max(0, j.gpuHours);
    groups.set(key, g);
  }
  return [...groups.values()]
    .map((g) => ({
      ...g,
      per1000GpuHours: g.gpuHours > 0 ? (g.interruptions / g.gpuHours) * 1000 : null,
    }))
    .sort(
      (a, b) =>
        (b.per1000GpuHours ?? -1) - (a.per1000GpuHours ?? -1) ||
        (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    );
}

/** Interruptions per 1,000 allocated GPU-hours by GPU type and by cluster, highest first. */
export function interruptionRates(jobs: readonly JobExposure[]): {
  byGpuType: InterruptionRate[];
  byCluster: InterruptionRate[];
} {
  return { byGpuType: ratesBy(jobs, (j) => j.gpuType), byCluster: ratesBy(jobs, (j) => j.cluster) };
}

// ---------------------------------------------------------------------------------------------
// One job's reliability, from what is recorded of it

export interface RecordedInterruption {
  at: Date;
  /** null while it has not run again */
  restartSeconds: number | null;
  /** the work since the last checkpoint, recomputed; GPU-hours */
  workLostGpuHours: number;
}

export interface JobReliabilityInput {
  /** the job's status now: whether an interruption not yet over holds its GPUs (`downtime`) */
  status: string;
  gpus: number;
  /** GPU-hours the job ran (computing or writing checkpoints), lost work included */
  gpuHoursUsed: number;
  checkpoints: readonly CheckpointSample[];
  interruptions: readonly RecordedInterruption[];
}

export interface JobReliability {
  runningHours: number;
  stepsPerHour: number | null;
  /**
   * restart time, GPU-hours: one restarting on its own counts until `now`; a failed job's stop
   * holds no GPUs and counts nothing
   */
  restartGpuHours: number;
  workLostGpuHours: number;
  checkpointGpuHours: number;
  goodput: Goodput;
  costSeconds: number | null;
  intervalHours: number | null;
  mtbi: Mtbi | null;
  advice: CheckpointAdvice;
}

/** Goodput, MTBI and the checkpoint advice of one job as of `now`. */
export function jobReliability(input: JobReliabilityInput, now: Date): JobReliability {
  const gpus = Math.max(0, input.gpus);
  const runningHours = gpus > 0 ? Math.max(0, input.gpuHoursUsed) / gpus : 0;
  const newest = input.interruptions.reduce((t, i) => Math.max(t, i.at.getTime()), -Infinity);
  const restartGpuHours = input.interruptions.reduce(
    (s, i) =>
      s +
      downtimeGpuHours(
        downtime(i, { status: input.status, newest: i.at.getTime() === newest }, now),
        gpus,
      ),
    0,
  );
  const workLostGpuHours = input.interruptions.reduce(
    (s, i) => s + Math.max(0, i.workLostGpuHours),
    0,
  );
  const checkpointGpuHours = input.checkpoints.reduce(
    (s, c) => s + (Math.max(0, c.writeSeconds ?? 0) / 3600) * gpus,
    0,
  );
  const costSeconds = checkpointCostSeconds(input.checkpoints);
  const intervalHours = checkpointIntervalHours(
    input.checkpoints,
    costSeconds,
    input.interruptions,
  );
  const mtbi = meanTimeBetweenInterruptions(runningHours, input.interruptions.length);
  return {
    runningHours,
    stepsPerHour: stepsPerHourFromCheckpoints(input.checkpoints, input.interruptions),
    restartGpuHours,
    workLostGpuHours,
    checkpointGpuHours,
    goodput: goodput({
      allocatedGpuHours: Math.max(0, input.gpuHoursUsed) + restartGpuHours,
      lostGpuHours: workLostGpuHours + restartGpuHours,
      checkpointGpuHours,
    }),
    costSeconds,
    intervalHours,
    mtbi,
    advice: checkpointAdvice({ costSeconds, intervalHours, mtbi }),
  };
}
