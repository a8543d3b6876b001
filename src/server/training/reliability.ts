import "server-only";
import { clock } from "@/lib/clock";
import { SharedRead } from "@/lib/shared-read";
import { db } from "@/server/db/client";
import type { Actor } from "@/server/auth/session";
import { assertCanRead } from "@/server/access/authorize";
import { AppError } from "@/server/errors";
import { clusterWhere } from "@/server/db/filters";
import type { FleetFilter } from "@/lib/schemas/list-query";
import { JOB_FIELDS, jobRow, type TrainingJob } from "@/server/training/jobs";
import {
  ADVISED_STATUSES,
  checkpointAdvice,
  downtime,
  downtimeGpuHours,
  intervalFromMedianGap,
  interruptionRates,
  jobReliability,
  meanTimeBetweenInterruptions,
  recordedBasis,
  type CheckpointAdvice,
  type Downtime,
  type InterruptionCause,
  type InterruptionCost,
  type InterruptionRate,
  type JobReliability,
} from "@/lib/domain/training/reliability";

/** Checkpoints a job page lists (the newest); its figures use them all. */
export const CHECKPOINTS_SHOWN = 50;
/** Interruptions a job page lists (the newest). */
export const INTERRUPTIONS_SHOWN = 100;

export interface TrainingJobDetail extends TrainingJob {
  regionCode: string;
  checkpointCount: number;
  /** newest first */
  checkpoints: { step: number; at: Date; writeSeconds: number | null }[];
  interruptionCount: number;
  /** newest first */
  interruptions: {
    at: Date;
    cause: InterruptionCause;
    message: string;
    stepAtFailure: number | null;
    lastCheckpointStep: number | null;
    lastCheckpointAt: Date | null;
    stepsLost: number | null;
    workLostHours: number;
    /** how the work lost was measured (unknown: neither the step reached nor a time was) */
    basis: InterruptionCost["basis"];
    /** null while it has not run again */
    restartSeconds: number | null;
    /** its restart (measured, or so far while the job restarts on its own), or a stop */
    downtime: Downtime;
    /** work lost, plus the restart on every GPU (so far, for one restarting; none stopped) */
    gpuHoursLost: number;
  }[];
  reliability: JobReliability;
  now: Date;
}

/** One training job with its checkpoints, interruptions, goodput and checkpoint advice. */
export async function getTrainingJob(
  actor: Actor | null,
  name: string,
): Promise<TrainingJobDetail> {
  assertCanRead(actor);
  const j = await db().trainingJob.findUnique({
    where: { name },
    select: {
      ...JOB_FIELDS,
      cluster: { select: { name: true, region: { select: { code: true } } } },
      checkpoints: {
        orderBy: { step: "desc" },
        select: { step: true, createdAt: true, writeSeconds: true },
      },
      interruptions: {
        orderBy: { at: "desc" },
        select: {
          at: true,
          cause: true,
          message: true,
          stepAtFailure: true,
          lastCheckpointStep: true,
          lastCheckpointAt: true,
          stepsLost: true,
          workLostHours: true,
          restartSeconds: true,
          gpuHoursLost: true,
        },
      },
    },
  });
  if (!j) throw new AppError("NOT_FOUND", `No training job named ${name}.`);
  const now = clock.now();
  const checkpoints = j.checkpoints.map((c) => ({
    step: c.step,
    at: c.createdAt,
    writeSeconds: c.writeSeconds,
  }));
  const reliability = jobReliability(
    {
      status: j.status,
      gpus: j.gpuCount,
      gpuHoursUsed: j.gpuHoursUsed,
      checkpoints,
      interruptions: j.interruptions.map((i) => ({
        at: i.at,
        restartSeconds: i.restartSeconds,
        workLostGpuHours: i.workLostHours * j.gpuCount,
      })),
    },
    now,
  );
  return {
    ...jobRow(actor, j, now),
    regionCode: j.cluster.region.code,
    checkpointCount: checkpoints.length,
    checkpoints: checkpoints.slice(0, CHECKPOINTS_SHOWN),
    interruptionCount: j.interruptions.length,
    interruptions: j.interruptions.slice(0, INTERRUPTIONS_SHOWN).map((i, index) => {
      // newest first: only the first can still be under way
      const down = downtime(i, { status: j.status, newest: index === 0 }, now);
      return {
        ...i,
        basis: recordedBasis(i),
        downtime: down,
        // one restarting costs its restart so far too; a failed job's stop holds no GPUs (its
        // recorded cost, the work lost, is what the list shows)
        gpuHoursLost:
          i.restartSeconds === null
            ? i.gpuHoursLost + downtimeGpuHours(down, j.gpuCount)
            : i.gpuHoursLost,
      };
    }),
    reliability,
    now,
  };
}

export interface FlaggedJob {
  name: string;
  cluster: string;
  gpuType: string;
  advice: Extract<CheckpointAdvice, { kind: "advice" }>;
}

export interface FleetReliability {
  byGpuType: InterruptionRate[];
  byCluster: InterruptionRate[];
  interruptions: number;
  gpuHours: number;
  /**
   * jobs still to run (ADVISED_STATUSES) whose checkpoint interval is far off the optimum,
   * furthest first
   */
  flagged: FlaggedJob[];
  /** jobs with enough data for an advice */
  advised: number;
  jobs: number;
}

/** Flagged jobs the Training page lists. */
export const FLAGGED_SHOWN = 10;

/**
 * Interruptions per 1,000 GPU-hours by GPU type and cluster, and the jobs whose checkpoint
 * interval is far too long or too short, over the jobs the region filter selects.
 *
 * The figures are the same for everyone and cover every job's history (on the large fleet, a
 * thousand jobs and their checkpoints: 10 to 20 ms of PostgreSQL for each Training page), so
 * they are computed once per `FLEET_RELIABILITY_TTL_MS` for everyone per region, and again at
 * once when an interruption is recorded or ends (its restart is measured), or a job is added: a
 * new failure shows on the next view. GPU-hours, checkpoint medians and corrections to an
 * interruption already recorded (its cause, a remeasured restart) are up to that old.
 */
export async function fleetReliability(
  actor: Actor | null,
  filter: FleetFilter,
): Promise<FleetReliability> {
  assertCanRead(actor);
  // Training jobs are narrowed by region only (clusterWhere): the environment is not a key.
  const key = filter.region ?? "";
  const [row] = await db().$queryRaw<{ version: string }[]>`
    SELECT concat_ws(':', count(*), count("restartSeconds"),
                     (SELECT count(*) FROM "TrainingJob")) AS version
    FROM "TrainingInterruption"`;
  const { value } = await sharedReliability.read(
    key,
    () => computeFleetReliability(filter),
    row?.version ?? "",
  );
  return value;
}

/** How long the fleet's training reliability is shared by the people who open Training. */
export const FLEET_RELIABILITY_TTL_MS = 30_000;

const sharedReliability = ((
  globalThis as unknown as { flightdeckTrainingReliability?: SharedRead<FleetReliability> }
).flightdeckTrainingReliability ??= new SharedRead<FleetReliability>({
  ttlMs: FLEET_RELIABILITY_TTL_MS,
  maxKeys: 64,
}));

/** `fleetReliability`, computed: three set-based queries, whatever the number of jobs. */
async function computeFleetReliability(filter: FleetFilter): Promise<FleetReliability> {
  const jobs = await db().trainingJob.findMany({
    where: { cluster: clusterWhere(filter) },
    select: {
      id: true,
      name: true,
      status: true,
      gpuType: true,
      gpuCount: true,
      gpuHoursUsed: true,
      cluster: { select: { name: true } },
    },
  });
  const ids = jobs.map((j) => j.id);
  const interruptions =
    ids.length === 0
      ? []
      : await db().trainingInterruption.groupBy({
          by: ["trainingJobId"],
          where: { trainingJobId: { in: ids } },
          _count: { _all: true },
          _sum: { restartSeconds: true },
        });
  // Per job: the mean write duration and the median time between consecutive checkpoints with
  // no interruption between them (as the domain's checkpointIntervalHours measures it).
  const checkpointStats =
    ids.length === 0
      ? []
      : await db().$queryRaw<{ job: string; cost: number | null; gap: number | null }[]>`
          SELECT "trainingJobId" AS job, avg("writeSeconds") AS cost,
                 percentile_cont(0.5) WITHIN GROUP (ORDER BY gap)
                   FILTER (WHERE gap > 0 AND dstep > 0 AND NOT spans) AS gap
          FROM (
            SELECT w.*, EXISTS (
                     SELECT 1 FROM "TrainingInterruption" i
                     WHERE i."trainingJobId" = w."trainingJobId" AND i.at > w.prev
                       AND i.at < w."createdAt") AS spans
            FROM (
              SELECT "trainingJobId", "writeSeconds", "createdAt",
                     lag("createdAt") OVER w AS prev,
                     extract(epoch FROM "createdAt" - lag("createdAt") OVER w) / 3600.0 AS gap,
                     step - lag(step) OVER w AS dstep
              FROM "Checkpoint" WHERE "trainingJobId" = ANY(${ids}::text[])
              WINDOW w AS (PARTITION BY "trainingJobId" ORDER BY step)
            ) w
          ) c
          GROUP BY "trainingJobId"`;
  const byJob = new Map(interruptions.map((i) => [i.trainingJobId, i]));
  const statsOf = new Map(checkpointStats.map((s) => [s.job, s]));
  const exposures = [];
  const flagged: FlaggedJob[] = [];
  let advised = 0;
  for (const j of jobs) {
    const i = byJob.get(j.id);
    const count = i?._count._all ?? 0;
    const restartGpuHours = ((i?._sum.restartSeconds ?? 0) / 3600) * j.gpuCount;
    exposures.push({
      gpuType: j.gpuType,
      cluster: j.cluster.name,
      gpuHours: j.gpuHoursUsed + restartGpuHours,
      interruptions: count,
    });
    const stats = statsOf.get(j.id);
    const cost = stats?.cost === null || stats?.cost === undefined ? null : Number(stats.cost);
    const advice = checkpointAdvice({
      costSeconds: cost,
      intervalHours: intervalFromMedianGap(
        stats?.gap === null || stats?.gap === undefined ? null : Number(stats.gap),
        cost,
      ),
      mtbi: meanTimeBetweenInterruptions(j.gpuCount > 0 ? j.gpuHoursUsed / j.gpuCount : 0, count),
    });
    if (advice.kind !== "advice") continue;
    advised += 1;
    // A finished or failed job's interval is history: only jobs still to run are flagged.
    if (advice.verdict !== "about_right" && ADVISED_STATUSES.includes(j.status))
      flagged.push({ name: j.name, cluster: j.cluster.name, gpuType: j.gpuType, advice });
  }
  const rates = interruptionRates(exposures);
  flagged.sort(
    (a, b) =>
      Math.abs(Math.log(b.advice.ratio)) - Math.abs(Math.log(a.advice.ratio)) ||
      (a.name < b.name ? -1 : 1),
  );
  return {
    ...rates,
    interruptions: exposures.reduce((s, e) => s + e.interruptions, 0),
    gpuHours: exposures.reduce((s, e) => s + e.gpuHours, 0),
    flagged: flagged.slice(0, FLAGGED_SHOWN),
    advised,
    jobs: jobs.length,
  };
}
